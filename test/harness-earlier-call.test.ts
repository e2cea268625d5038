// A line found published after a fault may be an earlier scenario's call's, published late: the failure names the
// last earlier call on the port when it was answered no longer ago than a line may take (timeouts.log_ms); and it may
// be the rig's report of an arrangement older than that window, which the failure names with the way out.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type EarlierCall, earlierCallNote, lateReportNote } from '../support/log-publisher/earlier-call.ts';
import { ANY_REPORT, RecentArrangements } from '../support/log-publisher/listener.ts';
import type { PortState } from '../support/model.ts';

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

describe('the rig arrangement a line may report, later than excused', () => {
  const ICMP: PortState = {
    type: 'AC',
    mode: 'OPEN',
    selected_bin: 101337,
    case_state: 'ICMP',
    case_error: false,
  };

  it('keeps arrangements beyond the window, newest first, and names the one a line reports', () => {
    const recent = new RecentArrangements();
    recent.add([[4, ICMP]], 30_000, 1_000);
    recent.add([[4, { ...ICMP, case_state: 'ERSO', case_error: true }]], 30_000, 2_500);
    recent.add([[7, null]], 30_000, 4_000);
    assert.deepEqual(recent.within(2_000, 4_100).length, 2, 'the window keeps its own');
    const older = recent.olderThan(2_000, 4_600);
    assert.deepEqual(
      older.map(({ ago, entry }) => [ago, entry[0]]),
      [
        [2_100, 4],
        [3_600, 4],
      ],
    );
    // IRTR is on the way to ICMP: a rig that reports the states on the way publishes it
    assert.equal(
      lateReportNote(['AC,4,101337,IRTR'], older, ANY_REPORT, 2_000),
      '"AC,4,101337,IRTR" also reads as the rig\'s report of its arrangement of port 4 3.6 s before, later than timeouts.log_ms (2000 ms) excuses: if the rig publishes its arrangements that late, give the target profile a longer timeouts.log_ms',
    );
    assert.match(lateReportNote(['AC,4,101337,ERSO'], older, ANY_REPORT, 2_000) ?? '', / 2\.1 s before/);
  });

  it('says nothing for a line no older arrangement reports, or a rig that reports nothing late', () => {
    const recent = new RecentArrangements();
    recent.add([[4, ICMP]], 30_000, 0);
    const older = recent.olderThan(2_000, 5_000);
    assert.equal(lateReportNote(['AC,4,101337,NOOP'], older, ANY_REPORT, 2_000), undefined);
    assert.equal(lateReportNote(['AC,5,101337,ICMP'], older, ANY_REPORT, 2_000), undefined);
    assert.equal(lateReportNote(['AC,4,101337,ICMP'], older, new Set(), 2_000), undefined);
    assert.equal(lateReportNote(['AC,4,101337,IRTR'], older, new Set(['state']), 2_000), undefined);
    assert.notEqual(lateReportNote(['AC,4,101337,ICMP'], older, new Set(['state']), 2_000), undefined);
  });
});
