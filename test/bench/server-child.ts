// A server for the benchmark in its own process (its own core): the reference emulator, or a bare node:http
// server that reads the request and answers one constant body. Loopback only. Started by servers.ts with
// fork(); it says where it listens over IPC, answers memory questions, and ends when its parent goes.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator } from '../../emulator/index.ts';

export type ChildRequest =
  | { readonly kind: 'memory' }
  | { readonly kind: 'cpu' }
  | { readonly kind: 'close' };

export type ChildMessage =
  | { readonly kind: 'ready'; readonly taskUrl: string; readonly rigUrl?: string }
  | { readonly kind: 'memory'; readonly rss: number; readonly maxRss: number; readonly heapUsed: number }
  /** CPU time the process has used, user and system, in microseconds. */
  | { readonly kind: 'cpu'; readonly user: number; readonly system: number }
  | { readonly kind: 'error'; readonly message: string };

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function start(): Promise<() => Promise<void>> {
  const mode = process.argv[2];
  if (mode === 'emulator') {
    const rigToken = process.env.BENCH_RIG_TOKEN;
    const emulator = await startEmulator({ host: '127.0.0.1', port: 0, rigToken, quiet: true });
    send({ kind: 'ready', taskUrl: emulator.taskUrl, rigUrl: emulator.rigUrl });
    return () => emulator.close();
  }
  if (mode === 'bare') {
    const payload = Buffer.from(process.env.BENCH_BODY ?? 'ok', 'utf8');
    const headers = {
      'Content-Type': process.env.BENCH_CONTENT_TYPE ?? 'text/plain; charset=utf-8',
      'Content-Length': String(payload.length),
      'Cache-Control': 'no-store',
    };
    const server = createServer((request, response) => {
      request.resume(); // read the whole body, as any server must, and drop it
      request.on('end', () => {
        response.writeHead(200, headers);
        response.end(payload);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    send({ kind: 'ready', taskUrl: `http://127.0.0.1:${port}/api/v2/task` });
    return () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
  }
  throw new Error(`unknown server kind ${JSON.stringify(mode)}: emulator or bare`);
}

start().then(
  (close) => {
    const stop = () => {
      void close().finally(() => process.exit(0));
    };
    process.on('message', (message: ChildRequest) => {
      if (message.kind === 'memory') {
        const memory = process.memoryUsage();
        send({
          kind: 'memory',
          rss: memory.rss,
          maxRss: process.resourceUsage().maxRSS * 1024,
          heapUsed: memory.heapUsed,
        });
      } else if (message.kind === 'cpu') {
        const { user, system } = process.cpuUsage();
        send({ kind: 'cpu', user, system });
      } else if (message.kind === 'close') stop();
    });
    process.on('disconnect', stop); // the bench ended, however it ended
  },
  (error: unknown) => {
    send({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
    process.exit(2);
  },
);
