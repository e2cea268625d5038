// The wire contract in machine form: the XSDs and JSON Schemas, and what validating against them costs.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import {
  clearValidationCache,
  schemaHashes,
  validateRequest,
  validateResponse,
  validateXmlBatch,
  validationStats,
} from '../support/checks/schema.ts';
import { setXmllintMode, xmllint, xmllintMode } from '../support/checks/xmllint.ts';
import { encodeCall } from '../support/wire/request-encoding.ts';

const D = '<?xml version="1.0"?>';

async function valid(body: string, encoding: 'XML' | 'JSON', method = 'case_cancel'): Promise<void> {
  assert.deepEqual(await validateResponse(body, encoding, method), [], `should be valid: ${body}`);
}

async function invalid(
  body: string,
  encoding: 'XML' | 'JSON',
  pattern: RegExp,
  method = 'case_cancel',
): Promise<void> {
  const errors = await validateResponse(body, encoding, method);
  assert.ok(
    errors.some((e) => pattern.test(e)),
    `expected an error matching ${pattern} for ${body}, got ${JSON.stringify(errors)}`,
  );
  for (const e of errors) assert.doesNotMatch(e, /\n/);
}

describe('case_cancel.response.xsd', () => {
  it('accepts the documented answers in every form XML treats as equal', async () => {
    await Promise.all([
      valid(`${D}<response><params/></response>`, 'XML'),
      valid(`${D}<response><params></params></response>`, 'XML'),
      valid(`${D}\n<response>\n  <params>\n  </params>\n</response>\n`, 'XML'),
      valid(`${D}<response><fault><code>1152</code></fault></response>`, 'XML'),
      valid(`${D}<response><fault><code> 1000 </code></fault></response>`, 'XML'),
      valid(`${D}<response><fault><code>1999</code></fault></response>`, 'XML'),
      valid(`<?xml version="1.0" encoding="ISO-8859-1"?><response><params/></response>`, 'XML'),
      valid(`\uFEFF${D}<response><params/></response>`, 'XML'),
    ]);
  });

  it('refuses each deviation', async () => {
    await Promise.all([
      invalid(`${D}<result><params/></result>`, 'XML', /No matching global declaration/),
      invalid(`${D}<response/>`, 'XML', /Missing child element/),
      invalid(
        `${D}<response><fault><faultCode>1152</faultCode></fault></response>`,
        'XML',
        /'faultCode': This element is not expected/,
      ),
      invalid(`${D}<response><fault><code>152</code></fault></response>`, 'XML', /minInclusive/),
      invalid(`${D}<response><fault><code>2000</code></fault></response>`, 'XML', /maxInclusive/),
      invalid(`${D}<response><fault><code>1152.0</code></fault></response>`, 'XML', /not a valid value/),
      invalid(`${D}<response><params>ok</params></response>`, 'XML', /maxLength/),
      invalid(
        `${D}<response><params><bin_id>4</bin_id></params></response>`,
        'XML',
        /Element content is not allowed/,
      ),
      invalid(
        `${D}<response><params/><fault><code>1152</code></fault></response>`,
        'XML',
        /'fault': This element is not expected/,
      ),
      invalid(`${D}<response><params/></response>>`, 'XML', /^line 1: not well-formed XML/),
    ]);
  });

  it('a body without declaration is schema-valid: the codec reports the declaration', async () => {
    await valid('<response><params/></response>', 'XML');
  });
});

describe('task.response.xsd (other methods)', () => {
  it('accepts output parameters and faults, refuses code 152 and a wrong root', async () => {
    await Promise.all([
      valid(`${D}<response><params><bin_id>101337</bin_id></params></response>`, 'XML', 'openbin'),
      valid(`${D}<response><params/></response>`, 'XML', 'closeport'),
      valid(`${D}<response><fault><code>1152</code></fault></response>`, 'XML', 'case_getstate'),
      invalid(`${D}<response><fault><code>152</code></fault></response>`, 'XML', /minInclusive/, 'openport'),
      invalid(`${D}<methodResponse/>`, 'XML', /No matching global declaration/, 'openport'),
    ]);
  });
});

