// Two runs at once in one checkout, through the real command: each writes a run directory of its own
// (reports/runs/<stamp>-<pid>/) and neither touches the other's files. Two runs into one explicit --reports
// directory: the second refuses at once, in one line; a dead run's lock is taken over.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { lstat, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/index.ts';
import {
  claimReportsDir,
  LATEST,
  LOCK_FILE,
  latestRunDir,
  pointLatest,
  RUNS,
} from '../../support/report/reports-dir.ts';
import { readVerdictsFile } from '../../support/report/verdicts.ts';
import { ROOT, runHarness, type ScriptRun } from '../helpers/run-script.ts';

const REPORTS_ROOT = path.join(ROOT, 'reports');
/** One error code, both encodings: 22 scenarios, a few seconds a run. */
const TAGS = '@error:1087';

interface Verdicts {
  target: string;
  counts: { total: number; PASSED: number; FAILED: number };
  scenarios: { scenario: string; verdict: string; requirements: string[] }[];
}

/** The run directory the console's last `reports:` line names. */
function reportsDirOf(run: ScriptRun): string {
  const match = /^reports: (.+?)\/ \(/m.exec(run.stdout);
  assert.ok(match, `no reports line in:\n${run.output}`);
  return path.resolve(ROOT, match[1] as string);
}

function assertNoCrash(run: ScriptRun): void {
  assert.doesNotMatch(run.output, /SyntaxError|\n\s+at [\w.<>]+ \(|could not be made/, run.output);
}

/** Every report of one run, complete and about its own target only. */
async function assertWholeRun(
  dir: string,
  emulator: RunningEmulator,
  other: RunningEmulator,
): Promise<Verdicts> {
  const names = await readdir(dir);
  for (const name of [
    'verdicts.json',
    'junit.xml',
    'cucumber.html',
    'messages.ndjson',
    'exchanges.ndjson',
    'allure-results',
  ])
    assert.ok(names.includes(name), `${name} missing in ${dir}: ${names.join(', ')}`);
  assert.ok(!names.includes(LOCK_FILE), 'the lock is given up at the end');

  const verdicts = JSON.parse(await readFile(path.join(dir, 'verdicts.json'), 'utf8')) as Verdicts;
  assert.equal(verdicts.target, emulator.taskUrl);
  assert.ok(verdicts.counts.total >= 20, `only ${verdicts.counts.total} scenarios`);

  const stream = await readVerdictsFile(path.join(dir, 'messages.ndjson'));
  assert.ok(stream?.started && stream.finished, 'the message stream holds the whole run');
  assert.equal(stream.scenarios.length, verdicts.counts.total);

  const junit = await readFile(path.join(dir, 'junit.xml'), 'utf8');
  assert.equal(junit.match(/<testcase /g)?.length, verdicts.counts.total);
  assert.match(await readFile(path.join(dir, 'cucumber.html'), 'utf8'), /<\/html>\s*$/);

  const exchanges = (await readFile(path.join(dir, 'exchanges.ndjson'), 'utf8')).split('\n').filter(Boolean);
  assert.ok(exchanges.length >= verdicts.counts.total);
  const ownHost = new URL(emulator.taskUrl).host;
  const otherHost = new URL(other.taskUrl).host;
  for (const line of exchanges) {
    const { exchange } = JSON.parse(line) as { exchange: { request: { url: string } } };
    const host = new URL(exchange.request.url).host;
    assert.equal(host, ownHost, `an exchange with ${host === otherHost ? 'the other run’s target' : host}`);
  }

  const results = await readdir(path.join(dir, 'allure-results'));
  assert.equal(results.filter((n) => n.endsWith('-result.json')).length, verdicts.counts.total);
  const environment = await readFile(path.join(dir, 'allure-results', 'environment.properties'), 'utf8');
  assert.match(environment, new RegExp(`^Target=${emulator.taskUrl.replaceAll('.', '\\.')}$`, 'm'));
  assert.match(environment, /^Seed=\d+$/m);
  return verdicts;
}

describe('two runs at once in one checkout', () => {
  let faithful: RunningEmulator;
  let deviating: RunningEmulator;
  const faithfulToken = randomBytes(12).toString('hex');
  const deviatingToken = randomBytes(12).toString('hex');
  let latestBefore: string | undefined;
  const made: string[] = [];

  before(async () => {
    latestBefore = await latestRunDir(REPORTS_ROOT);
    faithful = await startEmulator({ host: '127.0.0.1', port: 0, rigToken: faithfulToken, quiet: true });
    deviating = await startEmulator({
      host: '127.0.0.1',
      port: 0,
      rigToken: deviatingToken,
      quiet: true,
      deviate: ['code-1087-wrong'],
    });
  });

  after(async () => {
    await faithful?.close();
    await deviating?.close();
    // The checkout's reports as they were: this test's run directories go, and latest names what it named.
    const latest = await latestRunDir(REPORTS_ROOT);
    for (const dir of made) await rm(dir, { recursive: true, force: true });
    if (latest !== undefined && made.includes(latest)) {
      if (latestBefore !== undefined) await pointLatest(REPORTS_ROOT, latestBefore);
      else await rm(path.join(REPORTS_ROOT, LATEST), { force: true });
    }
  });

  it('each writes its own run directory, whole, with its own verdicts and exit code', async () => {
    const run = (emulator: RunningEmulator, token: string) =>
      runHarness([`--target=${emulator.taskUrl}`, `--rig=${emulator.rigUrl}`, '--tags', TAGS], {
        env: { HARNESS_RIG_TOKEN: token },
        timeoutMs: 240_000,
      });
    const [passing, failing] = await Promise.all([
      run(faithful, faithfulToken),
      run(deviating, deviatingToken),
    ]);
    const passingDir = reportsDirOf(passing);
    const failingDir = reportsDirOf(failing);
    made.push(passingDir, failingDir);

    assert.equal(passing.code, 0, passing.output);
    assert.equal(failing.code, 1, failing.output);
    assertNoCrash(passing);
    assertNoCrash(failing);
    assert.notEqual(passingDir, failingDir);
    for (const dir of [passingDir, failingDir]) {
      assert.equal(path.dirname(dir), path.join(REPORTS_ROOT, RUNS));
      assert.match(path.basename(dir), /^\d{8}T\d{6}Z-\d+$/);
    }

    const good = await assertWholeRun(passingDir, faithful, deviating);
    assert.equal(good.counts.FAILED, 0);
    assert.equal(good.counts.PASSED, good.counts.total);
    const bad = await assertWholeRun(failingDir, deviating, faithful);
    assert.ok(bad.counts.FAILED > 0, 'the deviation is caught');
    for (const s of bad.scenarios.filter((x) => x.verdict === 'FAILED'))
      assert.ok(s.requirements.includes('CC-1087'), `${s.scenario} failed outside CC-1087`);
    assert.equal(bad.counts.total, good.counts.total, 'the same scenarios, judged apart');

    const latest = await latestRunDir(REPORTS_ROOT);
    assert.ok(latest === passingDir || latest === failingDir, 'reports/latest names the run that ended last');
  });

  it('into one explicit --reports directory: the second refuses at once in one line; a dead run’s lock is taken over', async () => {
    const explicit = await mkdtemp(path.join(tmpdir(), 'two-runs-'));
    const args = [
      `--target=${faithful.taskUrl}`,
      `--rig=${faithful.rigUrl}`,
      `--reports=${explicit}`,
      '--tags',
      `${TAGS} and @xml`,
    ];
    const env = { HARNESS_RIG_TOKEN: faithfulToken };
    try {
      // This process holds the directory as a run does (the same code, the same lock).
      const holder = await claimReportsDir({ root: REPORTS_ROOT, explicit });
      let refused: ScriptRun;
      try {
        refused = await runHarness(args, { env, timeoutMs: 60_000 });
      } finally {
        holder.release();
      }
      assert.equal(refused.code, 2, refused.output);
      const lines = refused.stderr.split('\n').filter((l) => l.trim() !== '');
      assert.equal(lines.length, 1, `one line, got:\n${refused.stderr}`);
      assert.match(
        lines[0] as string,
        new RegExp(`^harness: reports directory .+ is in use by another run \\(pid ${process.pid}, since `),
      );
      assert.doesNotMatch(refused.stdout, /^target:/m, 'refused before the target is even opened');
      assert.deepEqual(await readdir(explicit), [], 'nothing written into the held directory');

      // A run that was killed left its lock: the next run takes it over, and writes DIR exactly as before.
      await writeFile(
        path.join(explicit, LOCK_FILE),
        JSON.stringify({ pid: 2 ** 22 + 1, host: hostname(), started: '2026-11-28T00:00:00.000Z' }),
      );
      const after = await runHarness(args, { env, timeoutMs: 120_000 });
      assert.equal(after.code, 0, after.output);
      assert.equal(reportsDirOf(after), explicit);
      const names = await readdir(explicit);
      assert.ok(names.includes('verdicts.json') && names.includes('messages.ndjson'), names.join(', '));
      assert.ok(!names.includes(LOCK_FILE) && !names.includes(RUNS), names.join(', '));
      await assert.rejects(lstat(path.join(explicit, LATEST)), 'no latest link in an explicit directory');
    } finally {
      await rm(explicit, { recursive: true, force: true });
    }
  });
});
