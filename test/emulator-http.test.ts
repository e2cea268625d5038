// The emulator over real HTTP on 127.0.0.1: encodings, envelopes, every code, input that is not a call.

import assert from 'node:assert/strict';
import { type AddressInfo, connect } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';
import { NO_DEVIATIONS } from '../emulator/deviations.ts';
import { type RunningEmulator, startEmulator } from '../emulator/index.ts';
import { createEmulatorServer } from '../emulator/server.ts';
import { loadSite } from '../emulator/site.ts';
import { SiteStore } from '../emulator/store.ts';
import {
  JSON_TYPE,
  jsonCall,
  outcome,
  type PortState,
  post,
  type Reply,
  RigClient,
  SAMPLE_PORT,
  send,
  XML,
  XML_SUCCESS,
  xmlCall,
  xmlFault,
} from './helpers/emulator-http.ts';

const SAMPLE_PARAMS = [
  ['port_id', '4'],
  ['bin_id', '101337'],
] as const;
const SAMPLE_XML = xmlCall('case_cancel', SAMPLE_PARAMS);
const SAMPLE_JSON = jsonCall('case_cancel', SAMPLE_PARAMS);
/** The vendor's Python sample: its stray > after </methodcall> makes it not well-formed. */
const VENDOR_PYTHON_SAMPLE = `<?xml version="1.0"?>
<methodcall>
  <name>case_cancel</name>
  <params>
    <port_id>4</port_id>
    <bin_id>101337</bin_id>
  </params>
</methodcall>>`;

let emulator: RunningEmulator;
let rig: RigClient;

before(async () => {
  emulator = await startEmulator({ port: 0 });
  rig = new RigClient(emulator.rigUrl ?? '');
});
after(() => emulator.close());
beforeEach(() => rig.reset());

function assertXmlAnswer(reply: Reply, body: string): void {
  assert.equal(reply.status, 200);
  assert.equal(reply.headers['content-type'], 'application/xml; charset=utf-8');
  assert.equal(reply.body, body);
}

function assertJsonAnswer(reply: Reply, body: unknown): void {
  assert.equal(reply.status, 200);
  assert.equal(reply.headers['content-type'], 'application/json; charset=utf-8');
  assert.deepEqual(JSON.parse(reply.body), body);
}

describe('the vendor sample on the default site', () => {
  test('case_cancel(4, 101337) succeeds the first time and answers 1152 the second time (XML)', async () => {
    assertXmlAnswer(await post(emulator.taskUrl, SAMPLE_XML, XML), XML_SUCCESS);
    assertXmlAnswer(await post(emulator.taskUrl, SAMPLE_XML, XML), xmlFault(1152));
  });

  test('the same in JSON', async () => {
    assertJsonAnswer(await post(emulator.taskUrl, SAMPLE_JSON, JSON_TYPE), { params: {} });
    const second = await post(emulator.taskUrl, SAMPLE_JSON, JSON_TYPE);
    assertJsonAnswer(second, { fault: { code: 1152 } });
    assert.equal(second.body, '{"fault":{"code":1152}}');
  });

  test('the success is visible through the rig: state, kept fields, Log Publisher line', async () => {
    await post(emulator.taskUrl, SAMPLE_XML, XML);
    assert.deepEqual(await rig.port(4), { ...SAMPLE_PORT, case_state: 'NOOP', case_error: false });
    assert.deepEqual(await rig.events(), ['AC,4,101337,NOOP']);
  });
});

