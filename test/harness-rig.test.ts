// The rig client against a small fake rig that follows rig-control.md, and against rigs that do not.
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { isPortState, portStateProblems, RigClient, RigError } from '../support/arrange/rig.ts';
import type { Exchange, PortState } from '../support/model.ts';
import { closeClient } from '../support/wire/exchange.ts';

const TOKEN = 'rig-token-5f3a9c';
const AC_IN_ERROR: PortState = {
  type: 'AC',
  mode: 'OPEN',
  selected_bin: 101337,
  case_state: 'ERSO',
  case_error: true,
};

/** Sent: the fake rig's handler ends with the reply (returning it keeps each branch one line). */
type Sent = true;

/** The fake rig's whole state, and what it is told to do wrong. */
const ports = new Map<number, unknown>();
let events: string[] = [];
let misbehave:
  | 'none'
  | 'reset-200'
  | 'port-missing-field'
  | 'events-not-list'
  | 'echo-token'
  | 'port-echoes-token'
  | 'not-json' = 'none';
/** The token the fake rig takes. */
let rigToken = TOKEN;
let server: http.Server;
let rigUrl = '';

function reply(res: http.ServerResponse, status: number, body?: unknown): Sent {
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return true;
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
  return true;
}

function handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): Sent {
  if (req.headers.authorization !== `Bearer ${rigToken}`) {
    const echo = misbehave === 'echo-token' ? ` (got ${req.headers.authorization ?? 'none'})` : '';
    return reply(res, 401, { error: `missing or wrong rig token${echo}` });
  }
  const path = (req.url ?? '').replace(/^\/rig\/v1/, '');
  if (req.method === 'POST' && path === '/reset') {
    ports.clear();
    events = [];
    return misbehave === 'reset-200' ? reply(res, 200, {}) : reply(res, 204);
  }
  if (req.method === 'GET' && path === '/events') {
    return reply(
      res,
      200,
      misbehave === 'events-not-list' ? { segments: 'AC,4,1,NOOP' } : { segments: events },
    );
  }
  const port = /^\/ports\/(\d+)$/.exec(path);
  if (!port) return reply(res, 404, { error: 'no such endpoint' });
  const id = Number(port[1]);
  if (req.method === 'GET') {
    if (misbehave === 'not-json') return reply(res, 200, '<port/>');
    const state = ports.get(id);
    if (state === undefined) return reply(res, 404, { error: 'no such port' });
    if (misbehave === 'port-echoes-token')
      return reply(res, 200, { ...(state as PortState), type: rigToken });
    if (misbehave === 'port-missing-field') {
      const { case_error: _dropped, ...rest } = state as PortState;
      return reply(res, 200, rest);
    }
    return reply(res, 200, state);
  }
  if (req.method === 'PUT') {
    let state: PortState;
    try {
      state = JSON.parse(body) as PortState;
    } catch {
      return reply(res, 400, { error: 'body is not JSON' });
    }
    if (state.case_state === 'ECMP' && state.case_error)
      return reply(res, 400, { error: 'case_error needs an active operation' });
    ports.set(id, state);
    events.push(`AC,${id},${state.selected_bin},${state.case_state}`);
    return reply(res, 204);
  }
  if (req.method === 'DELETE') {
    ports.delete(id);
    return reply(res, 204);
  }
  return reply(res, 405, { error: 'method not allowed' });
}

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  rigUrl = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/rig/v1/`;
});

after(async () => {
  await closeClient();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  misbehave = 'none';
  rigToken = TOKEN;
});

function rig(recorded: Exchange[] = [], token: string | undefined = TOKEN): RigClient {
  return new RigClient(rigUrl, { token, timeoutMs: 2_000, record: (e) => recorded.push(e) });
}

async function rigError(promise: Promise<unknown>): Promise<RigError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof RigError, `expected a RigError, got ${String(error)}`);
    assert.doesNotMatch(error.message, /\n/);
    assert.ok(!error.message.includes(TOKEN), `the token leaked: ${error.message}`);
    return error;
  }
  assert.fail('expected a RigError');
}

describe('RigClient against a rig that follows rig-control.md', () => {
  it('reset, put, get, delete, events', async () => {
    const client = rig();
    await client.reset();
    assert.equal(await client.getPort(4), undefined, '404: the port does not exist');
    await client.putPort(4, AC_IN_ERROR);
    assert.deepEqual(await client.getPort(4), AC_IN_ERROR);
    await client.putPort(12, {
      ...AC_IN_ERROR,
      type: 'CO',
      selected_bin: null,
      case_state: 'NOOP',
      case_error: false,
    });
    assert.equal((await client.getPort(12))?.selected_bin, null);
    await client.deletePort(4);
    await client.deletePort(4); // 204 also when it did not exist
    assert.equal(await client.getPort(4), undefined);
    assert.deepEqual(await client.events(), ['AC,4,101337,ERSO', 'AC,12,null,NOOP']);
    await client.reset();
    assert.deepEqual(await client.events(), []);
  });

  it('records every exchange, the token never in it: Authorization reads Bearer ***', async () => {
    const recorded: Exchange[] = [];
    const client = rig(recorded);
    await client.putPort(7, AC_IN_ERROR);
    await client.getPort(7);
    assert.equal(recorded.length, 2);
    assert.equal(recorded[0]?.label, 'rig PUT /ports/7');
    assert.equal(recorded[0]?.request.url, `${rigUrl.replace(/\/$/, '')}/ports/7`);
    assert.equal(recorded[0]?.request.headers.authorization, 'Bearer ***');
    assert.deepEqual(JSON.parse(recorded[0]?.request.body ?? ''), AC_IN_ERROR);
    assert.equal(recorded[1]?.response?.status, 200);
    assert.ok(!JSON.stringify(recorded).includes(TOKEN));
  });
});

describe('RigClient: a rig that does not do what rig-control.md fixes', () => {
  it('a refused PUT says the verb, the path, the status and the body', async () => {
    const error = await rigError(rig().putPort(4, { ...AC_IN_ERROR, case_state: 'ECMP' }));
    assert.equal(
      error.message,
      'rig PUT /ports/4 answered 400: {"error":"case_error needs an active operation"}, expected 204',
    );
    assert.equal(error.status, 400);
  });

  it('reads answers unmasked: a one-letter token masks only the evidence and the messages', async () => {
    rigToken = 't';
    const recorded: Exchange[] = [];
    const client = rig(recorded, 't');
    await client.reset();
    await client.putPort(4, AC_IN_ERROR);
    assert.deepEqual(await client.getPort(4), AC_IN_ERROR);
    assert.deepEqual(await client.events(), ['AC,4,101337,ERSO']);
    const events = recorded.at(-1)?.response?.body ?? '';
    assert.equal(events, '{"segmen***s":["AC,4,101337,ERSO"]}', 'the evidence copy is masked');
    assert.equal(recorded[0]?.request.headers.authorization, 'Bearer ***');
  });

  it('masks the token in a message that quotes a value the rig echoed', async () => {
    await rig().putPort(6, AC_IN_ERROR);
    misbehave = 'port-echoes-token';
    const error = await rigError(rig().getPort(6));
    assert.match(error.message, /"type" is "\*\*\*", not one of AC/);
    assert.ok(!error.message.includes(TOKEN), error.message);
  });

  it('a wrong token: 401, with a hint and without the token, even when the rig echoes it', async () => {
    misbehave = 'echo-token';
    const recorded: Exchange[] = [];
    const error = await rigError(rig(recorded, `${TOKEN}-wrong`).reset());
    assert.match(
      error.message,
      /^rig POST \/reset answered 401: .*\(is the rig token right\?\), expected 204$/,
    );
    assert.ok(!JSON.stringify(recorded).includes(TOKEN));
    assert.match(recorded[0]?.response?.body ?? '', /Bearer \*\*\*/);
    const none = await rigError(new RigClient(rigUrl, { timeoutMs: 2_000 }).events());
    assert.match(none.message, /answered 401/);
  });

  it('the wrong status for a reset', async () => {
    misbehave = 'reset-200';
    assert.match(
      (await rigError(rig().reset())).message,
      /^rig POST \/reset answered 200: \{\}, expected 204$/,
    );
  });

  it('a PortState without all five fields', async () => {
    await rig().putPort(5, AC_IN_ERROR);
    misbehave = 'port-missing-field';
    const error = await rigError(rig().getPort(5));
    assert.equal(
      error.message,
      'rig GET /ports/5 answered a PortState that breaks rig-control.md: "case_error" is missing',
    );
  });

  it('a body that is not JSON, events that are not a list', async () => {
    await rig().putPort(5, AC_IN_ERROR);
    misbehave = 'not-json';
    assert.match(
      (await rigError(rig().getPort(5))).message,
      /^rig GET \/ports\/5 answered <port\/>, which is not JSON$/,
    );
    misbehave = 'events-not-list';
    assert.match((await rigError(rig().events())).message, /expected \{"segments": \[<string>, \.\.\.\]\}/);
  });

  it('nothing listening', async () => {
    const client = new RigClient('http://127.0.0.1:1/rig/v1', { token: TOKEN, timeoutMs: 1_000 });
    assert.equal(
      (await rigError(client.reset())).message,
      'rig POST /reset: connection refused by 127.0.0.1:1',
    );
  });

  it('refuses, as a harness bug, a port id or a PortState the rig cannot take', async () => {
    assert.match(
      (await rigError(rig().getPort(0))).message,
      /^harness bug: the rig addresses ports 1-2000, not 0$/,
    );
    const bad = { ...AC_IN_ERROR, mode: 'AJAR' } as unknown as PortState;
    assert.match((await rigError(rig().putPort(4, bad))).message, /"mode" is "AJAR", not one of/);
  });
});

describe('portStateProblems', () => {
  it('checks all five fields and their types', () => {
    assert.deepEqual(portStateProblems(AC_IN_ERROR), []);
    assert.deepEqual(portStateProblems({ ...AC_IN_ERROR, extension: 1 }), []);
    assert.deepEqual(portStateProblems(null), ['not a JSON object']);
    assert.deepEqual(
      portStateProblems({ ...AC_IN_ERROR, selected_bin: '101337', case_error: 'yes', type: 'XX' }),
      [
        '"type" is "XX", not one of AC, CO, ECO, CA, VE, SW, RE, TC, FU, MU, PI, GL',
        '"selected_bin" is "101337", expected an integer 1-4000000 or null',
        '"case_error" is "yes", expected true or false',
      ],
    );
    assert.deepEqual(portStateProblems({ ...AC_IN_ERROR, selected_bin: 4_000_001 }), [
      '"selected_bin" is 4000001, expected an integer 1-4000000 or null',
    ]);
  });
});

describe('isPortState', () => {
  it('holds exactly when portStateProblems finds nothing', () => {
    const base = AC_IN_ERROR as unknown as Record<string, unknown>;
    const values: unknown[] = [
      AC_IN_ERROR,
      { ...base, extension: 1 },
      null,
      [],
      'AC',
      7,
      { ...base, selected_bin: null },
    ];
    const odd: unknown[] = [
      undefined,
      null,
      'XX',
      'AC',
      'OPEN',
      'EREQ',
      0,
      1,
      4_000_000,
      4_000_001,
      1.5,
      '1',
      true,
      false,
    ];
    for (const field of ['type', 'mode', 'selected_bin', 'case_state', 'case_error']) {
      const { [field]: _, ...without } = base;
      values.push(without);
      for (const value of odd) values.push({ ...base, [field]: value });
    }
    for (const value of values)
      assert.equal(isPortState(value), portStateProblems(value).length === 0, JSON.stringify(value));
  });
});
