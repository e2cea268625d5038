// Through the real command: known deviations (--expect). A listed failure is reported as expected and does not
// gate; once it passes, the run says the file is no longer true. Two scenarios of CC-1000, against the emulator
// deviating on purpose (code-1000-wrong) and faithful.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../../emulator/index.ts';
import { RUNNER_NODE_ARGS } from '../../support/runner/paths.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TOKEN = 'expect-test-token';

function harness(args: readonly string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...RUNNER_NODE_ARGS, ...args], {
      cwd: ROOT,
      env: { ...process.env, HARNESS_RIG_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

async function against(deviate: readonly string[], args: readonly string[]) {
  const emulator = await startEmulator({ port: 0, rigToken: TOKEN, quiet: true, deviate });
  try {
    return await harness([
      `--target=${emulator.taskUrl}`,
      `--rig=${emulator.rigUrl}`,
      '--tags',
      '@req:CC-1000 and not @fuzz',
      ...args,
    ]);
  } finally {
    await emulator.close();
  }
}

describe('known deviations (--expect), end to end', () => {
  let dir: string;
  let expect: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'expect-e2e-'));
    expect = path.join(dir, 'expected.json');
    await writeFile(
      expect,
      JSON.stringify({
        expected_failures: [
          { requirement: 'CC-1000', reason: 'vendor ticket 4711: a missing port answers 1001' },
          { scenario: 'features/errors.feature:34', reason: 'not in this run' },
        ],
      }),
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a known failure does not gate, and is reported as expected in the console and JUnit', async () => {
    const reports = path.join(dir, 'deviating');
    const gated = await against(['code-1000-wrong'], [`--reports=${path.join(dir, 'gated')}`]);
    assert.equal(gated.code, 1, gated.output);
    const { code, output } = await against(
      ['code-1000-wrong'],
      [`--reports=${reports}`, `--expect=${expect}`],
    );
    assert.equal(code, 0, output);
    assert.match(output, /2 expected failure\(s\) \(--expect\), not gating:/);
    assert.match(output, /expected fault 1000, got fault 1001.*\(expected: vendor ticket 4711/);
    assert.match(output, /features\/errors\.feature:34: matches no scenario of this run/);
    assert.match(
      output,
      /2 scenarios: 0 PASSED, 2 FAILED, 0 NOT APPLICABLE, 0 INCONCLUSIVE \(2 of the FAILED expected\)/,
    );
    const junit = await readFile(path.join(reports, 'junit.xml'), 'utf8');
    assert.match(junit, /<skipped type="expected-failure" message="FAILED \(expected: vendor ticket 4711/);
    assert.match(junit, /failures="0"/);
  });

  it('an expected failure that now passes is reported, so that the file stays true', async () => {
    const { code, output } = await against(
      [],
      [`--reports=${path.join(dir, 'faithful')}`, `--expect=${expect}`],
    );
    assert.equal(code, 0, output);
    assert.match(output, /expectation\(s\) no longer true: update the expectation file/);
    assert.match(
      output,
      /requirement CC-1000: expected to fail \("vendor ticket 4711: a missing port answers 1001"\), now passes/,
    );
  });
});
