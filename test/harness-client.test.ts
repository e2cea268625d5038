// The harness's HTTP client against small local servers that misbehave in one way each.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { validationStats } from '../support/checks/schema.ts';
import type { Exchange, TargetConfig } from '../support/model.ts';
import { closeClient } from '../support/wire/exchange.ts';
import { failureKind } from '../support/wire/failures.ts';
import { preflight } from '../support/wire/preflight.ts';
import { sendRaw } from '../support/wire/raw-request.ts';
import { callTask, prevalidateCalls } from '../support/wire/task-call.ts';

const XML_FAULT_1152 =
  '<?xml version="1.0" encoding="UTF-8"?>\n<response><fault><code>1152</code></fault></response>\n';
const XML_SUCCESS = '<?xml version="1.0"?>\n<response>\n  <params/>\n</response>\n';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** What each path of the test server does; `received` keeps what came in. */
const received: Received[] = [];
let base = '';
let garbageUrl = '';
let refusedUrl = '';
const servers: (http.Server | net.Server)[] = [];

function answer(
  res: http.ServerResponse,
  status: number,
  contentType: string | undefined,
  body: string | Buffer,
): void {
  res.writeHead(status, contentType === undefined ? {} : { 'content-type': contentType });
  res.end(body);
}

const routes: Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void> = {
  '/fault': (_req, res) => answer(res, 200, 'application/xml; charset=utf-8', XML_FAULT_1152),
  '/success': (_req, res) => answer(res, 200, 'Application/XML', XML_SUCCESS),
  '/json-fault': (_req, res) => answer(res, 200, 'application/json', '{"fault": {"code": 1152}}'),
  '/json-code-string': (_req, res) => answer(res, 200, 'application/json', '{"fault": {"code": "1152"}}'),
  '/json-wrapped': (_req, res) => answer(res, 200, 'application/json', '{"response": {"params": {}}}'),
  '/status-400': (_req, res) => answer(res, 400, 'application/xml', XML_FAULT_1152),
  '/error-page': (_req, res) => answer(res, 500, 'text/html', '<html><body>Internal error</body></html>'),
  '/text-xml': (_req, res) => answer(res, 200, 'text/xml', XML_FAULT_1152),
  '/no-type': (_req, res) => answer(res, 200, undefined, XML_FAULT_1152),
  '/no-declaration': (_req, res) => answer(res, 200, 'application/xml', '<response><params/></response>'),
  '/code-152': (_req, res) => answer(res, 200, 'application/xml', XML_FAULT_1152.replace('1152', '152')),
  '/latin1': (_req, res) =>
    answer(
      res,
      200,
      'application/xml',
      Buffer.from(
        '<?xml version="1.0" encoding="ISO-8859-1"?><response><params><port_mode>\u00e9</port_mode></params></response>',
        'latin1',
      ),
    ),
  '/latin1-undeclared': (_req, res) =>
    answer(
      res,
      200,
      'application/xml',
      Buffer.from(
        '<?xml version="1.0"?><response><params><port_mode>\u00e9</port_mode></params></response>',
        'latin1',
      ),
    ),
  '/latin1-alias': (_req, res) =>
    answer(
      res,
      200,
      'application/xml; charset=ISO_8859-1',
      Buffer.from(
        '<?xml version="1.0" encoding="ISO-8859-1"?><response><params><note>\u0080\u00e9</note></params></response>',
        'latin1',
      ),
    ),
  '/hang': () => {}, // never answers
  '/big': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = (): void => {
      while (sent < 5 * 1024 * 1024) {
        sent += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    res.on('error', () => {});
    pump();
  },
  '/reset': (req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml', 'content-length': '1000' });
    res.write(Buffer.alloc(123, 0x20));
    setTimeout(() => req.socket.destroy(), 20);
  },
  '/redirect': (_req, res) => {
    res.writeHead(302, { location: '/fault', 'content-type': 'text/plain' });
    res.end('see /fault');
  },
};

before(async () => {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      const route = routes[req.url ?? ''];
      if (route) route(req, res);
      else answer(res, 404, 'text/plain', 'no such path');
    });
  });
  const garbage = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.6\r\nthis is no HTTP\r\n\r\n'));
  });
  const closed = net.createServer();
  servers.push(server, garbage);
  base = `http://127.0.0.1:${await listen(server)}`;
  garbageUrl = `http://127.0.0.1:${await listen(garbage)}/api/v2/task`;
  refusedUrl = `http://127.0.0.1:${await listen(closed)}/api/v2/task`;
  await new Promise((resolve) => closed.close(resolve)); // a port nobody listens on any more
});

