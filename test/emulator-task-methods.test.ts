// The methods that arrange a scenario: openport, closeport, openbin, closebin, getportstatus, case_getstate,
// case_extract, as docs/spec/task-methods.md describes them (pure, then over HTTP).

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { parseJsonCall } from '../emulator/codec-json.ts';
import { parseXmlCall } from '../emulator/codec-xml.ts';
import { decide } from '../emulator/decide.ts';
import { NO_DEVIATIONS } from '../emulator/deviations.ts';
import { type RunningEmulator, startEmulator } from '../emulator/index.ts';
import type { Call, Decision, Encoding, PortState, SiteState } from '../emulator/types.ts';
import { JSON_TYPE, jsonCall, outcome, post, RigClient, XML, xmlCall } from './helpers/emulator-http.ts';

type Params = readonly (readonly [string, string])[];

const OPEN_AC: PortState = {
  type: 'AC',
  mode: 'OPEN',
  selected_bin: 101337,
  case_state: 'NOOP',
  case_error: false,
};
const CLOSED_AC: PortState = { ...OPEN_AC, mode: 'CLOSED', selected_bin: null };

function site(ports: Readonly<Record<number, PortState>>, bins?: readonly number[]): SiteState {
  const state = { ports: new Map(Object.entries(ports).map(([id, port]) => [Number(id), port])) };
  return bins === undefined ? state : { ...state, bins: new Set(bins) };
}

function call(method: string, params: Params | undefined, encoding: Encoding = 'XML'): Call {
  const parsed =
    encoding === 'XML'
      ? parseXmlCall(Buffer.from(xmlCall(method, params)), undefined, NO_DEVIATIONS)
      : parseJsonCall(Buffer.from(jsonCall(method, params)));
  if (!parsed.ok) throw new Error(parsed.notACall.reason);
  return parsed.call;
}

function run(
  state: SiteState,
  method: string,
  params: Params | undefined,
  encoding: Encoding = 'XML',
): Decision {
  return decide(state, call(method, params, encoding));
}

function code(decision: Decision): number | 'success' {
  return decision.answer.kind === 'fault' ? decision.answer.code : 'success';
}

const PORT = (id: number) => ['port_id', String(id)] as const;
const BIN = (id: number) => ['bin_id', String(id)] as const;

