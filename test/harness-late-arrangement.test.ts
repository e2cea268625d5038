// A rig that moves a port's AutoCase state may publish it as the controller reports it (rig-control.md), and a
// controller that publishes from a task of its own may do it a moment after the PUT answered, after the call that
// followed, even after the next scenario's reset. Such a line is the arrangement's, never the call's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sameLines, withoutLateReports } from '../support/fuzz/session.ts';
import {
  type Arranged,
  lateArrangementReport,
  parseSegment,
  RIG_REPORT_KINDS,
  type RigReportKind,
  reportsBin,
  reportsRemoval,
  reportsState,
} from '../support/log-publisher/listener.ts';
import { CASE_STATES, PORT_TYPES, type PortState } from '../support/model.ts';
import { statesBefore } from '../support/spec.ts';

const ERSO: PortState = {
  type: 'AC',
  mode: 'OPEN',
  selected_bin: 101337,
  case_state: 'ERSO',
  case_error: true,
};
const line = (text: string) => ({ segment: parseSegment(text) });

describe('a report of an arranged state', () => {
  it("is the port's AC line with the arranged case state and selected bin, 0 for none", () => {
    assert.equal(reportsState(line('AC,4,101337,ERSO'), 4, ERSO), true);
    assert.equal(reportsState(line('AC,4,0,ERSO'), 4, { ...ERSO, selected_bin: null }), true);
    assert.equal(reportsState(line('AC,4,101337,CR'), 4, ERSO), false);
    assert.equal(reportsState(line('AC,5,101337,ERSO'), 4, ERSO), false);
    assert.equal(reportsState(line('AC,4,101338,ERSO'), 4, ERSO), false);
    assert.equal(reportsState(line('AC,4,101337,ERSO'), 4, { ...ERSO, type: 'CO' }), false);
  });

  it('after the call excuses one line for each arrangement whose report had not come before it', () => {
    const late = lateArrangementReport([[4, ERSO]], []);
    const first = line('AC,4,101337,ERSO');
    const second = line('AC,4,101337,ERSO');
    assert.equal(late(first), true);
    assert.equal(late(first), true, 'the same line asked about again');
    assert.equal(late(second), false, 'a second report of one arrangement is a line of its own');
    assert.equal(late(line('AC,4,101338,CR')), false);
  });

  it('came before the call: then a line like it after the call is not excused', () => {
    const late = lateArrangementReport([[4, ERSO]], [line('AC,4,101337,ERSO')]);
    assert.equal(late(line('AC,4,101337,ERSO')), false);
  });

  it("counts the last scenario's arrangement and this one's apart, a deleted port owing AC,<port>,0,NOOP", () => {
    const arranged: [number, PortState | null][] = [
      [4, ERSO],
      [4, ERSO],
      [7, null],
    ];
    const scenarios = lateArrangementReport(arranged, []);
    assert.equal(scenarios(line('AC,7,0,NOOP')), false, "not the scenarios': their 1000 checks it");
    const late = lateArrangementReport(arranged, [line('AC,4,101337,ERSO')], { removals: true });
    assert.equal(late(line('AC,4,101337,ERSO')), true);
    assert.equal(late(line('AC,4,101337,ERSO')), false);
    assert.equal(late(line('AC,7,1,NOOP')), false, 'a port taken away has no bin');
    assert.equal(late(line('AC,7,0,CR')), false, 'nor an operation');
    assert.equal(late(line('AC,7,0,NOOP')), true);
    assert.equal(late(line('AC,7,0,NOOP')), false, 'one report a removal');
  });

  it('the states an operation passed through on its way to the arranged one are its reports too, one each', () => {
    const late = lateArrangementReport([[4, { ...ERSO, case_state: 'ECMP' }]], []);
    assert.equal(late(line('AC,4,101337,IREQ')), false, 'not on the way to ECMP');
    assert.equal(late(line('AC,4,101337,ERSO')), true);
    assert.equal(late(line('AC,4,101337,EREQ')), true);
    assert.equal(late(line('AC,4,101337,ECMP')), true);
    assert.equal(late(line('AC,4,101337,EREQ')), false, 'once each');
    assert.equal(late(line('AC,4,101338,EREQ')), false, 'with the arranged bin');
    const insertion = lateArrangementReport([[4, { ...ERSO, case_state: 'ICRC' }]], []);
    assert.equal(insertion(line('AC,4,101337,IREQ')), true);
    assert.equal(insertion(line('AC,4,101337,IRTR')), true);
    assert.equal(insertion(line('AC,4,101337,ICIN')), false, 'after ICRC, not before it');
    assert.equal(insertion(line('AC,4,101337,EREQ')), false);
    const idle = lateArrangementReport([[4, { ...ERSO, case_state: 'NOOP' }]], []);
    assert.equal(idle(line('AC,4,101337,EREQ')), false, 'NOOP has no way to it');
  });

  it('the BM line of the bin an arrangement selects is its report too, one of each kind', () => {
    const late = lateArrangementReport([[4, ERSO]], []);
    assert.equal(late(line('BM,101337,O')), true);
    assert.equal(late(line('BM,101337,O')), false, 'one BM line an arrangement');
    assert.equal(late(line('AC,4,101337,ERSO')), true, 'and its AC line besides');
    assert.equal(late(line('BM,101338,O')), false, 'another bin');
    const none = lateArrangementReport([[4, { ...ERSO, selected_bin: null }]], []);
    assert.equal(none(line('BM,101337,O')), false, 'no bin selected, no BM line owed');
    const before = lateArrangementReport([[4, ERSO]], [line('BM,101337,PREPARED')]);
    assert.equal(before(line('BM,101337,O')), false, 'its BM line came before the call');
  });

  it('what the reset restored a port to is a state the rig gave it as well (world.ts passes it)', () => {
    const configured: PortState = { ...ERSO, selected_bin: null, case_state: 'NOOP', case_error: false };
    const late = lateArrangementReport(
      [
        [4, configured],
        [4, ERSO],
      ],
      [line('AC,4,101337,ERSO')],
    );
    assert.equal(late(line('AC,4,0,NOOP')), true, "the reset's report, late");
    assert.equal(late(line('AC,4,101337,CR')), false, 'a CR line is no state the rig gave');
  });
});