describe('case_cancel.response.schema.json', () => {
  it('accepts {"params": {}} and {"fault": {"code": 1152}}', async () => {
    await valid('{"params": {}}', 'JSON');
    await valid('{"fault": {"code": 1152}}', 'JSON');
  });

  it('refuses each deviation', async () => {
    await invalid('{"fault": {"code": "1152"}}', 'JSON', /^\/fault\/code: must be integer$/);
    await invalid('{"fault": {"code": 152}}', 'JSON', /\/fault\/code: must be >= 1000/);
    await invalid('{"fault": {"code": 1152, "message": "x"}}', 'JSON', /additional properties \("message"\)/);
    await invalid('{"params": null}', 'JSON', /^\/params: must be object$/);
    await invalid('{"params": {"x": 1}}', 'JSON', /^\/params: must NOT have additional properties \("x"\)$/);
    await invalid('{"response": {"params": {}}}', 'JSON', /additional properties \("response"\)/);
    await invalid('{"params": {}, "fault": {"code": 1152}}', 'JSON', /more than 1 properties/);
    await invalid('{}', 'JSON', /fewer than 1 properties/);
    await invalid('[]', 'JSON', /must be object/);
    await invalid('{"params": {}', 'JSON', /^not JSON/);
  });
});

describe('task.response.schema.json (other methods)', () => {
  it('accepts scalar output parameters, refuses nested ones and code 152', async () => {
    await valid('{"params": {"bin_id": 101337, "port_mode": "OPEN"}}', 'JSON', 'getportstatus');
    await invalid('{"params": {"x": {"y": 1}}}', 'JSON', /^\/params\/x: /, 'getportstatus');
    await invalid('{"fault": {"code": 152}}', 'JSON', /must be >= 1000/, 'openbin');
  });
});

describe('request schemas', () => {
  it('strict case_cancel: in-range xs:int literals in any order, each at most once', async () => {
    const ok = [
      '<methodcall><name>case_cancel</name><params><port_id>1</port_id><bin_id>4000000</bin_id></params></methodcall>',
      '<methodcall><name>case_cancel</name><params><bin_id> +0004 </bin_id><port_id>2000</port_id></params></methodcall>',
      '<methodcall><name>case_cancel</name><params><port_id>4</port_id></params></methodcall>',
      '<methodcall><name>case_cancel</name></methodcall>',
    ];
    const verdicts = await Promise.all(
      ok.map((body) => validateRequest(`${D}${body}`, 'XML', 'case_cancel', true)),
    );
    verdicts.forEach((errors, i) => {
      assert.deepEqual(errors, [], ok[i]);
    });
    const bad: [string, RegExp][] = [
      ['<port_id>0</port_id>', /minInclusive/],
      ['<bin_id>4000001</bin_id>', /maxInclusive/],
      ['<port_id>4.0</port_id>', /not a valid value/],
      ['<port_id>4</port_id><port_id>4</port_id>', /not expected/],
      ['<port_id>4</port_id><extra>1</extra>', /not expected/],
    ];
    const refusals = await Promise.all(
      bad.map(([params]) =>
        validateRequest(
          `${D}<methodcall><name>case_cancel</name><params>${params}</params></methodcall>`,
          'XML',
          'case_cancel',
          true,
        ),
      ),
    );
    bad.forEach(([params, pattern], i) => {
      const errors = refusals[i] ?? [];
      assert.ok(
        errors.some((e) => pattern.test(e)),
        `${params}: ${JSON.stringify(errors)}`,
      );
    });
  });

  it('the envelope takes what the harness makes invalid in value on purpose', async () => {
    const body = `${D}<methodcall><name>case_cancel</name><params><port_id><x>4</x></port_id><bin_id>abc</bin_id></params></methodcall>`;
    const [odd, wrongRoot] = await Promise.all([
      validateRequest(body, 'XML', 'case_cancel', false),
      validateRequest(`${D}<call/>`, 'XML', 'case_cancel', false),
    ]);
    assert.deepEqual(odd, []);
    assert.ok((wrongRoot ?? []).length > 0);
    assert.deepEqual(
      await validateRequest('{"method": "case_cancel", "params": null}', 'JSON', 'case_cancel', false),
      [],
    );
    assert.ok((await validateRequest('{"params": {}}', 'JSON', 'case_cancel', false)).length > 0);
  });

  it('strict JSON: integral numbers in range, no strings, no unknown members', async () => {
    const strict = (body: string) => validateRequest(body, 'JSON', 'case_cancel', true);
    assert.deepEqual(
      await strict('{"method": "case_cancel", "params": {"port_id": 4, "bin_id": 101337}}'),
      [],
    );
    assert.deepEqual(await strict('{"method": "case_cancel", "params": {"bin_id": 1}}'), []);
    assert.match(
      (await strict('{"method": "case_cancel", "params": {"port_id": "4"}}')).join(),
      /must be integer/,
    );
    assert.match((await strict('{"method": "case_cancel", "params": {"port_id": 2001}}')).join(), /<= 2000/);
    assert.match(
      (await strict('{"method": "case_cancel", "params": {"x": 1}}')).join(),
      /additional properties/,
    );
    assert.match((await strict('{"method": "case_kancel"}')).join(), /constant/);
  });

  it('every request the codec writes by default is strictly valid', async () => {
    const forms = [
      {},
      { compact: true },
      { standalone: true },
      { declaration: '<?xml version="1.0" encoding="ISO-8859-1"?>' },
    ];
    const bodies = (['XML', 'JSON'] as const).flatMap((encoding) =>
      forms.map((form) => ({
        encoding,
        body: encodeCall('case_cancel', { bin_id: 101337, port_id: 4 }, encoding, form).body,
      })),
    );
    const verdicts = await Promise.all(
      bodies.map((b) => validateRequest(b.body, b.encoding, 'case_cancel', true)),
    );
    verdicts.forEach((errors, i) => {
      assert.deepEqual(errors, [], bodies[i]?.body);
    });
  });
});