describe('openport', () => {
  const closed = site({ 8: CLOSED_AC, 4: OPEN_AC });
  const categories = ['select', '<category>1</category><category>2</category>'] as const;

  test('with a select list the port opens OPEN; without one INSERT', () => {
    const opened = run(closed, 'openport', [PORT(8), categories]);
    assert.equal(code(opened), 'success');
    assert.deepEqual(opened.answer, { kind: 'success', params: [] });
    assert.equal(opened.state.ports.get(8)?.mode, 'OPEN');
    assert.equal(run(closed, 'openport', [PORT(8)]).state.ports.get(8)?.mode, 'INSERT');
    assert.equal(
      run(closed, 'openport', [PORT(8), ['port_mode', 'SEQUENCE']]).state.ports.get(8)?.mode,
      'SEQUENCE',
    );
    assert.equal(
      run(closed, 'openport', [
        PORT(8),
        ['select', '<content>0</content>'],
        ['port_mode', ' SWAP '],
      ]).state.ports.get(8)?.mode,
      'SWAP',
    );
  });

  test('JSON select lists', () => {
    const json = (select: string) => code(run(closed, 'openport', [PORT(8), ['select', select]], 'JSON'));
    assert.equal(json('{"category": [1, 2]}'), 'success');
    assert.equal(json('{"content": [0, 10000000]}'), 'success');
    assert.equal(json('{"category": []}'), 1007);
    assert.equal(json('{"category": ["1"]}'), 1007);
    assert.equal(json('{"category": [10000001]}'), 1007);
    assert.equal(json('{"content": [-1]}'), 1006);
    assert.equal(json('{"category": [1], "content": [1]}'), 1006);
    assert.equal(json('[1, 2]'), 1007);
    assert.equal(json('{"colour": [1]}'), 1007);
  });

  const faults: readonly [string, Params, number][] = [
    ['port_id missing', [categories], 1003],
    ['port_id invalid', [PORT(2001), categories], 1004],
    ['category 0', [PORT(8), ['select', '<category>0</category>']], 1007],
    ['category 10000001', [PORT(8), ['select', '<category>10000001</category>']], 1007],
    ['content -1', [PORT(8), ['select', '<content>-1</content>']], 1006],
    ['categories and contents', [PORT(8), ['select', '<category>1</category><content>1</content>']], 1006],
    ['an empty select', [PORT(8), ['select', '']], 1007],
    ['an unknown port_mode', [PORT(8), categories, ['port_mode', 'open']], 1005],
    ['OPEN without a select list', [PORT(8), ['port_mode', 'OPEN']], 1005],
    ['a mode openport does not set', [PORT(8), categories, ['port_mode', 'CLOSED']], 1005],
    ['req_time before 1971', [PORT(8), categories, ['req_time', '1970-12-31T23:59:59Z']], 1008],
    ['req_time after 2038-01-18', [PORT(8), categories, ['req_time', '2038-01-19T00:00:00Z']], 1008],
    ['req_time not UTC', [PORT(8), categories, ['req_time', '2026-04-01T10:00:00+02:00']], 1008],
    ['req_time not a date', [PORT(8), categories, ['req_time', '2026-02-30T10:00:00Z']], 1008],
    ['req_time not ISO-8601', [PORT(8), categories, ['req_time', 'tomorrow']], 1008],
    ['no such port', [PORT(9), categories], 1000],
    ['a port that is not CLOSED', [PORT(4), categories], 1002],
  ];
  for (const [name, params, expected] of faults) {
    test(`${name} answers ${expected} and changes nothing`, () => {
      const decision = run(closed, 'openport', params);
      assert.equal(code(decision), expected);
      assert.equal(decision.state, closed);
    });
  }

  test('req_time at the bounds is valid', () => {
    for (const time of ['1971-01-01T00:00:00Z', '2038-01-18T23:59:59.999Z', '2026-04-01T10:00:00+00:00']) {
      assert.equal(code(run(closed, 'openport', [PORT(8), categories, ['req_time', time]])), 'success', time);
    }
  });
});

describe('closeport', () => {
  test('sets CLOSED and clears the selected bin; already closed succeeds and changes nothing', () => {
    const state = site({ 4: OPEN_AC, 8: CLOSED_AC });
    const closing = run(state, 'closeport', [PORT(4)]);
    assert.equal(code(closing), 'success');
    assert.deepEqual(closing.state.ports.get(4), { ...OPEN_AC, mode: 'CLOSED', selected_bin: null });
    const again = run(state, 'closeport', [PORT(8)]);
    assert.equal(code(again), 'success');
    assert.equal(again.state, state);
    assert.equal(code(run(state, 'closeport', [PORT(9)])), 1000);
    assert.equal(code(run(state, 'closeport', [])), 1003);
    assert.equal(code(run(state, 'closeport', [['port_id', 'x']])), 1004);
  });
});

describe('openbin', () => {
  const state = site({ 4: { ...OPEN_AC, selected_bin: null }, 5: OPEN_AC, 8: CLOSED_AC });

  test('selects the bin and answers it', () => {
    const opened = run(state, 'openbin', [PORT(4), BIN(101337)]);
    assert.deepEqual(opened.answer, { kind: 'success', params: [['bin_id', 101337]] });
    assert.equal(opened.state.ports.get(4)?.selected_bin, 101337);
    const again = run(opened.state, 'openbin', [PORT(4), ['bin_id', '+0101337']]);
    assert.deepEqual(again.answer, { kind: 'success', params: [['bin_id', 101337]] });
  });

  const faults: readonly [string, Params, number][] = [
    ['port_id missing', [BIN(1)], 1003],
    ['port_id invalid', [PORT(0), BIN(1)], 1004],
    ['bin_id invalid', [PORT(4), ['bin_id', '4.0']], 1010],
    ['no such port', [PORT(9), BIN(1)], 1000],
    ['a port not OPEN', [PORT(8), BIN(1)], 1009],
    ['no bin_id', [PORT(4)], 1016],
    ['another bin still selected', [PORT(5), BIN(7)], 1020],
  ];
  for (const [name, params, expected] of faults) {
    test(`${name} answers ${expected}`, () => {
      const decision = run(state, 'openbin', params);
      assert.equal(code(decision), expected);
      assert.equal(decision.state, state);
    });
  }

  test('with the site listing its bins, another bin does not exist (1011)', () => {
    const listed = site({ 4: { ...OPEN_AC, selected_bin: null } }, [101337]);
    assert.equal(code(run(listed, 'openbin', [PORT(4), BIN(101337)])), 'success');
    assert.equal(code(run(listed, 'openbin', [PORT(4), BIN(7)])), 1011);
  });
});

