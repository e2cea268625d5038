// The emulator alone in a process, for the corpus and the soak: its memory and its prototypes are then its
// own, and it has a core to itself. Started with --expose-gc; prints its task URL, then answers each line on
// stdin: `memory` with its memory after a full collection, `prototypes` with the own property names of
// Object.prototype, Array.prototype and Function.prototype (to catch prototype pollution).
//   node --expose-gc --import tsx test/hostile/emulator-process.ts TOKEN

import { createInterface } from 'node:readline';
import { startEmulator } from '../../emulator/index.ts';

const token = process.argv[2];
const emulator = await startEmulator({ host: '127.0.0.1', port: 0, rigToken: token, quiet: true });
process.stdout.write(`Task Interface: ${emulator.taskUrl}\n`);

const collect = (globalThis as { gc?: () => void }).gc;
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'prototypes') {
    const names = [Object.prototype, Array.prototype, Function.prototype].flatMap((prototype) =>
      Object.getOwnPropertyNames(prototype),
    );
    process.stdout.write(`prototypes ${JSON.stringify(names.sort())}\n`);
    return;
  }
  if (line.trim() !== 'memory') return;
  const rssBefore = process.memoryUsage().rss;
  collect?.();
  const { rss, heapUsed } = process.memoryUsage();
  process.stdout.write(
    `memory ${JSON.stringify({ rssBefore, rss, heapUsed, collected: collect !== undefined })}\n`,
  );
});
lines.on('close', () => {
  void emulator.close().then(() => process.exit(0));
});