describe('cost of validation', () => {
  it('memoises by bytes: a body seen before costs no xmllint run', async () => {
    const body = `${D}<response><fault><code>1087</code></fault></response>`;
    await validateResponse(body, 'XML', 'case_cancel');
    const before = validationStats();
    for (let i = 0; i < 50; i++) assert.deepEqual(await validateResponse(body, 'XML', 'case_cancel'), []);
    const after = validationStats();
    assert.equal(after.xmllintRuns, before.xmllintRuns);
    assert.equal(after.cacheHits - before.cacheHits, 50);
  });

  it('validates 200 distinct XML bodies in one batch, one xmllint run, well under 2 s', async () => {
    clearValidationCache();
    const items = Array.from({ length: 200 }, (_, i) => ({
      schema: 'case_cancel.response' as const,
      body: `${D}<response><fault><code>${900 + i * 5}</code></fault></response>`,
    }));
    const before = validationStats();
    const t0 = performance.now();
    const results = await validateXmlBatch(items);
    const ms = performance.now() - t0;
    const after = validationStats();
    assert.equal(after.xmllintRuns - before.xmllintRuns, 1);
    assert.ok(ms < 2000, `took ${Math.round(ms)} ms`);
    results.forEach((errors, i) => {
      const code = 900 + i * 5;
      assert.equal(
        errors.length === 0,
        code >= 1000 && code <= 1999,
        `code ${code}: ${JSON.stringify(errors)}`,
      );
    });
  });

  it('coalesces concurrent single validations into one xmllint run per schema', async () => {
    const before = validationStats();
    const bodies = Array.from(
      { length: 30 },
      (_, i) => `${D}<response><fault><code>${1100 + i}</code></fault></response>`,
    );
    const results = await Promise.all(bodies.map((b) => validateResponse(b, 'XML', 'case_cancel')));
    assert.ok(results.every((r) => r.length === 0));
    assert.equal(validationStats().xmllintRuns - before.xmllintRuns, 1);
  });

  it('keeps a malformed body from spoiling the others in its batch', async () => {
    const results = await validateXmlBatch([
      { schema: 'case_cancel.response', body: `${D}<response><params/></response` },
      { schema: 'case_cancel.response', body: `${D}<response><params/></response>` },
      { schema: 'case_cancel.response', body: `${D}<response><fault><code>&nope;</code></fault></response>` },
    ]);
    assert.match(results[0]?.join() ?? '', /not well-formed/);
    assert.deepEqual(results[1], []);
    assert.match(results[2]?.join() ?? '', /Entity 'nope' not defined/);
  });
});

