// The emulator's own record of calls (the `record` option) and its snapshot of every port: what arrived, how it
// was answered, whether the site changed. The as-found proof (test/as-found-no-change.test.ts) rests on these.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  describeRecorded,
  type RecordedCall,
  type RunningEmulator,
  startEmulator,
} from '../emulator/index.ts';
import { samePorts } from '../emulator/record.ts';
import {
  JSON_TYPE,
  jsonCall,
  post,
  RigClient,
  SAMPLE_PORT,
  send,
  XML,
  xmlCall,
} from './helpers/emulator-http.ts';

let emulator: RunningEmulator;
let rig: RigClient;
const recorded: RecordedCall[] = [];

/** The entries one request added (the record is called after the answer is sent: wait a tick for it). */
async function entriesOf(request: () => Promise<unknown>): Promise<RecordedCall[]> {
  const start = recorded.length;
  await request();
  for (let i = 0; i < 50 && recorded.length === start; i++) await new Promise((r) => setTimeout(r, 2));
  return recorded.slice(start);
}

async function only(request: () => Promise<unknown>): Promise<RecordedCall> {
  const entries = await entriesOf(request);
  assert.equal(entries.length, 1, JSON.stringify(entries));
  return entries[0] as RecordedCall;
}

const cancel = (port: string, bin: string) =>
  post(
    emulator.taskUrl,
    xmlCall('case_cancel', [
      ['port_id', port],
      ['bin_id', bin],
    ]),
    XML,
  );

before(async () => {
  emulator = await startEmulator({ port: 0, record: (call) => recorded.push(call) });
  rig = new RigClient(emulator.rigUrl as string);
});

after(async () => {
  await emulator.close();
});

describe('the record of calls', () => {
  test('a read is a call that changes nothing', async () => {
    const entry = await only(() => post(emulator.taskUrl, xmlCall('getportstatus', [['port_id', '4']]), XML));
    assert.deepEqual(entry, {
      input: { kind: 'call', method: 'getportstatus', encoding: 'XML', params: 'port_id=4 bin_id=-' },
      answer: { kind: 'success' },
      status: 200,
      changed: false,
    });
  });

  test('a fault changes nothing; a successful cancel changes the site, and says so', async () => {
    const fault = await only(() => cancel('4', '101338'));
    assert.deepEqual(fault.answer, { kind: 'fault', code: 1149 });
    assert.equal(fault.changed, false);
    const done = await only(() => cancel('4', '101337'));
    assert.deepEqual(done.answer, { kind: 'success' });
    assert.equal(done.changed, true);
    assert.match(
      describeRecorded(done),
      /^case_cancel port_id=4 bin_id=101337 XML -> HTTP 200 success, site CHANGED$/,
    );
    const again = await only(() => cancel('4', '101337'));
    assert.deepEqual([again.answer, again.changed], [{ kind: 'fault', code: 1152 }, false]);
    await rig.reset();
  });

  test('a success that leaves every port as it was and publishes nothing is no change', async () => {
    await rig.put(9, { ...SAMPLE_PORT, mode: 'CLOSED', selected_bin: null });
    const entry = await only(() =>
      post(emulator.taskUrl, jsonCall('closeport', [['port_id', '9']]), JSON_TYPE),
    );
    assert.deepEqual([entry.answer, entry.changed], [{ kind: 'success' }, false]);
    await rig.reset();
  });

  test('input that is not a call: the refusal and its status, never a change', async () => {
    const malformed = await only(() => post(emulator.taskUrl, '<methodcall>', XML));
    assert.equal(malformed.input.kind, 'not-a-call');
    assert.deepEqual([malformed.answer, malformed.status, malformed.changed], [{ kind: 'http' }, 400, false]);
    const unknown = await only(() =>
      post(emulator.taskUrl, xmlCall('case_explode', [['port_id', '4']]), XML),
    );
    assert.deepEqual(
      [unknown.input.kind, unknown.input.kind === 'not-a-call' && unknown.input.method, unknown.status],
      ['not-a-call', 'case_explode', 400],
    );
    const verb = await only(() => send(emulator.taskUrl, { method: 'GET' }));
    assert.deepEqual([verb.input.kind, verb.status], ['not-a-call', 405]);
    const path = await only(() => send(emulator.taskUrl.replace('/task', '/tasks'), { body: 'x' }));
    assert.deepEqual([path.input.kind, path.status], ['not-a-call', 404]);
  });

  test('rig requests are recorded as such, a PUT as a change', async () => {
    const put = await only(() => rig.put(4, { ...SAMPLE_PORT, case_state: 'NOOP' }));
    assert.deepEqual(put.input, { kind: 'rig', verb: 'PUT', path: '/rig/v1/ports/4' });
    assert.equal(put.changed, true);
    const read = await only(() => rig.port(4));
    assert.equal(read.changed, false);
    const reset = await only(() => rig.reset());
    assert.equal(reset.changed, true);
  });
});

describe('the snapshot', () => {
  test('every port with its whole state, the error flag too; a copy, and equal after faults only', async () => {
    const first = emulator.snapshot();
    assert.deepEqual(first.get(4), SAMPLE_PORT);
    assert.equal(first.get(3), undefined);
    await cancel('4', '1');
    await cancel('8', '1');
    assert.ok(samePorts(first, emulator.snapshot()));
    await cancel('4', '101337');
    const moved = emulator.snapshot();
    assert.equal(moved.get(4)?.case_error, false);
    assert.equal(first.get(4)?.case_error, true, 'an earlier snapshot does not move');
    assert.ok(!samePorts(first, moved));
    assert.deepEqual(emulator.events(), ['AC,4,101337,NOOP']);
    await rig.reset();
  });
});

describe('without a record', () => {
  test('the emulator answers as ever', async () => {
    const plain = await startEmulator({ port: 0 });
    try {
      const reply = await post(plain.taskUrl, xmlCall('getportstatus', [['port_id', '4']]), XML);
      assert.equal(reply.status, 200);
      assert.equal(plain.snapshot().size, 9);
    } finally {
      await plain.close();
    }
  });
});
