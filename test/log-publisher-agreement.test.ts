// The emulator's Log Publisher read by the harness's listener: over a seeded run of a few hundred random calls
// (some at once) the stream and the rig's GET /events agree line for line. The client that never reads while
// 10,000 calls are made is test/e2e/log-publisher-slow-client.test.ts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startEmulator } from '../emulator/index.ts';
import { LogListener, type Mark } from '../support/log-publisher/listener.ts';
import { JSON_TYPE, jsonCall, post, RigClient, XML, xmlCall } from './helpers/emulator-http.ts';
import { clientsConnected } from './helpers/raw-stream.ts';
import { seeded } from './helpers/seeded.ts';

const PORTS = [4, 5, 6, 7, 8, 12, 1, 2000, 30, 31] as const;
const BINS = [101337, 2002, 3003, 1, 4000000, 77, 5] as const;
const CASE_STATES = ['NOOP', 'EREQ', 'ERSO', 'ECMP', 'IREQ', 'IRTR', 'ICRC', 'ICIN', 'ICMP'] as const;
const TYPES = ['AC', 'AC', 'AC', 'CO', 'CA'] as const;
const MODES = ['OPEN', 'OPEN', 'CLOSED', 'AUTO'] as const;

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

/** One random request against the emulator: a Task Interface call in XML or JSON, or a rig PUT or DELETE. */
function randomRequest(random: Random, taskUrl: string, rig: RigClient): () => Promise<unknown> {
  const port = pick(random, PORTS);
  const bin = pick(random, BINS);
  const kind = random();
  if (kind < 0.15) {
    const state = {
      type: pick(random, TYPES),
      mode: pick(random, MODES),
      selected_bin: random() < 0.2 ? null : bin,
      case_state: pick(random, CASE_STATES),
      case_error: random() < 0.6,
    };
    return () => rig.put(port, state);
  }
  if (kind < 0.18) return () => rig.delete(port);
  const method = pick(random, [
    'case_cancel',
    'case_cancel',
    'case_cancel',
    'case_extract',
    'openbin',
    'closebin',
    'closeport',
    'openport',
    'getportstatus',
  ]);
  const params: [string, string][] =
    method === 'closeport' || method === 'getportstatus'
      ? [['port_id', String(port)]]
      : method === 'openport'
        ? [
            ['port_id', String(port)],
            ['select', '{"category": [1]}'],
          ]
        : [
            ['port_id', String(port)],
            ['bin_id', String(bin)],
          ];
  if (random() < 0.5) return () => post(taskUrl, xmlCall(method, params), XML);
  const jsonParams = params.map(([name, value]): [string, string] => [
    name,
    name === 'select' ? JSON.stringify(value) : value,
  ]);
  return () => post(taskUrl, jsonCall(method, jsonParams), JSON_TYPE);
}

/** Waits until the listener holds at least `count` lines since the mark (bounded), then returns their texts. */
async function streamed(listener: LogListener, mark: Mark, count: number): Promise<string[]> {
  const deadline = Date.now() + 20_000;
  while (listener.linesSince(mark).lines.length < count && Date.now() < deadline && !listener.closed)
    await new Promise((resolve) => setTimeout(resolve, 5));
  const { lines, missed } = listener.linesSince(mark);
  assert.equal(missed, 0, 'the listener kept every line');
  for (const line of lines) assert.ok(line.crlf && line.readable, `a clean CRLF segment: ${line.text}`);
  return lines.map((line) => line.text);
}

describe('the Log Publisher and GET /events', () => {
  test('agree line for line over a seeded run of 400 random calls, some at once, a reset in the middle', async () => {
    const emulator = await startEmulator({ port: 0 });
    const rig = new RigClient(emulator.rigUrl ?? '');
    const listener = await LogListener.connect({ host: '127.0.0.1', port: emulator.logPort });
    try {
      await clientsConnected(emulator.logClients, 1);
      const random = seeded(20_260_413);
      let total = 0;
      for (const round of [1, 2]) {
        await rig.reset();
        const mark = listener.mark();
        for (let sent = 0; sent < 200; ) {
          const batch = Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
            randomRequest(random, emulator.taskUrl, rig),
          );
          await Promise.all(batch.map((request) => request()));
          sent += batch.length;
        }
        const events = await rig.events();
        assert.ok(events.length >= 30, `round ${round}: ${events.length} lines published, enough to compare`);
        assert.ok(
          events.some((line) => line.startsWith('BM,')) && events.some((line) => line.endsWith(',NOOP')),
        );
        assert.deepEqual(await streamed(listener, mark, events.length), events, `round ${round}`);
        total += events.length;
      }
      assert.equal(listener.stats().lines, total, 'nothing published besides');
    } finally {
      await listener.close();
      await emulator.close();
    }
  });
});