describe('the reports a rig publishes, as the pre-flight learned them', () => {
  const after = (reports: readonly RigReportKind[], arranged: readonly Arranged[]) =>
    lateArrangementReport(arranged, [], { removals: true, reports: new Set(reports) });

  it('a rig that publishes nothing excuses nothing: the arranged state line after a call is the call’s', () => {
    const late = after(
      [],
      [
        [4, ERSO],
        [7, null],
        [5, ERSO, 'restored'],
      ],
    );
    for (const text of [
      'AC,4,101337,ERSO',
      'AC,4,101337,EREQ',
      'BM,101337,O',
      'AC,7,0,NOOP',
      'AC,5,101337,ERSO',
    ])
      assert.equal(late(line(text)), false, text);
  });

  it('each kind excuses its own lines only', () => {
    const arranged: Arranged[] = [
      [4, ERSO],
      [7, null],
    ];
    assert.equal(after(['state'], arranged)(line('AC,4,101337,ERSO')), true);
    assert.equal(after(['state'], arranged)(line('AC,4,101337,EREQ')), false);
    assert.equal(after(['on-the-way'], arranged)(line('AC,4,101337,EREQ')), true);
    assert.equal(after(['on-the-way'], arranged)(line('AC,4,101337,ERSO')), false);
    assert.equal(after(['bin'], arranged)(line('BM,101337,O')), true);
    assert.equal(after(['bin'], arranged)(line('AC,4,101337,ERSO')), false);
    assert.equal(after(['removal'], arranged)(line('AC,7,0,NOOP')), true);
    assert.equal(after(['state', 'on-the-way', 'bin'], arranged)(line('AC,7,0,NOOP')), false);
  });

  it('a port as a reset restored it owes its AC line only when the rig reports its reset, and nothing else', () => {
    const restored: Arranged[] = [[5, ERSO, 'restored']];
    assert.equal(after(['state', 'on-the-way', 'bin'], restored)(line('AC,5,101337,ERSO')), false);
    assert.equal(after(['reset'], restored)(line('AC,5,101337,ERSO')), true);
    assert.equal(after(['reset'], restored)(line('AC,5,101337,EREQ')), false, 'no states on the way');
    assert.equal(after(['reset'], restored)(line('BM,101337,O')), false, 'no bin line');
    assert.equal(after(['reset'], [[5, ERSO]])(line('AC,5,101337,ERSO')), false, 'a PUT is no reset');
  });

  it('without a word on the rig, every kind (an arrangement through the Task Interface or by an operator)', () => {
    const late = lateArrangementReport([[4, ERSO]], []);
    assert.equal(late(line('AC,4,101337,ERSO')), true);
  });
});

