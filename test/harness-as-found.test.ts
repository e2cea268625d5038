// The as-found rules (docs/spec/as-found.md) as properties: a probe never could succeed, and a port that fits a
// scenario's need answers that scenario's call as the declared state would, whatever its unseen error flag.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkPort, readParam } from '../support/fuzz/oracle.ts';
import { CASE_STATES, PORT_MODES, PORT_TYPES, type PortState } from '../support/model.ts';
import {
  ABOUT_ALL,
  addressedPort,
  describeNeed,
  fits,
  focusOf,
  missingReason,
  NEEDS_ERROR_FLAG,
  needOf,
  predictProbe,
  prefers,
  probeBin,
  readCall,
  writtenAround,
} from '../support/site/as-found.ts';
import type { FoundPort, SiteMap } from '../support/site/site-map.ts';
import { ERRORS_1152_SEED, ERRORS_1152_STATES, ORDER } from './helpers/scenario-tags.ts';

const bins = fc.oneof(
  fc.constantFrom(1, 5001, 6001, 101337, 4_000_000),
  fc.integer({ min: 1, max: 4_000_000 }),
);
const portState = fc.record({
  type: fc.oneof(fc.constant('AC' as const), fc.constantFrom(...PORT_TYPES)),
  mode: fc.oneof(fc.constant('OPEN' as const), fc.constantFrom(...PORT_MODES)),
  selected_bin: fc.option(bins, { nil: null }),
  case_state: fc.constantFrom(...CASE_STATES),
  case_error: fc.boolean(),
});

function found(port_id: number, state: PortState): FoundPort {
  const { type, mode, selected_bin, case_state } = state;
  return type === 'AC'
    ? { port_id, type, mode, selected_bin, case_state }
    : { port_id, type, mode, selected_bin };
}

function code(state: PortState | null, portId: number, binId: number): string {
  const expected = checkPort(state, portId, binId);
  if (expected.kind !== 'answer') return 'unknown';
  return expected.answer.kind === 'success' ? 'success' : String(expected.answer.code);
}

/** The tags of a scenario of envelope.feature, as the pickles carry them (the others: helpers/scenario-tags.ts). */
const ENVELOPE_FAULT = [
  '@case_cancel',
  '@envelope',
  '@source:doc',
  '@req:ENV-XML',
  '@req:ENV-JSON',
  '@req:ENV-CODE-RANGE',
  '@req:HTTP-STATUS',
  '@req:HTTP-CONTENT-TYPE',
  '@assumed',
  '@xml',
];
/** Any scenario: a name and tags, the state's name in it or not. */
const scenarios = fc.oneof(
  fc.constant(undefined),
  fc.record({
    name: fc.constantFrom(
      'With no AutoCase operation going on there is nothing to cancel (XML)',
      'A completed or idle operation is not active, error or not (ECMP in error, JSON)',
      'A completed or idle operation is not active, error or not (NOOP in error, XML)',
      "The port's faults answer in the vendor's order (1149 before 1152, XML)",
    ),
    tags: fc.constantFrom(ERRORS_1152_SEED, ERRORS_1152_STATES, ORDER, ENVELOPE_FAULT, [
      '@case_cancel',
      '@error:1149',
      '@source:seed',
      '@req:CC-1149-OTHER',
      '@xml',
    ]),
  }),
);

const SITE: SiteMap = {
  source: { kind: 'range', from: 1, to: 2000 },
  ports: [],
  absent: [],
  excluded: [],
  readAt: '2026-12-02T00:00:00.000Z',
  ms: 0,
};

