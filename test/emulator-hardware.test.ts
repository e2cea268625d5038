// The AutoCase hardware (--hardware-ms): every step of an extraction and an insertion published in order, one timer
// a moving port, cleared by a cancel, a rig PUT or DELETE, a reset and a stop. A hand-driven scheduler: no clock.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDeviations } from '../emulator/deviations.ts';
import { AutoCaseHardware, nextCaseState, type Scheduler } from '../emulator/hardware.ts';
import { startEmulator } from '../emulator/index.ts';
import { loadSite } from '../emulator/site.ts';
import { SiteStore } from '../emulator/store.ts';
import type { Call, PortState } from '../emulator/types.ts';
import { JSON_TYPE, jsonCall, outcome, post } from './helpers/emulator-http.ts';
import { clientsConnected, openRawStream } from './helpers/raw-stream.ts';

/** Timers run only when the test says so. */
class HandScheduler implements Scheduler {
  #next = 0;
  readonly timers = new Map<number, { run: () => void; ms: number }>();
  set(run: () => void, ms: number): unknown {
    const id = ++this.#next;
    this.timers.set(id, { run, ms });
    return id;
  }
  clear(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Runs every timer pending now (those they set run on the next tick); how many ran. */
  tick(): number {
    const due = [...this.timers.entries()];
    for (const [id, timer] of due) {
      if (!this.timers.delete(id)) continue;
      timer.run();
    }
    return due.length;
  }
}

function call(method: string, portId: number, binId: number): Call {
  return {
    method,
    encoding: 'JSON',
    params: new Map([
      ['port_id', { encoding: 'JSON', value: portId }],
      ['bin_id', { encoding: 'JSON', value: binId }],
    ]),
  };
}

const MOVING: PortState = {
  type: 'AC',
  mode: 'OPEN',
  selected_bin: 9,
  case_state: 'IREQ',
  case_error: false,
};

async function setUp(): Promise<{
  store: SiteStore;
  clock: HandScheduler;
  hardware: AutoCaseHardware;
  lines: string[];
}> {
  const store = new SiteStore(await loadSite(undefined));
  const lines: string[] = [];
  store.onPublish((published) => lines.push(...published));
  const clock = new HandScheduler();
  const hardware = new AutoCaseHardware(store, 500, clock);
  return { store, clock, hardware, lines };
}

describe('the AutoCase hardware', () => {
  test('the order of states: extraction and insertion, NOOP and the ends stay', () => {
    assert.deepEqual(
      ['EREQ', 'ERSO', 'IREQ', 'IRTR', 'ICRC', 'ICIN'].map((state) =>
        nextCaseState(state as PortState['case_state']),
      ),
      ['ERSO', 'ECMP', 'IRTR', 'ICRC', 'ICIN', 'ICMP'],
    );
    for (const state of ['NOOP', 'ECMP', 'ICMP'] as const) assert.equal(nextCaseState(state), undefined);
  });

  test('at start only a port with an operation under way and no error moves (default site: port 5)', async () => {
    const { store, clock, hardware, lines } = await setUp();
    assert.equal(hardware.moving, 1);
    assert.equal([...clock.timers.values()][0]?.ms, 500);
    clock.tick();
    clock.tick();
    assert.equal(clock.tick(), 0);
    assert.deepEqual(lines, ['AC,5,2002,ERSO', 'AC,5,2002,ECMP']);
    assert.deepEqual(store.events(), lines, 'GET /events says the same');
    assert.equal(store.port(4)?.case_state, 'ERSO', 'port 4 is in error: it waits');
    assert.equal(store.port(1)?.case_state, 'IREQ', 'port 1 is in error: it waits');
  });

  test('case_extract starts an extraction that goes EREQ, ERSO, ECMP by itself', async () => {
    const { store, clock, hardware, lines } = await setUp();
    clock.tick();
    clock.tick(); // port 5 done
    lines.length = 0;
    assert.equal(store.apply(call('case_extract', 6, 3003), parseDeviations([])).kind, 'success');
    assert.equal(hardware.moving, 1);
    while (clock.tick() > 0);
    assert.deepEqual(lines, ['AC,6,3003,EREQ', 'AC,6,3003,ERSO', 'AC,6,3003,ECMP']);
    assert.equal(hardware.moving, 0);
  });

  test('an insertion arranged by the rig goes IREQ, IRTR, ICRC, ICIN, ICMP; no bin shows 0', async () => {
    const { store, clock, lines } = await setUp();
    store.putPort(5, { ...store.port(5), case_state: 'NOOP' } as PortState);
    store.putPort(30, { ...MOVING, selected_bin: null });
    while (clock.tick() > 0);
    assert.deepEqual(lines, [
      'AC,5,2002,NOOP',
      'AC,30,0,IREQ',
      'AC,30,0,IRTR',
      'AC,30,0,ICRC',
      'AC,30,0,ICIN',
      'AC,30,0,ICMP',
    ]);
  });

  test('a rig PUT of the port clears its timer and the clock starts from the new state; an error stops it', async () => {
    const { store, clock, hardware, lines } = await setUp();
    store.putPort(30, MOVING);
    clock.tick(); // port 5 ERSO, port 30 IRTR
    store.putPort(30, { ...MOVING, case_state: 'IRTR', case_error: true });
    assert.equal(
      [...clock.timers.values()].length,
      1,
      'only port 5 still moves: the PUT cleared port 30, and a port in error waits',
    );
    clock.tick(); // port 5 ECMP
    assert.equal(clock.tick(), 0);
    assert.equal(store.port(30)?.case_state, 'IRTR');
    assert.equal(hardware.moving, 0);
    assert.deepEqual(lines, ['AC,30,9,IREQ', 'AC,5,2002,ERSO', 'AC,30,9,IRTR', 'AC,5,2002,ECMP']);
  });

  test('a cancel stops the movement (a deviation lets it cancel a case without error)', async () => {
    const { store, clock, hardware, lines } = await setUp();
    store.putPort(30, MOVING);
    clock.tick();
    const answer = store.apply(call('case_cancel', 30, 9), parseDeviations(['skip-error-check']));
    assert.equal(answer.kind, 'success');
    assert.equal(store.port(30)?.case_state, 'NOOP');
    while (clock.tick() > 0);
    assert.equal(hardware.moving, 0);
    assert.deepEqual(lines, [
      'AC,30,9,IREQ',
      'AC,5,2002,ERSO',
      'AC,30,9,IRTR',
      'AC,30,9,NOOP',
      'AC,5,2002,ECMP',
    ]);
  });

  test('a rig DELETE and a reset clear timers; a reset starts the configured ones again; stop clears all', async () => {
    const { store, clock, hardware } = await setUp();
    store.putPort(30, MOVING);
    store.putPort(31, MOVING);
    assert.equal(hardware.moving, 3);
    store.deletePort(31);
    assert.equal(hardware.moving, 2);
    store.reset();
    assert.equal(hardware.moving, 1, 'port 5 of the configured site');
    assert.equal(clock.timers.size, 1, 'every cleared timer is gone from the scheduler');
    hardware.stop();
    assert.equal(hardware.moving, 0);
    assert.equal(clock.timers.size, 0);
    store.putPort(30, MOVING);
    assert.equal(clock.timers.size, 0, 'stopped: it no longer listens');
  });

  test('over the wire: with hardwareMs the stream shows an extraction completing by itself; close clears it', async () => {
    const emulator = await startEmulator({ port: 0, hardwareMs: 5 });
    try {
      const stream = await openRawStream(emulator.logPort);
      await clientsConnected(emulator.logClients, 1);
      const extract = jsonCall('case_extract', [
        ['port_id', '6'],
        ['bin_id', '3003'],
      ]);
      assert.equal(outcome(await post(emulator.taskUrl, extract, JSON_TYPE)), 'success');
      const text = await stream.until((seen) => seen.includes('AC,6,3003,ECMP\r\n'));
      const port6 = text.split('\r\n').filter((line) => line.startsWith('AC,6,'));
      assert.deepEqual(port6, ['AC,6,3003,EREQ', 'AC,6,3003,ERSO', 'AC,6,3003,ECMP']);
      assert.deepEqual(
        emulator.events().filter((line) => line.startsWith('AC,6,')),
        port6,
      );
      stream.socket.destroy();
    } finally {
      await emulator.close();
    }
  });
});
