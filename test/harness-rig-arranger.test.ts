// The rig arranger holds its writes until something is read or the Task Interface is called, and sends them with
// the read in one POST /batch: a scenario's reset, arrangement and "events before the call" are one request, its
// read-backs after the call another. A rig without the endpoint gets the very requests it got before, in order.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, startEmulator } from '../emulator/index.ts';
import { type PortReading, RigArranger } from '../support/arrange/arrange.ts';
import { MAX_BATCH_STEPS, RigClient, type RigStep } from '../support/arrange/rig.ts';
import type { Exchange, PortState } from '../support/model.ts';
import { callTask } from '../support/wire/task-call.ts';
import { withoutBatch } from './helpers/rig-without-batch.ts';

const TOKEN = 'rig-arranger-token';
const ERSO: PortState = {
  type: 'AC',
  mode: 'OPEN',
  selected_bin: 101337,
  case_state: 'ERSO',
  case_error: true,
};

function arranger(rigUrl: string): { arranger: RigArranger; labels: string[]; bodies: string[] } {
  const labels: string[] = [];
  const bodies: string[] = [];
  const record = (e: Exchange) => {
    labels.push(e.label);
    bodies.push(e.request.body);
  };
  return {
    arranger: new RigArranger(new RigClient(rigUrl, { token: TOKEN, timeoutMs: 5000, record })),
    labels,
    bodies,
  };
}

/** A scenario as the World plays it: reset, arrange, events before, the call, events and the port after. */
async function scenario(target: RunningEmulator, a: RigArranger, bin: number) {
  await a.reset();
  await a.port(4, ERSO);
  await a.noPort(7);
  const before = await a.events();
  await a.settle();
  const call = await callTask(
    { taskUrl: target.taskUrl, timeoutMs: 5000, maxResponseBytes: 1 << 20 },
    'case_cancel',
    { port_id: 4, bin_id: bin },
    'JSON',
    {},
  );
  const afterEvents = await a.events();
  const port = await a.read(4);
  const gone = await a.read(7);
  return { before, call, afterEvents, port, gone };
}