describe('every code, in XML and in JSON', () => {
  const rows: readonly {
    code: number;
    port?: PortState | 'none';
    params?: readonly (readonly [string, string])[];
  }[] = [
    { code: 1003, params: [['bin_id', '101337']] },
    {
      code: 1004,
      params: [
        ['port_id', '2001'],
        ['bin_id', '101337'],
      ],
    },
    {
      code: 1010,
      params: [
        ['port_id', '4'],
        ['bin_id', '4000001'],
      ],
    },
    { code: 1000, port: 'none' },
    { code: 1087, port: { ...SAMPLE_PORT, type: 'CO' } },
    { code: 1099, port: { ...SAMPLE_PORT, mode: 'CLOSED' } },
    { code: 1149, port: { ...SAMPLE_PORT, selected_bin: 7 } },
    { code: 1152, port: { ...SAMPLE_PORT, case_state: 'ECMP' } },
    { code: 1153, port: { ...SAMPLE_PORT, case_error: false } },
  ];
  for (const row of rows) {
    for (const encoding of ['XML', 'JSON'] as const) {
      test(`${row.code} (${encoding})`, async () => {
        if (row.port === 'none') await rig.delete(4);
        else await rig.put(4, row.port ?? SAMPLE_PORT);
        const before = await rig.port(4);
        // The arrangement itself may publish (a PUT that moves the case state): the call must add nothing.
        const eventsBefore = await rig.events();
        const params = row.params ?? SAMPLE_PARAMS;
        const reply =
          encoding === 'XML'
            ? await post(emulator.taskUrl, xmlCall('case_cancel', params), XML)
            : await post(emulator.taskUrl, jsonCall('case_cancel', params), JSON_TYPE);
        if (encoding === 'XML') assertXmlAnswer(reply, xmlFault(row.code));
        else assertJsonAnswer(reply, { fault: { code: row.code } });
        assert.deepEqual(await rig.port(4), before, 'a fault changes nothing');
        assert.deepEqual(await rig.events(), eventsBefore, 'a fault publishes nothing');
      });
    }
  }
});

