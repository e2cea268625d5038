// Each deviation misbehaves in exactly the one way it names: a probe where it differs from the faithful
// emulator, a control where it does not, and its `breaks` ids exist in features/requirements.json.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { DEVIATIONS, type DeviationName } from '../emulator/deviations.ts';
import { type RunningEmulator, startEmulator } from '../emulator/index.ts';
import {
  JSON_TYPE,
  jsonCall,
  type PortState,
  RigClient,
  SAMPLE_PORT,
  send,
  XML,
  xmlCall,
} from './helpers/emulator-http.ts';

type Params = readonly (readonly [string, string])[];

interface Target {
  readonly taskUrl: string;
  readonly rig: RigClient;
}

/** What a probe saw: the last answer (or that there was none) and the site afterwards. */
interface Observation {
  readonly status: number | 'no answer';
  readonly contentType?: string;
  readonly body?: string;
  readonly ports: Readonly<Record<number, PortState | undefined>>;
  readonly events: readonly string[];
}

type Step = (target: Target) => Promise<void>;

interface Request {
  readonly method?: string;
  readonly body?: string | Buffer;
  readonly contentType?: string;
  /** Sent chunked, without a Content-Length. */
  readonly chunked?: boolean;
  /** Sent to this path instead of the task path. */
  readonly path?: string;
  /** Applied through the rig before the request. */
  readonly arrange?: readonly Step[];
  /** How long after the answer the site is read (for what a deviation publishes a moment later). */
  readonly settleMs?: number;
}

const SAMPLE: Params = [
  ['port_id', '4'],
  ['bin_id', '101337'],
];

const put =
  (portId: number, changes: Partial<PortState>): Step =>
  (target) =>
    target.rig.put(portId, { ...SAMPLE_PORT, ...changes });
const remove =
  (portId: number): Step =>
  (target) =>
    target.rig.delete(portId);

/** A successful cancel made while arranging, so that the probe is the second one. */
const cancelFirst =
  (portId: number, binId: number): Step =>
  async (target) => {
    await send(target.taskUrl, {
      method: 'POST',
      body: xmlCall('case_cancel', cancel(String(portId), String(binId))),
      headers: { 'content-type': XML },
    });
  };
const xml = (params: Params, arrange: readonly Step[] = []): Request => ({
  body: xmlCall('case_cancel', params),
  contentType: XML,
  arrange,
});
const json = (params: Params, arrange: readonly Step[] = []): Request => ({
  body: jsonCall('case_cancel', params),
  contentType: JSON_TYPE,
  arrange,
});
const cancel = (portId: string, binId: string) =>
  [
    ['port_id', portId],
    ['bin_id', binId],
  ] as const;

const MALFORMED_XML: Request = { body: `${xmlCall('case_cancel', SAMPLE)}>`, contentType: XML };
const MALFORMED_JSON: Request = {
  body: jsonCall('case_cancel', SAMPLE).slice(0, -1),
  contentType: JSON_TYPE,
};
const DOCTYPE: Request = {
  body: '<?xml version="1.0"?><!DOCTYPE methodcall [<!ENTITY p "4">]><methodcall><name>case_cancel</name><params><port_id>&p;</port_id><bin_id>101337</bin_id></params></methodcall>',
  contentType: XML,
};
const OVERSIZE: Request = {
  body: `${xmlCall('case_cancel', SAMPLE)}<!--${'x'.repeat(1024 * 1024 + 512 * 1024)}-->`,
  contentType: XML,
};
/** A valid call padded with spaces before its end to exactly `bytes` bytes (ASCII). */
const paddedTo = (bytes: number): Request => {
  const call = xmlCall('case_cancel', SAMPLE);
  return {
    body: call.replace('</methodcall>', `${' '.repeat(bytes - call.length)}</methodcall>`),
    contentType: XML,
  };
};
/** 1 MiB exactly: not over the limit. */
const ONE_MIB = paddedTo(1024 * 1024);
/** One byte over 1 MiB. */
const OVERSIZE_BY_A_BYTE = paddedTo(1024 * 1024 + 1);
const STANDALONE = (value: 'yes' | 'no'): Request => ({
  body: xmlCall('case_cancel', SAMPLE).replace(
    '<?xml version="1.0"?>',
    `<?xml version="1.0" standalone="${value}"?>`,
  ),
  contentType: XML,
});
const SAMPLE_XML = xml(SAMPLE);
const SAMPLE_JSON = json(SAMPLE);
/** The sample call declared ISO-8859-1, `before` (a comment, say) ahead of its root, in Latin-1 bytes. */
function latin1Call(before: string): Buffer {
  const call = xmlCall('case_cancel', SAMPLE).replace(
    /^<\?xml[^>]*\?>/,
    '<?xml version="1.0" encoding="ISO-8859-1"?>',
  );
  return Buffer.from(call.replace('<methodcall>', `${before}<methodcall>`), 'latin1');
}