describe('the rig arranger', () => {
  let target: RunningEmulator;
  before(async () => {
    target = await startEmulator({ host: '127.0.0.1', port: 0, rigToken: TOKEN, quiet: true });
  });
  after(async () => {
    await target.close();
  });

  it('reads each port it writes as the reset left it, in the same request, once a reset', async () => {
    const { arranger: a, labels } = arranger(target.rigUrl as string);
    const configured = await startEmulator({ host: '127.0.0.1', port: 0, rigToken: TOKEN, quiet: true });
    try {
      await a.reset();
      await a.port(4, ERSO);
      await a.port(4, { ...ERSO, case_error: false });
      await a.noPort(7);
      await a.settle();
      const { arranger: fresh } = arranger(configured.rigUrl as string);
      const site = new Map([
        [4, await fresh.read(4)],
        [7, await fresh.read(7)],
      ]);
      const state = (reading: PortReading | undefined) =>
        reading && 'exists' in reading && reading.exists ? reading.state : null;
      assert.deepEqual(
        [...a.restored()],
        [
          [4, state(site.get(4))],
          [7, state(site.get(7))],
        ],
      );
      assert.deepEqual(labels, ['rig POST /batch']);
      await a.reset();
      assert.deepEqual([...a.restored()], [], 'a reset forgets them');
    } finally {
      await configured.close();
    }
  });

  it('sends a scenario in two POST /batch around the call, and reads what separate requests read', async () => {
    const { arranger: a, labels } = arranger(target.rigUrl as string);
    const seen = await scenario(target, a, 101337);
    assert.deepEqual(labels, ['rig POST /batch', 'rig POST /batch']);
    assert.equal(seen.call.answer?.kind, 'success');
    assert.deepEqual(seen.port, { exists: true, state: { ...ERSO, case_state: 'NOOP', case_error: false } });
    assert.deepEqual(seen.gone, { exists: false });
    assert.deepEqual(seen.afterEvents.slice(seen.before.length), ['AC,4,101337,NOOP']);
  });

  it('without POST /batch, sends the same requests one at a time, in order, and only the reads asked for', async () => {
    const proxy = await withoutBatch(target);
    try {
      const { arranger: a, labels } = arranger(proxy.url);
      const seen = await scenario(target, a, 101337);
      assert.deepEqual(labels, [
        'rig POST /batch',
        'rig POST /reset',
        // each port as the reset left it, before it is written (restored())
        'rig GET /ports/4',
        'rig GET /ports/7',
        'rig PUT /ports/4',
        'rig DELETE /ports/7',
        'rig GET /events',
        'rig GET /events',
        'rig GET /ports/4',
        'rig GET /ports/7',
      ]);
      assert.equal(proxy.batches, 1, 'a rig that has no POST /batch is asked once a process');
      assert.deepEqual(seen.port, {
        exists: true,
        state: { ...ERSO, case_state: 'NOOP', case_error: false },
      });
      assert.deepEqual(seen.gone, { exists: false });
      assert.deepEqual(seen.afterEvents.slice(seen.before.length), ['AC,4,101337,NOOP']);
    } finally {
      await proxy.close();
    }
  });

  it('a rig that refuses the batch (400) gets the writes and the asked read one at a time', async () => {
    const proxy = await withoutBatch(target, 400);
    try {
      const { arranger: a, labels } = arranger(proxy.url);
      await a.reset();
      await a.port(4, ERSO);
      assert.deepEqual(await a.read(4), { exists: true, state: ERSO });
      assert.deepEqual(labels, [
        'rig POST /batch',
        'rig POST /reset',
        'rig GET /ports/4',
        'rig PUT /ports/4',
        'rig GET /ports/4',
      ]);
    } finally {
      await proxy.close();
    }
  });

  it('a rig that answers 403 to POST /batch has none: asked once, then the steps one at a time', async () => {
    const proxy = await withoutBatch(target, 403);
    try {
      const { arranger: a, labels } = arranger(proxy.url);
      await a.reset();
      await a.port(4, ERSO);
      assert.deepEqual(await a.read(4), { exists: true, state: ERSO });
      await a.port(4, { ...ERSO, case_error: false });
      assert.deepEqual(await a.read(4), { exists: true, state: { ...ERSO, case_error: false } });
      assert.deepEqual(labels, [
        'rig POST /batch',
        'rig POST /reset',
        'rig GET /ports/4',
        'rig PUT /ports/4',
        'rig GET /ports/4',
        'rig PUT /ports/4',
        'rig GET /ports/4',
      ]);
      assert.equal(proxy.batches, 1);
    } finally {
      await proxy.close();
    }
  });

  it('a rig whose POST /batch fails (500) gets that batch one step at a time, and is asked again', async () => {
    const proxy = await withoutBatch(target, 500);
    try {
      const { arranger: a } = arranger(proxy.url);
      await a.reset();
      await a.port(4, ERSO);
      assert.deepEqual(await a.read(4), { exists: true, state: ERSO });
      await a.port(4, { ...ERSO, case_error: false });
      assert.deepEqual(await a.read(4), { exists: true, state: { ...ERSO, case_error: false } });
      assert.equal(proxy.batches, 2);
    } finally {
      await proxy.close();
    }
  });

  it('a 401 to POST /batch is the token: the arrangement fails and says so', async () => {
    const proxy = await withoutBatch(target, 401);
    try {
      const { arranger: a, labels } = arranger(proxy.url);
      await a.reset();
      await a.port(4, ERSO);
      await assert.rejects(
        a.read(4),
        /rig POST \/batch answered 401: .*\(is the rig token right\?\), expected 200/,
      );
      assert.deepEqual(labels, ['rig POST /batch']);
    } finally {
      await proxy.close();
    }
  });

  it('a read with nothing held and no port to read goes to its own endpoint', async () => {
    const { arranger: a, labels } = arranger(target.rigUrl as string);
    assert.ok(Array.isArray(await a.events()));
    assert.deepEqual(labels, ['rig GET /events']);
  });

  it('reads again after a write or a call, never what it read before', async () => {
    const { arranger: a, labels } = arranger(target.rigUrl as string);
    await a.reset();
    await a.port(4, ERSO);
    assert.deepEqual(await a.read(4), { exists: true, state: ERSO });
    assert.deepEqual(await a.read(4), { exists: true, state: ERSO });
    assert.equal(labels.length, 1, 'the second read is answered from the batch that read the port');
    const other = { ...ERSO, case_state: 'EREQ' as const, case_error: false };
    await a.port(4, other);
    assert.deepEqual(await a.read(4), { exists: true, state: other }, 'a write drops what was read');
    await a.settle();
    // a change that is not the arranger's own (here: the site's operator), as a call's would be
    await target.operate(4, { case_state: 'NOOP' });
    assert.deepEqual(await a.read(4), { exists: true, state: { ...other, case_state: 'NOOP' } });
    assert.equal(labels.length, 3);
  });

  it('holds writes until a read or a call: nothing is sent for a scenario that stops at its arrangement', async () => {
    const { arranger: a, labels } = arranger(target.rigUrl as string);
    await a.reset();
    await a.port(4, ERSO);
    assert.deepEqual(labels, []);
    await a.settle();
    assert.deepEqual(labels, ['rig POST /batch']);
    await a.settle();
    assert.deepEqual(labels, ['rig POST /batch'], 'nothing held, nothing sent');
  });

  it('RigClient.steps: one step by its own endpoint, more in one batch, more than a batch holds one request each', async () => {
    const labels: string[] = [];
    const rig = new RigClient(target.rigUrl as string, {
      token: TOKEN,
      timeoutMs: 5000,
      record: (e) => labels.push(e.label),
    });
    assert.deepEqual(await rig.steps([{ op: 'reset' }]), [{ op: 'reset' }]);
    assert.deepEqual(labels, ['rig POST /reset']);
    labels.length = 0;
    const two: RigStep[] = [
      { op: 'put', portId: 4, state: ERSO },
      { op: 'get', portId: 4 },
    ];
    assert.deepEqual(await rig.steps(two), [{ op: 'put' }, { op: 'get', state: ERSO }]);
    assert.deepEqual(labels, ['rig POST /batch']);
    labels.length = 0;
    const many: RigStep[] = Array.from({ length: MAX_BATCH_STEPS + 1 }, () => ({ op: 'get', portId: 4 }));
    const results = await rig.steps(many);
    assert.equal(results.length, MAX_BATCH_STEPS + 1);
    assert.ok(results.every((r) => r.op === 'get' && r.state?.case_state === 'ERSO'));
    assert.equal(labels.length, MAX_BATCH_STEPS + 1);
    assert.ok(!labels.includes('rig POST /batch'), 'a batch past the contract’s limit is never sent');
  });

  it('refuses a PortState that breaks rig-control.md when it is arranged, before anything is sent', async () => {
    const { arranger: a, labels } = arranger(target.rigUrl as string);
    await a.reset();
    await assert.rejects(
      a.port(4, { ...ERSO, selected_bin: 0 }),
      /harness bug: PortState for port 4: "selected_bin" is 0/,
    );
    await assert.rejects(a.noPort(2001), /the rig addresses ports 1-2000, not 2001/);
    assert.deepEqual(labels, []);
  });
});
