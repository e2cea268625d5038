// A line found published after a fault may be an earlier scenario's call's, published late: the failure names the
// last earlier call on the port when it was answered no longer ago than a line may take (timeouts.log_ms).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type EarlierCall, earlierCallNote } from '../support/log-publisher/earlier-call.ts';

const EARLIER: EarlierCall = {
  scenario: "A bin that is not the port's selected bin refuses the cancel (XML)",
  ports: new Set([4, 7]),
  answeredAt: 1_000,
  answer: 'fault 1149',
};

describe('the earlier call a late line may be from', () => {
  it('is named with its scenario, its answer and how long before this call it was answered', () => {
    assert.equal(
      earlierCallNote(EARLIER, 4, 1_012.34, 2_000),
      "it may instead be a line of an earlier call on port 4, published late: the last one, in the scenario before this one (\"A bin that is not the port's selected bin refuses the cancel (XML)\"), was answered (fault 1149) 12.3 ms before this call; such a line breaks that call's requirement, not this scenario's",
    );
  });

  it('is not named for another port, for a call longer ago than a line may take, or when there was none', () => {
    assert.equal(earlierCallNote(EARLIER, 5, 1_010, 2_000), undefined);
    assert.equal(earlierCallNote(EARLIER, 4, 3_000.5, 2_000), undefined);
    assert.notEqual(earlierCallNote(EARLIER, 4, 3_000, 2_000), undefined);
    assert.equal(earlierCallNote(EARLIER, 4, 999, 2_000), undefined, 'answered after this call: not earlier');
    assert.equal(earlierCallNote(undefined, 4, 1_010, 2_000), undefined);
  });
});