describe('xmllint through xmllint-wasm', () => {
  it('says the same from the thread without tsx as from this one, and uses that thread', async () => {
    const schema = {
      fileName: 'case_cancel.response.xsd',
      contents: await readFile(new URL('../schemas/case_cancel.response.xsd', import.meta.url)),
    };
    const files = [
      `${D}<response><params/></response>`,
      `${D}<response><fault><code>152</code></fault></response>`,
      `${D}<response><params/></response`,
      `${D}<response><fault><code>&nope;</code></fault></response>`,
    ].map((contents, i) => ({ fileName: `f${i}.xml`, contents }));
    assert.equal(xmllintMode(), 'hosted');
    const hosted = await xmllint(files, schema);
    setXmllintMode('direct');
    try {
      assert.equal(await xmllint(files, schema), hosted);
    } finally {
      setXmllintMode('hosted');
    }
    assert.match(hosted, /f0\.xml validates/);
    assert.match(hosted, /f1\.xml:1: .*minInclusive/);
  });

  it('gives each run its own verdicts, runs side by side included', async () => {
    const schemas = {
      a: {
        fileName: 'a.xsd',
        contents:
          '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="a" type="xs:int"/></xs:schema>',
      },
      b: {
        fileName: 'b.xsd',
        contents:
          '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="b" type="xs:string"/></xs:schema>',
      },
    };
    const cases = [
      { schema: schemas.a, contents: '<a>1</a>', valid: true },
      { schema: schemas.a, contents: '<a>x</a>', valid: false },
      { schema: schemas.b, contents: '<b>x</b>', valid: true },
      { schema: schemas.b, contents: '<a>1</a>', valid: false },
      { schema: schemas.a, contents: '<a>2</a', valid: false },
      { schema: schemas.a, contents: '<a>3</a>', valid: true },
    ];
    const outputs = await Promise.all(
      cases.map((c, i) => xmllint([{ fileName: `c${i}.xml`, contents: c.contents }], c.schema)),
    );
    cases.forEach((c, i) => {
      assert.equal(/validates$/m.test(outputs[i] ?? ''), c.valid, `c${i}.xml (${c.contents}): ${outputs[i]}`);
    });
    assert.equal(xmllintMode(), 'hosted', 'every run was made from the thread without tsx');
  });

  it('uses xmllint-wasm through its package entry point only', async () => {
    const sources = await Promise.all(
      ['../support/checks/xmllint.ts', '../support/checks/xmllint-worker.cjs'].map((file) =>
        readFile(new URL(file, import.meta.url), 'utf8'),
      ),
    );
    for (const source of sources) {
      const named = [...source.matchAll(/(?:from |require\()\s*['"](xmllint-wasm[^'"]*)['"]/g)].map(
        (m) => m[1],
      );
      assert.deepEqual([...new Set(named)], ['xmllint-wasm']);
      assert.doesNotMatch(source, /xmllint-node|xmllint\.wasm|require\.resolve/);
    }
  });
});

describe('schemaHashes', () => {
  it('gives the sha256 of every schema file', async () => {
    const hashes = await schemaHashes();
    assert.deepEqual(Object.keys(hashes).sort(), [
      'case_cancel.request.schema.json',
      'case_cancel.request.xsd',
      'case_cancel.response.schema.json',
      'case_cancel.response.xsd',
      'methodcall.schema.json',
      'methodcall.xsd',
      'task.response.schema.json',
      'task.response.xsd',
    ]);
    for (const hash of Object.values(hashes)) assert.match(hash, /^[0-9a-f]{64}$/);
  });
});