describe('closebin', () => {
  const state = site({ 4: OPEN_AC, 6: { ...OPEN_AC, selected_bin: null } });
  test('clears the selected bin; optional parameters are accepted', () => {
    const closing = run(state, 'closebin', [
      PORT(4),
      BIN(101337),
      ['task_id', '12'],
      ['taskcomplete', 'false'],
    ]);
    assert.equal(code(closing), 'success');
    assert.equal(closing.state.ports.get(4)?.selected_bin, null);
  });
  test('faults: 1003, 1004, 1010, 1000, 1149 (another bin, or none)', () => {
    assert.equal(code(run(state, 'closebin', [BIN(101337)])), 1003);
    assert.equal(code(run(state, 'closebin', [PORT(2001), BIN(101337)])), 1004);
    assert.equal(code(run(state, 'closebin', [PORT(4)])), 1010);
    assert.equal(code(run(state, 'closebin', [PORT(9), BIN(101337)])), 1000);
    assert.equal(code(run(state, 'closebin', [PORT(4), BIN(7)])), 1149);
    assert.equal(code(run(state, 'closebin', [PORT(6), BIN(7)])), 1149);
  });
});

describe('getportstatus and case_getstate', () => {
  const state = site({
    4: { ...OPEN_AC, case_state: 'ERSO', case_error: true },
    8: CLOSED_AC,
    12: { ...OPEN_AC, type: 'CO' },
  });
  test('getportstatus: port_id, port_mode, port_type, selected_bin (omitted when none)', () => {
    assert.deepEqual(run(state, 'getportstatus', [PORT(4)]).answer, {
      kind: 'success',
      params: [
        ['port_id', 4],
        ['port_mode', 'OPEN'],
        ['port_type', 'AC'],
        ['selected_bin', 101337],
      ],
    });
    assert.deepEqual(run(state, 'getportstatus', [PORT(8)], 'JSON').answer, {
      kind: 'success',
      params: [
        ['port_id', 8],
        ['port_mode', 'CLOSED'],
        ['port_type', 'AC'],
      ],
    });
    assert.equal(code(run(state, 'getportstatus', [PORT(9)])), 1000);
    assert.equal(code(run(state, 'getportstatus', [])), 1003);
  });
  test('case_getstate: port_id, bin_id (omitted when none), case_state; the error flag is not reported', () => {
    assert.deepEqual(run(state, 'case_getstate', [PORT(4)]).answer, {
      kind: 'success',
      params: [
        ['port_id', 4],
        ['bin_id', 101337],
        ['case_state', 'ERSO'],
      ],
    });
    assert.deepEqual(run(state, 'case_getstate', [PORT(8)]).answer, {
      kind: 'success',
      params: [
        ['port_id', 8],
        ['case_state', 'NOOP'],
      ],
    });
    assert.equal(code(run(state, 'case_getstate', [PORT(12)])), 1087);
    assert.equal(code(run(state, 'case_getstate', [PORT(9)])), 1000);
  });
});