/**
 * The definition lateArrangementReport counts by key: a list of reports, each a predicate (reportsState, reportsBin,
 * reportsRemoval), the first that matches a line taken by it.
 */
function naiveLateReport(
  arranged: readonly Arranged[],
  before: readonly { readonly segment: ReturnType<typeof parseSegment> }[],
  removals: boolean,
  reports: ReadonlySet<RigReportKind>,
) {
  type Line = { readonly segment: ReturnType<typeof parseSegment> };
  const owed: ((line: Line) => boolean)[] = arranged.flatMap(([port, state, by]) => {
    if (state === null)
      return removals && reports.has('removal') ? [(l: Line) => reportsRemoval(l, port)] : [];
    if (by === 'restored') return reports.has('reset') ? [(l: Line) => reportsState(l, port, state)] : [];
    return [
      ...(reports.has('state') ? [(l: Line) => reportsState(l, port, state)] : []),
      ...(reports.has('bin') ? [(l: Line) => reportsBin(l, state)] : []),
      ...(reports.has('on-the-way')
        ? statesBefore(state.case_state).map(
            (passed) => (l: Line) => reportsState(l, port, { ...state, case_state: passed }),
          )
        : []),
    ];
  });
  const take = (l: Line) => {
    const at = owed.findIndex((report) => report(l));
    if (at >= 0) owed.splice(at, 1);
    return at >= 0;
  };
  for (const l of before) take(l);
  return take;
}

describe('the reports owed, counted by the line they match', () => {
  it('excuse the very lines a list of their predicates excuses, in any order and number', () => {
    const bins = [0, 7, 101337];
    const state: fc.Arbitrary<PortState | null> = fc.option(
      fc.record({
        type: fc.constantFrom(...PORT_TYPES),
        mode: fc.constant('OPEN' as const),
        selected_bin: fc.constantFrom(null, 7, 101337),
        case_state: fc.constantFrom(...CASE_STATES),
        case_error: fc.boolean(),
      }),
      { freq: 4 },
    );
    const entry: fc.Arbitrary<Arranged> = fc
      .tuple(fc.integer({ min: 3, max: 5 }), state, fc.boolean())
      .map(([port, s, restored]) => (restored && s !== null ? [port, s, 'restored'] : [port, s]));
    const text = fc.oneof(
      fc
        .tuple(
          fc.integer({ min: 3, max: 5 }),
          fc.constantFrom(...bins),
          fc.constantFrom(...CASE_STATES, 'CR'),
        )
        .map(([port, bin, s]) => `AC,${port},${bin},${s}`),
      fc.constantFrom(...bins).map((bin) => `BM,${bin},O`),
      fc.constant('XX,1,2'),
    );
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 8 }),
        fc.array(text, { maxLength: 4 }),
        fc.array(text, { maxLength: 8 }),
        fc.subarray([...RIG_REPORT_KINDS]),
        fc.boolean(),
        (arranged, beforeTexts, afterTexts, kinds, removals) => {
          const reports = new Set(kinds);
          const before = beforeTexts.map(line);
          const counted = lateArrangementReport(arranged, before, { removals, reports });
          const naive = naiveLateReport(arranged, before, removals, reports);
          for (const text of afterTexts) {
            const l = line(text);
            assert.equal(counted(l), naive(l), text);
          }
        },
      ),
      { numRuns: 2000, seed: 20261203 },
    );
  });
});

