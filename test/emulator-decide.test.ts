// The decision as a pure function: order of checks, integer literals, bounds, the effect of a success.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseJsonCall } from '../emulator/codec-json.ts';
import { parseXmlCall } from '../emulator/codec-xml.ts';
import { decide } from '../emulator/decide.ts';
import { NO_DEVIATIONS } from '../emulator/deviations.ts';
import {
  CASE_STATES,
  type Call,
  type Encoding,
  PORT_MODES,
  PORT_TYPES,
  type PortState,
  type SiteState,
} from '../emulator/types.ts';
import { jsonCall, xmlCall } from './helpers/emulator-http.ts';

type Params = readonly (readonly [string, string])[];

const SAMPLE: PortState = {
  type: 'AC',
  mode: 'OPEN',
  selected_bin: 101337,
  case_state: 'ERSO',
  case_error: true,
};

function site(ports: Readonly<Record<number, PortState>>): SiteState {
  return { ports: new Map(Object.entries(ports).map(([id, port]) => [Number(id), port])) };
}

function call(encoding: Encoding, params: Params | undefined, method = 'case_cancel'): Call {
  const parsed =
    encoding === 'XML'
      ? parseXmlCall(Buffer.from(xmlCall(method, params)), undefined, NO_DEVIATIONS)
      : parseJsonCall(Buffer.from(jsonCall(method, params)));
  if (!parsed.ok) throw new Error(`test call not parsed: ${parsed.notACall.reason}`);
  return parsed.call;
}

function answerOf(state: SiteState, encoding: Encoding, params: Params | undefined): number | 'success' {
  const { answer } = decide(state, call(encoding, params));
  return answer.kind === 'fault' ? answer.code : 'success';
}

const ENCODINGS: readonly Encoding[] = ['XML', 'JSON'];

/** One violation each, in the order of checks; applied to the sample port 4 and the call (4, 101337). */
const VIOLATIONS = [
  { name: 'port_id missing', code: 1003, params: (p: Map<string, string>) => p.delete('port_id') },
  { name: 'port_id invalid', code: 1004, params: (p: Map<string, string>) => p.set('port_id', '0') },
  { name: 'bin_id invalid', code: 1010, params: (p: Map<string, string>) => p.set('bin_id', '0') },
  { name: 'port does not exist', code: 1000, port: () => undefined },
  { name: 'not an AutoCase port', code: 1087, port: (s: PortState) => ({ ...s, type: 'CO' as const }) },
  { name: 'not OPEN', code: 1099, port: (s: PortState) => ({ ...s, mode: 'CLOSED' as const }) },
  { name: 'another bin selected', code: 1149, port: (s: PortState) => ({ ...s, selected_bin: 7 }) },
  {
    name: 'no active operation',
    code: 1152,
    port: (s: PortState) => ({ ...s, case_state: 'NOOP' as const }),
  },
  { name: 'no error', code: 1153, port: (s: PortState) => ({ ...s, case_error: false }) },
] as const;

type Violation = (typeof VIOLATIONS)[number];

/** Violations that cannot happen together: two states of port_id, or a missing port with a property of it. */
function compatible(a: Violation, b: Violation): boolean {
  if (a.code === 1003 && b.code === 1004) return false;
  if (a.code === 1000 && 'port' in b) return false;
  return true;
}

function arrange(violations: readonly Violation[]): { state: SiteState; params: Params } {
  const params = new Map([
    ['port_id', '4'],
    ['bin_id', '101337'],
  ]);
  let port: PortState | undefined = SAMPLE;
  for (const violation of violations) {
    if ('params' in violation) violation.params(params);
    if ('port' in violation && port !== undefined) port = violation.port(port);
  }
  return { state: site(port === undefined ? {} : { 4: port }), params: [...params] };
}

