// A raw TCP client of a Log Publisher for the emulator's tests: every byte kept as it came, nothing parsed.

import { connect, type Socket } from 'node:net';

export interface RawStream {
  readonly socket: Socket;
  /** Everything received so far, as latin1 text (byte for byte). */
  text(): string;
  /** How many bytes came so far. */
  received(): number;
  /** Waits (polling, at most `ms`) until the text received satisfies `done`; throws with what came otherwise. */
  until(done: (text: string) => boolean, ms?: number): Promise<string>;
  /** Resolves when the emulator closed the connection. */
  readonly closed: Promise<void>;
}

export async function openRawStream(port: number, host = '127.0.0.1'): Promise<RawStream> {
  const socket = connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  const chunks: Buffer[] = [];
  let received = 0;
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    received += chunk.length;
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const text = () => Buffer.concat(chunks).toString('latin1');
  return {
    socket,
    text,
    closed,
    received: () => received,
    async until(done, ms = 5_000) {
      const deadline = Date.now() + ms;
      let seen = -1;
      while (Date.now() < deadline) {
        // The text is only rebuilt when more came.
        if (received !== seen) {
          seen = received;
          if (done(text())) return text();
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      throw new Error(
        `the stream did not show what was awaited within ${ms} ms; it showed ${JSON.stringify(text().slice(-400))}`,
      );
    },
  };
}

/** Waits until the emulator has accepted `count` Log Publisher clients (a connect resolves before it does). */
export async function clientsConnected(clients: () => readonly unknown[], count: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (clients().length < count) {
    if (Date.now() > deadline) throw new Error(`${clients().length} clients connected, not ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
