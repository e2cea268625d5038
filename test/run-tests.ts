// `npm run unit`: every test/*.test.ts through node:test, one file a process, as many at once as the machine has
// cores (node --test runs one fewer: on a 2-core machine, one at a time, and the unit tests then took over a
// minute). The files' processes get this one's --import tsx. Exit 1 when a test fails.
//
// node --import tsx test/run-tests.ts [DIR]   (default test/; DIR relative to the project)
import { readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main(argv: readonly string[]): Promise<void> {
  const dir = path.resolve(ROOT, argv[0] ?? 'test');
  // Node 20's runner takes no glob: name the files.
  const files = (await readdir(dir))
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => path.join(dir, f));
  const stream = run({ files, concurrency: availableParallelism() });
  stream.on('test:fail', () => {
    process.exitCode = 1;
  });
  stream.compose(new spec()).pipe(process.stdout);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`run-tests: ${(error as Error)?.message ?? String(error)}`);
  process.exitCode = 2;
});
