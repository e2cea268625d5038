// The fuzz oracle against examples written from docs/spec/case_cancel.md, one per rule: the integer
// literals of each encoding, every code, the order of checks, and what a successful cancel leaves.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkParams,
  checkPort,
  type Expected,
  integralLiteral,
  meets,
  readJsonInteger,
  readParam,
  readXmlInteger,
  type Sent,
  SiteModel,
} from '../support/fuzz/oracle.ts';
import type { Encoding, PortState } from '../support/model.ts';

const OK: PortState = {
  type: 'AC',
  mode: 'OPEN',
  selected_bin: 101337,
  case_state: 'ERSO',
  case_error: true,
};

function code(expected: Expected): number | 'success' | 'past the parameter checks' {
  if (expected.kind === 'past the parameter checks') return expected.kind;
  return expected.answer.kind === 'success' ? 'success' : expected.answer.code;
}

/** The answer to one call on a site where port 4 is `port` (null: no port 4). */
function answer(port_id: Sent, bin_id: Sent, port: PortState | null, encoding: Encoding = 'XML') {
  const site = new SiteModel();
  site.arrange(4, port);
  return code(site.cancel(port_id, bin_id, encoding));
}

describe('the fuzz oracle reads integers as the spec decides', () => {
  it('XML: an xs:int literal, with sign, leading zeros and surrounding XML whitespace, means its value', () => {
    for (const [text, value] of [
      ['4', 4],
      ['+4', 4],
      ['0004', 4],
      [' 4 ', 4],
      ['\n\t4\r\n', 4],
      ['000000000000000000000000004', 4],
      ['-0', 0],
      ['2147483647', 2147483647],
      ['-2147483648', -2147483648],
    ] as const) {
      assert.deepEqual(readXmlInteger(text), { kind: 'integer', value }, JSON.stringify(text));
    }
  });

  it('XML: anything else is invalid, xs:int overflow and non-XML whitespace included', () => {
    for (const text of [
      '',
      '   ',
      '4.0',
      '4e0',
      '0x4',
      'four',
      '4 4',
      '4a',
      '++4',
      '4-',
      '٤',
      '４',
      '\u00a04',
      '4\u2003',
      '2147483648',
      '-2147483649',
      '99999999999999999999',
    ]) {
      assert.equal(readXmlInteger(text).kind, 'invalid', JSON.stringify(text));
    }
  });

  it('JSON: a number with an integral value, however it is written; nothing else', () => {
    for (const [raw, value] of [
      ['4', 4],
      ['4.0', 4],
      ['4e0', 4],
      ['0.4e1', 4],
      [' 4 ', 4],
      ['-0', 0],
      ['2147483648', 2147483648],
    ] as const) {
      assert.deepEqual(readJsonInteger(raw), { kind: 'integer', value }, raw);
    }
    for (const raw of [
      '"4"',
      '""',
      'null',
      'true',
      'false',
      '[4]',
      '{}',
      '{"value": 4}',
      '4.5',
      '-0.5',
      '45e-1',
      // a fraction the double rounds to an integer is still a fraction
      '4.0000000000000000001',
      '101337.00000000000000001',
      '-4.00000000000000000001',
      '4000000000000000000000.1',
      '1e-400',
    ]) {
      assert.equal(readJsonInteger(raw).kind, 'invalid', raw);
    }
  });

  it('reads a JSON literal by its exact decimal value, however many digits it has', () => {
    for (const literal of [
      '4',
      '4.0',
      '4.000000000000000000000',
      '4e0',
      '40e-1',
      '0.4e1',
      '400e-2',
      '0',
      '-0',
      '0.0e-5',
      '1e400',
      '-4',
    ])
      assert.equal(integralLiteral(literal), true, literal);
    for (const literal of [
      '4.5',
      '4.0000000000000000001',
      '45e-1',
      '4e-1',
      '400e-3',
      '0.05e1',
      '1e-400',
      '4.',
      'x',
    ])
      assert.equal(integralLiteral(literal), false, literal);
  });

  it('a parameter left out is missing in both encodings', () => {
    assert.deepEqual(readParam(undefined, 'XML'), { kind: 'missing' });
    assert.deepEqual(readParam(undefined, 'JSON'), { kind: 'missing' });
  });

  it('a number is read as the codec writes it', () => {
    assert.deepEqual(readParam(4, 'XML'), { kind: 'integer', value: 4 });
    assert.deepEqual(readParam(4, 'JSON'), { kind: 'integer', value: 4 });
    assert.deepEqual(
      readParam('4', 'JSON'),
      { kind: 'integer', value: 4 },
      'a raw JSON literal 4 is the number 4',
    );
  });
});

