// The XML and JSON codecs of the harness: what a call looks like on the wire, and how answers are read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import type { Answer } from '../support/model.ts';
import { decodeAnswer } from '../support/wire/answer-decoding.ts';
import { charsetOf, mediaTypeOf } from '../support/wire/media-types.ts';
import { encodeCall } from '../support/wire/request-encoding.ts';
import { escapeXml, escapeXmlAttribute } from '../support/xml-escape.ts';

const DECL = '<?xml version="1.0" encoding="UTF-8"?>';
const FAULT_1152: Answer = { kind: 'fault', code: 1152 };
const EMPTY_SUCCESS: Answer = { kind: 'success', params: {} };

function decodesCleanly(body: string, encoding: 'XML' | 'JSON', expected: Answer): void {
  const decoded = decodeAnswer(body, encoding);
  assert.deepEqual(decoded.problems, [], `problems for ${JSON.stringify(body)}`);
  assert.deepEqual(decoded.answer, expected);
}

function problemsOf(body: string, encoding: 'XML' | 'JSON'): string[] {
  return decodeAnswer(body, encoding).problems;
}

describe('encodeCall, XML', () => {
  it('writes the vendor form: declaration, methodcall, name, params, pretty', () => {
    const { body, contentType } = encodeCall('case_cancel', { port_id: 4, bin_id: 101337 }, 'XML');
    assert.equal(contentType, 'application/xml');
    assert.equal(
      body,
      `${DECL}\n<methodcall>\n  <name>case_cancel</name>\n  <params>\n    <port_id>4</port_id>\n    <bin_id>101337</bin_id>\n  </params>\n</methodcall>\n`,
    );
  });

  it('writes the forms real clients send: compact, standalone, another declaration, another Content-Type', () => {
    const compact = encodeCall('case_cancel', { bin_id: 7, port_id: 4 }, 'XML', {
      compact: true,
      standalone: true,
    });
    assert.equal(
      compact.body,
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><methodcall><name>case_cancel</name><params><bin_id>7</bin_id><port_id>4</port_id></params></methodcall>',
    );
    const latin = encodeCall('case_cancel', { port_id: 4 }, 'XML', {
      declaration: '<?xml version="1.0" encoding="ISO-8859-1"?>',
      contentType: 'text/xml',
    });
    assert.ok(latin.body.startsWith('<?xml version="1.0" encoding="ISO-8859-1"?>\n<methodcall>'));
    assert.equal(latin.contentType, 'text/xml');
    const bare = encodeCall('case_cancel', { port_id: 4 }, 'XML', { declaration: '' });
    assert.ok(bare.body.startsWith('<methodcall>'));
  });

  it('leaves params out, or writes its content verbatim, on request', () => {
    const omitted = encodeCall('case_cancel', undefined, 'XML', { omitParams: true, compact: true });
    assert.equal(omitted.body, `${DECL}<methodcall><name>case_cancel</name></methodcall>`);
    const empty = encodeCall('case_cancel', {}, 'XML', { compact: true });
    assert.equal(empty.body, `${DECL}<methodcall><name>case_cancel</name><params/></methodcall>`);
    const raw = encodeCall('case_cancel', undefined, 'XML', {
      compact: true,
      rawParams: '<port_id>4</port_id>junk',
    });
    assert.match(raw.body, /<params><port_id>4<\/port_id>junk<\/params>/);
  });

  it('escapes text, inserts RawXml verbatim, repeats arrays, nests objects, empties null', () => {
    const { body } = encodeCall(
      'openport',
      {
        port_id: ' 0004 ',
        note: 'a<b&c>d',
        bin_id: { rawXml: '<x>4</x>&#52;' },
        select: { category: [1, 2] },
        port_mode: null,
        taskcomplete: false,
      },
      'XML',
      { compact: true },
    );
    assert.match(body, /<port_id> 0004 <\/port_id>/);
    assert.match(body, /<note>a&lt;b&amp;c&gt;d<\/note>/);
    assert.match(body, /<bin_id><x>4<\/x>&#52;<\/bin_id>/);
    assert.match(body, /<select><category>1<\/category><category>2<\/category><\/select>/);
    assert.match(body, /<port_mode\/>/);
    assert.match(body, /<taskcomplete>false<\/taskcomplete>/);
  });

  it('round-trips: an independent parser reads back the method and every value', () => {
    const params = { port_id: 2000, bin_id: 4_000_000, note: 'x & <y>' };
    for (const compact of [false, true]) {
      const { body } = encodeCall('case_cancel', params, 'XML', { compact });
      const parsed = new XMLParser({ parseTagValue: false }).parse(body) as {
        methodcall: { name: string; params: Record<string, string> };
      };
      assert.equal(parsed.methodcall.name, 'case_cancel');
      assert.deepEqual(parsed.methodcall.params, { port_id: '2000', bin_id: '4000000', note: 'x & <y>' });
    }
  });

  it('refuses what XML cannot carry as a harness bug', () => {
    assert.throws(() => encodeCall('case_cancel', { port_id: { rawJson: '4.0' } }, 'XML'), /harness bug/);
    assert.throws(() => encodeCall('case_cancel', { 'not a name': 1 }, 'XML'), /harness bug/);
    assert.throws(() => encodeCall('case_cancel', { port_id: Number.NaN }, 'XML'), /harness bug/);
    assert.throws(() => encodeCall('case_cancel', { port_id: 4 }, 'XML', { rawParams: '' }), /harness bug/);
  });
});

describe('encodeCall, JSON', () => {
  it('writes {"method", "params"} in the order given, numbers as numbers', () => {
    const { body, contentType } = encodeCall('case_cancel', { bin_id: 101337, port_id: 4 }, 'JSON');
    assert.equal(contentType, 'application/json');
    assert.equal(body, '{"method": "case_cancel", "params": {"bin_id": 101337, "port_id": 4}}');
    assert.deepEqual(Object.keys((JSON.parse(body) as { params: object }).params), ['bin_id', 'port_id']);
  });

  it('sends RawJson literally (4.0, 1e3), strings as strings, null, arrays and objects', () => {
    const { body } = encodeCall(
      'case_cancel',
      {
        port_id: { rawJson: '4.0' },
        bin_id: { rawJson: '1e3' },
        s: '4',
        n: null,
        select: { category: [1, 2] },
      },
      'JSON',
      { compact: true },
    );
    assert.equal(
      body,
      '{"method":"case_cancel","params":{"port_id":4.0,"bin_id":1e3,"s":"4","n":null,"select":{"category":[1,2]}}}',
    );
  });

  it('leaves params out, or sends a params that is not an object', () => {
    assert.equal(
      encodeCall('case_cancel', undefined, 'JSON', { omitParams: true, compact: true }).body,
      '{"method":"case_cancel"}',
    );
    assert.equal(
      encodeCall('case_cancel', undefined, 'JSON', { rawParams: '[4, 101337]', compact: true }).body,
      '{"method":"case_cancel","params":[4, 101337]}',
    );
    assert.equal(
      encodeCall('case_cancel', undefined, 'JSON').body,
      '{"method": "case_cancel", "params": {}}',
    );
  });

  it('refuses what JSON cannot carry as a harness bug', () => {
    assert.throws(() => encodeCall('case_cancel', { port_id: { rawXml: '<x/>' } }, 'JSON'), /harness bug/);
    assert.throws(
      () => encodeCall('case_cancel', { port_id: Number.POSITIVE_INFINITY }, 'JSON'),
      /harness bug/,
    );
  });
});

describe('encodeCall, padded to an exact size', () => {
  it('pads a call with spaces before its end to exactly the bytes asked, in both encodings', () => {
    for (const encoding of ['XML', 'JSON'] as const) {
      for (const bytes of [1024, 1024 * 1024, 1024 * 1024 + 1]) {
        const { body } = encodeCall('case_cancel', { port_id: 4, bin_id: 0 }, encoding, { padTo: bytes });
        assert.equal(Buffer.byteLength(body, 'utf8'), bytes, `${encoding} ${bytes}`);
        const plain = encodeCall('case_cancel', { port_id: 4, bin_id: 0 }, encoding).body;
        assert.equal(
          body.replace(/ +(?=<\/methodcall>|}$)/, ''),
          plain.replace(/ +(?=<\/methodcall>|}$)/, ''),
        );
      }
    }
    const json = encodeCall('case_cancel', { port_id: 4, bin_id: 0 }, 'JSON', { padTo: 200 }).body;
    assert.deepEqual(JSON.parse(json), { method: 'case_cancel', params: { port_id: 4, bin_id: 0 } });
  });

  it('refuses a size smaller than the call as a harness bug', () => {
    assert.throws(
      () => encodeCall('case_cancel', { port_id: 4, bin_id: 0 }, 'XML', { padTo: 10 }),
      /^Error: harness bug: a call of \d+ bytes cannot be padded to 10$/,
    );
  });
});