const FAULT_XML = xml(SAMPLE, [put(4, { case_state: 'NOOP' })]);
const FAULT_JSON = json(SAMPLE, [put(4, { case_state: 'NOOP' })]);

/** Per deviation: a probe where it must differ (and what the deviant answers), and a control where it must not. */
const PROBES: Readonly<
  Record<DeviationName, { probe: Request; expect: (seen: Observation) => void; control: readonly Request[] }>
> = {
  'code-1000-wrong': {
    probe: xml(SAMPLE, [remove(4)]),
    expect: fault(1001),
    control: [SAMPLE_XML, FAULT_JSON],
  },
  'code-1087-wrong': {
    probe: xml(SAMPLE, [put(4, { type: 'CO' })]),
    expect: fault(1000),
    control: [xml(SAMPLE, [remove(4)])],
  },
  'code-1099-wrong': {
    probe: json(SAMPLE, [put(4, { mode: 'INSERT' })]),
    expect: fault(1009),
    control: [SAMPLE_JSON],
  },
  'code-1149-wrong': {
    probe: xml(SAMPLE, [put(4, { selected_bin: 7 })]),
    expect: fault(1150),
    control: [xml(SAMPLE, [put(4, { selected_bin: null })])],
  },
  'code-1152-wrong': {
    probe: FAULT_XML,
    expect: fault(1153),
    control: [xml(SAMPLE, [put(4, { case_error: false })])],
  },
  'code-1153-wrong': {
    probe: json(SAMPLE, [put(4, { case_error: false })]),
    expect: fault(1152),
    control: [FAULT_JSON],
  },
  'code-1003-wrong': {
    probe: xml([['bin_id', '101337']]),
    expect: fault(1004),
    control: [xml(cancel('0', '101337'))],
  },
  'code-1004-wrong': {
    probe: json(cancel('2001', '101337')),
    expect: fault(1003),
    control: [json([['bin_id', '1']])],
  },
  'code-1010-wrong': { probe: xml(cancel('4', '0')), expect: fault(1004), control: [xml(cancel('0', '1'))] },
  'skip-mode-check': {
    probe: xml(SAMPLE, [put(4, { mode: 'CLOSED' })]),
    expect: success,
    control: [xml(SAMPLE, [put(4, { type: 'CO', mode: 'CLOSED' })])],
  },
  'skip-error-check': {
    probe: xml(SAMPLE, [put(4, { case_error: false })]),
    expect: success,
    control: [FAULT_XML],
  },
  'skip-no-bin-check': {
    probe: xml(SAMPLE, [put(4, { selected_bin: null })]),
    expect: success,
    control: [xml(SAMPLE, [put(4, { selected_bin: 7 })])],
  },
  'order-type-mode': {
    probe: xml(SAMPLE, [put(4, { type: 'CO', mode: 'CLOSED' })]),
    expect: fault(1099),
    control: [xml(SAMPLE, [put(4, { type: 'CO' })]), xml(SAMPLE, [put(4, { mode: 'CLOSED' })])],
  },
  'order-port-bin-params': {
    probe: xml(cancel('0', '0')),
    expect: fault(1010),
    control: [xml(cancel('0', '1')), xml(cancel('4', '0'))],
  },
  'port-max-off-by-one': {
    probe: xml(cancel('2000', '4000000')),
    expect: fault(1004),
    control: [xml(cancel('1', '1'))],
  },
  'port-min-off-by-one': {
    probe: json(cancel('0', '101337')),
    expect: fault(1000),
    control: [json(cancel('-1', '1'))],
  },
  'bin-max-off-by-one': {
    probe: xml(cancel('4', '4000001')),
    expect: fault(1149),
    control: [xml(cancel('4', '4000002'))],
  },
  'bin-min-off-by-one': {
    probe: xml(cancel('1', '1')),
    expect: fault(1010),
    control: [xml(cancel('2000', '4000000'))],
  },
  'refuse-leading-zeros': {
    probe: xml(cancel('0004', '+101337')),
    expect: fault(1004),
    control: [xml(cancel(' 4 ', '101337'))],
  },
  'port-id-uint16': {
    // 65540 is 2^16 + 4: port 4, whose cancel goes ahead
    probe: json(cancel('65540', '101337')),
    expect: success,
    control: [
      xml(cancel('65535', '101337')),
      xml(cancel('2001', '101337')),
      json(cancel('-65532', '101337')),
    ],
  },
  'bin-id-uint32': {
    // 4295068633 is 2^32 + 101337: the selected bin
    probe: xml(cancel('4', '4295068633')),
    expect: success,
    control: [json(cancel('4', '4294967296')), json(cancel('4', '-4294865959'))],
  },
  'bin-octal-leading-zero': {
    // 0101337 read in octal is 33503, not the selected bin 101337
    probe: xml(cancel('4', '0101337')),
    expect: fault(1149),
    control: [xml(cancel('4', '+101337')), xml(cancel('0004', '101337')), json(cancel('4', '101337'))],
  },
  'refuse-whitespace': {
    probe: xml(cancel(' 4 ', '101337')),
    expect: fault(1004),
    control: [xml(cancel('+4', '0101337'))],
  },
  'accept-json-string': {
    probe: json(cancel('"4"', '"101337"')),
    expect: success,
    control: [json(cancel('4.5', '101337'))],
  },
  'accept-decimal-literal': {
    probe: xml(cancel('4.0', '101337.0')),
    expect: success,
    control: [xml(cancel('4e0', '101337')), xml(cancel('4.5', '101337'))],
  },
  'xml-ids-unicode-trim': {
    probe: xml(cancel('\u00a04\u3000', '101337\u00a0')),
    expect: success,
    control: [xml(cancel('٤', '101337')), xml(cancel(' 4\n', '\u200b101337'))],
  },
  'xml-ids-any-digits': {
    probe: xml(cancel('٤', '１０１３３７')),
    expect: success,
    control: [xml(cancel('\u00a04', '101337')), xml(cancel('4', '101337\u00a0'))],
  },
  'xml-cdata-refused': {
    probe: xml(cancel('<![CDATA[4]]>', '101337')),
    expect: fault(1004),
    control: [
      xml(cancel('&#52;', '&#x31;01337')),
      xml(cancel('4<!-- c -->', '101337')),
      json(cancel('4e0', '1.01337e5')),
    ],
  },
  'xml-charref-refused': {
    probe: xml(cancel('4', '&#49;01337')),
    expect: fault(1010),
    control: [xml(cancel('<![CDATA[4]]>', ' <![CDATA[101337]]> ')), xml(cancel('4<!-- c -->', '101337'))],
  },
  'xml-comment-refused': {
    probe: xml(cancel('<!-- c -->4', '101337')),
    expect: fault(1004),
    control: [xml(cancel('&#x34;', '<![CDATA[101337]]>')), json(cancel('4e0', '101337'))],
  },
  'json-exponent-refused': {
    probe: json(cancel('4', '1.01337e5')),
    expect: fault(1010),
    control: [json(cancel('4.0', '101337.0')), xml(cancel('&#52;', '101337'))],
  },
  'json-fraction-rounded': {
    probe: json(cancel('4', '101337.00000000000000001')),
    expect: success,
    control: [json(cancel('4.5', '101337')), json(cancel('4.0', '101337')), SAMPLE_JSON],
  },
  'bin-child-text': {
    probe: xml(cancel('4', '<value>101337</value>')),
    expect: success,
    control: [xml(cancel('<value>4</value>', '101337')), SAMPLE_XML],
  },
  'param-name-any-case': {
    probe: xml([
      ['PORT_ID', '4'],
      ['bin_id', '101337'],
    ]),
    expect: port4({ case_state: 'NOOP', case_error: false }),
    control: [SAMPLE_JSON, xml([['bin_id', '101337']])],
  },
  'params-beside-method': {
    probe: {
      body: '{"method": "case_cancel", "port_id": 4, "bin_id": 101337}',
      contentType: JSON_TYPE,
    },
    expect: port4({ case_state: 'NOOP', case_error: false }),
    control: [
      { body: xmlCall('case_cancel', SAMPLE), contentType: XML },
      { body: '{"method": "case_cancel", "params": {"port_id": 4}}', contentType: JSON_TYPE },
    ],
  },
  'missing-bin-1003': {
    probe: json([['port_id', '4']]),
    expect: fault(1003),
    control: [json(cancel('4', '0'))],
  },
  'success-state-kept': {
    probe: SAMPLE_XML,
    expect: port4({ case_state: 'ERSO', case_error: false }),
    control: [FAULT_XML],
  },
  'success-error-kept': {
    probe: SAMPLE_JSON,
    expect: port4({ case_state: 'NOOP', case_error: true }),
    control: [FAULT_XML],
  },
  'success-clears-bin': {
    probe: SAMPLE_XML,
    expect: port4({ case_state: 'NOOP', case_error: false, selected_bin: null }),
    control: [FAULT_XML],
  },
  'success-closes-port': {
    probe: SAMPLE_XML,
    expect: port4({ case_state: 'NOOP', case_error: false, mode: 'CLOSED' }),
    control: [FAULT_JSON],
  },
  'success-no-log': { probe: SAMPLE_XML, expect: events([]), control: [FAULT_XML] },
  'success-wrong-log': { probe: SAMPLE_JSON, expect: events(['AC,4,101337,CR']), control: [FAULT_JSON] },
  'success-clears-all-errors': {
    probe: xml(SAMPLE, [put(2000, { selected_bin: 5001, case_state: 'ERSO', case_error: true })]),
    expect: (seen) => assert.equal(seen.ports[2000]?.case_error, false),
    // a success clears ports 1 and 2000 of the default site too: only faults leave it as the faithful emulator does
    control: [FAULT_XML, FAULT_JSON],
  },
  'success-log-twice': {
    probe: SAMPLE_JSON,
    expect: events(['AC,4,101337,NOOP', 'AC,4,101337,NOOP']),
    control: [FAULT_JSON],
  },
  'success-log-ecmp-first': {
    probe: SAMPLE_XML,
    expect: events(['AC,4,101337,ECMP', 'AC,4,101337,NOOP']),
    control: [FAULT_XML],
  },
  'log-ids-as-written': {
    probe: xml(cancel('+4', '000101337')),
    expect: events(['AC,+4,000101337,NOOP']),
    control: [SAMPLE_XML, json(cancel('4.0', '101337.0'))],
  },
  'fault-publishes-cr': {
    probe: xml(SAMPLE, [put(4, { selected_bin: 7 })]),
    expect: events(['AC,4,101337,CR']),
    control: [xml(SAMPLE, [put(4, { selected_bin: null })]), FAULT_JSON],
  },
  'fault-publishes-state': {
    probe: xml(SAMPLE, [put(4, { selected_bin: 7 })]),
    expect: events(['AC,4,7,ERSO']),
    // a port that is not an OPEN AutoCase port publishes nothing, as with the faithful emulator; a success its one line
    control: [xml(SAMPLE, [put(4, { mode: 'CLOSED' })]), json(SAMPLE, [put(4, { type: 'CO' })]), SAMPLE_JSON],
  },
  'fault-publishes-cr-late': {
    probe: { ...xml(SAMPLE, [put(4, { selected_bin: 7 })]), settleMs: 150 },
    expect: events(['AC,4,101337,CR']),
    control: [{ ...xml(SAMPLE, [put(4, { selected_bin: null })]), settleMs: 150 }, FAULT_JSON],
  },
  'xml-root-wrong': {
    probe: FAULT_XML,
    expect: body(
      '<?xml version="1.0" encoding="UTF-8"?>\n<methodresponse>\n  <fault>\n    <code>1152</code>\n  </fault>\n</methodresponse>\n',
    ),
    control: [FAULT_JSON, SAMPLE_JSON],
  },
  'xml-no-params': {
    probe: SAMPLE_XML,
    expect: body('<?xml version="1.0" encoding="UTF-8"?>\n<response/>\n'),
    control: [FAULT_XML, SAMPLE_JSON],
  },
  'xml-fault-string': {
    probe: xml(SAMPLE, [remove(4)]),
    expect: body(
      '<?xml version="1.0" encoding="UTF-8"?>\n<response>\n  <fault>\n    <faultCode>1000</faultCode>\n  </fault>\n</response>\n',
    ),
    control: [SAMPLE_XML, FAULT_JSON],
  },
  'xml-no-declaration': {
    probe: SAMPLE_XML,
    expect: body('<response>\n  <params/>\n</response>\n'),
    control: [SAMPLE_JSON],
  },
  'json-code-string': {
    probe: FAULT_JSON,
    expect: body('{"fault":{"code":"1152"}}'),
    control: [FAULT_XML, SAMPLE_JSON],
  },
  'json-params-null': {
    probe: SAMPLE_JSON,
    expect: body('{"params":null}'),
    control: [FAULT_JSON, SAMPLE_XML],
  },
  'json-answered-xml': {
    probe: SAMPLE_JSON,
    expect: (seen) => {
      assert.equal(seen.contentType, 'application/xml; charset=utf-8');
      assert.equal(
        seen.body,
        '<?xml version="1.0" encoding="UTF-8"?>\n<response>\n  <params/>\n</response>\n',
      );
    },
    control: [SAMPLE_XML],
  },
  'json-response-wrapped': {
    probe: SAMPLE_JSON,
    expect: body('{"response":{"params":{}}}'),
    control: [SAMPLE_XML],
  },
  'code-out-of-range': {
    probe: FAULT_JSON,
    expect: body('{"fault":{"code":152}}'),
    control: [SAMPLE_JSON, SAMPLE_XML],
  },
  'fault-http-400': {
    probe: FAULT_XML,
    expect: (seen) => {
      assert.equal(seen.status, 400);
      assert.match(seen.body ?? '', /<code>1152<\/code>/);
    },
    control: [SAMPLE_XML, SAMPLE_JSON],
  },
  'invalid-op-http-409': {
    probe: xml(SAMPLE, [put(4, { selected_bin: 7 })]),
    expect: status(409),
    control: [FAULT_XML, FAULT_JSON, SAMPLE_JSON],
  },
  'content-type-text-plain': {
    probe: SAMPLE_JSON,
    expect: (seen) => assert.equal(seen.contentType, 'text/plain; charset=utf-8'),
    control: [MALFORMED_XML],
  },
  'refuse-text-plain-request': {
    probe: { body: xmlCall('case_cancel', SAMPLE), contentType: 'text/plain; charset=utf-8' },
    expect: status(415),
    control: [SAMPLE_XML, { body: xmlCall('case_cancel', SAMPLE), contentType: 'text/xml' }],
  },
  'refuse-standalone': { probe: STANDALONE('yes'), expect: status(400), control: [STANDALONE('no')] },
  'xml-always-utf8': {
    probe: { body: latin1Call('<!-- Kühlhaus Süd -->'), contentType: XML },
    expect: status(400),
    control: [
      { body: latin1Call(''), contentType: XML },
      {
        body: Buffer.from(
          xmlCall('case_cancel', SAMPLE).replace('<methodcall>', '<!-- Kühlhaus -->\n<methodcall>'),
        ),
        contentType: XML,
      },
    ],
  },
  'drop-on-malformed': {
    probe: MALFORMED_XML,
    expect: (seen) => assert.equal(seen.status, 'no answer'),
    control: [MALFORMED_JSON],
  },
  'malformed-200': {
    probe: MALFORMED_XML,
    expect: (seen) => {
      assert.equal(seen.status, 200);
      assert.match(seen.body ?? '', /<code>1003<\/code>/);
    },
    control: [DOCTYPE, SAMPLE_XML],
  },
  'malformed-422': {
    probe: MALFORMED_JSON,
    expect: status(422),
    control: [{ body: '["case_cancel", 4, 101337]', contentType: JSON_TYPE }, DOCTYPE, SAMPLE_XML],
  },
  'any-xml-root': {
    probe: { body: xmlCall('case_cancel', SAMPLE).replace(/methodcall>/g, 'methodCall>'), contentType: XML },
    expect: success,
    control: [SAMPLE_JSON, MALFORMED_XML],
  },
  'doctype-500': { probe: DOCTYPE, expect: status(500), control: [MALFORMED_XML] },
  'entity-expanded': {
    probe: DOCTYPE,
    expect: (seen) => {
      assert.equal(seen.status, 200);
      assert.deepEqual(seen.events, ['AC,4,101337,NOOP']);
    },
    control: [MALFORMED_XML, SAMPLE_XML],
  },
  'unknown-method-fault': {
    probe: { body: jsonCall('case_cancelled', SAMPLE), contentType: JSON_TYPE },
    expect: (seen) => {
      assert.equal(seen.status, 200);
      assert.equal(seen.body, '{"fault":{"code":1000}}');
    },
    control: [SAMPLE_JSON, { body: '{"params": {}}', contentType: JSON_TYPE }],
  },
  'oversize-accepted': {
    probe: OVERSIZE,
    expect: (seen) => {
      assert.equal(seen.status, 200);
      assert.deepEqual(seen.events, ['AC,4,101337,NOOP']);
    },
    control: [SAMPLE_XML],
  },
  'method-name-any-case': {
    probe: { body: jsonCall('CASE_CANCEL', SAMPLE), contentType: JSON_TYPE },
    expect: success,
    control: [SAMPLE_JSON, { body: jsonCall('case_explode', SAMPLE), contentType: JSON_TYPE }],
  },
  'params-before-method': {
    probe: { body: xmlCall('case_explode', []), contentType: XML },
    expect: status(200),
    control: [
      { body: xmlCall('case_explode', SAMPLE), contentType: XML },
      { body: xmlCall('case_cancel', []), contentType: XML },
    ],
  },
  'unknown-method-404': {
    probe: { body: jsonCall('case_cancelled', SAMPLE), contentType: JSON_TYPE },
    expect: status(404),
    control: [SAMPLE_JSON, MALFORMED_XML],
  },
  'body-limit-1536k': {
    probe: OVERSIZE_BY_A_BYTE,
    expect: success,
    control: [ONE_MIB, SAMPLE_XML],
  },
  'json-method-unhashable-500': {
    probe: {
      body: '{"method": ["case_cancel"], "params": {"port_id": 4, "bin_id": 101337}}',
      contentType: JSON_TYPE,
    },
    expect: status(500),
    control: [
      { body: '{"method": 42, "params": {}}', contentType: JSON_TYPE },
      { body: 'null', contentType: JSON_TYPE },
      SAMPLE_JSON,
    ],
  },
  'oversize-chunked-accepted': {
    probe: { ...OVERSIZE_BY_A_BYTE, chunked: true },
    expect: success,
    control: [OVERSIZE_BY_A_BYTE, { ...ONE_MIB, chunked: true }, SAMPLE_XML],
  },
  'body-limit-1000000': {
    probe: ONE_MIB,
    expect: status(413),
    control: [SAMPLE_XML, MALFORMED_XML],
  },
  'json-trailing-data-read': {
    probe: {
      body: '{"method": "case_cancel", "params": {"port_id": 4, "bin_id": 101337}}}',
      contentType: JSON_TYPE,
    },
    expect: status(200),
    control: [MALFORMED_JSON, SAMPLE_JSON, { body: 'null', contentType: JSON_TYPE }],
  },
  'json-null-body-500': {
    probe: { body: 'null', contentType: JSON_TYPE },
    expect: status(500),
    control: [{ body: '["case_cancel", 4, 101337]', contentType: JSON_TYPE }, MALFORMED_JSON, SAMPLE_JSON],
  },
  'refusal-empty': {
    probe: MALFORMED_JSON,
    expect: (seen) => {
      assert.equal(seen.status, 400);
      assert.equal(seen.body?.trim(), '');
    },
    control: [SAMPLE_XML, FAULT_JSON],
  },
  'task-path-prefix': {
    probe: { ...SAMPLE_XML, path: '/api/v2/task/case_cancel' },
    expect: status(200),
    control: [{ ...SAMPLE_JSON, path: '/api/v2/tasks' }, { ...SAMPLE_XML, path: '/' }, SAMPLE_JSON],
  },
  'get-answered': {
    probe: { method: 'GET' },
    expect: status(200),
    control: [{ method: 'DELETE' }, SAMPLE_XML],
  },
  'bin-band-refused': {
    probe: xml(cancel('4', '2097152'), [put(4, { selected_bin: 2097152 })]),
    expect: fault(1010),
    control: [xml(cancel('4', '2162688'), [put(4, { selected_bin: 2162688 })]), SAMPLE_JSON],
  },
  'port-high-missing': {
    probe: json(cancel('1025', '101337'), [put(1025, {})]),
    expect: fault(1000),
    control: [
      json(cancel('2000', '101337'), [put(2000, {})]),
      json(cancel('1024', '101337'), [put(1024, {})]),
    ],
  },
  'cancel-forgets-previous-bin': {
    probe: xml(SAMPLE, [put(1, { selected_bin: 1 }), cancelFirst(1, 1)]),
    expect: (seen) => assert.equal(seen.ports[1]?.selected_bin, null),
    control: [SAMPLE_JSON, xml(SAMPLE, [put(1, { selected_bin: 1 })])],
  },
};

