// RFC 9110 15.2: "A client MUST be able to parse one or more 1xx responses received prior to a final response, even if
// the client does not expect one." undici closes the connection on a 100 it did not ask for; the harness then reads
// that origin's answers with its own client (support/wire/early-answer.ts), and its pre-flight looks for such a target
// with a POST that is not a call.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { decideVerdict } from '../support/report/verdicts.ts';
import { finalAnswerBegun, parseAnswer, sendReadingEarly } from '../support/wire/early-answer.ts';
import { closeClient, httpExchange, markInterim, readsInterimAnswers } from '../support/wire/exchange.ts';
import { probeInterimAnswers } from '../support/wire/preflight.ts';
import { callTask } from '../support/wire/task-call.ts';

const servers: (Server | NetServer)[] = [];
after(async () => {
  await closeClient();
  for (const server of servers) server.close();
});

/**
 * A server that writes "100 Continue" before the answer to every POST (`interim` true), or, once it has read the body,
 * to the POSTs whose body `interim` takes (a server that sends it only for a request it takes as a call), and counts
 * the bodies it read.
 */
async function server(
  interim: boolean | ((body: string) => boolean),
): Promise<{ url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (interim === true && req.method === 'POST') res.writeContinue();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (typeof interim === 'function' && req.method === 'POST' && interim(body)) res.writeContinue();
      bodies.push(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, bytes: Buffer.byteLength(body) }));
    });
  });
  servers.push(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/api/v2/task`, bodies };
}

/** A deadline as the exchange's own (an emitter of 'abort'): the test ends within it whatever the client does. */
function deadline(ms: number) {
  const signal = Object.assign(new EventEmitter(), { aborted: false, reason: undefined as unknown });
  setTimeout(() => {
    signal.aborted = true;
    signal.reason = new Error(`no final answer within ${ms} ms`);
    signal.emit('abort');
  }, ms).unref();
  return signal;
}

/** A POST through httpExchange; `own`: to an origin marked as sending interim answers (the own client's path). */
function post(url: string, body: string, repeatable = false, own = false) {
  if (own) markInterim(new URL(url).origin);
  return httpExchange({
    label: 'test',
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(body),
    evidenceBody: body,
    timeoutMs: 5_000,
    maxResponseBytes: 2 * 1024 * 1024,
    repeatable,
  });
}

/**
 * A raw server that, once a request's head and body are in, plays `answer` on the socket: what it writes, and when
 * (the pieces of an answer that reach the client apart).
 */
async function rawServer(answer: (socket: Socket) => void): Promise<string> {
  const server = createNetServer((socket: Socket) => {
    let seen = '';
    let answered = false;
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      const head = seen.indexOf('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(seen)?.[1] ?? 0);
      if (answered || head < 0 || seen.length < head + 4 + length) return;
      answered = true;
      answer(socket);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return `http://127.0.0.1:${port}/api/v2/task`;
}

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';
const head = (extra: string) => `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n${extra}\r\n`;
/** Writes `first` now and `then` 30 ms later, and closes. */
const apart = (first: string, then: string) => (socket: Socket) => {
  socket.write(first);
  setTimeout(() => socket.end(then), 30).unref();
};

describe("the harness's own client reads an answer that comes in pieces", () => {
  const cases: [string, (socket: Socket) => void, string][] = [
    [
      'by Content-Length, the body after the head',
      apart(`${CONTINUE}${head('content-length: 10\r\n')}`, '0123456789'),
      '0123456789',
    ],
    [
      'by Content-Length, half the body with the head',
      apart(`${head('content-length: 10\r\n')}01234`, '56789'),
      '0123456789',
    ],
    [
      'in chunks, the second later',
      apart(`${head('transfer-encoding: chunked\r\n')}5\r\nhello\r\n`, '6\r\n world\r\n0\r\n\r\n'),
      'hello world',
    ],
    ['up to the close', apart(`${head('')}first `, 'second'), 'first second'],
    [
      'an interim answer itself in pieces',
      apart('HTTP/1.1 10', `0 Continue\r\n\r\n${head('content-length: 2\r\n')}ok`),
      'ok',
    ],
  ];
  for (const [name, answer, body] of cases)
    it(name, async () => {
      const url = await rawServer(answer);
      const { exchange } = await post(url, '"x"', true, true);
      assert.equal(exchange.error, undefined, JSON.stringify(exchange));
      assert.equal(exchange.response?.body, body);
    });

  it('an answer cut short by the close is said to be cut, not read as whole', async () => {
    const url = await rawServer((socket) => socket.end(`${head('content-length: 10\r\n')}01234`));
    const { exchange } = await post(url, '"x"', true, true);
    assert.equal(exchange.failure, 'reset', JSON.stringify(exchange));
    assert.match(exchange.error ?? '', /after 5 bytes of the answer/);
  });

  it('a 100 and then the close is a close without an answer; bytes that are not HTTP say so at once', async () => {
    const closed = await post(await rawServer((socket) => socket.end(CONTINUE)), '"x"', true, true);
    assert.equal(closed.exchange.failure, 'reset', JSON.stringify(closed.exchange));
    assert.match(closed.exchange.error ?? '', /without an answer/);
    const garbage = await post(
      await rawServer((socket) => socket.write('SSH-2.0-OpenSSH\r\n')),
      '"x"',
      true,
      true,
    );
    assert.equal(garbage.exchange.failure, 'not-http', JSON.stringify(garbage.exchange));
  });
});

