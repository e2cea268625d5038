// The harness's real command line against small hostile targets on loopback: a port nothing listens on, a
// server that never answers, and one that answers the preflight but misbehaves on every call in its own way.
// Each failure must say what the target did; no crash, no unhandled rejection, and the run stays bounded.

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { crashSigns, type HarnessRun } from '../hostile/harness.ts';
import {
  CALL_TIMEOUT_MS,
  type HostileFigures,
  measureHostileHarness,
  PROFILE_TIMEOUT_MS,
} from '../hostile/harness-figures.ts';
import { HUGE_ANSWER_BYTES } from '../hostile/targets.ts';

function assertNoCrash(run: HarnessRun): void {
  assert.deepEqual(crashSigns(run), [], `a crash:\n${run.stdout}\n${run.stderr}`);
  assert.equal(run.killed, false, `the run had to be killed:\n${run.stdout}\n${run.stderr}`);
}

function oneLine(run: HarnessRun): string {
  const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${run.stderr}`);
  return lines[0] ?? '';
}

describe('the harness against hostile targets on loopback', () => {
  let figures: HostileFigures;

  before(async () => {
    figures = await measureHostileHarness();
  });

  it('nothing listens: exit 2 at once, one line naming the refusal, no stack trace', () => {
    const run = figures.nothingListens;
    assertNoCrash(run);
    assert.equal(run.code, 2, run.stderr);
    // run with a call timeout of 60 s: a run that waited for it would take it; giving up takes the start-up
    assert.ok(run.ms < 20_000, `exit after ${run.ms} ms: it waited for a timeout`);
    assert.match(
      oneLine(run),
      /^harness: target http:\/\/127\.0\.0\.1:\d+\/api\/v2\/task does not answer: connection refused by 127\.0\.0\.1:\d+$/,
    );
  });

  it('accepts the connection and never answers: the preflight fails, exit 2, one line naming the timeout', () => {
    const run = figures.silent;
    assertNoCrash(run);
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      oneLine(run),
      /^harness: target http:\/\/127\.0\.0\.1:\d+\/api\/v2\/task does not answer: no answer within \d+ ms$/,
    );
  });

  it('each misbehaviour fails its own scenario, says what the target did, and the run goes on', () => {
    const run = figures.misbehaving;
    assertNoCrash(run);
    assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
    const names = figures.behaviours.map((b) => b.name);
    assert.deepEqual(figures.served, names, 'every scenario reached its call, one behaviour each, in order');
    assert.equal(run.verdicts.length, names.length);
    figures.behaviours.forEach((behaviour, index) => {
      const scenario = run.verdicts[index];
      assert.ok(scenario, `no verdict for ${behaviour.name}`);
      assert.ok(
        scenario.verdict === 'FAILED' || scenario.verdict === 'INCONCLUSIVE',
        `${behaviour.name}: ${scenario.verdict}`,
      );
      const said = behaviour.said.exec(scenario.reason ?? '')?.[0];
      assert.ok(said, `${behaviour.name}: ${scenario.reason}`);
      assert.ok(run.stdout.includes(said), `the console says "${said}"`);
    });
  });

  it('a call that never ends stops at --timeout; so does a drip', () => {
    for (const index of [0, 5, 6]) {
      assert.match(
        figures.misbehaving.verdicts[index]?.reason ?? '',
        new RegExp(`within ${CALL_TIMEOUT_MS} ms`),
      );
    }
    assert.ok(figures.dripBytesWritten < 10, `${figures.dripBytesWritten} bytes dripped`);
  });

  it('50 MiB: reading stops at the 1 MiB cap; the target could not send it all', () => {
    assert.ok(
      figures.hugeBytesWritten < HUGE_ANSWER_BYTES,
      `the target wrote ${figures.hugeBytesWritten} of ${HUGE_ANSWER_BYTES} bytes`,
    );
  });

  it('a redirect is not followed: nothing reaches where it points', () => {
    assert.equal(figures.redirectHits, 0);
  });

  it('the call timeout is 10 s by default', () => {
    const run = figures.defaultTimeout;
    assertNoCrash(run);
    assert.notEqual(run.code, 2, run.stderr);
    const [scenario] = run.verdicts;
    assert.equal(scenario?.verdict, 'INCONCLUSIVE');
    assert.match(scenario?.reason ?? '', /no answer within 10000 ms/);
  });

  it("the call timeout is the profile's timeouts.call_ms", () => {
    const run = figures.profileTimeout;
    assertNoCrash(run);
    assert.notEqual(run.code, 2, `${run.stdout}\n${run.stderr}`);
    const [scenario] = run.verdicts;
    assert.equal(scenario?.verdict, 'INCONCLUSIVE');
    assert.match(scenario?.reason ?? '', new RegExp(`no answer within ${PROFILE_TIMEOUT_MS} ms`));
  });
});
