// `npm run unit`: every test/*.test.ts through node:test, the files shared among a few processes (two a core),
// as many processes at once as the machine has cores. A process a file, as node --test makes them, paid a start-up
// of node, tsx and the support code for each of the 50 files: that start-up was half the unit tests' CPU. Each
// file's tests stay in a suite of their own, named by the file, so its top-level before/after hooks are its own; a
// file must leave the process as it found it (environment, listeners, mocks outside `t.mock`). The processes get
// this one's node arguments: as `npm run unit` starts it, libxml2-wasm loaded before tsx (LIBXML2_PRELOAD in
// support/runner/paths.ts says why), then tsx. Exit 1 when a test fails.
//
// node --import libxml2-wasm --import tsx test/run-tests.ts [DIR...]   (default test/; DIRs relative to the project)
//
// `npm run selftest` runs its unit files through runTestFilesGrouped too, and each end-to-end file in a process of
// its own (runTestFiles).
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os, { availableParallelism } from 'node:os';
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
 * Runs the files, `concurrency` processes at once, each file in a process of its own, in the order given (put the
 * longest first), and writes node's spec report to `out` as it comes. Resolves once every file has ended.
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

/**
 * The files dealt round-robin, the largest first, into `count` lists: sizes stand in for how long a file runs,
 * and several lists a core even out what they miss.
 */
export function dealFiles(files: readonly { file: string; size: number }[], count: number): string[][] {
  const lists: string[][] = Array.from({ length: Math.max(1, Math.min(count, files.length)) }, () => []);
  const largestFirst = [...files].sort((a, b) => b.size - a.size || a.file.localeCompare(b.file));
  for (const [i, { file }] of largestFirst.entries()) lists[i % lists.length]?.push(file);
  return lists;
}

/** A group's entry: each file imported inside a suite named by its path, so that its top-level hooks stay its own. */
export function groupEntry(files: readonly string[]): string {
  const suites = files.map(
    (file) =>
      `describe(${JSON.stringify(path.relative(ROOT, file))}, async () => {\n  await import(${JSON.stringify(pathToFileURL(file).href)});\n});`,
  );
  return `import { describe } from 'node:test';\n${suites.join('\n')}\n`;
}

/**
 * Runs the files shared among `concurrency` × 2 processes (groupEntry), `concurrency` at once, and writes node's
 * spec report to `out`. The entries are written to a folder of their own in the system's temporary folder, and
 * removed after.
 */
export async function runTestFilesGrouped(
  files: readonly string[],
  concurrency: number,
  out: NodeJS.WritableStream = process.stdout,
): Promise<TestFilesResult> {
  const sized = await Promise.all(files.map(async (file) => ({ file, size: (await stat(file)).size })));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'autostore-unit-'));
  try {
    const entries = await Promise.all(
      dealFiles(sized, concurrency * 2).map(async (group, i) => {
        const entry = path.join(dir, `group-${i + 1}.mjs`);
        await writeFile(entry, groupEntry(group));
        return entry;
      }),
    );
    return await runTestFiles(entries, concurrency, out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const dirs = argv.length > 0 ? argv : ['test'];
  const files = (await Promise.all(dirs.map(testFiles))).flat();
  const { failures } = await runTestFilesGrouped(files, availableParallelism());
  if (failures > 0) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`run-tests: ${(error as Error)?.message ?? String(error)}`);
    process.exitCode = 2;
  });
}
