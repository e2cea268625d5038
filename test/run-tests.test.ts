// test/run-tests.ts: the unit files shared among a few processes, each file's tests and hooks in a suite of their
// own, every failure counted.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { dealFiles, groupEntry } from './run-tests.ts';

const execFileAsync = promisify(execFile);
const RUN_TESTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'run-tests.ts');

test('deals every file once, the largest first, round-robin, never into an empty list', () => {
  const files = [
    { file: 'a', size: 10 },
    { file: 'b', size: 50 },
    { file: 'c', size: 30 },
    { file: 'd', size: 40 },
    { file: 'e', size: 20 },
  ];
  assert.deepEqual(dealFiles(files, 2), [
    ['b', 'c', 'a'],
    ['d', 'e'],
  ]);
  assert.deepEqual(dealFiles(files.slice(0, 2), 4), [['b'], ['a']]);
  assert.deepEqual(dealFiles([], 4), [[]]);
});

test('a group runs each file in a suite of its own: one file’s top-level hooks never run for another’s tests', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'run-tests-test-'));
  try {
    const hooked = path.join(dir, 'hooked.test.mjs');
    const plain = path.join(dir, 'plain.test.mjs');
    const failing = path.join(dir, 'failing.test.mjs');
    await writeFile(
      hooked,
      "import { beforeEach, test } from 'node:test';\nbeforeEach(() => { globalThis.hooked = (globalThis.hooked ?? 0) + 1; });\ntest('h1', () => {});\ntest('h2', () => {});\n",
    );
    await writeFile(
      plain,
      "import assert from 'node:assert/strict';\nimport { test } from 'node:test';\nlet first;\ntest('p1', () => { first = globalThis.hooked; });\ntest('p2', () => { assert.equal(globalThis.hooked, first); assert.equal(first, 2); });\n",
    );
    await writeFile(
      failing,
      "import { test } from 'node:test';\ntest('f1', () => { throw new Error('meant to fail'); });\n",
    );
    const entry = path.join(dir, 'group.mjs');
    await writeFile(entry, groupEntry([hooked, plain, failing]));
    // node:test's run() does not run inside a test file: a process of its own runs the group, as npm run unit does
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const runner = path.join(dir, 'runner.mjs');
    await writeFile(
      runner,
      `const { runTestFiles } = await import(${JSON.stringify(pathToFileURL(RUN_TESTS).href)});\nconst { failures } = await runTestFiles([${JSON.stringify(entry)}], 1);\nconsole.log('failures: ' + failures);\n`,
    );
    const result = await execFileAsync(process.execPath, [...process.execArgv, runner], {
      env,
      timeout: 60_000,
    });
    const report = result.stdout;
    assert.match(report, /✔ p2/, report);
    assert.match(report, /✖ f1/, report);
    // the failing test and its file's suite
    assert.match(report, /^failures: 2$/m, report);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
