// "CR: a request to cancel, a signal rather than a state" (the documented states): a controller may publish
// AC,<port>,<bin>,CR for a cancel request beside the NOOP line of the cancel that succeeded. The decision's "one Log
// Publisher line" leaves that signal aside, once per success, on the same port and bin; any other line is judged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cancelSignalLine, withoutCancelSignals } from '../support/spec.ts';

const same = (line: string) => line;

describe("a successful cancel's CR signal", () => {
  it('is the AC line of the port and bin with the state CR', () => {
    assert.equal(cancelSignalLine(4, 101337), 'AC,4,101337,CR');
  });

  it('one a success is left aside, before or after its NOOP line', () => {
    const owed = ['AC,4,101337,NOOP'];
    assert.deepEqual(withoutCancelSignals(['AC,4,101337,CR', 'AC,4,101337,NOOP'], owed, same), [
      'AC,4,101337,NOOP',
    ]);
    assert.deepEqual(withoutCancelSignals(['AC,4,101337,NOOP', 'AC,4,101337,CR'], owed, same), [
      'AC,4,101337,NOOP',
    ]);
  });

  it('a second signal, one of another port or bin, or one with no success owed stays to be judged', () => {
    const owed = ['AC,4,101337,NOOP'];
    assert.deepEqual(withoutCancelSignals(['AC,4,101337,CR', 'AC,4,101337,CR'], owed, same), [
      'AC,4,101337,CR',
    ]);
    assert.deepEqual(withoutCancelSignals(['AC,4,101338,CR', 'AC,5,101337,CR'], owed, same), [
      'AC,4,101338,CR',
      'AC,5,101337,CR',
    ]);
    assert.deepEqual(withoutCancelSignals(['AC,4,101337,CR'], [], same), ['AC,4,101337,CR']);
    // any other state is a line of its own: a WMS reads it as a move
    assert.deepEqual(withoutCancelSignals(['AC,4,101337,ECMP'], owed, same), ['AC,4,101337,ECMP']);
  });

  it('two successes (the fuzz sequences) leave aside one signal each; lines are matched by text', () => {
    const lines = [
      { text: 'AC,4,1,CR' },
      { text: 'AC,4,1,NOOP' },
      { text: 'AC,7,2,CR' },
      { text: 'AC,7,2,NOOP' },
    ];
    assert.deepEqual(
      withoutCancelSignals(lines, ['AC,4,1,NOOP', 'AC,7,2,NOOP'], (line) => line.text).map((l) => l.text),
      ['AC,4,1,NOOP', 'AC,7,2,NOOP'],
    );
  });
});
