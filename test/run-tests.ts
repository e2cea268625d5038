// `npm run unit`: every test/*.test.ts through node:test, one file a process, as many at once as the machine has
// cores (node --test runs one fewer: on a 2-core machine, one at a time, and the unit tests then took over a
// minute). The files' processes get this one's --import tsx. Exit 1 when a test fails.
//
// node --import tsx test/run-tests.ts [DIR...]   (default test/; DIRs relative to the project)
//
// `npm run selftest` runs its unit and end-to-end files through runTestFiles too, beside its other phases.
import { readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The *.test.ts files of a folder (relative to the project), sorted, as absolute paths. */
export async function testFiles(dir: string): Promise<string[]> {
  const absolute = path.resolve(ROOT, dir);
  // Node 20's runner takes no glob: name the files.
  return (await readdir(absolute))
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => path.join(absolute, f));
}

export interface TestFilesResult {
  /** How many tests failed (suites and the tests in them each count), a file that failed to load included. */
  readonly failures: number;
}

/**
 * Runs the files, `concurrency` processes at once, in the order given (put the longest first), and writes node's
 * spec report to `out` as it comes. Resolves once every file has ended.
 */
export async function runTestFiles(
  files: readonly string[],
  concurrency: number,
  out: NodeJS.WritableStream = process.stdout,
): Promise<TestFilesResult> {
  let failures = 0;
  const stream = run({ files: [...files], concurrency });
  stream.on('test:fail', () => {
    failures++;
  });
  for await (const chunk of stream.compose(new spec())) out.write(chunk as string);
  return { failures };
}

async function main(argv: readonly string[]): Promise<void> {
  const dirs = argv.length > 0 ? argv : ['test'];
  const files = (await Promise.all(dirs.map(testFiles))).flat();
  const { failures } = await runTestFiles(files, availableParallelism());
  if (failures > 0) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`run-tests: ${(error as Error)?.message ?? String(error)}`);
    process.exitCode = 2;
  });
}