describe('decodeAnswer, XML: what XML treats as equal reads the same', () => {
  it('success in every empty form: <params/>, <params></params>, whitespace, comments', () => {
    for (const params of [
      '<params/>',
      '<params></params>',
      '<params>\n</params>',
      '<params> <!-- none --> </params>',
    ]) {
      decodesCleanly(`<?xml version="1.0"?>\n<response>\n  ${params}\n</response>\n`, 'XML', EMPTY_SUCCESS);
    }
  });

  it('fault with whitespace, leading zeros, a sign, character references, CDATA', () => {
    for (const code of [
      '1152',
      ' 1152 ',
      '\n  1152\n',
      '01152',
      '+1152',
      '&#49;152',
      '&#x31;152',
      '<![CDATA[1152]]>',
    ]) {
      decodesCleanly(
        `<?xml version="1.0"?><response><fault><code>${code}</code></fault></response>`,
        'XML',
        FAULT_1152,
      );
    }
  });

  it('a BOM, an ISO-8859-1 declaration, standalone, single quotes, attributes', () => {
    decodesCleanly(
      '\uFEFF<?xml version="1.0" encoding="UTF-8"?><response><params/></response>',
      'XML',
      EMPTY_SUCCESS,
    );
    decodesCleanly(
      "<?xml version='1.0' encoding='ISO-8859-1' standalone='yes'?><response><fault><code>1152</code></fault></response>",
      'XML',
      FAULT_1152,
    );
    decodesCleanly('<?xml version="1.0"?><response b="2" a="1"><params/></response>', 'XML', EMPTY_SUCCESS);
  });

  it('output parameters of other methods as text, trimmed, references resolved', () => {
    decodesCleanly(
      '<?xml version="1.0"?><response><params><port_id> 4 </port_id><port_mode>OPEN</port_mode><note>a &amp; b</note></params></response>',
      'XML',
      { kind: 'success', params: { port_id: '4', port_mode: 'OPEN', note: 'a & b' } },
    );
  });
});

