// support/run-scope.ts: each run of a process forgets the last one's state, given the new run's configuration, and
// a run that needs a setting the support code was loaded with for another run is refused, in one line, before
// anything is forgotten.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunConfig } from '../support/run-config.ts';
import { RunScope, RunScopeError } from '../support/run-scope.ts';

/** A run's configuration as these tests need it: only the call deadline is read. */
const runWith = (timeoutMs: number) => ({ timeoutMs }) as RunConfig;

/** A scope whose "environment" holds `current.run`, as the process's holds HARNESS_RUN. */
function scopeOver(first: RunConfig): { scope: RunScope; current: { run: RunConfig } } {
  const current = { run: first };
  return { scope: new RunScope(() => current.run), current };
}

describe('run scope', () => {
  it('forgets every registered state at the start of each run, in the order registered, given that run', () => {
    const { scope, current } = scopeOver(runWith(1_000));
    const calls: string[] = [];
    scope.forgetAtNewRun((run) => calls.push(`rig ${run.timeoutMs}`));
    scope.forgetAtNewRun((run) => calls.push(`operator ${run.timeoutMs}`));
    assert.equal(scope.startRun().timeoutMs, 1_000);
    current.run = runWith(2_000);
    assert.equal(scope.startRun().timeoutMs, 2_000);
    assert.deepEqual(calls, ['rig 1000', 'operator 1000', 'rig 2000', 'operator 2000']);
  });

  it('returns a setting fixed at load, and accepts a later run that needs the same', () => {
    const { scope, current } = scopeOver(runWith(5_000));
    assert.equal(
      scope.fixedAtLoad('step timeout', (run) => run.timeoutMs * 7),
      35_000,
    );
    current.run = runWith(5_000);
    assert.doesNotThrow(() => scope.startRun());
  });

  it('reads the configuration once while the support code loads, however many modules ask, then once a run', () => {
    let reads = 0;
    const scope = new RunScope(() => {
      reads++;
      return runWith(3_000);
    });
    assert.equal(scope.loadedRun().timeoutMs, 3_000);
    assert.equal(scope.loadedRun(), scope.loadedRun());
    assert.equal(
      scope.fixedAtLoad('step timeout', (run) => run.timeoutMs),
      3_000,
    );
    assert.equal(reads, 1);
    scope.startRun();
    assert.equal(reads, 2);
  });

  it('refuses a run that needs another setting, naming both values, and forgets nothing then', () => {
    const { scope, current } = scopeOver(runWith(5_000));
    let forgotten = 0;
    scope.fixedAtLoad('step timeout', (run) => run.timeoutMs * 7);
    scope.forgetAtNewRun(() => forgotten++);
    current.run = runWith(1_572);
    assert.throws(
      () => scope.startRun(),
      (error: unknown) =>
        error instanceof RunScopeError &&
        /step timeout is 35000; this run's is 11004: it needs a process of its own/.test(error.message),
    );
    assert.equal(forgotten, 0);
  });
});
