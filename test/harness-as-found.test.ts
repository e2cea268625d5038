// The as-found rules (docs/spec/as-found.md) as properties: a probe never could succeed, and a port that fits a
// scenario's need answers that scenario's call as the declared state would, whatever its unseen error flag.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkPort } from '../support/fuzz/oracle.ts';
import { CASE_STATES, PORT_MODES, PORT_TYPES, type PortState } from '../support/model.ts';
import {
  addressedPort,
  fits,
  missingReason,
  NEEDS_ERROR_FLAG,
  needOf,
  predictProbe,
  probeBin,
  readCall,
} from '../support/site/as-found.ts';
import type { FoundPort, SiteMap } from '../support/site/site-map.ts';

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
  it('a port that fits answers the valid call as the declared state does, whatever its error flag', () => {
    fc.assert(
      fc.property(portState, portState, bins, fc.boolean(), (declared, other, bin, error) => {
        const call = readCall({ port_id: 7, bin_id: bin }, 'XML', false);
        const need = needOf(declared, call, true);
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
      }),
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

  it('a parameter fault needs any AutoCase port, unless the declared port breaks a check of its own', () => {
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

  it('a second broken condition must stand on the playing port too (1099 before 1149)', () => {
    const call = readCall({ port_id: 7, bin_id: 5001 }, 'XML', false);
    const need = needOf(
      { type: 'AC', mode: 'CLOSED', selected_bin: 6001, case_state: 'ERSO', case_error: true },
      call,
      true,
    );
    assert.deepEqual(need, { kind: 'mode', mode: 'CLOSED', later: { otherBin: 5001 } });
    assert.ok(fits(need, { port_id: 9, type: 'AC', mode: 'CLOSED', selected_bin: 6001, case_state: 'ERSO' }));
    assert.ok(
      !fits(need, { port_id: 8, type: 'AC', mode: 'CLOSED', selected_bin: null, case_state: 'NOOP' }),
    );
    assert.ok(
      !fits(need, { port_id: 9, type: 'AC', mode: 'CLOSED', selected_bin: 5001, case_state: 'ERSO' }),
    );
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