describe('decodeAnswer, XML: every way an answer breaks the envelope', () => {
  const cases: [string, string, RegExp, Answer | undefined][] = [
    ['no declaration', '<response><params/></response>', /^no XML declaration$/, EMPTY_SUCCESS],
    [
      'whitespace before the declaration',
      ' <?xml version="1.0"?><response><params/></response>',
      /not well-formed XML: XML declaration allowed only at the start/,
      undefined,
    ],
    [
      'a malformed declaration',
      '<?xml encoding="UTF-8"?><response><params/></response>',
      /malformed XML declaration/,
      EMPTY_SUCCESS,
    ],
    [
      'XML version 1.1',
      '<?xml version="1.1"?><response><params/></response>',
      /version is "1.1", expected "1.0"/,
      EMPTY_SUCCESS,
    ],
    [
      'an odd encoding',
      '<?xml version="1.0" encoding="UTF-16"?><response><params/></response>',
      /encoding "UTF-16", expected UTF-8 or ISO-8859-1/,
      EMPTY_SUCCESS,
    ],
    ['an empty body', '', /the body is empty/, undefined],
    [
      'not well-formed (the vendor sample slip)',
      '<?xml version="1.0"?><response><params/></response>>',
      /^not well-formed XML: .*\(line 1, column \d+\)$/,
      undefined,
    ],
    [
      'two roots',
      '<?xml version="1.0"?><response><params/></response><response/>',
      /2 root elements/,
      undefined,
    ],
    [
      'the wrong root',
      '<?xml version="1.0"?><methodResponse><params/></methodResponse>',
      /^root element is <methodResponse>, expected <response>$/,
      undefined,
    ],
    ['no params nor fault', '<?xml version="1.0"?><response/>', /neither <params> nor <fault>/, undefined],
    [
      'both params and fault',
      '<?xml version="1.0"?><response><params/><fault><code>1152</code></fault></response>',
      /both <params> and <fault>/,
      undefined,
    ],
    [
      'two params',
      '<?xml version="1.0"?><response><params/><params/></response>',
      /2 <params> elements/,
      EMPTY_SUCCESS,
    ],
    [
      'an extra element',
      '<?xml version="1.0"?><response><params/><message>hi</message></response>',
      /unexpected element <message> in <response>/,
      EMPTY_SUCCESS,
    ],
    [
      'text in response',
      '<?xml version="1.0"?><response>ok<params/></response>',
      /text "ok" directly inside <response>/,
      EMPTY_SUCCESS,
    ],
    [
      '<fault><faultCode>',
      '<?xml version="1.0"?><response><fault><faultCode>1152</faultCode></fault></response>',
      /unexpected element <faultCode> in <fault>/,
      undefined,
    ],
    [
      'a fault without code',
      '<?xml version="1.0"?><response><fault/></response>',
      /<fault> has no <code>/,
      undefined,
    ],
    [
      'two codes',
      '<?xml version="1.0"?><response><fault><code>1</code><code>2</code></fault></response>',
      /2 <code> elements/,
      undefined,
    ],
    [
      'a code that is not an integer',
      '<?xml version="1.0"?><response><fault><code>1152.0</code></fault></response>',
      /^fault code "1152.0" is not an integer$/,
      undefined,
    ],
    [
      'an empty code',
      '<?xml version="1.0"?><response><fault><code> </code></fault></response>',
      /^fault code is empty$/,
      undefined,
    ],
    [
      'a code with children',
      '<?xml version="1.0"?><response><fault><code><int>1152</int></code></fault></response>',
      /<code> holds child elements/,
      undefined,
    ],
    [
      'a nested param',
      '<?xml version="1.0"?><response><params><bin_id><int>4</int></bin_id></params></response>',
      /param <bin_id> holds child elements/,
      { kind: 'success', params: { bin_id: '4' } },
    ],
    [
      'a repeated param',
      '<?xml version="1.0"?><response><params><a>1</a><a>2</a></params></response>',
      /param <a> appears 2 times/,
      { kind: 'success', params: { a: '1' } },
    ],
    [
      'a DOCTYPE',
      '<?xml version="1.0"?><!DOCTYPE response><response><params/></response>',
      /DOCTYPE/,
      EMPTY_SUCCESS,
    ],
    [
      'an undefined entity',
      '<?xml version="1.0"?><response><fault><code>&code;</code></fault></response>',
      /entity reference &code; is not one of XML's predefined entities/,
      undefined,
    ],
  ];
  for (const [name, body, problem, answer] of cases) {
    it(name, () => {
      const decoded = decodeAnswer(body, 'XML');
      assert.ok(
        decoded.problems.some((p) => problem.test(p)),
        `expected a problem matching ${problem}, got ${JSON.stringify(decoded.problems)}`,
      );
      for (const p of decoded.problems) assert.doesNotMatch(p, /\n/, 'problems are one line');
      assert.deepEqual(decoded.answer, answer);
    });
  }

  it('a code out of range is read (the schema judges the range): 152', () => {
    decodesCleanly('<?xml version="1.0"?><response><fault><code>152</code></fault></response>', 'XML', {
      kind: 'fault',
      code: 152,
    });
  });
});

