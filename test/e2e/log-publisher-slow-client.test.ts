// A Log Publisher client that never reads, while 10,000 calls are made: the emulator holds no more than its bound
// for it (measured on the socket's unsent output, socket.writableLength, after every write), and the other
// clients, a raw one and the harness's listener, get every line GET /events shows. About 30 s on a loaded machine,
// hence e2e; the drop itself (16 MB to a client that never reads) is in test/emulator-log-publisher.test.ts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LOG_CLIENT_UNSENT_LIMIT, startEmulator } from '../../emulator/index.ts';
import { LogListener, MAX_KEPT_LINES, type Mark } from '../../support/log-publisher/listener.ts';
import { JSON_TYPE, jsonCall, post, RigClient } from '../helpers/emulator-http.ts';
import { clientsConnected, openRawStream } from '../helpers/raw-stream.ts';

/** Waits until the listener holds at least `count` lines since the mark (bounded), then returns their texts. */
async function streamed(listener: LogListener, mark: Mark, count: number): Promise<string[]> {
  const deadline = Date.now() + 20_000;
  while (listener.linesSince(mark).lines.length < count && Date.now() < deadline && !listener.closed)
    await new Promise((resolve) => setTimeout(resolve, 5));
  return listener.linesSince(mark).lines.map((line) => line.text);
}

describe('a Log Publisher client that never reads', () => {
  test('10,000 calls: its unsent output stays within the bound; the other clients get every line', async () => {
    const logged: string[] = [];
    const emulator = await startEmulator({
      port: 0,
      log: (line) => {
        if (line.startsWith('Log Publisher:')) logged.push(line);
      },
    });
    const rig = new RigClient(emulator.rigUrl ?? '');
    const slow = await openRawStream(emulator.logPort);
    slow.socket.pause(); // it never reads
    const reader = await openRawStream(emulator.logPort);
    const listener = await LogListener.connect({ host: '127.0.0.1', port: emulator.logPort });
    try {
      await clientsConnected(emulator.logClients, 3);
      const slowRemote = `127.0.0.1:${slow.socket.localPort}`;
      const workers = 8;
      const perWorker = 1250;
      // Each worker has its own conveyor port and bin: closebin and openbin in turn, one BM line each.
      for (let w = 0; w < workers; w++)
        await rig.put(100 + w, {
          type: 'CO',
          mode: 'OPEN',
          selected_bin: 5000 + w,
          case_state: 'NOOP',
          case_error: false,
        });
      const mark = listener.mark();
      let maxSlowUnsent = 0;
      const sample = () => {
        for (const client of emulator.logClients())
          if (client.remote === slowRemote) maxSlowUnsent = Math.max(maxSlowUnsent, client.maxUnsent);
      };
      await Promise.all(
        Array.from({ length: workers }, async (_, w) => {
          const params: [string, string][] = [
            ['port_id', String(100 + w)],
            ['bin_id', String(5000 + w)],
          ];
          for (let i = 0; i < perWorker; i++) {
            const method = i % 2 === 0 ? 'closebin' : 'openbin';
            const reply = await post(emulator.taskUrl, jsonCall(method, params), JSON_TYPE);
            assert.equal(
              reply.body,
              method === 'openbin' ? `{"params":{"bin_id":${5000 + w}}}` : '{"params":{}}',
            );
            if (i % 50 === 0) sample();
          }
        }),
      );
      sample();
      const events = await rig.events();
      assert.equal(events.length, workers * perWorker);
      assert.ok(
        maxSlowUnsent <= LOG_CLIENT_UNSENT_LIMIT,
        `the slow client's unsent output: ${maxSlowUnsent} bytes`,
      );
      const slowNow = emulator.logClients().find((client) => client.remote === slowRemote);
      if (slowNow === undefined)
        assert.ok(
          logged.some((line) => line.startsWith(`Log Publisher: dropped ${slowRemote}:`)),
          `dropped with a reason: ${logged.join(' | ')}`,
        );
      else
        assert.ok(slowNow.unsent <= LOG_CLIENT_UNSENT_LIMIT && slowNow.maxUnsent <= LOG_CLIENT_UNSENT_LIMIT);
      const expectedText = events.map((line) => `${line}\r\n`).join('');
      const deadline = Date.now() + 20_000;
      while (reader.received() < expectedText.length && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(reader.text(), expectedText, 'a reading client got every line, in order');
      assert.deepEqual(await streamed(listener, mark, events.length), events.slice(-MAX_KEPT_LINES));
      console.log(
        `# slow client: at most ${maxSlowUnsent} bytes unsent in the emulator (bound ${LOG_CLIENT_UNSENT_LIMIT}); ${slowNow === undefined ? 'dropped' : 'still connected'}`,
      );
    } finally {
      slow.socket.destroy();
      reader.socket.destroy();
      await listener.close();
      await emulator.close();
    }
  });
});