describe('case_extract', () => {
  const state = site({
    4: OPEN_AC,
    8: CLOSED_AC,
    12: { ...OPEN_AC, type: 'CO' },
    6: { ...OPEN_AC, case_state: 'IRTR' },
  });
  test('starts an extraction: EREQ, error clear, AC,<port>,<bin>,EREQ published', () => {
    const started = run(state, 'case_extract', [PORT(4), BIN(101337)]);
    assert.equal(code(started), 'success');
    assert.deepEqual(started.state.ports.get(4), { ...OPEN_AC, case_state: 'EREQ', case_error: false });
    assert.deepEqual(started.published, ['AC,4,101337,EREQ']);
  });
  test('an operation already going on is left as it is', () => {
    const again = run(state, 'case_extract', [PORT(6), BIN(101337)]);
    assert.equal(code(again), 'success');
    assert.equal(again.state, state);
    assert.deepEqual(again.published, []);
  });
  test("faults in case_cancel's order", () => {
    assert.equal(code(run(state, 'case_extract', [BIN(1)])), 1003);
    assert.equal(code(run(state, 'case_extract', [PORT(0), BIN(0)])), 1004);
    assert.equal(code(run(state, 'case_extract', [PORT(4)])), 1010);
    assert.equal(code(run(state, 'case_extract', [PORT(9), BIN(101337)])), 1000);
    assert.equal(code(run(state, 'case_extract', [PORT(12), BIN(101337)])), 1087);
    assert.equal(code(run(state, 'case_extract', [PORT(8), BIN(101337)])), 1099);
    assert.equal(code(run(state, 'case_extract', [PORT(4), BIN(7)])), 1149);
  });
});

describe('over HTTP', () => {
  let emulator: RunningEmulator;
  let rig: RigClient;
  before(async () => {
    emulator = await startEmulator({ port: 0 });
    rig = new RigClient(emulator.rigUrl ?? '');
  });
  after(() => emulator.close());
  beforeEach(() => rig.reset());

  test('answers with params in XML and in JSON', async () => {
    await rig.put(4, { ...OPEN_AC, selected_bin: null });
    const xml = await post(emulator.taskUrl, xmlCall('openbin', [PORT(4), BIN(101337)]), XML);
    assert.equal(xml.status, 200);
    assert.equal(
      xml.body,
      '<?xml version="1.0" encoding="UTF-8"?>\n<response>\n  <params>\n    <bin_id>101337</bin_id>\n  </params>\n</response>\n',
    );
    const json = await post(emulator.taskUrl, jsonCall('getportstatus', [['port_id', '4']]), JSON_TYPE);
    assert.equal(json.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(
      json.body,
      '{"params":{"port_id":4,"port_mode":"OPEN","port_type":"AC","selected_bin":101337}}',
    );
  });

  test('arranging a cancel through the Task Interface alone', async () => {
    const send = (method: string, params: Params, encoding: Encoding) =>
      post(
        emulator.taskUrl,
        encoding === 'XML' ? xmlCall(method, params) : jsonCall(method, params),
        encoding === 'XML' ? XML : JSON_TYPE,
      );
    assert.equal(outcome(await send('closeport', [PORT(4)], 'XML')), 'success');
    assert.equal(
      outcome(await send('openport', [PORT(4), ['select', '{"category": [1]}']], 'JSON')),
      'success',
    );
    assert.equal(outcome(await send('openbin', [PORT(4), BIN(2024)], 'XML')), 'success');
    const state = await send('case_getstate', [PORT(4)], 'JSON');
    assert.equal(state.body, '{"params":{"port_id":4,"bin_id":2024,"case_state":"ERSO"}}');
    assert.equal(outcome(await send('case_cancel', [PORT(4), BIN(2024)], 'XML')), 'success', 'ERSO in error');
    assert.equal(outcome(await send('case_extract', [PORT(4), BIN(2024)], 'JSON')), 'success');
    assert.equal(outcome(await send('case_cancel', [PORT(4), BIN(2024)], 'XML')), 1153, 'active, no error');
    // closeport clears bin 101337 (closed: C), openbin opens 2024 (O), then the cancel and the extraction.
    assert.deepEqual(await rig.events(), ['BM,101337,C', 'BM,2024,O', 'AC,4,2024,NOOP', 'AC,4,2024,EREQ']);
    assert.deepEqual(await rig.port(4), {
      type: 'AC',
      mode: 'OPEN',
      selected_bin: 2024,
      case_state: 'EREQ',
      case_error: false,
    });
  });
});