function status(expected: number) {
  return (seen: Observation) => assert.equal(seen.status, expected);
}
function fault(code: number) {
  return (seen: Observation) => {
    assert.equal(seen.status, 200);
    assert.match(seen.body ?? '', new RegExp(`<code>${code}</code>|"code":${code}\\b`));
  };
}
function success(seen: Observation): void {
  assert.equal(seen.status, 200);
  assert.match(seen.body ?? '', /<params\/>|"params":\{\}/);
}
function body(expected: string) {
  return (seen: Observation) => assert.equal(seen.body, expected);
}
function port4(changes: Partial<PortState>) {
  return (seen: Observation) => assert.deepEqual(seen.ports[4], { ...SAMPLE_PORT, ...changes });
}
function events(expected: readonly string[]) {
  return (seen: Observation) => assert.deepEqual(seen.events, expected);
}

/** Resets the target, arranges, sends, and reads the answer and the site afterwards. */
async function observe(target: Target, request: Request): Promise<Observation> {
  await target.rig.reset();
  for (const step of request.arrange ?? []) await step(target);
  let answer: Pick<Observation, 'status' | 'contentType' | 'body'>;
  try {
    const url = request.path === undefined ? target.taskUrl : new URL(request.path, target.taskUrl).href;
    const reply = await send(url, {
      method: request.method ?? 'POST',
      body: request.chunked && request.body !== undefined ? Readable.from([request.body]) : request.body,
      headers: request.contentType === undefined ? {} : { 'content-type': request.contentType },
    });
    answer = { status: reply.status, contentType: reply.headers['content-type'], body: reply.body };
  } catch {
    answer = { status: 'no answer' };
  }
  if (request.settleMs) await new Promise((resolve) => setTimeout(resolve, request.settleMs));
  const [port1, port4, port2000, events] = await Promise.all([
    target.rig.port(1),
    target.rig.port(4),
    target.rig.port(2000),
    target.rig.events(),
  ]);
  return { ...answer, ports: { 1: port1, 4: port4, 2000: port2000 }, events };
}