describe('an interim answer nobody asked for', () => {
  it('is told from a final one as its bytes come in', () => {
    const continued = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n');
    assert.equal(finalAnswerBegun(Buffer.alloc(0)), false);
    assert.equal(finalAnswerBegun(Buffer.from('HTTP/1.1 ')), false, 'not enough to tell yet');
    assert.equal(finalAnswerBegun(Buffer.from('HTTP/1.1 1')), false);
    assert.equal(finalAnswerBegun(Buffer.from('HTTP/1.1 100 Cont')), false, 'an interim head not whole yet');
    assert.equal(finalAnswerBegun(continued), false);
    assert.equal(finalAnswerBegun(Buffer.concat([continued, continued])), false);
    assert.equal(finalAnswerBegun(Buffer.concat([continued, Buffer.from('HTTP/1.1 2')])), true);
    assert.equal(finalAnswerBegun(Buffer.from('HTTP/1.1 413 Payload Too Large\r\n')), true);
    assert.equal(finalAnswerBegun(Buffer.from('garbage')), true, 'not HTTP: no reason to go on sending');
    const parsed = parseAnswer(
      Buffer.concat([continued, Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}')]),
      1024,
    );
    assert.equal(parsed?.statusCode, 200);
  });

  it("the harness's own client sends the whole body past it, with no wait, and reads the final answer", async () => {
    const { url, bodies } = await server(true);
    const body = Buffer.alloc(300 * 1024, 'a'); // several pieces, some sent after the 100 came in
    const answer = await sendReadingEarly({
      url: new URL(url),
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body,
      chunked: false,
      trust: {},
      signal: deadline(5_000),
      maxResponseBytes: 1024,
      headersFirstMs: 0,
    });
    assert.equal(answer.statusCode, 200);
    assert.equal(bodies.at(-1)?.length, body.length);
  });

  it('a repeatable POST is sent again by the own client; later calls go there at once, sent once each', async () => {
    const { url, bodies } = await server(true);
    assert.equal(readsInterimAnswers(url), false);
    const first = await post(url, '"probe"', true);
    assert.equal(first.exchange.response?.status, 200, JSON.stringify(first.exchange));
    assert.match(first.exchange.resent ?? '', /100 Continue/);
    assert.equal(readsInterimAnswers(url), true);
    const second = await post(url, '"call"');
    assert.equal(second.exchange.response?.status, 200, JSON.stringify(second.exchange));
    assert.equal(second.exchange.resent, undefined);
    assert.equal(second.exchange.request.headers.connection, 'close', 'the evidence says how it went');
    assert.deepEqual(bodies, ['"probe"', '"probe"', '"call"']);
  });

  it('a call that met one is not sent again (it may have been processed): it fails, saying why', async () => {
    const { url, bodies } = await server(true);
    const first = await post(url, '"cancel"');
    assert.equal(first.exchange.response, undefined);
    assert.match(first.exchange.error ?? '', /interim "100 Continue" that nobody asked for.*not sent again/);
    assert.deepEqual(bodies, ['"cancel"']);
    const next = await post(url, '"cancel again"');
    assert.equal(next.exchange.response?.status, 200);
  });

  it("the pre-flight's probe finds such a target, and leaves a target without one to undici", async () => {
    const interim = await server(true);
    assert.equal(await probeInterimAnswers(interim.url), true);
    assert.match(interim.bodies[0] ?? '', /<probe\/>/, 'a body that is not a call');
    const plain = await server(false);
    assert.equal(await probeInterimAnswers(plain.url), false);
    assert.equal(readsInterimAnswers(plain.url), false);
    const call = await post(plain.url, '"call"');
    assert.equal(call.exchange.request.headers.connection, 'keep-alive');
  });

  it("a target that sends it only before the answer to a call is found by the pre-flight's second probe, a call that changes nothing", async () => {
    const onCalls = await server((body) => body.includes('<methodcall>'));
    assert.equal(await probeInterimAnswers(onCalls.url), false, 'input that is not a call does not show it');
    assert.equal(await probeInterimAnswers(onCalls.url, {}, ['not-a-call', 'call']), true);
    assert.equal(
      onCalls.bodies.length,
      4,
      'the not-a-call probe twice, the call once by undici and once again',
    );
    assert.match(
      onCalls.bodies[2] ?? '',
      /<name>case_cancel<\/name><params\/>/,
      'case_cancel without parameters',
    );
    assert.equal(readsInterimAnswers(onCalls.url), true);
  });

  it('a read met by one is sent again (a read changes nothing); a case_cancel is not, and it is marked unread', async () => {
    const reads = await server((body) => body.includes('<methodcall>'));
    const target = { taskUrl: reads.url, timeoutMs: 5_000, maxResponseBytes: 1024 * 1024 };
    const read = await callTask(target, 'getportstatus', { port_id: 4 }, 'XML');
    assert.equal(read.exchange.response?.status, 200, JSON.stringify(read.exchange));
    assert.match(read.exchange.resent ?? '', /100 Continue/);
    assert.equal(reads.bodies.length, 2);
    const cancels = await server((body) => body.includes('<methodcall>'));
    const cancel = await callTask(
      { ...target, taskUrl: cancels.url },
      'case_cancel',
      { port_id: 4, bin_id: 101337 },
      'XML',
    );
    assert.equal(cancel.exchange.response, undefined);
    assert.equal(cancel.exchange.failure, 'unread-interim');
    assert.equal(cancels.bodies.length, 1, 'sent once: it may have been processed');
  });

  it('a scenario that failed on an answer the harness could not read is INCONCLUSIVE, saying so', () => {
    assert.deepEqual(
      decideVerdict({ status: 'FAILED', message: 'no answer', unread: 'case_cancel (XML): ...' }),
      {
        verdict: 'INCONCLUSIVE',
        reason: 'the harness could not read the answer: case_cancel (XML): ...',
      },
    );
    assert.equal(decideVerdict({ status: 'PASSED', unread: 'x' }).verdict, 'PASSED');
  });
});
