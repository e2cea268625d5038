// support/run-scope.ts: each run of a process forgets the last one's state, and a run that needs a setting the
// support code was loaded with for another run is refused, in one line, before anything is forgotten.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunScope, RunScopeError } from '../support/run-scope.ts';

describe('run scope', () => {
  it('forgets every registered state at the start of each run, in the order registered', () => {
    const scope = new RunScope();
    const calls: string[] = [];
    scope.forgetAtNewRun(() => calls.push('rig'));
    scope.forgetAtNewRun(() => calls.push('operator'));
    scope.startRun();
    scope.startRun();
    assert.deepEqual(calls, ['rig', 'operator', 'rig', 'operator']);
  });

  it('returns a setting fixed at load, and accepts a later run that needs the same', () => {
    const scope = new RunScope();
    let timeout = 35_000;
    assert.equal(
      scope.fixedAtLoad('step timeout', () => timeout),
      35_000,
    );
    timeout = 35_000;
    assert.doesNotThrow(() => scope.startRun());
  });

  it('refuses a run that needs another setting, naming both values, and forgets nothing then', () => {
    const scope = new RunScope();
    let timeout = 35_000;
    let forgotten = 0;
    scope.fixedAtLoad('step timeout', () => timeout);
    scope.forgetAtNewRun(() => forgotten++);
    timeout = 11_000;
    assert.throws(
      () => scope.startRun(),
      (error: unknown) =>
        error instanceof RunScopeError &&
        /step timeout is 35000; this run's is 11000: it needs a process of its own/.test(error.message),
    );
    assert.equal(forgotten, 0);
  });
});
