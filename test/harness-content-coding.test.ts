// RFC 9110 12.5.3: a request without Accept-Encoding (the harness sends none) leaves the server free to use any
// content coding. A controller that gzips its answers still conforms: the harness undoes gzip, deflate and br before
// reading the answer, names any other coding, and stops a body that would grow past the answer cap.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { undoContentCoding } from '../support/wire/content-coding.ts';
import { closeClient } from '../support/wire/exchange.ts';
import { callTask } from '../support/wire/task-call.ts';

const FAULT = '<?xml version="1.0" encoding="UTF-8"?><response><fault><code>1149</code></fault></response>';

const servers: Server[] = [];
after(async () => {
  await closeClient();
  for (const server of servers) server.close();
});

/** A controller that answers every call with `body` in the content coding `coding`, as `encode` writes it. */
async function coded(coding: string, encode: (body: Buffer) => Buffer, body = FAULT): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/xml; charset=utf-8', 'content-encoding': coding });
      res.end(encode(Buffer.from(body)));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/api/v2/task`;
}

const call = (taskUrl: string, maxResponseBytes = 1024 * 1024) =>
  callTask({ taskUrl, timeoutMs: 5_000, maxResponseBytes }, 'case_cancel', { port_id: 4, bin_id: 7 }, 'XML');

describe('an answer in a content coding', () => {
  for (const [coding, encode] of [
    ['gzip', (b: Buffer) => zlib.gzipSync(b)],
    ['x-gzip', (b: Buffer) => zlib.gzipSync(b)],
    ['deflate', (b: Buffer) => zlib.deflateSync(b)],
    ['deflate', (b: Buffer) => zlib.deflateRawSync(b)],
    ['br', (b: Buffer) => zlib.brotliCompressSync(b)],
    ['identity', (b: Buffer) => b],
  ] as const) {
    it(`${coding}: read as the answer it encodes`, async () => {
      const result = await call(await coded(coding, encode));
      assert.equal(result.exchange.error, undefined);
      assert.deepEqual(result.problems, []);
      assert.deepEqual(result.answer, { kind: 'fault', code: 1149 });
      assert.equal(result.exchange.response?.body, FAULT, 'the evidence shows the answer as read');
    });
  }

  it('another coding is a failure that names it', async () => {
    const result = await call(await coded('compress', (b) => b));
    assert.equal(result.answer, undefined);
    assert.match(result.exchange.error ?? '', /content coding "compress".*cannot read/);
  });

  it('a body that is not what its coding says is a failure that says so', async () => {
    const result = await call(await coded('gzip', (b) => b));
    assert.match(result.exchange.error ?? '', /Content-Encoding: gzip, and its body is not gzip/);
  });

  it('a body that grows past the answer cap stops there: too large', async () => {
    const big = `${FAULT}${' '.repeat(4 * 1024 * 1024)}`;
    const result = await call(await coded('gzip', (b) => zlib.gzipSync(b), big), 64 * 1024);
    assert.equal(result.exchange.failure, 'too-large');
    assert.equal(result.exchange.response?.truncated, true);
  });

  it('several codings are undone in the reverse of the order they were applied', () => {
    const twice = zlib.brotliCompressSync(zlib.gzipSync(Buffer.from('x')));
    const decoded = undoContentCoding(twice, 'gzip, br', 1024);
    assert.ok('bytes' in decoded);
    assert.equal(decoded.bytes.toString(), 'x');
  });
});