describe('decodeAnswer, JSON', () => {
  it('reads success and fault regardless of whitespace and key order', () => {
    decodesCleanly('{"params": {}}', 'JSON', EMPTY_SUCCESS);
    decodesCleanly('\n{ "params" :\n {\n }\n}\n', 'JSON', EMPTY_SUCCESS);
    decodesCleanly('{"fault":{"code":1152}}', 'JSON', FAULT_1152);
    decodesCleanly('{"params": {"selected_bin": null, "bin_id": 101337, "port_mode": "OPEN"}}', 'JSON', {
      kind: 'success',
      params: { bin_id: '101337', port_mode: 'OPEN' },
    });
  });

  const cases: [string, string, RegExp, Answer | undefined][] = [
    [
      'code as a string',
      '{"fault": {"code": "1152"}}',
      /^fault code is the string "1152", not a number$/,
      undefined,
    ],
    [
      'code as a fraction',
      '{"fault": {"code": 1152.5}}',
      /^fault code is 1152.5, not an integer$/,
      undefined,
    ],
    ['code null', '{"fault": {"code": null}}', /^fault code is null, not a number$/, undefined],
    ['fault without code', '{"fault": {}}', /"fault" has no "code"/, undefined],
    [
      'fault with a message',
      '{"fault": {"code": 1152, "message": "x"}}',
      /unexpected member "message" in "fault"/,
      FAULT_1152,
    ],
    ['fault not an object', '{"fault": 1152}', /"fault" is the number 1152, expected an object/, undefined],
    ['params null', '{"params": null}', /^"params" is null, expected an object$/, undefined],
    ['params an array', '{"params": []}', /"params" is an array, expected an object/, undefined],
    ['wrapped in response', '{"response": {"params": {}}}', /wrapped in "response"/, undefined],
    ['both', '{"params": {}, "fault": {"code": 1152}}', /both "params" and "fault"/, undefined],
    ['neither', '{}', /neither "params" nor "fault"/, undefined],
    [
      'an extra member',
      '{"params": {}, "status": "ok"}',
      /unexpected member "status" at the top level/,
      EMPTY_SUCCESS,
    ],
    ['an array', '[{"params": {}}]', /the answer is an array, expected a JSON object/, undefined],
    ['not JSON', '<response/>', /^not JSON: /, undefined],
    ['empty', '  ', /the body is empty, expected JSON/, undefined],
    ['a BOM', '\uFEFF{"params": {}}', /byte order mark/, EMPTY_SUCCESS],
  ];
  for (const [name, body, problem, answer] of cases) {
    it(`problem: ${name}`, () => {
      const decoded = decodeAnswer(body, 'JSON');
      assert.ok(
        decoded.problems.some((p) => problem.test(p)),
        `expected a problem matching ${problem}, got ${JSON.stringify(decoded.problems)}`,
      );
      assert.deepEqual(decoded.answer, answer);
    });
  }

  it('a code out of range is read (the schema judges the range)', () => {
    assert.deepEqual(problemsOf('{"fault": {"code": 152}}', 'JSON'), []);
  });
});