describe('as found: probes', () => {
  it('a predicted probe is a fault whatever the error flag, and never a cancel that could succeed', () => {
    fc.assert(
      fc.property(fc.option(portState, { nil: null }), bins, (state, bin) => {
        const port = state === null ? null : found(7, state);
        const predicted = predictProbe(port, 7, bin);
        const withError = code(state === null ? null : { ...state, case_error: true }, 7, bin);
        const withoutError = code(state === null ? null : { ...state, case_error: false }, 7, bin);
        if (predicted === undefined) {
          assert.ok(
            [withError, withoutError].some((c) => c === 'success' || c === '1153'),
            'only a call the error flag decides is refused as a probe',
          );
          return;
        }
        assert.equal(predicted.kind, 'answer');
        assert.notEqual(withError, 'success');
        assert.equal(withError, withoutError);
        assert.equal(
          predicted.kind === 'answer' && predicted.answer.kind === 'fault'
            ? String(predicted.answer.code)
            : '',
          withError,
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('probeBin always finds a bin that keeps a cancel on an existing port a probe', () => {
    fc.assert(
      fc.property(portState, bins, (state, bin) => {
        const port = found(9, state);
        const chosen = probeBin(port, 9, bin);
        assert.notEqual(chosen, undefined);
        assert.ok(predictProbe(port, 9, chosen as number));
        if (predictProbe(port, 9, bin))
          assert.equal(chosen, bin, 'the scenario bin is kept when it is a probe');
      }),
    );
  });
});

describe('as found: what a scenario needs of its port', () => {
  it('words each need as a list of conditions, each after a comma, with the right article', () => {
    assert.equal(
      describeNeed({ kind: 'no-bin', later: { inactive: true } }),
      'an OPEN AutoCase port with no bin selected, with no active case operation',
    );
    assert.equal(
      describeNeed({ kind: 'mode', mode: 'CLOSED', later: { noBin: true, inactive: true } }),
      'an AutoCase port in mode CLOSED, with no bin selected, with no active case operation',
    );
    assert.equal(describeNeed({ kind: 'type', type: 'AC', later: {} }), 'an AC port');
    assert.equal(describeNeed({ kind: 'existing', type: 'VE' }), 'a VE port, in any mode');
  });

  it('a port that fits answers the valid call as the declared state does, whatever its error flag', () => {
    fc.assert(
      fc.property(
        portState,
        portState,
        bins,
        fc.boolean(),
        scenarios,
        (declared, other, bin, error, scenario) => {
          const call = readCall({ port_id: 7, bin_id: bin }, 'XML', false);
          const need = needOf(declared, call, true, focusOf(scenario, declared));
          if (need.kind === 'error-flag') {
            assert.ok(['success', '1153'].includes(code(declared, 7, bin)));
            return;
          }
          const port = found(12, other);
          fc.pre(fits(need, port));
          // 'inactive' plays the scenario's bin with the port's selected bin
          const sent = need.kind === 'inactive' ? (other.selected_bin as number) : bin;
          assert.equal(code({ ...other, case_error: error }, 12, sent), code(declared, 7, bin));
          assert.ok(predictProbe(port, 12, sent), 'the played call is a probe');
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('a port that does not exist is played by a port that does not exist', () => {
    const call = readCall({ port_id: 4, bin_id: 101337 }, 'JSON', false);
    const need = needOf(null, call, true);
    assert.deepEqual(need, { kind: 'absent' });
    assert.ok(fits(need, null));
    assert.ok(!fits(need, { port_id: 4, type: 'AC', mode: 'OPEN', selected_bin: null, case_state: 'NOOP' }));
  });

  it('a parameter fault in a scenario about the order (or unknown) needs the port breaking its own check', () => {
    const errorState: PortState = {
      type: 'AC',
      mode: 'OPEN',
      selected_bin: 101337,
      case_state: 'ERSO',
      case_error: true,
    };
    const badBin = readCall({ port_id: 4, bin_id: 0 }, 'XML', false);
    assert.equal(badBin.paramFault, 1010);
    assert.deepEqual(needOf(errorState, badBin, true), { kind: 'autocase' });
    // 1010 before 1087 (order.feature): the port must be of that type to tell a deviating order
    assert.deepEqual(needOf({ ...errorState, type: 'CO' }, badBin, true), {
      kind: 'type',
      type: 'CO',
      later: {},
    });
    assert.deepEqual(needOf({ ...errorState, mode: 'CLOSED' }, badBin, true), {
      kind: 'mode',
      mode: 'CLOSED',
      later: {},
    });
    const missingPort = readCall({ bin_id: 101337 }, 'XML', false);
    assert.equal(missingPort.paramFault, 1003);
    assert.equal(addressedPort(missingPort), undefined);
    assert.deepEqual(needOf(errorState, missingPort, false), { kind: 'autocase' });
  });

  it('a parameter fault on a declared idle port needs any AutoCase port; about the order, the idle port', () => {
    const idle: PortState = {
      type: 'AC',
      mode: 'OPEN',
      selected_bin: 101337,
      case_state: 'NOOP',
      case_error: false,
    };
    const badBin = readCall({ port_id: 4, bin_id: 0 }, 'XML', false);
    // envelope.feature: the 1010 row of "A fault travels with HTTP 200" declares port 4 idle for its 1152 row
    const envelope = {
      name: 'A fault travels with HTTP 200, its code in the body (1010, XML)',
      tags: ENVELOPE_FAULT,
    };
    const need = needOf(idle, badBin, true, focusOf(envelope, idle));
    assert.deepEqual(need, { kind: 'autocase' });
    for (const port of [
      { port_id: 1, type: 'AC', mode: 'CLOSED', selected_bin: null, case_state: 'NOOP' },
      { port_id: 4, type: 'AC', mode: 'OPEN', selected_bin: 4004, case_state: 'ERSO' },
    ] as const)
      assert.ok(fits(need, port), `port ${port.port_id}`);
    assert.ok(!fits(need, { port_id: 12, type: 'CO', mode: 'OPEN', selected_bin: 1 }));
    // parameters.feature and the missing and invalid ids: the same, whatever the declared state
    const missingBin = readCall({ port_id: 4 }, 'JSON', false);
    assert.equal(missingBin.paramFault, 1010);
    assert.deepEqual(
      needOf(
        idle,
        missingBin,
        true,
        focusOf({ name: 'A missing bin_id is refused with 1010 (JSON)', tags: [] }, idle),
      ),
      { kind: 'autocase' },
    );
    // order.feature: "1010 before 1152" is about the order, so the declared port's later check must break too
    const order = {
      name: 'A bin_id fault comes before anything about the port (1010 before 1152, XML)',
      tags: ORDER,
    };
    const before1152 = needOf({ ...idle, selected_bin: 5001 }, badBin, true, focusOf(order, idle));
    assert.deepEqual(before1152, { kind: 'inactive', state: 'NOOP', exact: false });
    assert.ok(
      !fits(before1152, { port_id: 1, type: 'AC', mode: 'CLOSED', selected_bin: null, case_state: 'NOOP' }),
    );
    assert.ok(
      fits(before1152, { port_id: 33, type: 'AC', mode: 'OPEN', selected_bin: 3333, case_state: 'ECMP' }),
    );
    const co: PortState = { ...idle, type: 'CO', case_state: 'ERSO', case_error: true };
    const before1087 = {
      name: 'A bin_id fault comes before anything about the port (1010 before 1087, XML)',
      tags: ORDER,
    };
    assert.deepEqual(needOf(co, badBin, true, focusOf(before1087, co)), {
      kind: 'type',
      type: 'CO',
      later: {},
    });
    const before1000 = { name: 'A bin_id fault comes before a port that does not exist (XML)', tags: ORDER };
    assert.deepEqual(needOf(null, badBin, true, focusOf(before1000, null)), { kind: 'absent' });
  });

  it('a second broken condition must stand on the playing port too (1099 before 1149)', () => {
    const call = readCall({ port_id: 7, bin_id: 5001 }, 'XML', false);
    const scenario = {
      name: "The port's faults answer in the vendor's order (1099 before 1149, XML)",
      tags: ORDER,
    };
    const declared: PortState = {
      type: 'AC',
      mode: 'CLOSED',
      selected_bin: 6001,
      case_state: 'ERSO',
      case_error: true,
    };
    const need = needOf(declared, call, true, focusOf(scenario, declared));
    assert.deepEqual(need, { kind: 'mode', mode: 'CLOSED', later: { otherBin: 5001 } });
    const withBin = {
      port_id: 9,
      type: 'AC',
      mode: 'CLOSED',
      selected_bin: 6001,
      case_state: 'ERSO',
    } as const;
    assert.ok(fits(need, withBin));
    assert.ok(prefers(need, withBin), 'a port with a bin, as declared, plays first');
    // closeport clears the selected bin: on a site in use a CLOSED AutoCase port has none, and no bin breaks the
    // bin check as another bin does (case_cancel.md, step 7)
    const closed = {
      port_id: 8,
      type: 'AC',
      mode: 'CLOSED',
      selected_bin: null,
      case_state: 'NOOP',
    } as const;
    assert.ok(fits(need, closed));
    assert.ok(!prefers(need, closed));
    assert.ok(
      !fits(need, { port_id: 9, type: 'AC', mode: 'CLOSED', selected_bin: 5001, case_state: 'ERSO' }),
      "the call's own bin passes the bin check: a deviating order would answer 1099 all the same",
    );
    assert.equal(
      missingReason(need, SITE),
      'no AutoCase port in mode CLOSED, with no bin or a bin other than 5001 selected among ports 1-2000 on this site',
    );
    // 1087 before 1149 (a VE port, OPEN, bin 6001): a VE port with no bin selected breaks the bin check too
    const ve = needOf({ ...declared, type: 'VE', mode: 'OPEN' }, call, true, focusOf(scenario, declared));
    assert.deepEqual(ve, { kind: 'type', type: 'VE', later: { otherBin: 5001 } });
    assert.ok(fits(ve, { port_id: 14, type: 'VE', mode: 'OPEN', selected_bin: null }));
    assert.ok(!fits(ve, { port_id: 14, type: 'VE', mode: 'OPEN', selected_bin: 5001 }));
  });

  it('1149 for another bin is met by no bin too, a bin first; the scenario about a selected bin needs one', () => {
    const call = readCall({ port_id: 4, bin_id: 101338 }, 'XML', false);
    const declared: PortState = {
      type: 'AC',
      mode: 'OPEN',
      selected_bin: 101337,
      case_state: 'ERSO',
      case_error: true,
    };
    const noBin = { port_id: 30, type: 'AC', mode: 'OPEN', selected_bin: null, case_state: 'ERSO' } as const;
    const otherBin = {
      port_id: 4,
      type: 'AC',
      mode: 'OPEN',
      selected_bin: 4004,
      case_state: 'ERSO',
    } as const;
    const itsBin = {
      port_id: 4,
      type: 'AC',
      mode: 'OPEN',
      selected_bin: 101338,
      case_state: 'ERSO',
    } as const;
    // order.feature: "1149 before 1153" (bin 6001 selected, EREQ): the bin check is the point, with or without a bin
    const order = {
      name: "The port's faults answer in the vendor's order (1149 before 1153, XML)",
      tags: ORDER,
    };
    const need = needOf({ ...declared, selected_bin: 6001 }, call, true, focusOf(order, declared));
    assert.deepEqual(need, { kind: 'other-bin', bin: 101338, exact: false, later: {} });
    assert.ok(fits(need, noBin));
    assert.ok(fits(need, otherBin));
    assert.ok(!fits(need, itsBin), 'with its own bin the call could succeed');
    assert.ok(prefers(need, otherBin) && !prefers(need, noBin));
    assert.equal(
      missingReason(need, SITE),
      'no OPEN AutoCase port with no bin or a bin other than 101338 selected among ports 1-2000 on this site',
    );
    // errors.feature's CC-1149-OTHER is about a selected bin that differs: on a port with none it would pass
    // without that check (a controller that answers another bin wrongly and no bin right, code-1149-wrong).
    const other = {
      name: "A bin that is not the port's selected bin refuses the cancel (XML)",
      tags: ['@case_cancel', '@error:1149', '@source:seed', '@req:CC-1149-OTHER', '@xml'],
    };
    const exact = needOf(declared, call, true, focusOf(other, declared));
    assert.deepEqual(exact, { kind: 'other-bin', bin: 101338, exact: true, later: {} });
    assert.ok(!fits(exact, noBin));
    assert.ok(fits(exact, otherBin));
    assert.equal(
      missingReason(exact, SITE),
      'no OPEN AutoCase port with a bin other than 101338 selected among ports 1-2000 on this site',
    );
  });

  it('1152 needs a state that is not active, the declared one first; a row that names its state needs that state', () => {
    const call = readCall({ port_id: 4, bin_id: 101337 }, 'XML', false);
    const declared = (case_state: PortState['case_state'], case_error = false): PortState => ({
      type: 'AC',
      mode: 'OPEN',
      selected_bin: 101337,
      case_state,
      case_error,
    });
    const port = (port_id: number, case_state: PortState['case_state'], selected_bin: number | null = 3300) =>
      ({ port_id, type: 'AC', mode: 'OPEN', selected_bin, case_state }) as const;
    // errors.feature's seed scenario and envelope.feature's 1152 row declare NOOP; order.feature's "1152 before
    // 1153" declares ICMP: none is about its state, any state that is not active breaks the same check.
    for (const [scenario, state] of [
      [
        {
          name: 'With no AutoCase operation going on there is nothing to cancel (XML)',
          tags: ERRORS_1152_SEED,
        },
        'NOOP',
      ],
      [
        { name: 'A fault travels with HTTP 200, its code in the body (1152, XML)', tags: ENVELOPE_FAULT },
        'NOOP',
      ],
      [{ name: 'No active operation comes before no error (1152 before 1153, XML)', tags: ORDER }, 'ICMP'],
    ] as const) {
      const need = needOf(declared(state), call, true, focusOf(scenario, declared(state)));
      assert.deepEqual(need, { kind: 'inactive', state, exact: false }, scenario.name);
      for (const inactive of ['NOOP', 'ECMP', 'ICMP'] as const)
        assert.ok(fits(need, port(33, inactive)), inactive);
      for (const active of ['EREQ', 'ERSO', 'IREQ', 'IRTR', 'ICRC', 'ICIN'] as const)
        assert.ok(!fits(need, port(35, active)), active);
      assert.ok(!fits(need, port(31, 'ECMP', null)), 'a bin must be selected: the call names it');
      assert.ok(!fits(need, { port_id: 36, type: 'AC', mode: 'OPEN', selected_bin: 3600 }), 'state not read');
      assert.ok(prefers(need, port(32, state)));
      assert.ok(!prefers(need, port(33, state === 'NOOP' ? 'ECMP' : 'NOOP')));
      assert.equal(
        missingReason(need, SITE),
        'no OPEN AutoCase port with a bin selected and no active case operation among ports 1-2000 on this site',
      );
    }
    // errors.feature's rows over the inactive states name theirs: each is played by its own state only.
    for (const [state, error] of [
      ['NOOP', 'in error'],
      ['ECMP', 'without error'],
      ['ECMP', 'in error'],
      ['ICMP', 'without error'],
      ['ICMP', 'in error'],
    ] as const) {
      const name = `A completed or idle operation is not active, error or not (${state} ${error}, XML)`;
      const state_ = declared(state, error === 'in error');
      const need = needOf(state_, call, true, focusOf({ name, tags: ERRORS_1152_STATES }, state_));
      assert.deepEqual(need, { kind: 'inactive', state, exact: true }, name);
      for (const other of ['NOOP', 'ECMP', 'ICMP'] as const)
        assert.equal(fits(need, port(33, other)), other === state, `${name} on ${other}`);
      assert.equal(
        missingReason(need, SITE),
        `no OPEN AutoCase port with a bin selected and its case ${state} among ports 1-2000 on this site`,
      );
    }
    // A scenario the player knows nothing about keeps every declared condition.
    assert.deepEqual(focusOf(undefined, declared('NOOP')), ABOUT_ALL);
    assert.deepEqual(needOf(declared('NOOP'), call, true), { kind: 'inactive', state: 'NOOP', exact: true });
  });

  it('a state is named as a word of the name, not as part of another', () => {
    const noop = {
      type: 'AC',
      mode: 'OPEN',
      selected_bin: 1,
      case_state: 'NOOP',
      case_error: false,
    } as const;
    assert.equal(focusOf({ name: 'A NOOPS scenario (XML)', tags: [] }, noop).caseState, false);
    assert.equal(focusOf({ name: 'state NOOP, error cleared', tags: [] }, noop).caseState, true);
    assert.equal(focusOf({ name: 'anything', tags: [] }, null).caseState, false);
  });

  it('reads literal forms, unknown parameters and bounds as variants of the plain call', () => {
    assert.equal(readCall({ port_id: '+4', bin_id: 101337 }, 'XML', false).variant, true);
    assert.equal(readCall({ port_id: { rawJson: '4.0' }, bin_id: 101337 }, 'JSON', false).variant, true);
    assert.equal(readCall({ port_id: 4, bin_id: 101337, task_id: 42 }, 'XML', false).variant, true);
    assert.equal(readCall({ port_id: 4, bin_id: 101337 }, 'XML', true).variant, true);
    const plain = readCall({ port_id: 4, bin_id: 101337 }, 'XML', false);
    assert.equal(plain.variant, false);
    assert.equal(plain.bound, false);
    assert.equal(readCall({ port_id: 2000, bin_id: 101337 }, 'XML', false).bound, true);
    assert.equal(readCall({ port_id: 4, bin_id: 4_000_000 }, 'JSON', false).bound, true);
    assert.equal(readCall({ port_id: '4.0', bin_id: 101337 }, 'XML', false).paramFault, 1004);
    assert.equal(readCall({ port_id: [4, 4], bin_id: 101337 }, 'XML', false).paramFault, 1004);
  });

  it('names what is missing the same way for every scenario that misses it', () => {
    const call = readCall({ port_id: 12, bin_id: 101337 }, 'XML', false);
    const declared: PortState = {
      type: 'VE',
      mode: 'OPEN',
      selected_bin: 101337,
      case_state: 'ERSO',
      case_error: true,
    };
    assert.equal(
      missingReason(needOf(declared, call, true), SITE),
      'no VE port among ports 1-2000 on this site',
    );
    assert.equal(
      missingReason(needOf({ ...declared, type: 'AC' }, call, true), SITE),
      NEEDS_ERROR_FLAG,
      'success and 1153 need the error flag',
    );
  });
});

describe('a literal form written around the port and bin that play it (judged by difference)', () => {
  it("keeps the features' forms around another id: whitespace, sign, leading zeros, a point and its digits", () => {
    const around = (value: Parameters<typeof writtenAround>[0], id: number, encoding: 'XML' | 'JSON') =>
      writtenAround(value, id, encoding);
    // parameters.feature's PARAM-LITERALS rows, around port 32 and its bin 3232
    assert.equal(around('000101337', 3232, 'XML'), '0003232');
    assert.equal(around('+101337', 3232, 'XML'), '+3232');
    assert.equal(around(' 101337 ', 3232, 'XML'), ' 3232 ');
    assert.equal(around('101337', 3232, 'XML'), '3232');
    assert.equal(around('+4', 32, 'XML'), '+32');
    assert.equal(around('0004', 32, 'XML'), '00032', 'the same three leading zeros');
    assert.equal(around(' 4 ', 32, 'XML'), ' 32 ');
    assert.equal(around('\n\t4\n', 32, 'XML'), '\n\t32\n');
    assert.deepEqual(around({ rawJson: '4.0' }, 32, 'JSON'), { rawJson: '32.0' });
    assert.deepEqual(around({ rawJson: '101337.0' }, 3232, 'JSON'), { rawJson: '3232.0' });
    assert.deepEqual(around({ rawJson: ' 101337 ' }, 3232, 'JSON'), { rawJson: ' 3232 ' });
    // the exponent stays as written; the digits move around it
    assert.deepEqual(around({ rawJson: '40e-1' }, 32, 'JSON'), { rawJson: '320e-1' });
    assert.deepEqual(around({ rawJson: '4E+0' }, 32, 'JSON'), { rawJson: '32E+0' });
    assert.deepEqual(around({ rawJson: '4.5e1' }, 32, 'JSON'), { rawJson: '3.2e1' });
    // a plain number is the id itself
    assert.equal(around(101337, 3232, 'XML'), 3232);
  });

  it('refuses a form no literal of the other id has, and a value that is not one literal', () => {
    assert.equal(writtenAround({ rawJson: '0.4e1' }, 32, 'JSON'), undefined, '03.2e1 is not that form');
    assert.deepEqual(writtenAround({ rawJson: '0.4e1' }, 7, 'JSON'), { rawJson: '0.7e1' });
    assert.equal(writtenAround({ rawJson: '1.01337e5' }, 3232, 'JSON'), undefined);
    assert.equal(writtenAround({ rawJson: '32e1' }, 33, 'JSON'), undefined, 'no integer times e1 is 33');
    assert.deepEqual(writtenAround({ rawJson: '32e1' }, 50, 'JSON'), { rawJson: '5e1' });
    assert.equal(writtenAround('4.0', 32, 'XML'), undefined, 'not an xs:int literal');
    assert.equal(writtenAround({ rawJson: '"4"' }, 32, 'JSON'), undefined, 'a JSON string');
    assert.equal(writtenAround([4, 4], 32, 'XML'), undefined);
  });

  it('writes any accepted form of any id around any other id so that it reads as that id, in the same form', () => {
    const xmlSpace = fc.stringMatching(/^[ \t\r\n]{0,3}$/);
    const jsonSpace = fc.stringMatching(/^[ \t\r\n]{0,3}$/);
    const id = fc.integer({ min: 1, max: 4_000_000 });
    const xml = fc
      .record({ before: xmlSpace, sign: fc.constantFrom('', '+'), zeros: fc.nat(5), after: xmlSpace, id })
      .map(({ before, sign, zeros, after, id }) => `${before}${sign}${'0'.repeat(zeros)}${id}${after}`);
    const json = fc
      .record({
        before: jsonSpace,
        decimals: fc.nat(3),
        after: jsonSpace,
        id,
        exponent: fc.option(fc.constantFrom('e0', 'E0', 'e+0', 'e-1', 'e-2'), { nil: undefined }),
      })
      .map(({ before, decimals, after, id, exponent }) => {
        const shift = exponent === 'e-1' ? 1 : exponent === 'e-2' ? 2 : 0;
        const digits = `${id}${'0'.repeat(decimals + shift)}`;
        const point = digits.length - decimals;
        const body = decimals === 0 ? digits : `${digits.slice(0, point)}.${digits.slice(point)}`;
        return { rawJson: `${before}${body}${exponent ?? ''}${after}` };
      });
    const shape = (text: string) => text.replace(/[1-9][0-9]*(\.[0-9]*)?/, (m) => m.replace(/[0-9]/g, 'd'));
    fc.assert(
      fc.property(
        fc.oneof(
          xml.map((t) => ['XML', t] as const),
          json.map((t) => ['JSON', t] as const),
        ),
        id,
        ([encoding, value], other) => {
          const sent = writtenAround(value, other, encoding);
          assert.notEqual(sent, undefined, 'a form of an integer, its whole part not zero, fits any other');
          const text = typeof sent === 'string' ? sent : (sent as { rawJson: string }).rawJson;
          const reading = readParam(text, encoding);
          assert.deepEqual(reading, { kind: 'integer', value: other });
          const original = typeof value === 'string' ? value : value.rawJson;
          // everything but the significant digits is as written
          assert.equal(shape(text).replace(/d+/, 'D'), shape(original).replace(/d+/, 'D'));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('prefers, for a parameter fault on any AutoCase port, one where no cancel can succeed', () => {
    const port = (p: Partial<FoundPort>): FoundPort =>
      ({ port_id: 4, type: 'AC', mode: 'OPEN', selected_bin: 101337, case_state: 'ERSO', ...p }) as FoundPort;
    const autocase = { kind: 'autocase' } as const;
    assert.equal(prefers(autocase, port({})), false);
    assert.equal(prefers(autocase, port({ case_state: undefined })), false);
    assert.equal(prefers(autocase, port({ mode: 'CLOSED' })), true);
    assert.equal(prefers(autocase, port({ selected_bin: null })), true);
    assert.equal(prefers(autocase, port({ case_state: 'NOOP' })), true);
    // Whatever the bin, a cancel on a preferred port is a fault.
    fc.assert(
      fc.property(portState, bins, (state, bin) => {
        const found = { port_id: 4, ...state } as unknown as FoundPort;
        fc.pre(found.type === 'AC' && prefers(autocase, found));
        return predictProbe(found, 4, bin) !== undefined;
      }),
      { numRuns: 300 },
    );
  });
});