describe('requests as real clients send them', () => {
  const forms: readonly { name: string; body: string | Buffer; contentType?: string }[] = [
    { name: 'text/xml', body: SAMPLE_XML, contentType: 'text/xml' },
    {
      name: 'application/xml; charset=utf-8',
      body: SAMPLE_XML,
      contentType: 'application/xml; charset=utf-8',
    },
    { name: 'text/plain with XML', body: SAMPLE_XML, contentType: 'text/plain; charset=utf-8' },
    { name: 'no Content-Type with XML', body: SAMPLE_XML },
    { name: 'text/plain with JSON', body: SAMPLE_JSON, contentType: 'text/plain' },
    { name: 'no Content-Type with JSON', body: SAMPLE_JSON },
    { name: 'a +json type', body: SAMPLE_JSON, contentType: 'application/vnd.autostore+json' },
    { name: 'upper-case media type', body: SAMPLE_XML, contentType: 'Application/XML' },
    {
      name: 'a BOM and whitespace before a sniffed JSON body',
      body: `\ufeff \n${SAMPLE_JSON}`,
      contentType: 'text/plain',
    },
    { name: 'a BOM before XML', body: `\ufeff${SAMPLE_XML}`, contentType: XML },
    {
      name: 'standalone="yes"',
      body: SAMPLE_XML.replace(
        '<?xml version="1.0"?>',
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
      ),
      contentType: XML,
    },
    {
      name: 'no whitespace between elements',
      body: '<?xml version="1.0"?><methodcall><name>case_cancel</name><params><port_id>4</port_id><bin_id>101337</bin_id></params></methodcall>',
      contentType: XML,
    },
    {
      name: 'parameters in another order',
      body: xmlCall('case_cancel', [
        ['bin_id', '101337'],
        ['port_id', '4'],
      ]),
      contentType: XML,
    },
    { name: 'no XML declaration', body: SAMPLE_XML.replace('<?xml version="1.0"?>\n', ''), contentType: XML },
    {
      name: 'ISO-8859-1 declaration with a latin1 byte',
      body: Buffer.concat([
        Buffer.from(
          '<?xml version="1.0" encoding="ISO-8859-1"?><methodcall><name>case_cancel</name><params><note>caf',
        ),
        Buffer.from([0xe9]),
        Buffer.from('</note><port_id>4</port_id><bin_id>101337</bin_id></params></methodcall>'),
      ]),
      contentType: XML,
    },
  ];
  for (const form of forms) {
    test(`${form.name}: answered like any other call`, async () => {
      const reply = await post(emulator.taskUrl, form.body, form.contentType);
      assert.equal(reply.status, 200, reply.body);
      assert.equal(outcome(reply), 'success', reply.body);
      const json = reply.body.startsWith('{');
      assert.equal(
        reply.headers['content-type'],
        json ? 'application/json; charset=utf-8' : 'application/xml; charset=utf-8',
      );
    });
  }

  test('an absolute-form request target (through a proxy) reaches the task endpoint', async () => {
    const port = Number(new URL(emulator.taskUrl).port);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        const body = Buffer.from(SAMPLE_JSON);
        socket.write(
          `POST http://controller:44000/api/v2/task HTTP/1.1\r\nHost: controller:44000\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
        );
        socket.write(body);
      });
      let received = '';
      socket.on('data', (data) => {
        received += data.toString('utf8');
      });
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
      socket.setTimeout(5000, () => socket.destroy());
    });
    assert.match(answer, /^HTTP\/1\.1 200 /);
    assert.match(answer, /\{"params":\{\}\}$/);
  });

  test('ISO-8859-1 is decoded as latin1 (the byte 0xE9 is é)', async () => {
    const body = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><methodcall><name>caf'),
      Buffer.from([0xe9]),
      Buffer.from('</name></methodcall>'),
    ]);
    const reply = await post(emulator.taskUrl, body, XML);
    assert.equal(reply.status, 400);
    assert.match(reply.body, /unknown method "café"/);
    const asUtf8 = await post(
      emulator.taskUrl,
      Buffer.from(body.toString('latin1').replace('ISO-8859-1', 'UTF-8'), 'latin1'),
      XML,
    );
    assert.equal(asUtf8.status, 400);
    assert.match(asUtf8.body, /not valid UTF-8/);
  });
});

describe('input that is not a call: 4xx, text/plain, nothing changes, the emulator keeps serving', () => {
  const doctype = `<?xml version="1.0"?><!DOCTYPE methodcall [<!ENTITY p "4">]><methodcall><name>case_cancel</name><params><port_id>&p;</port_id><bin_id>101337</bin_id></params></methodcall>`;
  const laughs = `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><methodcall><name>&c;</name></methodcall>`;
  const external = `<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><methodcall><name>case_cancel</name><params><port_id>&x;</port_id></params></methodcall>`;
  const cases: readonly {
    name: string;
    status: number;
    method?: string;
    path?: string;
    body?: string | Buffer;
    headers?: Record<string, string>;
  }[] = [
    {
      name: "the vendor's Python sample (stray >)",
      status: 400,
      body: VENDOR_PYTHON_SAMPLE,
      headers: { 'content-type': XML },
    },
    {
      name: 'the Python sample sent as text/plain',
      status: 400,
      body: VENDOR_PYTHON_SAMPLE,
      headers: { 'content-type': 'text/plain' },
    },
    {
      name: 'unclosed element',
      status: 400,
      body: '<methodcall><name>case_cancel</name>',
      headers: { 'content-type': XML },
    },
    {
      name: 'mismatched tags',
      status: 400,
      body: SAMPLE_XML.replace('</bin_id>', '</port_id>'),
      headers: { 'content-type': XML },
    },
    {
      name: 'two root elements',
      status: 400,
      body: `${SAMPLE_XML}<methodcall/>`,
      headers: { 'content-type': XML },
    },
    {
      name: 'an undeclared entity',
      status: 400,
      body: SAMPLE_XML.replace('>4<', '>&four;<'),
      headers: { 'content-type': XML },
    },
    {
      name: 'a control character',
      status: 400,
      body: SAMPLE_XML.replace('>4<', '>4\u0001<'),
      headers: { 'content-type': XML },
    },
    {
      name: 'whitespace before the XML declaration',
      status: 400,
      body: `\n${SAMPLE_XML}`,
      headers: { 'content-type': XML },
    },
    {
      name: 'a DOCTYPE with an internal entity',
      status: 400,
      body: doctype,
      headers: { 'content-type': XML },
    },
    { name: 'a billion-laughs DOCTYPE', status: 400, body: laughs, headers: { 'content-type': XML } },
    { name: 'an external entity', status: 400, body: external, headers: { 'content-type': 'text/plain' } },
    { name: 'a bare DOCTYPE', status: 400, body: `<!DOCTYPE methodcall>${SAMPLE_XML.slice(22)}` },
    {
      name: 'root element not methodcall',
      status: 400,
      body: SAMPLE_XML.replace(/methodcall/g, 'methodCall'),
      headers: { 'content-type': XML },
    },
    {
      name: 'no <name>',
      status: 400,
      body: '<methodcall><params><port_id>4</port_id></params></methodcall>',
      headers: { 'content-type': XML },
    },
    {
      name: 'an empty <name>',
      status: 400,
      body: '<methodcall><name> </name></methodcall>',
      headers: { 'content-type': XML },
    },
    {
      name: 'two <name>',
      status: 400,
      body: '<methodcall><name>case_cancel</name><name>case_cancel</name></methodcall>',
      headers: { 'content-type': XML },
    },
    {
      name: 'two <params>',
      status: 400,
      body: '<methodcall><name>case_cancel</name><params/><params/></methodcall>',
      headers: { 'content-type': XML },
    },
    {
      name: 'an unknown method (XML)',
      status: 400,
      body: xmlCall('case_cancle', SAMPLE_PARAMS),
      headers: { 'content-type': XML },
    },
    {
      name: 'an unknown method (JSON)',
      status: 400,
      body: jsonCall('Case_Cancel', SAMPLE_PARAMS),
      headers: { 'content-type': JSON_TYPE },
    },
    {
      name: 'malformed JSON',
      status: 400,
      body: SAMPLE_JSON.slice(0, -1),
      headers: { 'content-type': JSON_TYPE },
    },
    {
      name: 'JSON with a trailing comma',
      status: 400,
      body: '{"method": "case_cancel", "params": {"port_id": 4, "bin_id": 101337,}}',
    },
    {
      name: 'JSON without method',
      status: 400,
      body: '{"params": {"port_id": 4, "bin_id": 101337}}',
      headers: { 'content-type': JSON_TYPE },
    },
    {
      name: 'JSON method not a string',
      status: 400,
      body: '{"method": ["case_cancel"], "params": {}}',
      headers: { 'content-type': JSON_TYPE },
    },
    { name: 'a JSON array', status: 400, body: `[${SAMPLE_JSON}]`, headers: { 'content-type': JSON_TYPE } },
    { name: 'JSON null', status: 400, body: 'null', headers: { 'content-type': JSON_TYPE } },
    { name: 'XML declared as JSON', status: 400, body: SAMPLE_XML, headers: { 'content-type': JSON_TYPE } },
    { name: 'JSON declared as XML', status: 400, body: SAMPLE_JSON, headers: { 'content-type': XML } },
    {
      name: 'a body that is neither',
      status: 400,
      body: 'case_cancel 4 101337',
      headers: { 'content-type': 'text/plain' },
    },
    { name: 'an empty body', status: 400, body: '' },
    {
      name: 'invalid UTF-8',
      status: 400,
      body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
      headers: { 'content-type': JSON_TYPE },
    },
    {
      name: 'a UTF-16 XML declaration',
      status: 415,
      body: SAMPLE_XML.replace('version="1.0"', 'version="1.0" encoding="UTF-16"'),
      headers: { 'content-type': XML },
    },
    {
      name: 'form-urlencoded (curl -d)',
      status: 415,
      body: SAMPLE_XML,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    },
    {
      name: 'application/octet-stream',
      status: 415,
      body: SAMPLE_JSON,
      headers: { 'content-type': 'application/octet-stream' },
    },
    {
      name: 'gzip Content-Encoding',
      status: 415,
      body: SAMPLE_JSON,
      headers: { 'content-type': JSON_TYPE, 'content-encoding': 'gzip' },
    },
    {
      name: 'a body over 1 MiB',
      status: 413,
      body: `${SAMPLE_XML}<!--${'x'.repeat(1024 * 1024)}-->`,
      headers: { 'content-type': XML },
    },
    { name: 'GET', status: 405, method: 'GET' },
    {
      name: 'PUT with a call',
      status: 405,
      method: 'PUT',
      body: SAMPLE_XML,
      headers: { 'content-type': XML },
    },
    { name: 'DELETE', status: 405, method: 'DELETE' },
    {
      name: 'another path',
      status: 404,
      path: '/api/v2/tasks',
      body: SAMPLE_XML,
      headers: { 'content-type': XML },
    },
    {
      name: 'a trailing slash',
      status: 404,
      path: '/api/v2/task/',
      body: SAMPLE_XML,
      headers: { 'content-type': XML },
    },
    { name: 'the root', status: 404, method: 'GET', path: '/' },
  ];
  for (const item of cases) {
    test(`${item.name} answers ${item.status}`, async () => {
      const url =
        item.path === undefined ? emulator.taskUrl : emulator.taskUrl.replace('/api/v2/task', item.path);
      const reply = await send(url, {
        method: item.method ?? 'POST',
        body: item.body,
        headers: item.headers,
      });
      assert.equal(reply.status, item.status, reply.body);
      assert.equal(reply.headers['content-type'], 'text/plain; charset=utf-8');
      assert.ok(reply.body.trim().length > 0 && reply.body.length < 300, reply.body);
      if (item.status === 405) assert.equal(reply.headers.allow, 'POST');
      assert.deepEqual(await rig.port(4), SAMPLE_PORT, 'nothing changed');
      assert.deepEqual(await rig.events(), []);
      assertXmlAnswer(await post(emulator.taskUrl, SAMPLE_XML, XML), XML_SUCCESS);
    });
  }

  test('deep nesting answers 4xx, never 5xx', async () => {
    const deepJson = `{"method": "case_cancel", "params": {"port_id": ${'['.repeat(200_000)}${']'.repeat(200_000)}}}`;
    assert.equal(outcome(await post(emulator.taskUrl, deepJson, JSON_TYPE)), 1004);
    const deepXml = `<methodcall><name>case_cancel</name><params>${'<a>'.repeat(50_000)}${'</a>'.repeat(50_000)}</params></methodcall>`;
    const xmlReply = await post(emulator.taskUrl, deepXml, XML);
    assert.equal(xmlReply.status, 400);
    assert.match(xmlReply.body, /nested more than 100/);
    const rigReply = await rig.raw('PUT', '/ports/4', `{"type": ${'['.repeat(30_000)}${']'.repeat(30_000)}}`);
    assert.equal(rigReply.status, 400);
    assert.deepEqual(await rig.port(4), SAMPLE_PORT);
  });

  test('a DOCTYPE is never expanded: the entity value does not reach the answer', async () => {
    const reply = await post(emulator.taskUrl, laughs, XML);
    assert.equal(reply.status, 400);
    assert.doesNotMatch(reply.body, /aaaa/);
  });

  test('a body over 1 MiB streamed without Content-Length answers 413', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    async function* body() {
      yield Buffer.from('<methodcall>');
      for (let index = 0; index < 40; index++) yield chunk;
    }
    const { request } = await import('undici');
    const response = await request(emulator.taskUrl, {
      method: 'POST',
      body: Readable.from(body()),
      headers: { 'content-type': XML },
    });
    assert.equal(response.statusCode, 413);
    await response.body.text();
    assertXmlAnswer(await post(emulator.taskUrl, SAMPLE_XML, XML), XML_SUCCESS);
  });

  test('exactly 1 MiB is read; one byte more is 413', async () => {
    const pad = (size: number) => {
      const head = `${SAMPLE_XML}<!--`;
      return `${head}${'x'.repeat(size - head.length - 3)}-->`;
    };
    const atLimit = await post(emulator.taskUrl, pad(1024 * 1024), XML);
    assert.equal(outcome(atLimit), 'success');
    await rig.reset();
    assert.equal((await post(emulator.taskUrl, pad(1024 * 1024 + 1), XML)).status, 413);
  });

  test('Expect: 100-continue with a body over 1 MiB is refused before the body is sent', async () => {
    const port = Number(new URL(emulator.taskUrl).port);
    const head = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          'POST /api/v2/task HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n',
        );
      });
      let received = '';
      socket.on('data', (data) => {
        received += data.toString('latin1');
      });
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
      socket.setTimeout(5000, () => socket.destroy());
    });
    assert.match(head, /^HTTP\/1\.1 413 /);
    assert.doesNotMatch(head, /100 Continue/);
  });
});

describe('concurrency and robustness', () => {
  test('100 simultaneous cancels of one port in error: exactly one success, 99 × 1152', async () => {
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        index % 2 === 0
          ? post(emulator.taskUrl, SAMPLE_XML, XML)
          : post(emulator.taskUrl, SAMPLE_JSON, JSON_TYPE),
      ),
    );
    const outcomes = replies.map(outcome);
    assert.equal(outcomes.filter((o) => o === 'success').length, 1);
    assert.equal(outcomes.filter((o) => o === 1152).length, 99);
    assert.deepEqual(await rig.events(), ['AC,4,101337,NOOP']);
  });

  test('random and mutated bodies never answer 5xx, never drop the connection', async () => {
    let seed = 0x5eed;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const seeds = [SAMPLE_XML, SAMPLE_JSON, VENDOR_PYTHON_SAMPLE];
    const alphabet = '<>/&;#!?[]{}":,= \t\n0123456789-+.eExamlpcodnrsbi_\u00e9\u0000\ufeff';
    for (let round = 0; round < 300; round++) {
      const base = seeds[round % seeds.length] ?? '';
      const chars = [...base];
      const edits = 1 + Math.floor(random() * 4);
      for (let edit = 0; edit < edits; edit++) {
        const at = Math.floor(random() * chars.length);
        const char = alphabet[Math.floor(random() * alphabet.length)] ?? '';
        const kind = random();
        if (kind < 0.4) chars.splice(at, 1);
        else if (kind < 0.7) chars.splice(at, 0, char);
        else chars[at] = char;
      }
      const types = [XML, JSON_TYPE, 'text/plain', undefined];
      const reply = await post(emulator.taskUrl, chars.join(''), types[round % types.length]);
      assert.ok(reply.status < 500, `round ${round}: ${reply.status} ${reply.body}`);
      assert.ok([200, 400, 413, 415].includes(reply.status), `round ${round}: ${reply.status}`);
      if (reply.status === 200) assert.notEqual(outcome(reply), 'unreadable');
      else assert.equal(reply.headers['content-type'], 'text/plain; charset=utf-8');
    }
    for (let round = 0; round < 50; round++) {
      const bytes = Buffer.from(
        Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256)),
      );
      const reply = await post(emulator.taskUrl, bytes, round % 2 === 0 ? XML : undefined);
      assert.ok(reply.status >= 400 && reply.status < 500, `bytes round ${round}: ${reply.status}`);
    }
    await rig.reset();
    assertXmlAnswer(await post(emulator.taskUrl, SAMPLE_XML, XML), XML_SUCCESS);
  });
});

describe('an internal error', () => {
  test('an exception inside the handler answers 500 and the emulator keeps serving', async () => {
    const store = new SiteStore(await loadSite(undefined));
    const apply = store.apply.bind(store);
    let broken = true;
    store.apply = (call, deviations) => {
      if (broken) {
        broken = false;
        throw new Error('a bug');
      }
      return apply(call, deviations);
    };
    const lines: string[] = [];
    const server = createEmulatorServer({
      store,
      deviations: NO_DEVIATIONS,
      rig: false,
      log: (l) => lines.push(l),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const url = `http://127.0.0.1:${port}/api/v2/task`;
      const failed = await post(url, SAMPLE_XML, XML);
      assert.equal(failed.status, 500);
      assert.equal(failed.body, 'internal error\n');
      assert.match(lines[0] ?? '', /500 internal error: Error: a bug/);
      assertXmlAnswer(await post(url, SAMPLE_XML, XML), XML_SUCCESS);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('lifecycle', () => {
  test('close() closes keep-alive connections and frees the port', async () => {
    const own = await startEmulator({ port: 0 });
    assert.match(own.taskUrl, /^http:\/\/127\.0\.0\.1:[0-9]+\/api\/v2\/task$/);
    assert.match(own.rigUrl ?? '', /^http:\/\/127\.0\.0\.1:[0-9]+\/rig\/v1$/);
    await post(own.taskUrl, SAMPLE_XML, XML);
    const started = Date.now();
    await own.close();
    await own.close();
    assert.ok(Date.now() - started < 3000, 'close() does not wait for idle keep-alive connections');
    await assert.rejects(post(own.taskUrl, SAMPLE_XML, XML));
  });

  test('the log option receives one line per call', async () => {
    const lines: string[] = [];
    const own = await startEmulator({ port: 0, log: (line) => lines.push(line) });
    try {
      await post(own.taskUrl, SAMPLE_XML, XML);
      await post(own.taskUrl, SAMPLE_JSON, JSON_TYPE);
      await post(own.taskUrl, 'nope', 'text/plain');
    } finally {
      await own.close();
    }
    assert.equal(lines.length, 3);
    assert.match(lines[0] ?? '', /^case_cancel port_id=4 bin_id=101337 XML -> success \([0-9.]+ ms\)$/);
    assert.match(lines[1] ?? '', /^case_cancel port_id=4 bin_id=101337 JSON -> fault 1152 \([0-9.]+ ms\)$/);
    assert.match(lines[2] ?? '', /^POST \/api\/v2\/task -> 400 /);
  });

  test('quiet: true logs nothing even with a log function', async () => {
    const lines: string[] = [];
    const own = await startEmulator({ port: 0, quiet: true, log: (line) => lines.push(line) });
    await post(own.taskUrl, SAMPLE_XML, XML);
    await own.close();
    assert.deepEqual(lines, []);
  });
});