describe('Content-Type helpers', () => {
  it('compare the media type case-insensitively and read the charset', () => {
    assert.equal(mediaTypeOf('Application/XML; charset=UTF-8'), 'application/xml');
    assert.equal(mediaTypeOf(undefined), undefined);
    assert.equal(charsetOf('application/xml; Charset="ISO-8859-1"'), 'iso-8859-1');
    assert.equal(charsetOf('application/json'), undefined);
    // RFC 9110 5.6.6: a quoted value holds what it holds, a ';' or 'charset=' too
    assert.equal(charsetOf('application/xml; profile="a;charset=x"; charset=utf-8'), 'utf-8');
    assert.equal(charsetOf('application/xml; profile="a\\"b;charset=x"; charset=UTF-8'), 'utf-8');
    assert.equal(charsetOf('application/xml; charset="utf\\-8"'), 'utf-8');
    assert.equal(charsetOf('application/xml ; CHARSET = utf-8 ; foo=bar'), 'utf-8');
    assert.equal(charsetOf('application/xml;charset=x;charset=utf-8'), 'x');
    assert.equal(charsetOf('application/xml; x; y="1"'), undefined);
    assert.equal(charsetOf('application/xml; charset="utf-8'), 'utf-8');
  });

  it('read each value the same however often, and however many values a target sends', () => {
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 200; i++) {
        assert.equal(charsetOf(`application/xml; charset=x-${i}`), `x-${i}`);
        assert.equal(charsetOf(`application/xml; v=${i}`), undefined);
      }
    }
    assert.equal(charsetOf(undefined), undefined);
  });
});

describe('XML escaping', () => {
  it('escapes element text as a request carries it: quotes and control characters stay', () => {
    assert.equal(escapeXml('a<b&c>d "e" \u0001'), 'a&lt;b&amp;c&gt;d "e" \u0001');
  });

  it('escapes an attribute value of a report: quotes too, and what XML 1.0 forbids left out', () => {
    assert.equal(
      escapeXmlAttribute('a<b&c>d "e"\u0001\u000b\t\n\r'),
      'a&lt;b&amp;c&gt;d &quot;e&quot;\t\n\r',
    );
  });
});
