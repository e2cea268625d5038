// The Log Publisher beside the Task Interface: what each change publishes, CRLF and all, the same lines as the
// rig's GET /events, clients closed with the emulator, a client that does not read dropped past its bound.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../emulator/index.ts';
import { LogPublisher } from '../emulator/log-publisher.ts';
import {
  JSON_TYPE,
  jsonCall,
  outcome,
  post,
  RigClient,
  SAMPLE_PORT,
  XML,
  xmlCall,
} from './helpers/emulator-http.ts';
import { clientsConnected, openRawStream, type RawStream } from './helpers/raw-stream.ts';

/** The vendor's XML sample, exactly as documented: case_cancel of bin 101337 on port 4. */
const VENDOR_SAMPLE = `<?xml version="1.0"?>
<methodcall>
  <name>case_cancel</name>
  <params>
    <port_id>4</port_id>
    <bin_id>101337</bin_id>
  </params>
</methodcall>`;

const call = (method: string, port: number, bin?: number) =>
  jsonCall(
    method,
    bin === undefined
      ? [['port_id', String(port)]]
      : [
          ['port_id', String(port)],
          ['bin_id', String(bin)],
        ],
  );

describe('the acceptance: the vendor sample on the default site', () => {
  test('the stream shows AC,4,101337,NOOP followed by CRLF, and nothing else', async () => {
    const emulator = await startEmulator({ port: 0 });
    try {
      const stream = await openRawStream(emulator.logPort);
      await clientsConnected(emulator.logClients, 1);
      assert.equal(outcome(await post(emulator.taskUrl, VENDOR_SAMPLE, XML)), 'success');
      const text = await stream.until((seen) => seen.endsWith('\r\n'));
      assert.equal(text, 'AC,4,101337,NOOP\r\n');
      assert.deepEqual(emulator.events(), ['AC,4,101337,NOOP']);
      stream.socket.destroy();
    } finally {
      await emulator.close();
    }
  });
});

