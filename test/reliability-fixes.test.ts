// The defects the reliability work found, each pinned: a second byte order mark, a JSON fraction a double
// rounds to an integer, a CONNECT answered with silence, and a redirect reported without where it pointed.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { parseJsonCall } from '../emulator/codec-json.ts';
import { parseXmlCall } from '../emulator/codec-xml.ts';
import { NO_DEVIATIONS } from '../emulator/deviations.ts';
import { type RunningEmulator, startEmulator } from '../emulator/index.ts';
import { closeClient } from '../support/wire/exchange.ts';
import { callTask } from '../support/wire/task-call.ts';
import { ARMED_JSON, ARMED_XML, HARMLESS_JSON, HARMLESS_XML } from './hostile/corpus.ts';
import { sendRawBytes } from './hostile/probe.ts';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function jsonParam(literal: string): unknown {
  const parsed = parseJsonCall(Buffer.from(`{"method":"case_cancel","params":{"port_id":${literal}}}`));
  assert.ok(parsed.ok, `${literal} parses`);
  const param = parsed.call.params?.get('port_id');
  return param?.encoding === 'JSON' ? param.value : undefined;
}

describe('a second byte order mark is not skipped', () => {
  it('XML: one BOM is read, two are malformed', () => {
    assert.equal(
      parseXmlCall(Buffer.concat([BOM, Buffer.from(HARMLESS_XML)]), undefined, NO_DEVIATIONS).ok,
      true,
    );
    const twice = parseXmlCall(Buffer.concat([BOM, BOM, Buffer.from(ARMED_XML)]), undefined, NO_DEVIATIONS);
    assert.equal(twice.ok, false);
    assert.equal(twice.ok ? '' : twice.notACall.kind, 'malformed');
  });

  it('JSON: one BOM is read, two are malformed', () => {
    assert.equal(parseJsonCall(Buffer.concat([BOM, Buffer.from(HARMLESS_JSON)])).ok, true);
    const twice = parseJsonCall(Buffer.concat([BOM, BOM, Buffer.from(ARMED_JSON)]));
    assert.equal(twice.ok ? '' : twice.notACall.kind, 'malformed');
  });
});

describe('a JSON fraction stays a fraction, however many digits', () => {
  it('fractions a double would round to an integer are kept fractions', () => {
    for (const literal of [
      '4.0000000000000000001',
      `4.${'0'.repeat(9998)}1`,
      '101337.00000000000001',
      '1e-400',
    ]) {
      const value = jsonParam(literal);
      assert.ok(
        typeof value === 'number' && !Number.isInteger(value),
        `${literal.slice(0, 30)} read as ${value}`,
      );
    }
    assert.equal(jsonParam('-4.0000000000000000001'), -0.5);
  });

  it('integral values in any notation are unchanged', () => {
    for (const [literal, value] of [
      ['4', 4],
      ['4.0', 4],
      ['4e0', 4],
      ['40e-1', 4],
      ['0.4e1', 4],
      [`6.${'0'.repeat(10_000)}`, 6],
      [`6e${'0'.repeat(10_000)}`, 6],
      ['-0', -0],
      ['4.5', 4.5],
    ] as const) {
      assert.equal(jsonParam(literal), value, literal.slice(0, 30));
    }
  });

  it('numbers inside strings are left alone', () => {
    const parsed = parseJsonCall(
      Buffer.from('{"method":"4.0000000000000000001","params":{"x":"\\"4.0000000000000000001"}}'),
    );
    assert.ok(parsed.ok);
    assert.equal(parsed.call.method, '4.0000000000000000001');
  });
});

describe('over HTTP', () => {
  let emulator: RunningEmulator;
  let port: number;

  before(async () => {
    emulator = await startEmulator({ host: '127.0.0.1', port: 0 });
    port = Number(new URL(emulator.taskUrl).port);
  });
  after(async () => {
    await emulator.close();
    await closeClient();
  });

  it('CONNECT is answered 405 (Node alone would close the connection without a word)', async () => {
    for (const target of ['127.0.0.1:22', '/api/v2/task']) {
      const answer = await sendRawBytes(port, Buffer.from(`CONNECT ${target} HTTP/1.1\r\nHost: x\r\n\r\n`));
      assert.equal(answer.status, 405, answer.failure);
      assert.match(answer.body ?? '', /CONNECT is not allowed/);
    }
    const after = await sendRawBytes(
      port,
      Buffer.from(
        `POST /api/v2/task HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${HARMLESS_JSON.length}\r\n\r\n${HARMLESS_JSON}`,
      ),
    );
    assert.equal(after.status, 200);
  });

  it('the harness reports a redirect with where it pointed, and does not follow it', async () => {
    let hits = 0;
    const server = createServer((request, response) => {
      hits++;
      request.resume();
      response.writeHead(307, { location: 'http://127.0.0.1:9/elsewhere', 'content-type': 'text/plain' });
      response.end('moved');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2/task`;
      const result = await callTask(
        { taskUrl: url, timeoutMs: 5_000, maxResponseBytes: 1024 * 1024 },
        'case_cancel',
        { port_id: 4, bin_id: 101337 },
        'XML',
      );
      assert.ok(result.problems.includes('HTTP 307, expected 200'), result.problems.join('; '));
      assert.ok(result.problems.includes('a redirect to http://127.0.0.1:9/elsewhere, not followed'));
      assert.equal(hits, 1);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
