// The wire contract in machine form: the XSDs and JSON Schemas, and what validating against them costs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { diag } from 'libxml2-wasm';
import {
  clearValidationCache,
  schemaHashes,
  validateRequest,
  validateResponse,
  validateXmlBatch,
  validateXmlBytes,
  validationStats,
} from '../support/checks/schema.ts';
import { XsdSchema } from '../support/checks/xsd.ts';
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
  it('memoises by bytes: a body seen before is not validated again', async () => {
    const body = `${D}<response><fault><code>1087</code></fault></response>`;
    await validateResponse(body, 'XML', 'case_cancel');
    const before = validationStats();
    for (let i = 0; i < 50; i++) assert.deepEqual(await validateResponse(body, 'XML', 'case_cancel'), []);
    const after = validationStats();
    assert.equal(after.xmlValidated, before.xmlValidated);
    assert.equal(after.cacheHits - before.cacheHits, 50);
  });

  it('memoises a long body by its content too: the same one is a hit, one that differs at its end is not', async () => {
    const padding = `<!--${'x'.repeat(3000)}-->`; // past the length at which a body is keyed by its hash
    const valid = `${D}<response>${padding}<fault><code>1087</code></fault></response>`;
    const invalid = `${D}<response>${padding}<fault><code>999</code></fault></response>`;
    assert.deepEqual(await validateResponse(valid, 'XML', 'case_cancel'), []);
    const before = validationStats();
    assert.notDeepEqual(
      await validateResponse(invalid, 'XML', 'case_cancel'),
      [],
      "not the valid one's verdict",
    );
    assert.deepEqual(await validateResponse(valid, 'XML', 'case_cancel'), []);
    const after = validationStats();
    assert.equal(
      after.xmlValidated - before.xmlValidated,
      1,
      'the invalid one validated, the valid one remembered',
    );
    assert.equal(after.cacheHits - before.cacheHits, 1);
  });

  it('validates 200 distinct XML bodies, each once, cold', async () => {
    clearValidationCache();
    const items = Array.from({ length: 200 }, (_, i) => ({
      schema: 'case_cancel.response' as const,
      body: `${D}<response><fault><code>${900 + i * 5}</code></fault></response>`,
    }));
    const before = validationStats();
    const results = await validateXmlBatch(items); // how fast: npm run bench (validation, amortised)
    assert.equal(validationStats().xmlValidated - before.xmlValidated, 200);
    results.forEach((errors, i) => {
      const code = 900 + i * 5;
      assert.equal(
        errors.length === 0,
        code >= 1000 && code <= 1999,
        `code ${code}: ${JSON.stringify(errors)}`,
      );
    });
  });

  it('validates the same body asked for at once only once', async () => {
    const before = validationStats();
    const body = `${D}<response><fault><code>1999</code></fault></response>`;
    const results = await Promise.all(
      Array.from({ length: 30 }, () => validateResponse(body, 'XML', 'case_cancel')),
    );
    assert.ok(results.every((r) => r.length === 0));
    assert.equal(validationStats().xmlValidated - before.xmlValidated, 1);
  });

  it('keeps a malformed body from spoiling the others validated with it', async () => {
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

describe('XSD validation through libxml2-wasm', () => {
  const bytes = (text: string) => Buffer.from(text, 'utf8');
  const response = (xml: Uint8Array) => validateXmlBytes('case_cancel.response', xml);

  it('uses libxml2-wasm through its package entry point only, and no xmllint-wasm', async () => {
    const sources = await Promise.all(
      ['../support/checks/xsd.ts', '../support/checks/schema.ts'].map((file) =>
        readFile(new URL(file, import.meta.url), 'utf8'),
      ),
    );
    const named = sources.flatMap((source) =>
      [...source.matchAll(/(?:from |import\(|require\()\s*['"](libxml2-wasm[^'"]*)['"]/g)].map((m) => m[1]),
    );
    assert.deepEqual([...new Set(named)], ['libxml2-wasm']);
    for (const source of sources) assert.doesNotMatch(source, /libxml2raw|xmllint-wasm|worker_threads/);
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    assert.equal(pkg.dependencies['libxml2-wasm'], '0.7.2');
    assert.equal(pkg.dependencies['xmllint-wasm'], undefined);
  });

  it('gives a verdict in this thread, at once: no promise, no worker', () => {
    const verdict = response(bytes(`${D}<response><params/></response>`));
    assert.deepEqual(verdict, []);
    assert.match(
      response(bytes(`${D}<response><fault><code>152</code></fault></response>`)).join(),
      /^line 1: .*minInclusive/,
    );
  });

  it('compiles every XSD in schemas/, none of which includes or imports another', async () => {
    for (const name of [
      'case_cancel.response',
      'task.response',
      'case_cancel.request',
      'methodcall',
    ] as const) {
      const xsd = await readFile(new URL(`../schemas/${name}.xsd`, import.meta.url), 'utf8');
      assert.doesNotMatch(xsd, /<xs:(?:include|import|redefine)\b/, name);
      XsdSchema.compile(Buffer.from(xsd), `${name}.xsd`).dispose();
    }
    assert.throws(
      () =>
        XsdSchema.compile(
          bytes(
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:include schemaLocation="methodcall.xsd"/></xs:schema>',
          ),
          'including.xsd',
        ),
      /including\.xsd does not compile: .*methodcall\.xsd/,
    );
  });

  it('validates the bytes as their declaration says: ISO-8859-1, US-ASCII, UTF-8, UTF-16', () => {
    const latin1 = Buffer.from(
      '<?xml version="1.0" encoding="ISO-8859-1"?><response><params/><!-- caf\u00e9 --></response>',
      'latin1',
    );
    assert.deepEqual(response(latin1), []);
    const asUtf8 = Buffer.from(
      '<?xml version="1.0"?><response><params/><!-- caf\u00e9 --></response>',
      'latin1',
    );
    assert.match(response(asUtf8).join(), /not well-formed XML: Invalid bytes in character encoding/);
    const ascii = Buffer.from(
      '<?xml version="1.0" encoding="US-ASCII"?><response><params/><!-- \u00e9 --></response>',
      'latin1',
    );
    assert.match(response(ascii).join(), /Invalid bytes in character encoding/);
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('<?xml version="1.0" encoding="UTF-16"?><response><params/></response>', 'utf16le'),
    ]);
    assert.deepEqual(response(utf16), []);
  });

  it('refuses an encoding libxml2 reads only through converters, whatever the bytes', () => {
    for (const name of ['latin1', 'windows-1252', 'Shift_JIS', 'ISO-8859-15']) {
      assert.deepEqual(
        response(bytes(`<?xml version="1.0" encoding="${name}"?><response><params/></response>`)),
        [`line 1: not well-formed XML: Unsupported encoding: ${name}`],
      );
    }
    for (const name of ['UTF-8', 'utf8', 'ISO-8859-1', 'iso-latin-1', 'us-ascii', 'ASCII']) {
      assert.deepEqual(
        response(bytes(`<?xml version="1.0" encoding="${name}"?><response><params/></response>`)),
        [],
        name,
      );
    }
  });

  it('reads entities as xmllint --schema does: internal ones substituted, an undefined one not well-formed', () => {
    const doctype = (value: string) => `${D}<!DOCTYPE response [<!ENTITY c "${value}">]>`;
    assert.deepEqual(
      response(bytes(`${doctype('1152')}<response><fault><code>&c;</code></fault></response>`)),
      [],
    );
    assert.match(
      response(bytes(`${doctype('152')}<response><fault><code>&c;</code></fault></response>`)).join(),
      /minInclusive/,
    );
    assert.match(
      response(bytes(`${D}<response><params>&c;</params></response>`)).join(),
      /not well-formed XML: Entity 'c' not defined/,
    );
  });

  it('takes a namespace error for no well-formedness error, as xmllint does', () => {
    assert.deepEqual(response(bytes(`${D}<response><params/><?a:b c?></response>`)), []);
    assert.deepEqual(
      validateXmlBytes('task.response', bytes(`${D}<response><params><q:x/></params></response>`)),
      [],
    );
    assert.match(
      response(bytes(`${D}<response><q:params/></response>`)).join(),
      /'q:params': This element is not expected/,
    );
  });

  it('loads nothing from outside: no external entity, DTD, parameter entity, schema location or XInclude', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'xsd-xxe-'));
    const file = path.join(dir, 'code.txt');
    await writeFile(file, '1152');
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.end('1152');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
    try {
      for (const where of [pathToFileURL(file).href, file, url]) {
        const t0 = performance.now();
        const errors = response(
          bytes(
            `${D}<!DOCTYPE response [<!ENTITY c SYSTEM "${where}">]><response><fault><code>&c;</code></fault></response>`,
          ),
        );
        // were the entity read, the code would be 1152 and valid; unread, it is empty
        assert.match(errors.join(), /'' is not a valid value/, `${where}: ${JSON.stringify(errors)}`);
        assert.ok(performance.now() - t0 < 1000, where);
      }
      const hostile = [
        `${D}<!DOCTYPE response SYSTEM "${url}"><response><params/></response>`,
        `${D}<!DOCTYPE response [<!ENTITY % p SYSTEM "${url}"> %p;]><response><params/></response>`,
        `${D}<response xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="${url}"><params/></response>`,
        `${D}<response><params/><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="${url}"/></response>`,
      ];
      for (const xml of hostile) response(bytes(xml));
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(requests, 0);
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses entity bombs at once instead of expanding them', () => {
    let laughs = `${D}<!DOCTYPE response [<!ENTITY l0 "lol">`;
    for (let i = 1; i <= 9; i++) laughs += `<!ENTITY l${i} "${`&l${i - 1};`.repeat(10)}">`;
    laughs += ']>';
    const quadratic = `${D}<!DOCTYPE response [<!ENTITY a "${'x'.repeat(100_000)}">]>`;
    for (const xml of [
      `${laughs}<response><params>&l9;</params></response>`,
      `${laughs}<response a="&l9;"><params/></response>`,
      `${quadratic}<response><params>${'&a;'.repeat(2_000)}</params></response>`,
    ]) {
      const t0 = performance.now();
      const errors = response(bytes(xml));
      const ms = performance.now() - t0;
      assert.match(errors.join(), /not well-formed XML: .*amplification/);
      assert.ok(ms < 500, `took ${Math.round(ms)} ms`);
    }
    assert.match(
      response(
        bytes(`${D}<response><params>${'<a>'.repeat(300)}${'</a>'.repeat(300)}</params></response>`),
      ).join(),
      /not well-formed XML: Excessive depth/,
    );
  });

  it('frees every document: 10,000 validations leave nothing behind and wasm memory flat', () => {
    // 4 kB a body: a document left allocated would grow the wasm heap by some 40 MB over the run
    const pad = `<!--${'x'.repeat(4_000)}-->`;
    const bodies = [
      (i: number) => `${D}<response><fault><code>${1000 + (i % 1000)}</code></fault>${pad}</response>`,
      (i: number) => `${D}<response><fault><code>${i}</code></fault>${pad}</response>`,
      (i: number) => `${D}<response><params>${i}</params>${pad}</response>`,
      (i: number) => `${D}<response><params/>${pad}</response${i}`,
      (i: number) =>
        `${D}<!DOCTYPE response [<!ENTITY c "${i}">]><response><fault><code>&c;</code></fault>${pad}</response>`,
      (i: number) => `<?xml version="1.0" encoding="latin1"?><response><params/>${pad}<!--${i}--></response>`,
    ];
    const wasm = () => {
      const usage = process.memoryUsage();
      return usage.external - usage.arrayBuffers; // the wasm heap as it grows; Buffers are arrayBuffers
    };
    diag.configure({ enabled: true });
    try {
      const schema = XsdSchema.compile(
        readFileSync(new URL('../schemas/case_cancel.response.xsd', import.meta.url)),
        'case_cancel.response.xsd',
      );
      const run = (from: number, to: number) => {
        for (let i = from; i < to; i++)
          schema.validate(bytes((bodies[i % bodies.length] as (i: number) => string)(i)));
      };
      run(0, 1_000); // the heap grows to what one validation needs, once
      const before = wasm();
      run(1_000, 11_000);
      const grown = wasm() - before;
      // A leak of the documents would be some 40 MB; the heap's own fragmentation has been seen to take up to
      // 8 MB on a loaded machine, so the bound sits between the two (the undisposed check below is the exact one).
      assert.ok(grown < 16 * 1024 * 1024, `wasm memory grew by ${grown} bytes`);
      schema.dispose();
      const left = diag.report() as Record<string, { instances: unknown[] }>;
      assert.deepEqual(
        Object.entries(left)
          .filter(([, r]) => r.instances.length > 0)
          .map(([name]) => name),
        [],
        'undisposed libxml2 objects',
      );
    } finally {
      diag.configure({ enabled: false });
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
