// The rig control API as docs/rig-control.md fixes it: endpoints, 400s, the bearer-token guard, --no-rig.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../emulator/index.ts';
import {
  JSON_TYPE,
  jsonCall,
  outcome,
  post,
  RigClient,
  SAMPLE_PORT,
  send,
  XML,
  xmlCall,
} from './helpers/emulator-http.ts';

const SAMPLE_XML = xmlCall('case_cancel', [
  ['port_id', '4'],
  ['bin_id', '101337'],
]);

describe('rig endpoints', () => {
  let emulator: RunningEmulator;
  let rig: RigClient;
  before(async () => {
    emulator = await startEmulator({ port: 0 });
    rig = new RigClient(emulator.rigUrl ?? '');
  });
  after(() => emulator.close());
  beforeEach(() => rig.reset());

  test('GET /ports/{id}: 200 with the five fields, JSON', async () => {
    const reply = await rig.raw('GET', '/ports/4');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(reply.body), SAMPLE_PORT);
    assert.deepEqual(Object.keys(JSON.parse(reply.body)), [
      'type',
      'mode',
      'selected_bin',
      'case_state',
      'case_error',
    ]);
  });

  test('GET a port that does not exist: 404', async () => {
    const reply = await rig.raw('GET', '/ports/1999');
    assert.equal(reply.status, 404);
    assert.ok(typeof JSON.parse(reply.body).error === 'string');
  });

  test('PUT creates and replaces a port exactly; 204', async () => {
    const created = { type: 'AC', mode: 'OPEN', selected_bin: null, case_state: 'IRTR', case_error: false };
    const reply = await rig.raw('PUT', '/ports/1999', JSON.stringify(created), { 'content-type': JSON_TYPE });
    assert.equal(reply.status, 204);
    assert.equal(reply.body, '');
    assert.deepEqual(await rig.port(1999), created);
    const replaced = {
      type: 'GL',
      mode: 'DISABLED',
      selected_bin: 4000000,
      case_state: 'ICMP',
      case_error: true,
    };
    await rig.put(1999, replaced);
    assert.deepEqual(await rig.port(1999), replaced);
  });

  test('PUT then case_cancel uses the new state', async () => {
    await rig.put(4, { ...SAMPLE_PORT, case_error: false });
    assert.equal(outcome(await post(emulator.taskUrl, SAMPLE_XML, XML)), 1153);
  });

  test('DELETE: 204, also when the port did not exist; calls on it answer 1000', async () => {
    assert.equal((await rig.raw('DELETE', '/ports/4')).status, 204);
    assert.equal((await rig.raw('DELETE', '/ports/4')).status, 204);
    assert.equal((await rig.raw('DELETE', '/ports/1777')).status, 204);
    assert.equal(await rig.port(4), undefined);
    assert.equal(outcome(await post(emulator.taskUrl, SAMPLE_XML, XML)), 1000);
  });

  test('GET /events: the Log Publisher lines since the last reset, oldest first', async () => {
    assert.deepEqual(JSON.parse((await rig.raw('GET', '/events')).body), { segments: [] });
    await rig.put(7, { ...SAMPLE_PORT, selected_bin: 77 });
    await post(emulator.taskUrl, SAMPLE_XML, XML);
    await post(
      emulator.taskUrl,
      jsonCall('case_cancel', [
        ['port_id', '7'],
        ['bin_id', '77'],
      ]),
      JSON_TYPE,
    );
    const reply = await rig.raw('GET', '/events');
    assert.equal(reply.status, 200);
    // Port 7 was IRTR: the PUT moved its case to ERSO, and that is published too (bin 77 selected by the PUT).
    assert.deepEqual(JSON.parse(reply.body), {
      segments: ['AC,7,77,ERSO', 'AC,4,101337,NOOP', 'AC,7,77,NOOP'],
    });
  });

  test('POST /reset: 204; the configured ports come back and the log empties', async () => {
    await post(emulator.taskUrl, SAMPLE_XML, XML);
    await rig.delete(12);
    await rig.put(1500, SAMPLE_PORT);
    const reply = await rig.raw('POST', '/reset');
    assert.equal(reply.status, 204);
    assert.deepEqual(await rig.port(4), SAMPLE_PORT);
    assert.equal((await rig.port(12))?.type, 'CO');
    assert.equal(await rig.port(1500), undefined);
    assert.deepEqual(await rig.events(), []);
  });

  test('POST /batch: every step as its own endpoint answers it, in order, each read as it stood at its step', async () => {
    const moved = { ...SAMPLE_PORT, selected_bin: 77 };
    const steps = [
      { op: 'put', port_id: 7, state: moved },
      { op: 'events' },
      { op: 'get', port_id: 7 },
      { op: 'reset' },
      { op: 'get', port_id: 7 },
      { op: 'delete', port_id: 12 },
      { op: 'get', port_id: 12 },
      { op: 'events' },
    ];
    const reply = await rig.raw('POST', '/batch', JSON.stringify({ steps }), { 'content-type': JSON_TYPE });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'application/json; charset=utf-8');
    // port 7 was IRTR: the PUT moved its case to ERSO and published it; the reset emptied the log after it was read
    assert.deepEqual(JSON.parse(reply.body), {
      results: [
        { status: 204 },
        { status: 200, segments: ['AC,7,77,ERSO'] },
        { status: 200, state: moved },
        { status: 204 },
        { status: 200, state: await rig.port(7) },
        { status: 204 },
        { status: 404 },
        { status: 200, segments: [] },
      ],
    });
    assert.equal(await rig.port(12), undefined);
  });

  test('POST /batch: a step its endpoint would refuse refuses the whole batch with 400, and nothing changes', async () => {
    const before = await rig.port(4);
    const bad: readonly [string, unknown][] = [
      [
        'an unknown op',
        { steps: [{ op: 'put', port_id: 4, state: { ...SAMPLE_PORT, mode: 'CLOSED' } }, { op: 'move' }] },
      ],
      [
        'a PortState that breaks the contract',
        { steps: [{ op: 'reset' }, { op: 'put', port_id: 4, state: { ...SAMPLE_PORT, selected_bin: 0 } }] },
      ],
      [
        'a port id out of range',
        {
          steps: [
            { op: 'delete', port_id: 4 },
            { op: 'get', port_id: 2001 },
          ],
        },
      ],
      ['an unknown field in a step', { steps: [{ op: 'delete', port_id: 4, why: 'x' }] }],
      ['no steps list', { step: [] }],
      ['too many steps', { steps: Array.from({ length: 257 }, () => ({ op: 'events' })) }],
    ];
    for (const [what, body] of bad) {
      const reply = await rig.raw('POST', '/batch', JSON.stringify(body), { 'content-type': JSON_TYPE });
      assert.equal(reply.status, 400, what);
      assert.ok(typeof JSON.parse(reply.body).error === 'string', what);
      assert.deepEqual(await rig.port(4), before, `${what}: nothing changed`);
    }
    assert.equal((await rig.raw('GET', '/batch')).status, 405);
    assert.deepEqual(JSON.parse((await rig.raw('POST', '/batch', '{"steps": []}')).body), { results: [] });
  });

  const badBodies: readonly [string, string][] = [
    ['malformed JSON', '{"type": "AC",'],
    ['not an object', '[]'],
    ['null', 'null'],
    ['an empty body', ''],
    ['an unknown field', JSON.stringify({ ...SAMPLE_PORT, colour: 'red' })],
    ['a missing field', JSON.stringify({ type: 'AC', mode: 'OPEN', selected_bin: 1, case_state: 'NOOP' })],
    ['a wrong type (selected_bin a string)', JSON.stringify({ ...SAMPLE_PORT, selected_bin: '101337' })],
    ['a wrong type (case_error a string)', JSON.stringify({ ...SAMPLE_PORT, case_error: 'true' })],
    ['a wrong type (mode a number)', JSON.stringify({ ...SAMPLE_PORT, mode: 1 })],
    ['an unknown port type', JSON.stringify({ ...SAMPLE_PORT, type: 'XX' })],
    ['an unknown mode', JSON.stringify({ ...SAMPLE_PORT, mode: 'open' })],
    ['an unknown case_state', JSON.stringify({ ...SAMPLE_PORT, case_state: 'CR' })],
    ['selected_bin 0', JSON.stringify({ ...SAMPLE_PORT, selected_bin: 0 })],
    ['selected_bin 4000001', JSON.stringify({ ...SAMPLE_PORT, selected_bin: 4000001 })],
    ['selected_bin 1.5', JSON.stringify({ ...SAMPLE_PORT, selected_bin: 1.5 })],
    ['invalid UTF-8', '\uFFFD'],
  ];
  for (const [name, body] of badBodies) {
    test(`PUT with ${name}: 400 {"error"} and nothing changes`, async () => {
      const payload = name === 'invalid UTF-8' ? Buffer.from([0x7b, 0xff, 0x7d]) : body;
      const reply = await send(`${rig.url}/ports/4`, {
        method: 'PUT',
        body: payload,
        headers: { 'content-type': JSON_TYPE },
      });
      assert.equal(reply.status, 400, reply.body);
      assert.equal(reply.headers['content-type'], 'application/json; charset=utf-8');
      const error = JSON.parse(reply.body).error;
      assert.ok(typeof error === 'string' && error.length > 0);
      assert.deepEqual(await rig.port(4), SAMPLE_PORT);
    });
  }

  test('a 400 names the field', async () => {
    const reply = await rig.raw('PUT', '/ports/4', JSON.stringify({ ...SAMPLE_PORT, mode: 'OPN' }));
    assert.match(JSON.parse(reply.body).error, /^mode: "OPN" is not one of CLOSED, OPEN/);
  });

  for (const path of ['0', '2001', '-1', 'abc', '4.0', '', '4x', '99999999999', '%34']) {
    for (const verb of ['GET', 'PUT', 'DELETE']) {
      test(`${verb} /ports/${path}: 400 and nothing changes`, async () => {
        const reply = await rig.raw(
          verb,
          `/ports/${path}`,
          verb === 'PUT' ? JSON.stringify(SAMPLE_PORT) : undefined,
        );
        assert.equal(reply.status, 400);
        assert.ok(typeof JSON.parse(reply.body).error === 'string');
      });
    }
  }

  test('the bounds 1 and 2000 are valid path port ids', async () => {
    await rig.put(1, SAMPLE_PORT);
    await rig.put(2000, SAMPLE_PORT);
    assert.deepEqual(await rig.port(1), SAMPLE_PORT);
    assert.deepEqual(await rig.port(2000), SAMPLE_PORT);
  });

  test('a body over 64 KiB: 413, nothing changes', async () => {
    const reply = await rig.raw(
      'PUT',
      '/ports/4',
      JSON.stringify({ ...SAMPLE_PORT, pad: 'x'.repeat(70_000) }),
    );
    assert.equal(reply.status, 413);
    assert.deepEqual(await rig.port(4), SAMPLE_PORT);
  });

  for (const [verb, path, allow] of [
    ['POST', '/ports/4', 'GET, PUT, DELETE'],
    ['GET', '/reset', 'POST'],
    ['POST', '/events', 'GET'],
  ] as const) {
    test(`${verb} ${path}: 405 with Allow`, async () => {
      const reply = await rig.raw(verb, path);
      assert.equal(reply.status, 405);
      assert.equal(reply.headers.allow, allow);
    });
  }

  test('an unknown rig path: 404', async () => {
    assert.equal((await rig.raw('GET', '/ports')).status, 404);
    assert.equal((await rig.raw('GET', '/nothing')).status, 404);
    assert.equal((await rig.raw('GET', '')).status, 404);
  });
});