let faithful: RunningEmulator;
let faithfulTarget: Target;
before(async () => {
  faithful = await startEmulator({ port: 0 });
  faithfulTarget = { taskUrl: faithful.taskUrl, rig: new RigClient(faithful.rigUrl ?? '') };
});
after(() => faithful.close());

describe('the catalogue', () => {
  test('every deviation has a unique name, a description and requirement ids that exist', () => {
    const requirements = JSON.parse(
      readFileSync(new URL('../features/requirements.json', import.meta.url), 'utf8'),
    ) as {
      requirements: { id: string }[];
    };
    const ids = new Set(requirements.requirements.map((requirement) => requirement.id));
    const names = new Set<string>();
    for (const deviation of DEVIATIONS) {
      assert.ok(!names.has(deviation.name), `duplicate ${deviation.name}`);
      names.add(deviation.name);
      assert.match(deviation.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.ok(deviation.description.length > 10);
      assert.ok(deviation.breaks.length > 0, `${deviation.name} breaks nothing`);
      for (const id of deviation.breaks)
        assert.ok(ids.has(id), `${deviation.name}: unknown requirement ${id}`);
    }
  });

  test('every deviation has a probe here', () => {
    assert.deepEqual(Object.keys(PROBES).sort(), DEVIATIONS.map((deviation) => deviation.name).sort());
  });

  test('an unknown name is refused with the list of names; names may be comma-separated', async () => {
    await assert.rejects(startEmulator({ port: 0, deviate: ['code-1000-wrong', 'nope'] }), (error: Error) => {
      assert.match(error.message, /^unknown deviation 'nope'; known: code-1000-wrong, code-1087-wrong/);
      return true;
    });
    const both = await startEmulator({ port: 0, deviate: ['code-1000-wrong, xml-no-declaration', ''] });
    try {
      const target = { taskUrl: both.taskUrl, rig: new RigClient(both.rigUrl ?? '') };
      const seen = await observe(target, xml(SAMPLE, [remove(4)]));
      assert.equal(seen.body, '<response>\n  <fault>\n    <code>1001</code>\n  </fault>\n</response>\n');
    } finally {
      await both.close();
    }
  });
});

describe('each deviation changes exactly its behaviour', () => {
  for (const deviation of DEVIATIONS) {
    test(`${deviation.name}: ${deviation.description}`, async () => {
      const { probe, expect, control } = PROBES[deviation.name];
      const deviant = await startEmulator({ port: 0, deviate: [deviation.name] });
      const target = { taskUrl: deviant.taskUrl, rig: new RigClient(deviant.rigUrl ?? '') };
      try {
        const [faithfulSeen, deviantSeen] = await Promise.all([
          observe(faithfulTarget, probe),
          observe(target, probe),
        ]);
        assert.notDeepEqual(
          deviantSeen,
          faithfulSeen,
          'the probe must tell the deviation from the faithful emulator',
        );
        expect(deviantSeen);
        for (const request of control) {
          const [faithfulControl, deviantControl] = await Promise.all([
            observe(faithfulTarget, request),
            observe(target, request),
          ]);
          assert.deepEqual(deviantControl, faithfulControl, 'control');
        }
      } finally {
        await deviant.close();
      }
    });
  }
});
