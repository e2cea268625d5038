// The harness through its real command line, as a user runs it: target forms, flags, exit codes, re-runs.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEmulator } from '../../emulator/index.ts';
import { runHarness, type ScriptRun } from '../helpers/run-script.ts';

const TOKEN = 'cli-test-token-7f3a';
/** Longer than any start-up, however loaded the machine: a run that takes it waited for a timeout. */
const LONG_TIMEOUT_MS = 60_000;

function harness(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ScriptRun> {
  return runHarness(args, { env: { HARNESS_REPORTS: 'messages', ...env }, timeoutMs: 90_000 });
}

function scenarioCounts(run: ScriptRun): { passed: number; failed: number; skipped: number } {
  const match = /^scenarios: (\d+) passed, (\d+) failed, (\d+) skipped$/m.exec(run.stdout);
  assert.ok(match, `no summary line in:\n${run.stdout}\n${run.stderr}`);
  return { passed: Number(match[1]), failed: Number(match[2]), skipped: Number(match[3]) };
}

/** A loopback port that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('npm test, through its real command line', { concurrency: 2 }, () => {
  let reports: string;
  let faithful: Awaited<ReturnType<typeof startEmulator>>;
  let deviating: Awaited<ReturnType<typeof startEmulator>>;

  before(async () => {
    reports = await mkdtemp(path.join(tmpdir(), 'harness-cli-'));
    faithful = await startEmulator({ host: '127.0.0.1', port: 0, rigToken: TOKEN });
    deviating = await startEmulator({
      host: '127.0.0.1',
      port: 0,
      rigToken: TOKEN,
      deviate: ['code-1087-wrong'],
    });
  });

  after(async () => {
    await faithful.close();
    await deviating.close();
    await rm(reports, { recursive: true, force: true });
  });

  const reportsFor = (name: string) => `--reports=${path.join(reports, name)}`;

  it('runs the embedded emulator by default and passes; --encoding=xml runs only the XML rows', async () => {
    const both = await harness(['--tags', '@error:1087', reportsFor('default')]);
    assert.equal(both.code, 0, both.stdout + both.stderr);
    assert.match(both.stdout, /target: the embedded emulator at http:\/\/127\.0\.0\.1:\d+\/api\/v2\/task/);
    const xml = await harness(['--encoding=xml', '--tags', '@error:1087', reportsFor('xml')]);
    assert.equal(xml.code, 0, xml.stdout + xml.stderr);
    assert.equal(scenarioCounts(xml).passed * 2, scenarioCounts(both).passed);
  });

  it('reaches a target given as ADDRESS:PORT with --rig, and as a full URL', async () => {
    const { port } = new URL(faithful.taskUrl);
    for (const target of [`127.0.0.1:${port}`, faithful.taskUrl]) {
      const run = await harness(
        [
          `--target=${target}`,
          `--rig=${faithful.rigUrl}`,
          '--tags',
          '@error:1000',
          reportsFor(`t${port}${target.length}`),
        ],
        {
          HARNESS_RIG_TOKEN: TOKEN,
        },
      );
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(scenarioCounts(run), { passed: 2, failed: 0, skipped: 0 });
    }
  });

  it('without a rig, reads the site, plays what it can as found, and skips the rest with the reason', async () => {
    const run = await harness([
      `--target=${faithful.taskUrl}`,
      '--tags',
      '@error:1000 or @error:1153',
      reportsFor('norig'),
    ]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^read-only: \d+ ports found .*it changes nothing$/m);
    const counts = scenarioCounts(run);
    assert.equal(counts.passed, 2, 'the 1000 scenarios play on a port id that answers 1000');
    assert.equal(counts.skipped, 12, 'the 1153 scenarios need the error flag');
    assert.match(
      run.stdout,
      /12 scenario\(s\) INCONCLUSIVE, by reason:\n {2}- INCONCLUSIVE: the AutoCase error flag/,
    );
  });

  it('exits 2 with one line for a bad flag, before any scenario runs', async () => {
    const run = await harness(['--encoding=yaml']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^harness: --encoding=yaml: expected xml, json or both$/m);
    assert.doesNotMatch(run.stdout, /scenarios:/);
    const target = await harness(['--target=not a host']);
    assert.equal(target.code, 2);
    assert.match(target.stderr, /^harness: --target=not a host: expected/m);
  });

  it('exits 2 at once, with one line and no stack trace, when nothing listens at the target', async () => {
    const port = await closedPort();
    // A call timeout of a minute: a run that waited for any timeout would take it; one that gives up on the
    // refusal takes its start-up, whatever else the machine is doing.
    const run = await harness([`--target=127.0.0.1:${port}`, `--timeout=${LONG_TIMEOUT_MS}`]);
    assert.equal(run.code, 2);
    assert.ok(run.ms < LONG_TIMEOUT_MS / 3, `took ${run.ms} ms: it waited for a timeout`);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(
      lines[0] as string,
      new RegExp(`harness: target http://127\\.0\\.0\\.1:${port}/api/v2/task does not answer`),
    );
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });

  it('hands cucumber options through unchanged: --name narrows the run, an unknown option exits 2', async () => {
    const run = await harness([
      '--name',
      'A port that does not exist',
      '--encoding=json',
      reportsFor('name'),
    ]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(scenarioCounts(run), { passed: 1, failed: 0, skipped: 0 });
    const unknown = await harness(['--no-such-cucumber-option', reportsFor('unknown')]);
    assert.equal(unknown.code, 2, unknown.stdout + unknown.stderr);
  });

  it('exits 1 on a deviating controller and prints a re-run command that runs just the failing scenario', async () => {
    const run = await harness(
      [
        `--target=${deviating.taskUrl}`,
        `--rig=${deviating.rigUrl}`,
        '--tags',
        '@error:1087 or @error:1000',
        reportsFor('deviating'),
      ],
      { HARNESS_RIG_TOKEN: TOKEN },
    );
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /expected fault 1087, got fault 1000; HTTP 200, application\/xml/);
    const counts = scenarioCounts(run);
    assert.equal(counts.failed, 22);
    const rerun = /^\s+(npm test -- .*features\/errors\.feature:\d+)$/m.exec(run.stdout)?.[1];
    assert.ok(rerun, run.stdout);
    const args = (rerun.match(/'[^']*'|\S+/g) ?? []).slice(3).map((a) => a.replace(/^'|'$/g, ''));
    const again = await harness(args, { HARNESS_RIG_TOKEN: TOKEN });
    assert.equal(again.code, 1, again.stdout + again.stderr);
    assert.deepEqual(scenarioCounts(again), { passed: 0, failed: 1, skipped: 0 });
  });
});
