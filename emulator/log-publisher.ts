// The Log Publisher: a TCP server beside the Task Interface (the vendor's V2 port 44001). A client connects and
// receives, from then on, every line the site publishes, each CRLF-terminated, as readable text: no request, no
// handshake, no history. A client that does not read is dropped once its unsent output passes a bound, so it
// never stalls the emulator or the other clients.

import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';

export const DEFAULT_LOG_PORT = 44001;
/** Unsent output a client may have queued in the emulator; one line more and the client is dropped. */
export const LOG_CLIENT_UNSENT_LIMIT = 1024 * 1024;
/** Clients at once; a connection beyond it is closed at once, with a log line. */
export const LOG_CLIENT_LIMIT = 64;

export interface LogPublisherOptions {
  /** Connections, disconnections and drops, one line each; undefined for none. */
  readonly log?: (line: string) => void;
  /** Default LOG_CLIENT_UNSENT_LIMIT. */
  readonly unsentLimit?: number;
  /** Default LOG_CLIENT_LIMIT. */
  readonly clientLimit?: number;
}

/** One connected client as the emulator sees it. */
export interface LogClientStats {
  /** host:port of the client. */
  readonly remote: string;
  /** Bytes written to the socket that the kernel has not taken yet (socket.writableLength), now. */
  readonly unsent: number;
  /** The most unsent bytes seen right after any write to this client: never above the limit. */
  readonly maxUnsent: number;
  /** Lines written to it since it connected. */
  readonly lines: number;
}

interface Client {
  readonly socket: Socket;
  readonly remote: string;
  maxUnsent: number;
  lines: number;
}

function remoteOf(socket: Socket): string {
  const host = socket.remoteAddress ?? '?';
  return `${host.includes(':') ? `[${host}]` : host}:${socket.remotePort ?? '?'}`;
}

export class LogPublisher {
  readonly server: Server;
  readonly #clients = new Set<Client>();
  readonly #log: ((line: string) => void) | undefined;
  readonly #unsentLimit: number;
  readonly #clientLimit: number;

  constructor(options: LogPublisherOptions = {}) {
    this.#log = options.log;
    this.#unsentLimit = options.unsentLimit ?? LOG_CLIENT_UNSENT_LIMIT;
    this.#clientLimit = options.clientLimit ?? LOG_CLIENT_LIMIT;
    this.server = createServer((socket) => this.#accept(socket));
  }

  #accept(socket: Socket): void {
    socket.on('error', () => {});
    const remote = remoteOf(socket);
    if (this.#clients.size >= this.#clientLimit) {
      this.#log?.(`Log Publisher: refused ${remote}: already ${this.#clientLimit} clients`);
      socket.destroy();
      return;
    }
    const client: Client = { socket, remote, maxUnsent: 0, lines: 0 };
    this.#clients.add(client);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    // Whatever a client sends (a Telnet client's keystrokes) is read and dropped: the stream only goes out.
    socket.resume();
    socket.once('close', () => {
      if (this.#clients.delete(client))
        this.#log?.(`Log Publisher: ${remote} disconnected (${this.#clients.size} connected)`);
    });
    this.#log?.(`Log Publisher: ${remote} connected (${this.#clients.size} connected)`);
  }

  /** Listens; resolves to the address, rejects with the listen error (code EADDRINUSE, ...). */
  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Sends lines to every client at once, each followed by CRLF. Never waits, never throws for a client. */
  publish(lines: readonly string[]): void {
    if (this.#clients.size === 0 || lines.length === 0) return;
    const chunk = Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
    for (const client of this.#clients) {
      const { socket } = client;
      if (socket.destroyed || !socket.writable) continue;
      if (socket.writableLength + chunk.length > this.#unsentLimit) {
        this.#drop(
          client,
          `${socket.writableLength} bytes unsent, ${chunk.length} more would pass the limit of ${this.#unsentLimit}: it does not read`,
        );
        continue;
      }
      socket.write(chunk);
      client.lines += lines.length;
      if (socket.writableLength > client.maxUnsent) client.maxUnsent = socket.writableLength;
    }
  }

  #drop(client: Client, reason: string): void {
    this.#clients.delete(client);
    this.#log?.(`Log Publisher: dropped ${client.remote}: ${reason} (${this.#clients.size} connected)`);
    // A reset, not a FIN queued behind output it will never read: the kernel frees its buffers at once too.
    client.socket.resetAndDestroy();
  }

  /** The clients connected now. */
  clients(): LogClientStats[] {
    return [...this.#clients].map(({ socket, remote, maxUnsent, lines }) => ({
      remote,
      unsent: socket.writableLength,
      maxUnsent,
      lines,
    }));
  }

  /** Stops listening and closes every client. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      for (const client of this.#clients) client.socket.destroy();
      this.#clients.clear();
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
    });
  }
}