describe('the fuzz oracle answers every code of case_cancel', () => {
  it('1003: port_id missing', () => {
    assert.equal(answer(undefined, 101337, OK), 1003);
  });

  it('1004: port_id outside 1-2000 or not an integer', () => {
    for (const port_id of [0, 2001, -1, 2147483648, '4.0', 'four'])
      assert.equal(answer(port_id, 101337, OK), 1004, String(port_id));
    assert.equal(answer('"4"', 101337, OK, 'JSON'), 1004);
  });

  it('1010: bin_id missing, outside 1-4 000 000 or not an integer', () => {
    for (const bin_id of [undefined, 0, 4000001, -1, '101337.0', 'bin'])
      assert.equal(answer(4, bin_id, OK), 1010, String(bin_id));
  });

  it('1000: the port does not exist', () => {
    assert.equal(answer(4, 101337, null), 1000);
  });

  it('1087: the port is not an AutoCase port', () => {
    assert.equal(answer(4, 101337, { ...OK, type: 'CO' }), 1087);
  });

  it('1099: the port is not OPEN', () => {
    for (const mode of ['CLOSED', 'AUTO', 'DISABLED'] as const)
      assert.equal(answer(4, 101337, { ...OK, mode }), 1099, mode);
  });

  it('1149: another bin, or no bin selected', () => {
    assert.equal(answer(4, 7, OK), 1149);
    assert.equal(answer(4, 101337, { ...OK, selected_bin: null }), 1149);
  });

  it('1152: no active operation (NOOP, ECMP, ICMP)', () => {
    for (const case_state of ['NOOP', 'ECMP', 'ICMP'] as const) {
      assert.equal(answer(4, 101337, { ...OK, case_state }), 1152, case_state);
    }
  });

  it('1153: an active operation without error', () => {
    for (const case_state of ['EREQ', 'ERSO', 'IREQ', 'IRTR', 'ICRC', 'ICIN'] as const) {
      assert.equal(answer(4, 101337, { ...OK, case_state, case_error: false }), 1153, case_state);
    }
  });

  it('success: an active operation in error, cancelled with the selected bin, in either encoding', () => {
    for (const case_state of ['EREQ', 'ERSO', 'IREQ', 'IRTR', 'ICRC', 'ICIN'] as const) {
      assert.equal(answer(4, 101337, { ...OK, case_state }), 'success', case_state);
      assert.equal(answer(4, 101337, { ...OK, case_state }, 'JSON'), 'success', case_state);
    }
  });

  it('the bounds are accepted', () => {
    const site = new SiteModel();
    site.arrange(1, { ...OK, selected_bin: 1 });
    site.arrange(2000, { ...OK, selected_bin: 4000000 });
    assert.equal(code(site.cancel(1, 1, 'XML')), 'success');
    assert.equal(code(site.cancel(2000, 4000000, 'JSON')), 'success');
  });
});

