// The self-check's session processes (test/helpers/harness-sessions.ts): runs made one after another in one process
// judge every scenario as a process a run judges it, whatever ran before (a failing run, another mode, a rig or
// none); each run's reports land in its own folder; a run that needs a setting the support code was loaded with
// for another is refused in one line; a run past its deadline fails and names itself.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type RunningEmulator, startEmulator } from '../../emulator/index.ts';
import { AS_FOUND_SITE_FILE } from '../../emulator/site.ts';
import { readRunResult } from '../../support/report/messages.ts';
import { HarnessSessions } from '../helpers/harness-sessions.ts';
import { ROOT, runHarness } from '../helpers/run-script.ts';

/** One error code, both encodings: 22 scenarios. */
const TAGS = '@error:1087';
const SCRATCH = path.join(ROOT, 'reports', `e2e-sessions-${process.pid}`);

interface Emulated {
  readonly emulator: RunningEmulator;
  readonly argv: string[];
  readonly env: NodeJS.ProcessEnv;
}

async function emulated(deviation: string | undefined, rig = true): Promise<Emulated> {
  const rigToken = randomBytes(12).toString('hex');
  const emulator = await startEmulator({
    host: '127.0.0.1',
    port: 0,
    ...(rig ? { rigToken } : { rig: false, site: fileURLToPath(AS_FOUND_SITE_FILE) }),
    quiet: true,
    deviate: deviation ? [deviation] : [],
  });
  const { HARNESS_RIG_TOKEN: _, ...env } = process.env;
  return {
    emulator,
    argv: [
      `--target=${emulator.taskUrl}`,
      ...(rig ? [`--rig=${emulator.rigUrl}`] : []),
      '--seed=7',
      '--tags',
      TAGS,
    ],
    env: rig ? { ...env, HARNESS_RIG_TOKEN: rigToken } : env,
  };
}

/** Each scenario of a run's messages, with its status, in a stable order. */
async function statuses(dir: string): Promise<string[]> {
  const run = await readRunResult(path.join(dir, 'messages.ndjson'));
  assert.ok(run, `no messages in ${dir}`);
  return run.scenarios.map((s) => `${path.basename(s.uri)}:${s.line} ${s.status}`).sort();
}

describe('harness sessions', () => {
  const sessions = new HarnessSessions();
  const running: RunningEmulator[] = [];
  after(async () => {
    sessions.close();
    await Promise.all(running.map((e) => e.close()));
    await rm(SCRATCH, { recursive: true, force: true });
  });

  it('judges each run as a process of its own judges it, whatever the session ran before', async () => {
    const faithful = await emulated(undefined);
    const deviated = await emulated('code-1087-wrong');
    const asFound = await emulated(undefined, false);
    running.push(faithful.emulator, deviated.emulator, asFound.emulator);
    const dir = (name: string) => path.join(SCRATCH, name);

    const first = await sessions.run([...faithful.argv, `--reports=${dir('faithful')}`], faithful.env);
    assert.equal(first.code, 0, first.output);
    const second = await sessions.run([...deviated.argv, `--reports=${dir('deviated')}`], deviated.env);
    assert.equal(second.code, 1, second.output);
    const third = await sessions.run([...asFound.argv, `--reports=${dir('as-found')}`], asFound.env);
    assert.equal(third.code, 0, third.output);
    const fourth = await sessions.run([...faithful.argv, `--reports=${dir('faithful-again')}`], faithful.env);
    assert.equal(fourth.code, 0, fourth.output);
    assert.equal(sessions.started, 1, 'one session made the four runs');

    // Every report of each run in its own folder (cucumber.cjs is read again for each run).
    for (const name of ['faithful', 'deviated', 'faithful-again'])
      for (const file of ['messages.ndjson', 'verdicts.json', 'junit.xml', 'cucumber.html', 'allure-results'])
        assert.ok((await readdir(dir(name))).includes(file), `${file} in ${name}`);
    const judged = await statuses(dir('deviated'));
    assert.ok(
      judged.some((s) => s.endsWith('FAILED')),
      judged.join('\n'),
    );
    assert.deepEqual(await statuses(dir('faithful-again')), await statuses(dir('faithful')));

    // The deviation, judged by a process of its own: the very same verdict for every scenario.
    const alone = await runHarness([...deviated.argv, `--reports=${dir('deviated-alone')}`], {
      env: { HARNESS_RIG_TOKEN: deviated.env.HARNESS_RIG_TOKEN },
    });
    assert.equal(alone.code, 1, alone.output);
    assert.deepEqual(judged, await statuses(dir('deviated-alone')));
  });

  it('refuses, in one line, a run that needs a step timeout other than the one the session loaded', async () => {
    const faithful = await emulated(undefined);
    running.push(faithful.emulator);
    const ok = await sessions.run(
      [...faithful.argv, `--reports=${path.join(SCRATCH, 'timeout-default')}`],
      faithful.env,
    );
    assert.equal(ok.code, 0, ok.output);
    const refused = await sessions.run(
      [...faithful.argv, '--timeout=1234', `--reports=${path.join(SCRATCH, 'timeout-other')}`],
      faithful.env,
    );
    assert.notEqual(refused.code, 0, refused.output);
    assert.match(refused.output, /step timeout is \d+; this run's is \d+: it needs a process of its own/);
  });

  it('fails a run past its deadline, naming it, and replaces the session', async () => {
    const faithful = await emulated(undefined);
    running.push(faithful.emulator);
    const hurried = new HarnessSessions(40, 50);
    try {
      await assert.rejects(
        hurried.run([...faithful.argv, `--reports=${path.join(SCRATCH, 'deadline')}`], faithful.env),
        /a harness run in a session did not end within 0.05 s: --target=/,
      );
      assert.equal(hurried.started, 1);
      // The session was killed: the next run starts another (and, at 50 ms, fails as well).
      await assert.rejects(
        hurried.run([...faithful.argv, `--reports=${path.join(SCRATCH, 'deadline-2')}`], faithful.env),
        /did not end within/,
      );
      assert.equal(hurried.started, 2);
    } finally {
      hurried.close();
    }
  });
});