describe('order of checks', () => {
  for (const encoding of ENCODINGS) {
    test(`no violation succeeds (${encoding})`, () => {
      const { state, params } = arrange([]);
      assert.equal(answerOf(state, encoding, params), 'success');
    });
    for (const violation of VIOLATIONS) {
      test(`${violation.name} alone answers ${violation.code} (${encoding})`, () => {
        const { state, params } = arrange([violation]);
        assert.equal(answerOf(state, encoding, params), violation.code);
      });
    }
    VIOLATIONS.forEach((first, index) => {
      for (const second of VIOLATIONS.slice(index + 1)) {
        if (!compatible(first, second)) continue;
        test(`${first.name} + ${second.name} answers ${first.code} (${encoding})`, () => {
          const { state, params } = arrange([second, first]);
          assert.equal(answerOf(state, encoding, params), first.code);
        });
      }
    });
  }

  test('a missing bin_id answers 1010, after port_id and before the port', () => {
    assert.equal(answerOf(site({ 4: SAMPLE }), 'XML', [['port_id', '4']]), 1010);
    assert.equal(answerOf(site({}), 'JSON', [['port_id', '4']]), 1010);
    assert.equal(answerOf(site({}), 'XML', [['port_id', 'x']]), 1004);
    assert.equal(answerOf(site({}), 'XML', [['bin_id', '1']]), 1003);
  });

  test('no params at all answers 1003', () => {
    for (const encoding of ENCODINGS) assert.equal(answerOf(site({ 4: SAMPLE }), encoding, undefined), 1003);
    assert.equal(answerOf(site({ 4: SAMPLE }), 'XML', []), 1003);
    for (const params of ['null', '[]', '"x"', '4', '[{"port_id": 4, "bin_id": 101337}]']) {
      const parsed = parseJsonCall(Buffer.from(`{"method": "case_cancel", "params": ${params}}`));
      assert.ok(parsed.ok);
      const { answer } = decide(site({ 4: SAMPLE }), parsed.call);
      assert.deepEqual(answer, { kind: 'fault', code: 1003 }, params);
    }
  });
});

