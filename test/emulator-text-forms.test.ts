// The element's text as XML reads it (CDATA sections, character references, no comments) and JSON numbers with an
// exponent: the faithful emulator reads each form as its value; each of the deviations of a reader that does not
// refuses exactly its own form (1004 for port_id, 1010 for bin_id); a DOCTYPE is still refused.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseJsonCall } from '../emulator/codec-json.ts';
import { parseXmlCall } from '../emulator/codec-xml.ts';
import { decide } from '../emulator/decide.ts';
import {
  type DeviationName,
  type Deviations,
  NO_DEVIATIONS,
  parseDeviations,
} from '../emulator/deviations.ts';
import type { Encoding, SiteState } from '../emulator/types.ts';
import { jsonCall, xmlCall } from './helpers/emulator-http.ts';

const SITE: SiteState = {
  ports: new Map([
    [4, { type: 'AC', mode: 'OPEN', selected_bin: 101337, case_state: 'ERSO', case_error: true } as const],
  ]),
};

function answer(
  encoding: Encoding,
  port: string,
  bin: string,
  deviations: Deviations,
): number | 'success' | string {
  const params = [
    ['port_id', port],
    ['bin_id', bin],
  ] as const;
  const parsed =
    encoding === 'XML'
      ? parseXmlCall(Buffer.from(xmlCall('case_cancel', params)), undefined, deviations)
      : parseJsonCall(Buffer.from(jsonCall('case_cancel', params)), deviations);
  if (!parsed.ok) return `not a call: ${parsed.notACall.reason}`;
  const { answer } = decide(SITE, parsed.call, deviations);
  return answer.kind === 'fault' ? answer.code : 'success';
}

/** Each form, the deviation that refuses it, and how it is written for port 4 and for bin 101337. */
const FORMS: readonly { encoding: Encoding; by: DeviationName; port: string; bin: string }[] = [
  { encoding: 'XML', by: 'xml-cdata-refused', port: '<![CDATA[4]]>', bin: '<![CDATA[101337]]>' },
  { encoding: 'XML', by: 'xml-cdata-refused', port: ' <![CDATA[+0004]]>\n', bin: '1<![CDATA[01337]]>' },
  { encoding: 'XML', by: 'xml-charref-refused', port: '&#52;', bin: '&#49;&#48;&#49;&#51;&#51;&#55;' },
  { encoding: 'XML', by: 'xml-charref-refused', port: '&#x34;', bin: '&#x31;01337' },
  { encoding: 'XML', by: 'xml-comment-refused', port: '4<!-- c -->', bin: '101<!-- c -->337' },
  { encoding: 'XML', by: 'xml-comment-refused', port: '<!---->4', bin: '<!-- 9 --> 101337' },
  { encoding: 'JSON', by: 'json-exponent-refused', port: '4e0', bin: '1.01337e5' },
  { encoding: 'JSON', by: 'json-exponent-refused', port: '40E-1', bin: '101337E+0' },
];
const BY = [
  'xml-cdata-refused',
  'xml-charref-refused',
  'xml-comment-refused',
  'json-exponent-refused',
] as const;

describe('XML text forms and JSON exponents', () => {
  test('the faithful emulator reads each form as its value', () => {
    for (const { encoding, port, bin } of FORMS) {
      assert.equal(answer(encoding, port, '101337', NO_DEVIATIONS), 'success', `port_id ${port}`);
      assert.equal(answer(encoding, '4', bin, NO_DEVIATIONS), 'success', `bin_id ${bin}`);
    }
  });

  test('each deviation refuses its own forms (1004, 1010) and reads the others as the faithful emulator does', () => {
    for (const name of BY) {
      const deviations = parseDeviations([name]);
      for (const { encoding, by, port, bin } of FORMS) {
        const expected = (code: number) => (by === name ? code : 'success');
        assert.equal(
          answer(encoding, port, '101337', deviations),
          expected(1004),
          `${name}: port_id ${port}`,
        );
        assert.equal(answer(encoding, '4', bin, deviations), expected(1010), `${name}: bin_id ${bin}`);
      }
      assert.equal(answer('XML', '4', '101337', deviations), 'success', `${name}: the plain call`);
    }
  });

  test('a DOCTYPE that declares an entity is still refused, with these deviations or without', () => {
    const body =
      '<?xml version="1.0"?><!DOCTYPE methodcall [<!ENTITY p "4">]><methodcall><name>case_cancel</name><params><port_id>&p;</port_id><bin_id>101337</bin_id></params></methodcall>';
    for (const deviations of [NO_DEVIATIONS, parseDeviations([BY.join(',')])]) {
      const parsed = parseXmlCall(Buffer.from(body), undefined, deviations);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.equal(parsed.notACall.kind, 'doctype');
    }
  });

  test('markup that is not well-formed inside an element is still no call', () => {
    for (const port of ['<![CDATA[4]]', '&#52', '4<!-- c --', '&#0;', '&#xD800;']) {
      assert.match(String(answer('XML', port, '101337', NO_DEVIATIONS)), /^not a call/, port);
    }
  });
});