describe('the fuzz oracle checks in the decided order', () => {
  it('1003 before 1010, 1004 before 1010', () => {
    assert.equal(answer(undefined, 0, OK), 1003);
    assert.equal(answer(undefined, undefined, OK), 1003);
    assert.equal(answer(0, 0, OK), 1004);
    assert.equal(answer(2001, undefined, OK), 1004);
  });

  it('1010 before anything about the port, even a port that does not exist', () => {
    assert.equal(answer(4, 0, null), 1010);
    assert.equal(answer(4, 4000001, { ...OK, type: 'CO', mode: 'CLOSED' }), 1010);
  });

  it('1000, then 1087 before 1099 before 1149 before 1152 before 1153', () => {
    const broken: PortState = {
      type: 'CO',
      mode: 'CLOSED',
      selected_bin: null,
      case_state: 'NOOP',
      case_error: false,
    };
    assert.equal(answer(4, 101337, broken), 1087);
    assert.equal(answer(4, 101337, { ...broken, type: 'AC' }), 1099);
    assert.equal(answer(4, 101337, { ...broken, type: 'AC', mode: 'OPEN' }), 1149);
    assert.equal(answer(4, 101337, { ...broken, type: 'AC', mode: 'OPEN', selected_bin: 101337 }), 1152);
    assert.equal(answer(4, 101337, { ...OK, case_error: false }), 1153);
  });

  it('the parameter checks need no port; the port checks do', () => {
    assert.deepEqual(checkParams({ kind: 'integer', value: 4 }, { kind: 'integer', value: 7 }), {
      port_id: 4,
      bin_id: 7,
    });
    assert.equal(code(checkPort(null, 4, 7)), 1000);
  });
});

describe('the fuzz oracle models what a cancel leaves behind', () => {
  it('success: NOOP without error, type, mode and selected bin kept, one Log Publisher line; again: 1152', () => {
    const site = new SiteModel();
    site.arrange(4, { ...OK, case_state: 'ICRC' });
    assert.equal(code(site.cancel(4, 101337, 'XML')), 'success');
    assert.deepEqual(site.port(4), { ...OK, case_state: 'NOOP', case_error: false });
    assert.deepEqual(site.events, ['AC,4,101337,NOOP']);
    assert.equal(code(site.cancel(4, 101337, 'JSON')), 1152);
    assert.deepEqual(site.events, ['AC,4,101337,NOOP']);
  });

  it('a literal that means the value publishes the value', () => {
    const site = new SiteModel();
    site.arrange(4, OK);
    assert.equal(code(site.cancel(' +0004 ', '0101337', 'XML')), 'success');
    assert.deepEqual(site.events, ['AC,4,101337,NOOP']);
  });

  it('a fault changes nothing', () => {
    const site = new SiteModel();
    site.arrange(4, OK);
    assert.equal(code(site.cancel(4, 7, 'XML')), 1149);
    assert.deepEqual(site.port(4), OK);
    assert.deepEqual(site.events, []);
  });

  it('a port the oracle does not know (no rig) is only past the parameter checks', () => {
    const site = new SiteModel();
    const expected = site.cancel(12, 101337, 'XML');
    assert.equal(code(expected), 'past the parameter checks');
    assert.equal(code(site.cancel(12, 0, 'XML')), 1010);
    for (const ok of [1000, 1087, 1099, 1149, 1152, 1153])
      assert.ok(meets(expected, { kind: 'fault', code: ok }), String(ok));
    assert.ok(meets(expected, { kind: 'success', params: {} }));
    for (const wrong of [1003, 1004, 1010, 1001, 152])
      assert.ok(!meets(expected, { kind: 'fault', code: wrong }), String(wrong));
  });

  it('an exact expectation is met by exactly that answer', () => {
    const expected = new SiteModel().cancel(0, 1, 'JSON');
    assert.ok(meets(expected, { kind: 'fault', code: 1004 }));
    assert.ok(!meets(expected, { kind: 'fault', code: 1010 }));
    assert.ok(!meets(expected, { kind: 'success', params: {} }));
  });
});