after(async () => {
  await closeClient();
  for (const server of servers) {
    if (server instanceof http.Server) server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

function listen(server: http.Server | net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

function target(path: string, overrides: Partial<TargetConfig> = {}): TargetConfig {
  return { taskUrl: `${base}${path}`, timeoutMs: 5_000, maxResponseBytes: 1024 * 1024, ...overrides };
}

const cancel = { port_id: 4, bin_id: 101337 };

describe('callTask: a conforming answer', () => {
  it('reads the fault, records the exchange as it went over the wire, finds no problem', async () => {
    const recorded: Exchange[] = [];
    const result = await callTask(target('/fault'), 'case_cancel', cancel, 'XML', {
      record: (e) => recorded.push(e),
    });
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.answer, { kind: 'fault', code: 1152 });
    assert.equal(recorded.length, 1);
    const exchange = recorded[0] as Exchange;
    assert.equal(exchange, result.exchange);
    assert.equal(exchange.label, 'case_cancel (XML)');
    assert.equal(exchange.request.method, 'POST');
    assert.equal(exchange.request.headers['content-type'], 'application/xml');
    assert.match(exchange.request.body, /<port_id>4<\/port_id>/);
    assert.equal(exchange.response?.status, 200);
    assert.equal(exchange.response?.body, XML_FAULT_1152);
    assert.equal(exchange.response?.truncated, false);
    assert.ok(!Number.isNaN(Date.parse(exchange.startedAt)));
    assert.ok(exchange.ms >= 0);
    const last = received.at(-1) as Received;
    assert.equal(last.headers['content-type'], 'application/xml');
    assert.equal(last.body.toString('utf8'), exchange.request.body);
  });

  it('tolerates the media type in any case and a charset; reads JSON and an ISO-8859-1 answer', async () => {
    const success = await callTask(target('/success'), 'case_cancel', cancel, 'XML');
    assert.deepEqual(success.problems, []);
    assert.deepEqual(success.answer, { kind: 'success', params: {} });
    const json = await callTask(target('/json-fault'), 'case_cancel', cancel, 'JSON');
    assert.deepEqual(json.problems, []);
    assert.deepEqual(json.answer, { kind: 'fault', code: 1152 });
    const latin = await callTask(target('/latin1'), 'getportstatus', { port_id: 4 }, 'XML');
    assert.deepEqual(latin.problems, []);
    assert.deepEqual(latin.answer, { kind: 'success', params: { port_mode: '\u00e9' } });
  });

  it('sends a body declared ISO-8859-1 in ISO-8859-1', async () => {
    await callTask(target('/fault'), 'case_cancel', { port_id: 4, bin_id: 101337, note: '\u00e9' }, 'XML', {
      form: { declaration: '<?xml version="1.0" encoding="ISO-8859-1"?>' },
      strictRequest: false,
    });
    const body = (received.at(-1) as Received).body;
    assert.ok(body.includes(0xe9) && !body.includes(Buffer.from('\u00e9', 'utf8')));
  });

  it('reads an answer in any Latin-1 name as ISO-8859-1, and says it is not UTF-8', async () => {
    const result = await callTask(target('/latin1-alias'), 'getportstatus', { port_id: 4 }, 'XML');
    assert.deepEqual(result.answer, { kind: 'success', params: { note: '\u0080\u00e9' } });
    assert.ok(
      result.problems.includes(
        'Content-Type application/xml; charset=ISO_8859-1 names the charset iso_8859-1, expected utf-8',
      ),
      JSON.stringify(result.problems),
    );
  });

  it('refuses, before sending, a body declared in a Latin-1 name libxml2 cannot read', async () => {
    const before = received.length;
    await assert.rejects(
      callTask(target('/fault'), 'case_cancel', { port_id: 4, bin_id: 101337 }, 'XML', {
        form: { declaration: '<?xml version="1.0" encoding="latin1"?>' },
        strictRequest: false,
      }),
      /harness bug: .*Unsupported encoding: latin1/,
    );
    assert.equal(received.length, before);
  });
});

describe('callTask: each way the answer breaks the wire contract', () => {
  const cases: [string, 'XML' | 'JSON', RegExp[]][] = [
    ['/status-400', 'XML', [/^HTTP 400, expected 200$/]],
    ['/text-xml', 'XML', [/^Content-Type text\/xml, expected application\/xml$/]],
    ['/no-type', 'XML', [/^no Content-Type, expected application\/xml$/]],
    [
      '/fault',
      'JSON',
      [/^Content-Type application\/xml; charset=utf-8, expected application\/json$/, /^not JSON/],
    ],
    ['/no-declaration', 'XML', [/^no XML declaration$/]],
    ['/code-152', 'XML', [/^XSD: line \d+: Element 'code': \[facet 'minInclusive'\]/]],
    [
      '/json-code-string',
      'JSON',
      [/^fault code is the string "1152", not a number$/, /^JSON Schema: \/fault\/code: must be integer$/],
    ],
    ['/json-wrapped', 'JSON', [/wrapped in "response"/]],
    ['/latin1-undeclared', 'XML', [/^the answer is not valid UTF-8/]],
  ];
  for (const [path, encoding, expected] of cases) {
    it(`${path} in ${encoding}`, async () => {
      const result = await callTask(target(path), 'case_cancel', cancel, encoding);
      for (const pattern of expected) {
        assert.ok(
          result.problems.some((p) => pattern.test(p)),
          `${pattern} in ${JSON.stringify(result.problems)}`,
        );
      }
    });
  }

  it('an error page is one problem per fact, not a cascade of decoding noise', async () => {
    const result = await callTask(target('/error-page'), 'case_cancel', cancel, 'XML');
    assert.deepEqual(result.problems, [
      'HTTP 500, expected 200',
      'Content-Type text/html, expected application/xml',
    ]);
    assert.equal(result.answer, undefined);
  });

  it('never follows a redirect', async () => {
    const before = received.length;
    const result = await callTask(target('/redirect'), 'case_cancel', cancel, 'XML');
    assert.equal(result.exchange.response?.status, 302);
    assert.ok(result.problems.includes('HTTP 302, expected 200'));
    assert.equal(received.length - before, 1, 'only the redirecting request reached the server');
  });
});

describe('callTask and sendRaw: what the target did, in words', () => {
  it('a target that never answers: "no answer within 300 ms", on time', async () => {
    const t0 = performance.now();
    const result = await callTask(target('/hang', { timeoutMs: 300 }), 'case_cancel', cancel, 'XML');
    const ms = performance.now() - t0;
    assert.equal(result.exchange.error, 'no answer within 300 ms');
    assert.deepEqual(result.problems, ['no answer within 300 ms']);
    assert.equal(result.exchange.response, undefined);
    assert.equal(failureKind(result.exchange), 'timeout');
    assert.ok(ms < 1000, `took ${Math.round(ms)} ms`);
  });

  it('an answer over the size cap: reading stops there', async () => {
    const result = await callTask(target('/big'), 'case_cancel', cancel, 'XML');
    const response = result.exchange.response;
    assert.equal(response?.truncated, true);
    assert.equal(response?.body.length, 1024 * 1024);
    assert.equal(result.exchange.error, 'the answer exceeded 1048576 bytes; reading stopped');
    assert.ok(result.problems.includes('the answer exceeded 1048576 bytes; reading stopped'));
    assert.equal(failureKind(result.exchange), 'too-large');
  });

  it('a connection reset in the middle of the body', async () => {
    const result = await callTask(target('/reset'), 'case_cancel', cancel, 'XML');
    assert.equal(result.exchange.error, 'connection reset after 123 bytes of the answer');
    assert.equal(result.exchange.response?.status, 200);
    assert.equal(failureKind(result.exchange), 'reset');
  });

  it('bytes that are not HTTP', async () => {
    const exchange = await sendRaw(target(''), { url: garbageUrl, body: 'hello' });
    assert.match(exchange.error ?? '', /^answered bytes that are not HTTP \(/);
    assert.equal(failureKind(exchange), 'not-http');
  });

  it('connection refused', async () => {
    const result = await callTask({ ...target(''), taskUrl: refusedUrl }, 'case_cancel', cancel, 'JSON');
    const port = new URL(refusedUrl).port;
    assert.equal(result.exchange.error, `connection refused by 127.0.0.1:${port}`);
    assert.deepEqual(result.problems, [`connection refused by 127.0.0.1:${port}`]);
    assert.equal(failureKind(result.exchange), 'refused');
  });
});

describe('callTask: requests are checked before they leave', () => {
  it('a strict request invalid in value is a harness bug, and nothing is sent', async () => {
    const before = received.length;
    await assert.rejects(
      callTask(target('/fault'), 'case_cancel', { port_id: { rawXml: '4.0' }, bin_id: 1 }, 'XML'),
      /^Error: harness bug: request case_cancel \(XML, strict\) invalid: line \d+: Element 'port_id'/,
    );
    await assert.rejects(
      callTask(target('/fault'), 'case_cancel', { port_id: '4' }, 'JSON'),
      /harness bug: .*must be integer/,
    );
    assert.equal(received.length, before);
  });

  it('the same request goes out when it is meant to be invalid (strictRequest: false)', async () => {
    const result = await callTask(
      target('/fault'),
      'case_cancel',
      { port_id: { rawXml: '4.0' }, bin_id: 1 },
      'XML',
      {
        strictRequest: false,
      },
    );
    assert.deepEqual(result.problems, []);
    assert.match((received.at(-1) as Received).body.toString(), /<port_id>4\.0<\/port_id>/);
  });

  it('prevalidateCalls makes the calls themselves free of validation, and refuses an invalid request', async () => {
    const calls = Array.from({ length: 20 }, (_, i) => ({
      method: 'case_cancel',
      params: { port_id: 1 + i, bin_id: 5000 + i },
      encoding: 'XML' as const,
    }));
    await prevalidateCalls(calls);
    const before = validationStats().xmlValidated;
    const results = await Promise.all(
      calls.map((c) => callTask(target('/fault'), c.method, c.params, c.encoding)),
    );
    assert.ok(results.every((r) => r.problems.length === 0));
    assert.equal(
      validationStats().xmlValidated,
      before,
      'requests memoised, the one response body seen before',
    );
    await assert.rejects(
      prevalidateCalls([{ method: 'case_cancel', params: { port_id: 0 }, encoding: 'XML' }]),
      /harness bug/,
    );
  });

  it('callTask sends a planned request as prevalidateCalls wrote it, and refuses one it found invalid', async () => {
    const params = { port_id: 7, bin_id: 70 };
    await prevalidateCalls([{ method: 'case_cancel', params, encoding: 'XML' }]);
    await callTask(target('/fault'), 'case_cancel', { port_id: 8, bin_id: 80 }, 'XML'); // its answer seen once
    const hits = validationStats().cacheHits;
    const result = await callTask(target('/fault'), 'case_cancel', params, 'XML');
    assert.deepEqual(result.problems, []);
    assert.match(result.exchange.request.body, /<port_id>7<\/port_id>/);
    assert.equal(
      validationStats().cacheHits,
      hits + 1,
      'only the answer looked up: the request came validated',
    );
    const bad = { port_id: 0, bin_id: 1 };
    await assert.rejects(
      prevalidateCalls([{ method: 'case_cancel', params: bad, encoding: 'XML' }]),
      /harness bug/,
    );
    await assert.rejects(
      callTask(target('/fault'), 'case_cancel', bad, 'XML'),
      /harness bug: request case_cancel/,
    );
    // another strictness is another request: the envelope alone takes port_id 0
    const lax = await callTask(target('/fault'), 'case_cancel', bad, 'XML', { strictRequest: false });
    assert.ok(lax.exchange.response);
  });
});

describe('sendRaw', () => {
  it('sends exactly what it is given, to a path, by any verb, with the authorization redacted in the evidence', async () => {
    const recorded: Exchange[] = [];
    const exchange = await sendRaw(target('/api/v2/task'), {
      method: 'PUT',
      path: '/elsewhere',
      headers: { 'content-type': 'text/plain', authorization: 'Bearer sekret-token' },
      body: 'not a call',
      label: 'a PUT to another path',
      record: (e) => recorded.push(e),
    });
    const last = received.at(-1) as Received;
    assert.equal(last.method, 'PUT');
    assert.equal(last.url, '/elsewhere');
    assert.equal(last.body.toString(), 'not a call');
    assert.equal(exchange.response?.status, 404);
    assert.equal(exchange.label, 'a PUT to another path');
    assert.equal(exchange.request.headers.authorization, 'Bearer ***');
    assert.ok(!JSON.stringify(recorded).includes('sekret-token'));
  });

  it('keeps only the first 4 KiB of a big body in the evidence, with its full length', async () => {
    const body = Buffer.alloc(5 * 1024 * 1024, 0x20);
    const exchange = await sendRaw(target('/fault'), {
      body,
      headers: { 'content-type': 'application/xml' },
    });
    assert.equal((received.at(-1) as Received).body.length, body.length);
    assert.ok(exchange.request.body.length < 4200);
    assert.match(exchange.request.body, /first 4096 of 5242880 bytes shown/);
    assert.equal(exchange.request.headers['content-length'], String(body.length));
  });
});

describe('preflight', () => {
  it('any HTTP status counts as answering', async () => {
    assert.equal(await preflight(`${base}/nothing-here`), undefined);
  });

  it('says why nothing answers', async () => {
    assert.match((await preflight(refusedUrl)) ?? '', /^connection refused by 127\.0\.0\.1:\d+$/);
    assert.match((await preflight(garbageUrl)) ?? '', /^answered bytes that are not HTTP/);
    assert.equal(await preflight(`${base}/hang`, 200), 'no answer within 200 ms');
    assert.match((await preflight('not a url')) ?? '', /^not a URL/);
  });
});