describe("the fuzz sequences' lines with an arrangement's late report among them", () => {
  const seen = (...texts: string[]) => texts.map((text) => ({ line: text }));
  const reportOf = (text: string) => {
    let left = 1;
    return (one: { line: string }) => one.line === text && left-- > 0;
  };

  it("a late report after the call's own copy of its text: the calls' lines in the oracle's order", () => {
    const lines = seen('AC,16,1,NOOP', 'AC,7,9,NOOP', 'AC,16,1,NOOP');
    assert.deepEqual(withoutLateReports(lines, ['AC,16,1,NOOP', 'AC,7,9,NOOP'], reportOf('AC,16,1,NOOP')), [
      'AC,16,1,NOOP',
      'AC,7,9,NOOP',
    ]);
  });

  it("a late report before the call's own copy: the same", () => {
    const lines = seen('AC,16,1,NOOP', 'AC,16,1,NOOP', 'AC,7,9,NOOP');
    assert.deepEqual(withoutLateReports(lines, ['AC,16,1,NOOP', 'AC,7,9,NOOP'], reportOf('AC,16,1,NOOP')), [
      'AC,16,1,NOOP',
      'AC,7,9,NOOP',
    ]);
  });

  it('lines out of order stay out of order, and a copy no arrangement explains stays', () => {
    const swapped = seen('AC,7,9,NOOP', 'AC,16,1,NOOP');
    assert.deepEqual(
      withoutLateReports(swapped, ['AC,16,1,NOOP', 'AC,7,9,NOOP'], () => true),
      ['AC,7,9,NOOP', 'AC,16,1,NOOP'],
    );
    const twice = seen('AC,16,1,NOOP', 'AC,16,1,NOOP');
    assert.deepEqual(
      withoutLateReports(twice, ['AC,16,1,NOOP'], () => false),
      ['AC,16,1,NOOP', 'AC,16,1,NOOP'],
    );
  });

  it('a line owed and published once is never asked about as a report', () => {
    let asked = 0;
    const lines = seen('AC,16,1,NOOP');
    withoutLateReports(lines, ['AC,16,1,NOOP'], () => {
      asked++;
      return true;
    });
    assert.equal(asked, 0);
  });
});

describe("the fuzz sequences' lines against the oracle's", () => {
  it("each port's lines in the oracle's order; different ports' lines in any order", () => {
    assert.equal(sameLines(['AC,2000,7,NOOP', 'AC,1337,7,NOOP'], ['AC,1337,7,NOOP', 'AC,2000,7,NOOP']), true);
    assert.equal(
      sameLines(['AC,4,1,EREQ', 'AC,7,2,NOOP', 'AC,4,1,NOOP'], ['AC,4,1,EREQ', 'AC,4,1,NOOP', 'AC,7,2,NOOP']),
      true,
    );
    assert.equal(sameLines(['AC,4,1,NOOP', 'AC,4,1,EREQ'], ['AC,4,1,EREQ', 'AC,4,1,NOOP']), false);
    assert.equal(sameLines(['AC,4,1,NOOP'], ['AC,4,1,NOOP', 'AC,4,1,NOOP']), false);
    assert.equal(sameLines(['AC,4,1,NOOP'], ['AC,5,1,NOOP']), false);
    assert.equal(sameLines([], []), true);
  });
});