describe('the Log Publisher of a running emulator', () => {
  let emulator: RunningEmulator;
  let rig: RigClient;
  let stream: RawStream;
  before(async () => {
    emulator = await startEmulator({ port: 0 });
    rig = new RigClient(emulator.rigUrl ?? '');
  });
  after(() => emulator.close());
  beforeEach(async () => {
    stream?.socket.destroy();
    await rig.reset();
    stream = await openRawStream(emulator.logPort);
    await clientsConnected(emulator.logClients, 1);
  });

  /** The lines published since the stream opened, once `count` have come. */
  async function lines(count: number): Promise<string[]> {
    const text = await stream.until((seen) => seen.split('\r\n').length - 1 >= count);
    assert.ok(text.endsWith('\r\n'), `every segment ends with CRLF: ${JSON.stringify(text)}`);
    assert.doesNotMatch(text.replaceAll('\r\n', ''), /[\r\n]/, 'no bare CR or LF');
    return text.split('\r\n').slice(0, -1);
  }

  test('startEmulator returns the Log Publisher: an ephemeral port beside an ephemeral Task Interface', () => {
    assert.match(emulator.logUrl, /^tcp:\/\/127\.0\.0\.1:[0-9]+$/);
    assert.equal(emulator.logUrl, `tcp://127.0.0.1:${emulator.logPort}`);
    assert.notEqual(emulator.logPort, 44001);
    assert.equal(emulator.hardwareMs, 0);
  });

  test('case_extract publishes EREQ; openbin O, closebin C; closeport with a bin C', async () => {
    const send = (method: string, port: number, bin?: number) =>
      post(emulator.taskUrl, call(method, port, bin), JSON_TYPE);
    assert.equal(outcome(await send('case_extract', 6, 3003)), 'success');
    assert.equal(outcome(await send('closebin', 6, 3003)), 'success');
    assert.equal(outcome(await send('openbin', 6, 3004)), 'success');
    assert.equal(outcome(await send('openbin', 6, 3004)), 'success', 'the same bin again: nothing changes');
    assert.equal(outcome(await send('closeport', 6)), 'success');
    assert.equal(outcome(await send('closeport', 6)), 'success', 'closed, no bin: nothing changes');
    const expected = ['AC,6,3003,EREQ', 'BM,3003,C', 'BM,3004,O', 'BM,3004,C'];
    assert.deepEqual(await lines(4), expected);
    assert.deepEqual(await rig.events(), expected);
  });

  test('faults publish nothing; a successful cancel publishes NOOP', async () => {
    for (const [port, bin] of [
      [5, 2002], // 1153
      [6, 3003], // 1152
      [7, 77], // 1149
      [8, 1], // 1099
      [12, 101337], // 1087
      [3, 1], // 1000
    ] as const) {
      assert.equal(
        typeof outcome(await post(emulator.taskUrl, call('case_cancel', port, bin), JSON_TYPE)),
        'number',
      );
    }
    await post(emulator.taskUrl, call('openbin', 8, 5), JSON_TYPE); // 1009: not OPEN
    await post(emulator.taskUrl, call('closebin', 6, 1), JSON_TYPE); // 1149: not the selected bin
    assert.equal(outcome(await post(emulator.taskUrl, call('case_cancel', 1, 1), JSON_TYPE)), 'success');
    assert.deepEqual(await lines(1), ['AC,1,1,NOOP']);
    assert.deepEqual(await rig.events(), ['AC,1,1,NOOP']);
  });

  test('a rig PUT that moves the case state publishes it; one that does not, or another type, publishes nothing', async () => {
    await rig.put(4, SAMPLE_PORT); // ERSO already: no change
    await rig.put(4, { ...SAMPLE_PORT, case_error: false }); // the flag is not a state
    await rig.put(4, { ...SAMPLE_PORT, case_state: 'ICIN' });
    await rig.put(7, { ...SAMPLE_PORT, selected_bin: null, case_state: 'EREQ' }); // no bin: 0
    await rig.put(1999, { ...SAMPLE_PORT, case_state: 'NOOP' }); // new, NOOP: as before
    await rig.put(1998, { ...SAMPLE_PORT, selected_bin: 5 }); // new, ERSO
    await rig.put(12, { ...SAMPLE_PORT, type: 'CO', case_state: 'EREQ' }); // not AutoCase
    await rig.put(12, { ...SAMPLE_PORT, type: 'AC', case_state: 'EREQ' }); // AutoCase now, EREQ
    await rig.delete(4);
    const expected = ['AC,4,101337,ICIN', 'AC,7,0,EREQ', 'AC,1998,5,ERSO', 'AC,12,101337,EREQ'];
    assert.deepEqual(await lines(4), expected);
    assert.deepEqual(await rig.events(), expected);
  });

  test('every client gets every line; a reset publishes nothing and empties GET /events only', async () => {
    const second = await openRawStream(emulator.logPort);
    await clientsConnected(emulator.logClients, 2);
    await post(
      emulator.taskUrl,
      xmlCall('case_cancel', [
        ['port_id', '4'],
        ['bin_id', '101337'],
      ]),
      XML,
    );
    await rig.reset();
    await post(
      emulator.taskUrl,
      xmlCall('case_cancel', [
        ['port_id', '4'],
        ['bin_id', '101337'],
      ]),
      XML,
    );
    assert.deepEqual(await lines(2), ['AC,4,101337,NOOP', 'AC,4,101337,NOOP']);
    assert.equal(await second.until((text) => text.length >= 36), 'AC,4,101337,NOOP\r\nAC,4,101337,NOOP\r\n');
    assert.deepEqual(await rig.events(), ['AC,4,101337,NOOP']);
    second.socket.destroy();
  });

  test('what a client sends is read and dropped; the stream goes on', async () => {
    stream.socket.write('hello\r\n'.repeat(1000));
    await post(emulator.taskUrl, call('case_extract', 6, 3003), JSON_TYPE);
    assert.deepEqual(await lines(1), ['AC,6,3003,EREQ']);
  });
});