describe('the bearer-token guard', () => {
  const token = 's3cret-token';
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startEmulator({ port: 0, rigToken: token });
  });
  after(() => emulator.close());

  const refused: readonly [string, Record<string, string>][] = [
    ['no Authorization', {}],
    ['a wrong token', { authorization: 'Bearer s3cret-tokeN' }],
    ['a longer token', { authorization: `Bearer ${token}x` }],
    ['a prefix of the token', { authorization: 'Bearer s3cret' }],
    ['another scheme', { authorization: `Basic ${token}` }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ];
  for (const [name, headers] of refused) {
    for (const [verb, path] of [
      ['GET', '/ports/4'],
      ['PUT', '/ports/4'],
      ['DELETE', '/ports/4'],
      ['POST', '/reset'],
      ['GET', '/events'],
      ['GET', '/unknown'],
    ] as const) {
      test(`${name}: ${verb} ${path} answers 401 and changes nothing`, async () => {
        const body = verb === 'PUT' ? JSON.stringify({ ...SAMPLE_PORT, case_error: false }) : undefined;
        const reply = await send(`${emulator.rigUrl}${path}`, { method: verb, body, headers });
        assert.equal(reply.status, 401);
        assert.match(reply.headers['www-authenticate'] ?? '', /^Bearer/);
        assert.doesNotMatch(reply.body, new RegExp(token));
        assert.deepEqual(await new RigClient(emulator.rigUrl ?? '', token).port(4), SAMPLE_PORT);
      });
    }
  }

  test('with the token every endpoint works', async () => {
    const rig = new RigClient(emulator.rigUrl ?? '', token);
    await rig.put(4, { ...SAMPLE_PORT, case_error: false });
    assert.equal((await rig.port(4))?.case_error, false);
    await rig.reset();
    assert.deepEqual(await rig.events(), []);
    await rig.delete(4);
    assert.equal(await rig.port(4), undefined);
    await rig.reset();
  });

  test('the Task Interface needs no token', async () => {
    assert.equal(outcome(await post(emulator.taskUrl, SAMPLE_XML, XML)), 'success');
  });
});

describe('rig switched off', () => {
  test('rig: false answers 404 under /rig/v1 and gives no rigUrl', async () => {
    const emulator = await startEmulator({ port: 0, rig: false });
    try {
      assert.equal(emulator.rigUrl, undefined);
      const rigUrl = emulator.taskUrl.replace('/api/v2/task', '/rig/v1');
      for (const [verb, path] of [
        ['GET', '/ports/4'],
        ['POST', '/reset'],
        ['GET', '/events'],
        ['DELETE', '/ports/4'],
      ]) {
        const reply = await send(`${rigUrl}${path}`, { method: verb });
        assert.equal(reply.status, 404, `${verb} ${path}`);
      }
      assert.equal(outcome(await post(emulator.taskUrl, SAMPLE_XML, XML)), 'success');
      assert.equal(outcome(await post(emulator.taskUrl, SAMPLE_XML, XML)), 1152, 'the port was not deleted');
    } finally {
      await emulator.close();
    }
  });
});