describe('integer parameters', () => {
  const ports = site({
    1: { ...SAMPLE },
    4: SAMPLE,
    2000: { ...SAMPLE },
    9: { ...SAMPLE, selected_bin: 1 },
    10: { ...SAMPLE, selected_bin: 4_000_000 },
  });

  const cases: readonly { port: string; bin: string; xml: number | 'success'; json?: number | 'success' }[] =
    [
      { port: '1', bin: '101337', xml: 'success' },
      { port: '2000', bin: '101337', xml: 'success' },
      { port: '0', bin: '101337', xml: 1004 },
      { port: '2001', bin: '101337', xml: 1004 },
      { port: '-1', bin: '101337', xml: 1004 },
      { port: '9', bin: '1', xml: 'success' },
      { port: '10', bin: '4000000', xml: 'success' },
      { port: '4', bin: '0', xml: 1010 },
      { port: '4', bin: '4000001', xml: 1010 },
      { port: '4', bin: '-101337', xml: 1010 },
      { port: '4', bin: '2147483647', xml: 1010 },
      { port: '4', bin: '2147483648', xml: 1010 },
      { port: '2147483648', bin: '101337', xml: 1004 },
      { port: '-2147483649', bin: '101337', xml: 1004 },
      { port: '99999999999999999999', bin: '101337', xml: 1004 },
    ];
  for (const { port, bin, xml } of cases) {
    for (const encoding of ENCODINGS) {
      test(`port_id ${port}, bin_id ${bin} answers ${xml} (${encoding})`, () => {
        const expected = encoding === 'JSON' && /[0-9]{16,}/.test(port) ? 1004 : xml;
        assert.equal(
          answerOf(ports, encoding, [
            ['port_id', port],
            ['bin_id', bin],
          ]),
          expected,
        );
      });
    }
  }

  /** [port_id literal, bin_id literal of the same form, verdict] */
  const xmlLiterals: readonly [string, string, 'valid' | 'invalid'][] = [
    ['+4', '+101337', 'valid'],
    ['0004', '000101337', 'valid'],
    [' 4 ', ' 101337 ', 'valid'],
    ['\t\r\n4\n\t', '\t\r\n101337\n\t', 'valid'],
    ['+0004', '+0101337', 'valid'],
    ['&#52;', '&#49;01337', 'valid'],
    ['<![CDATA[4]]>', '<![CDATA[101337]]>', 'valid'],
    ['4.0', '101337.0', 'invalid'],
    ['4e0', '101337e0', 'invalid'],
    ['0x4', '0x18B99', 'invalid'],
    ['abc', 'abc', 'invalid'],
    ['', '', 'invalid'],
    ['   ', '   ', 'invalid'],
    ['4 4', '101337 1', 'invalid'],
    ['++4', '++101337', 'invalid'],
    ['- 4', '- 101337', 'invalid'],
    ['4\u00a0', '101337\u00a0', 'invalid'],
    ['\uff14', '\uff11\uff10\uff11\uff13\uff13\uff17', 'invalid'],
    ['\u0664', '\u0661\u0660\u0661\u0663\u0663\u0667', 'invalid'],
    ['4,0', '101,337', 'invalid'],
    ['<int>4</int>', '<int>101337</int>', 'invalid'],
    ['4<x/>', '101337<x/>', 'invalid'],
  ];
  for (const [portLiteral, binLiteral, verdict] of xmlLiterals) {
    test(`XML port_id ${JSON.stringify(portLiteral)} is ${verdict}`, () => {
      const expected = verdict === 'valid' ? 'success' : 1004;
      assert.equal(
        answerOf(ports, 'XML', [
          ['port_id', portLiteral],
          ['bin_id', '101337'],
        ]),
        expected,
      );
    });
    test(`XML bin_id ${JSON.stringify(binLiteral)} is ${verdict}`, () => {
      const expected = verdict === 'valid' ? 'success' : 1010;
      assert.equal(
        answerOf(ports, 'XML', [
          ['port_id', '4'],
          ['bin_id', binLiteral],
        ]),
        expected,
      );
    });
  }

  test('an XML parameter given twice is invalid', () => {
    const twice = (name: string): Params => [
      ['port_id', '4'],
      ['bin_id', '101337'],
      [name, name === 'port_id' ? '4' : '101337'],
    ];
    assert.equal(answerOf(ports, 'XML', twice('port_id')), 1004);
    assert.equal(answerOf(ports, 'XML', twice('bin_id')), 1010);
  });

  const jsonValues: readonly [string, 'valid' | 'invalid'][] = [
    ['4', 'valid'],
    ['4.0', 'valid'],
    ['4e0', 'valid'],
    ['0.4e1', 'valid'],
    ['4.5', 'invalid'],
    ['"4"', 'invalid'],
    ['" 4"', 'invalid'],
    ['null', 'invalid'],
    ['true', 'invalid'],
    ['false', 'invalid'],
    ['[4]', 'invalid'],
    ['{"value": 4}', 'invalid'],
    ['1e400', 'invalid'],
  ];
  for (const [value, verdict] of jsonValues) {
    test(`JSON port_id ${value} is ${verdict}`, () => {
      const expected = verdict === 'valid' ? 'success' : 1004;
      assert.equal(
        answerOf(ports, 'JSON', [
          ['port_id', value],
          ['bin_id', '101337'],
        ]),
        expected,
      );
    });
    test(`JSON bin_id ${value} (scaled) is ${verdict}`, () => {
      const scaled = value.replace(/^4/, '101337').replace('0.4e1', '101337').replace('"4"', '"101337"');
      const expected = verdict === 'valid' ? 'success' : 1010;
      assert.equal(
        answerOf(ports, 'JSON', [
          ['port_id', '4'],
          ['bin_id', scaled],
        ]),
        expected,
      );
    });
  }

  test('JSON 1e3 is the integer 1000', () => {
    const state = site({ 1000: { ...SAMPLE, selected_bin: 1000 } });
    assert.equal(
      answerOf(state, 'JSON', [
        ['port_id', '1e3'],
        ['bin_id', '1e3'],
      ]),
      'success',
    );
  });

  test('unknown extra parameters are ignored, in any order', () => {
    const params: Params = [
      ['task_id', 'whatever'],
      ['bin_id', '101337'],
      ['extra', '<nested>1</nested>'],
      ['port_id', '4'],
    ];
    assert.equal(answerOf(ports, 'XML', params), 'success');
    assert.equal(
      answerOf(ports, 'JSON', [
        ['bin_id', '101337'],
        ['extra', '{"a": [1]}'],
        ['port_id', '4'],
      ]),
      'success',
    );
  });
});