describe('opening and closing', () => {
  test('closing the emulator closes its Log Publisher clients and the port', async () => {
    const emulator = await startEmulator({ port: 0 });
    const stream = await openRawStream(emulator.logPort);
    await clientsConnected(emulator.logClients, 1);
    await emulator.close();
    await stream.closed;
    await assert.rejects(openRawStream(emulator.logPort), /ECONNREFUSED/);
  });

  test('logPort given: that port; a taken one rejects with the listen error and leaves nothing open', async () => {
    const first = await startEmulator({ port: 0 });
    try {
      await assert.rejects(
        startEmulator({ port: 0, logPort: first.logPort }),
        (error: NodeJS.ErrnoException) => {
          assert.equal(error.code, 'EADDRINUSE');
          assert.equal((error as { port?: number }).port, first.logPort);
          return true;
        },
      );
    } finally {
      await first.close();
    }
    await assert.rejects(startEmulator({ port: 0, logPort: 70000 }), /logPort must be an integer 0-65535/);
    await assert.rejects(startEmulator({ port: 0, hardwareMs: -1 }), /hardwareMs must be an integer/);
  });

  test('a site may ask for the hardware; hardwareMs 0 overrides it', async () => {
    const site = { ports: [{ port_id: 4, type: 'AC' as const, mode: 'OPEN' as const }], hardware_ms: 500 };
    const moving = await startEmulator({ port: 0, site });
    assert.equal(moving.hardwareMs, 500);
    await moving.close();
    const still = await startEmulator({ port: 0, site, hardwareMs: 0 });
    assert.equal(still.hardwareMs, 0);
    await still.close();
  });
});

describe('a client that does not read', () => {
  test('is dropped past its bound, with the reason logged; the unsent output never passes it; others get every line', async () => {
    const logged: string[] = [];
    const limit = 256 * 1024;
    const publisher = new LogPublisher({ unsentLimit: limit, log: (line) => logged.push(line) });
    const { port } = await publisher.listen(0, '127.0.0.1');
    try {
      const slow = await openRawStream(port);
      slow.socket.pause(); // never reads: the kernel's buffers fill, then the emulator's queue
      const reader = await openRawStream(port);
      await clientsConnected(() => publisher.clients(), 2);
      const slowRemote = `127.0.0.1:${slow.socket.localPort}`;
      const line = `AC,4,101337,${'X'.repeat(4000)}`;
      const count = 4000; // 16 MB in all: far past the kernel's buffers and the bound
      let maxUnsent = 0;
      for (let i = 0; i < count; i++) {
        publisher.publish([`${line}${i}`]);
        for (const client of publisher.clients()) maxUnsent = Math.max(maxUnsent, client.unsent);
        // Let the reader's socket drain, as a live client's would.
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.ok(maxUnsent <= limit, `unsent ${maxUnsent} within ${limit}`);
      assert.ok(
        publisher.clients().every((client) => client.maxUnsent <= limit),
        JSON.stringify(publisher.clients()),
      );
      assert.ok(
        !publisher.clients().some((client) => client.remote === slowRemote),
        'the slow client is gone',
      );
      assert.ok(
        logged.some(
          (entry) =>
            entry.startsWith(`Log Publisher: dropped ${slowRemote}: `) && /does not read/.test(entry),
        ),
        logged.join('\n'),
      );
      const expectedBytes = Array.from({ length: count }, (_, i) => `${line}${i}\r\n`).reduce(
        (sum, text) => sum + text.length,
        0,
      );
      const deadline = Date.now() + 20_000;
      while (reader.received() < expectedBytes && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
      const text = reader.text();
      const received = text.split('\r\n').slice(0, -1);
      assert.equal(received.length, count);
      assert.ok(
        received.every((entry, i) => entry === `${line}${i}`),
        'every line, in order',
      );
      assert.deepEqual(
        publisher.clients().map((client) => client.remote),
        [`127.0.0.1:${reader.socket.localPort}`],
      );
      reader.socket.destroy();
      slow.socket.resume(); // reading now, it learns that the emulator reset the connection
      await slow.closed;
    } finally {
      await publisher.close();
    }
  });

  test('clients beyond the limit are refused with a log line', async () => {
    const logged: string[] = [];
    const publisher = new LogPublisher({ clientLimit: 2, log: (line) => logged.push(line) });
    const { port } = await publisher.listen(0, '127.0.0.1');
    try {
      const streams = [await openRawStream(port), await openRawStream(port)];
      await clientsConnected(() => publisher.clients(), 2);
      const third = await openRawStream(port);
      await third.closed;
      assert.ok(
        logged.some((line) => /refused .*: already 2 clients/.test(line)),
        logged.join('\n'),
      );
      for (const stream of streams) stream.socket.destroy();
    } finally {
      await publisher.close();
    }
  });
});
