// The success's Log Publisher line is judged among the lines published after the call: a rig may publish the
// lines of the scenario's own arrangement (a PUT that moves the AutoCase state), and those never count.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AssertionError } from 'chai';
import { expectEventAfter } from '../support/checks/expect.ts';

const WHY = 'a successful cancel publishes it';

describe('the success line among the rig events', () => {
  it('passes when the line was published after the call', () => {
    expectEventAfter(['AC,4,101337,ERSO', 'AC,4,101337,NOOP'], 1, 'AC,4,101337,NOOP', WHY);
    expectEventAfter(['AC,4,101337,NOOP'], 0, 'AC,4,101337,NOOP', WHY);
  });

  it('fails when the line is only among the arrangement lines before the call', () => {
    assert.throws(
      () => expectEventAfter(['AC,4,101337,NOOP', 'AC,4,101337,ERSO'], 2, 'AC,4,101337,NOOP', WHY),
      (error: unknown) =>
        error instanceof AssertionError &&
        error.message ===
          'expected the Log Publisher line AC,4,101337,NOOP (a successful cancel publishes it) after the call, the controller published []; before it: ["AC,4,101337,NOOP","AC,4,101337,ERSO"]',
    );
  });

  it('fails when nothing was published, and names what was', () => {
    assert.throws(
      () => expectEventAfter(['AC,4,101337,CR'], 0, 'AC,4,101337,NOOP', WHY),
      /after the call, the controller published \["AC,4,101337,CR"\]$/,
    );
  });
});
