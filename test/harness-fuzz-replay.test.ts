// The fuzz properties end to end against the emulator: they pass a faithful one, find a planted bug, shrink it,
// replay exactly that counterexample from its path, and make the same calls for the same seed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, startEmulator } from '../emulator/index.ts';
import { checkProperty } from '../support/fuzz/check.ts';
import { IN_RANGE, LITERALS, REFUSED, SEQUENCES } from '../support/fuzz/properties.ts';
import { diagnose } from '../support/fuzz/scenario.ts';
import { FuzzSession } from '../support/fuzz/session.ts';
import type { Encoding } from '../support/model.ts';
import { closeClient } from '../support/wire/exchange.ts';

const TOKEN = 'fuzz-test-token';

async function emulator(deviate: string[] = []): Promise<RunningEmulator> {
  return startEmulator({ host: '127.0.0.1', port: 0, rigToken: TOKEN, quiet: true, deviate });
}

function session(target: RunningEmulator, encoding: Encoding = 'JSON', rig = true): FuzzSession {
  const config = { taskUrl: target.taskUrl, timeoutMs: 5000, maxResponseBytes: 1024 * 1024 };
  return new FuzzSession(
    config,
    encoding,
    rig && target.rigUrl ? { url: target.rigUrl, token: TOKEN } : undefined,
  );
}

describe('the self-diagnosis', () => {
  const counted = (answers: Record<string, number>, rig: boolean) => {
    const s = new FuzzSession(
      { taskUrl: 'http://127.0.0.1:9/api/v2/task', timeoutMs: 1000, maxResponseBytes: 1024 },
      'XML',
      rig ? { url: 'http://127.0.0.1:9/rig/v1' } : undefined,
    );
    for (const [kind, n] of Object.entries(answers)) s.answers.set(kind, n);
    s.calls = Object.values(answers).reduce((a, b) => a + b, 0);
    return s;
  };

  it('says so when nearly every answer was the same, with a hint for 1000', () => {
    assert.match(
      diagnose('in-range.xml', counted({ 'fault 1000': 97, 'fault 1149': 3 }, true)) ?? '',
      /97 of 100 answers \(97%\) were fault 1000.*does the rig apply PUT/,
    );
    assert.match(diagnose('literals.xml', counted({ 'fault 1000': 50 }, false)) ?? '', /without a rig/);
    assert.match(
      diagnose('refused.xml', counted({ 'fault 1004': 95, 'fault 1010': 5 }, false)) ?? '',
      /fault 1004/,
    );
  });

  it('stays quiet for a spread, for few calls, and for the answer a property means to get', () => {
    assert.equal(diagnose('in-range.xml', counted({ 'fault 1000': 80, success: 20 }, true)), undefined);
    assert.equal(diagnose('in-range.xml', counted({ 'fault 1000': 10 }, true)), undefined);
    assert.equal(diagnose('literals.xml', counted({ success: 100 }, true), 'success'), undefined);
  });
});

describe('the fuzz properties against the emulator', () => {
  let faithful: RunningEmulator;
  let buggy: RunningEmulator;
  before(async () => {
    faithful = await emulator();
    buggy = await emulator(['code-1149-wrong', 'skip-error-check']);
  });
  after(async () => {
    await faithful.close();
    await buggy.close();
    await closeClient();
  });

  it('pass the faithful emulator, every property', async () => {
    for (const property of [IN_RANGE, REFUSED, LITERALS, SEQUENCES] as const) {
      const outcome = await checkProperty(property as typeof IN_RANGE, session(faithful), {
        seed: 11,
        runs: 25,
      });
      assert.equal(outcome.counterexample, undefined, outcome.counterexample?.steps.join('\n'));
      assert.equal(outcome.runs, 25);
    }
  });

  it('find a planted bug, shrink it to a few steps and replay exactly it from its path', async () => {
    const found = await checkProperty(IN_RANGE, session(buggy), { seed: 5 });
    const counterexample = found.counterexample;
    assert.ok(counterexample, 'the planted bugs went unnoticed');
    assert.match(
      counterexample.message,
      /answers (fault 1150|success); the specification predicts fault (1149|1153)/,
    );
    assert.ok(counterexample.steps.length <= 4, counterexample.steps.join('\n'));
    assert.match(counterexample.path, /^in-range\.json@[\d:]+$/);
    assert.ok(counterexample.exchanges.some((e) => e.label.startsWith('case_cancel')));

    const replayed = await checkProperty(IN_RANGE, session(buggy), { seed: 5, path: counterexample.path });
    assert.equal(replayed.replayed, true);
    assert.deepEqual(replayed.counterexample?.steps, counterexample.steps);
    assert.equal(replayed.counterexample?.path, counterexample.path);
  });

  it('replay a command sequence too: its path carries the replayPath fast-check needs', async () => {
    const found = await checkProperty(SEQUENCES, session(buggy), { seed: 2 });
    const counterexample = found.counterexample;
    assert.ok(counterexample, 'the bugs went unnoticed by the sequences');
    assert.match(counterexample.path, /^sequences\.json@[\d:]+@[A-Za-z0-9+/]*:[A-Za-z0-9+/]*$/);
    const replayed = await checkProperty(SEQUENCES, session(buggy), { seed: 2, path: counterexample.path });
    assert.deepEqual(replayed.counterexample?.steps, counterexample.steps);
  });

  it('a path meant for another property leaves this one to run as usual', async () => {
    const outcome = await checkProperty(REFUSED, session(faithful), {
      seed: 5,
      runs: 10,
      path: 'in-range.json@3:0',
    });
    assert.equal(outcome.replayed, false);
    assert.equal(outcome.runs, 10);
  });

  it('make the same calls for the same seed, other calls for another', async () => {
    const bodies = async (seed: number) => {
      const seen: string[] = [];
      const s = session(faithful);
      s.onExchange = (e) => seen.push(`${e.request.url} ${e.request.body}`);
      await checkProperty(SEQUENCES, s, { seed, runs: 15 });
      return seen;
    };
    const first = await bodies(3);
    assert.deepEqual(await bodies(3), first);
    assert.notDeepEqual(await bodies(4), first);
  });

  it('without a rig and without a site read, check refused values all the same (literals: see harness-fuzz-as-found)', async () => {
    const outcome = await checkProperty(REFUSED, session(faithful, 'JSON', false), { seed: 8, runs: 40 });
    assert.equal(outcome.counterexample, undefined, outcome.counterexample?.steps.join('\n'));
  });
});