describe('port conditions', () => {
  for (const type of PORT_TYPES.filter((t) => t !== 'AC')) {
    test(`a ${type} port answers 1087`, () => {
      assert.equal(
        answerOf(site({ 4: { ...SAMPLE, type } }), 'XML', [
          ['port_id', '4'],
          ['bin_id', '101337'],
        ]),
        1087,
      );
    });
  }
  for (const mode of PORT_MODES.filter((m) => m !== 'OPEN')) {
    test(`an AutoCase port in mode ${mode} answers 1099`, () => {
      assert.equal(
        answerOf(site({ 4: { ...SAMPLE, mode } }), 'XML', [
          ['port_id', '4'],
          ['bin_id', '101337'],
        ]),
        1099,
      );
    });
  }
  for (const caseState of CASE_STATES) {
    const active = ['EREQ', 'ERSO', 'IREQ', 'IRTR', 'ICRC', 'ICIN'].includes(caseState);
    test(`case_state ${caseState} in error answers ${active ? 'success' : 1152}; without error ${active ? 1153 : 1152}`, () => {
      const params: Params = [
        ['port_id', '4'],
        ['bin_id', '101337'],
      ];
      assert.equal(
        answerOf(site({ 4: { ...SAMPLE, case_state: caseState } }), 'JSON', params),
        active ? 'success' : 1152,
      );
      assert.equal(
        answerOf(site({ 4: { ...SAMPLE, case_state: caseState, case_error: false } }), 'JSON', params),
        active ? 1153 : 1152,
      );
    });
  }
  test('no bin selected answers 1149', () => {
    assert.equal(
      answerOf(site({ 4: { ...SAMPLE, selected_bin: null } }), 'XML', [
        ['port_id', '4'],
        ['bin_id', '101337'],
      ]),
      1149,
    );
  });
});

describe('the effect of a successful cancel', () => {
  test('state NOOP, error cleared, type, mode and selected bin kept, AC,<port>,<bin>,NOOP published', () => {
    const before = site({ 4: SAMPLE, 5: { ...SAMPLE, selected_bin: 5 } });
    const decision = decide(
      before,
      call('XML', [
        ['port_id', '4'],
        ['bin_id', '101337'],
      ]),
    );
    assert.deepEqual(decision.answer, { kind: 'success', params: [] });
    assert.deepEqual(decision.state.ports.get(4), { ...SAMPLE, case_state: 'NOOP', case_error: false });
    assert.deepEqual(decision.state.ports.get(5), { ...SAMPLE, selected_bin: 5 });
    assert.deepEqual(decision.published, ['AC,4,101337,NOOP']);
    assert.deepEqual(before.ports.get(4), SAMPLE, 'the state passed in is not modified');
  });

  test('the second cancel answers 1152 and changes nothing', () => {
    const first = decide(
      site({ 4: SAMPLE }),
      call('JSON', [
        ['port_id', '4'],
        ['bin_id', '101337'],
      ]),
    );
    const second = decide(
      first.state,
      call('JSON', [
        ['port_id', '4'],
        ['bin_id', '101337'],
      ]),
    );
    assert.deepEqual(second.answer, { kind: 'fault', code: 1152 });
    assert.equal(second.state, first.state);
    assert.deepEqual(second.published, []);
  });

  test('the published line carries the bin as a plain integer whatever the literal', () => {
    const decision = decide(
      site({ 4: SAMPLE }),
      call('XML', [
        ['port_id', ' +0004 '],
        ['bin_id', '0101337'],
      ]),
    );
    assert.deepEqual(decision.published, ['AC,4,101337,NOOP']);
  });

  test('a fault changes nothing', () => {
    const before = site({ 4: { ...SAMPLE, case_error: false } });
    const decision = decide(
      before,
      call('XML', [
        ['port_id', '4'],
        ['bin_id', '101337'],
      ]),
    );
    assert.equal(decision.state, before);
    assert.deepEqual(decision.published, []);
  });

  test('decide refuses an unknown method (the server answers it 400 before)', () => {
    assert.throws(() => decide(site({}), call('XML', [], 'case_unknown')));
  });
});
