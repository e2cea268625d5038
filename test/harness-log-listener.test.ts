// The harness's Log Publisher listener against tiny servers on 127.0.0.1:0 that misbehave on purpose: garbage,
// lines without CRLF, one line of 10 MiB, a flood, a close mid-line. It stays bounded, every wait ends by its
// deadline, and every failure says why. No timed assertions: deadlines only bound the waits.

import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import {
  concernsPort,
  describeLines,
  LogListener,
  LogPublisherUnreachable,
  MAX_KEPT_BYTES,
  MAX_KEPT_LINES,
  MAX_LINE_BYTES,
  parseLogPublisherAddress,
  parseSegment,
} from '../support/log-publisher/listener.ts';
import { seeded } from './helpers/seeded.ts';

interface Tiny {
  readonly port: number;
  close(): Promise<void>;
}

/** A server that hands each connection to `serve`; closing it destroys its connections. */
async function tiny(serve: (socket: Socket) => void): Promise<Tiny> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    serve(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Writes chunks in order, waiting for the socket to drain whenever it asks to. */
async function writeAll(socket: Socket, chunks: Iterable<Buffer | string>): Promise<void> {
  for (const chunk of chunks) {
    if (socket.destroyed) return;
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
  }
}

const ac = (port: number, bin: number, state: string) => `AC,${port},${bin},${state}`;
const isText = (text: string) => (line: { text: string }) => line.text === text;

describe('the Log Publisher listener: reading segments', () => {
  test('parses AC, BM, other tags; malformed lines are said so', () => {
    assert.deepEqual(parseSegment('AC,4,101337,NOOP'), { tag: 'AC', port: 4, bin: 101337, state: 'NOOP' });
    assert.deepEqual(parseSegment('BM,101337,O'), { tag: 'BM', bin: 101337, mode: 'O' });
    assert.deepEqual(parseSegment('PM,4,O'), { tag: 'other', name: 'PM', fields: ['4', 'O'] });
    assert.equal(parseSegment('AC,4,NOOP').tag, 'malformed');
    assert.equal(parseSegment('AC,four,1,NOOP').tag, 'malformed');
    assert.equal(parseSegment('BM,1').tag, 'malformed');
    assert.equal(parseSegment('').tag, 'malformed');
    assert.equal(parseSegment('ac,4,1,NOOP').tag, 'malformed');
  });

  test('addresses: HOST:PORT, [IPv6]:PORT, a host alone (44001)', () => {
    assert.deepEqual(parseLogPublisherAddress('10.0.0.5:44001'), { host: '10.0.0.5', port: 44001 });
    assert.deepEqual(parseLogPublisherAddress('controller'), { host: 'controller', port: 44001 });
    assert.deepEqual(parseLogPublisherAddress('[::1]:5000'), { host: '::1', port: 5000 });
    assert.equal(parseLogPublisherAddress('host:0'), undefined);
    assert.equal(parseLogPublisherAddress('host:99999'), undefined);
    assert.equal(parseLogPublisherAddress('a b:1'), undefined);
    assert.equal(parseLogPublisherAddress(''), undefined);
  });
});

describe('the Log Publisher listener: a well-behaved stream', () => {
  test('marks, waits for a line after the mark, reads one port, attributes BM lines by the bins given', async () => {
    let peer: Socket | undefined;
    const server = await tiny((socket) => {
      peer = socket;
      socket.write(`${ac(4, 101337, 'ERSO')}\r\n`);
    });
    const listener = await LogListener.connect({ host: '127.0.0.1', port: server.port });
    try {
      const early = listener.mark();
      const first = await listener.waitFor(isText(ac(4, 101337, 'ERSO')), { after: early, timeoutMs: 5_000 });
      assert.equal(first.kind, 'found');
      const mark = listener.mark();
      const stale = listener.waitFor(isText(ac(4, 101337, 'ERSO')), { after: mark, timeoutMs: 50 });
      peer?.write(`${ac(5, 2002, 'ERSO')}\r\nBM,101337,C\r\nBM,2002,O\r\n${ac(4, 101337, 'NOOP')}\r\n`);
      const found = await listener.waitFor(isText(ac(4, 101337, 'NOOP')), { after: mark, timeoutMs: 5_000 });
      assert.equal(found.kind, 'found');
      if (found.kind === 'found') {
        assert.ok(found.line.at >= mark.at && found.afterMs >= 0);
        assert.equal(found.line.crlf, true);
        assert.deepEqual(found.line.segment, { tag: 'AC', port: 4, bin: 101337, state: 'NOOP' });
      }
      assert.equal((await stale).kind, 'timeout', 'a line before the mark does not count');
      const port4 = listener.portLines(4, mark).lines.map((line) => line.text);
      assert.deepEqual(port4, [ac(4, 101337, 'NOOP')]);
      const withBin = listener.portLines(4, mark, [101337]).lines.map((line) => line.text);
      assert.deepEqual(withBin, ['BM,101337,C', ac(4, 101337, 'NOOP')]);
      assert.equal(listener.linesSince(mark).missed, 0);
      const evidence = describeLines(listener.linesSince(mark).lines, mark, 2);
      assert.equal(evidence.length, 3);
      assert.match(evidence[0] ?? '', /^\+[0-9.]+ ms AC,5,2002,ERSO$/);
      assert.equal(evidence[2], '... and 2 more');
      assert.equal(concernsPort(found.kind === 'found' ? found.line : (undefined as never), 4), true);
      assert.equal(listener.closed, undefined);
    } finally {
      await listener.close();
      await server.close();
    }
  });

  test('a wait ends at its deadline with what arrived; an abort ends it; a throwing predicate is reported', async () => {
    const server = await tiny((socket) => socket.write(`${ac(6, 3003, 'NOOP')}\r\n`));
    const listener = await LogListener.connect({ host: '127.0.0.1', port: server.port });
    try {
      const mark = { seq: 0, at: 0 };
      const timeout = await listener.waitFor(() => false, { after: mark, timeoutMs: 30 });
      assert.equal(timeout.kind, 'timeout');
      if (timeout.kind === 'timeout')
        assert.match(
          timeout.reason,
          /^no matching line within 30 ms: 1 lines arrived after the mark, the last: .*AC,6,3003,NOOP$/,
        );
      const controller = new AbortController();
      const aborted = listener.waitFor(() => false, {
        after: mark,
        timeoutMs: 60_000,
        signal: controller.signal,
      });
      controller.abort(new Error('the scenario ended'));
      assert.deepEqual(
        { ...(await aborted), waitedMs: 0 },
        { kind: 'aborted', reason: 'the scenario ended', waitedMs: 0 },
      );
      const timedOut = await listener.waitFor(() => false, {
        after: listener.mark(),
        timeoutMs: 60_000,
        signal: AbortSignal.timeout(20),
      });
      assert.equal(timedOut.kind, 'aborted');
      if (timedOut.kind === 'aborted') assert.equal(timedOut.reason, 'the deadline passed');
      const thrown = await listener.waitFor(
        () => {
          throw new Error('boom');
        },
        { after: mark, timeoutMs: 1_000 },
      );
      assert.equal(thrown.kind, 'aborted');
      if (thrown.kind === 'aborted') assert.match(thrown.reason, /harness bug: the predicate threw boom/);
      const huge = await listener.waitFor(() => false, { after: listener.mark(), timeoutMs: 0 });
      assert.equal(huge.kind, 'timeout', 'a zero deadline still answers');
    } finally {
      await listener.close();
      await server.close();
    }
  });
});

describe('the Log Publisher listener: hostile streams', () => {
  test('garbage bytes: kept escaped, counted unreadable, never thrown on; the real line after them is found', async () => {
    const random = seeded(13);
    const garbage = Buffer.from(Array.from({ length: 256 * 1024 }, () => Math.floor(random() * 256)));
    const server = await tiny((socket) => {
      void writeAll(socket, [garbage, `\r\n${ac(4, 101337, 'NOOP')}\r\n`]);
    });
    const listener = await LogListener.connect({ host: '127.0.0.1', port: server.port });
    try {
      const found = await listener.waitFor(isText(ac(4, 101337, 'NOOP')), {
        after: { seq: 0, at: 0 },
        timeoutMs: 10_000,
      });
      assert.equal(found.kind, 'found');
      const stats = listener.stats();
      assert.ok(stats.unreadable > 0, JSON.stringify(stats));
      assert.equal(stats.bytes, garbage.length + 2 + 18);
      const { lines } = listener.linesSince({ seq: 0, at: 0 });
      for (const line of lines) {
        assert.match(line.text, /^[\x20-\x7e]*$/, 'shown as printable text');
        assert.ok(line.text.length <= MAX_LINE_BYTES * 4);
        if (!line.readable) assert.equal(line.segment.tag, 'malformed');
      }
      assert.ok(stats.pendingBytes <= MAX_LINE_BYTES + 1);
    } finally {
      await listener.close();
      await server.close();
    }
  });

  test('lines ended by a bare LF are kept and flagged; bytes never ended are reported when the stream closes', async () => {
    const server = await tiny((socket) => {
      socket.end(`${ac(4, 1, 'EREQ')}\n${ac(4, 1, 'ERSO')}\r\n${'x'.repeat(3000)}`);
    });
    const listener = await LogListener.connect({ host: '127.0.0.1', port: server.port });
    try {
      const pending = listener.waitFor(isText('never'), { after: { seq: 0, at: 0 }, timeoutMs: 10_000 });
      const closed = await listener.whenClosed;
      assert.match(
        closed.reason,
        /^the Log Publisher closed the connection; 3000 bytes after the last line end were never ended by CRLF$/,
      );
      assert.equal(closed.byCaller, false);
      const outcome = await pending;
      assert.equal(outcome.kind, 'closed');
      if (outcome.kind === 'closed') assert.equal(outcome.reason, closed.reason);
      const lines = listener.linesSince({ seq: 0, at: 0 }).lines;
      assert.deepEqual(
        lines.map((line) => [line.text, line.crlf]),
        [
          [ac(4, 1, 'EREQ'), false],
          [ac(4, 1, 'ERSO'), true],
        ],
      );
      assert.equal(listener.stats().bareLf, 1);
      const after = await listener.waitFor(() => true, { after: listener.mark(), timeoutMs: 10_000 });
      assert.equal(after.kind, 'closed', 'a wait after the close answers at once');
    } finally {
      await listener.close();
      await server.close();
    }
  });

  test('one line of 10 MiB: never held beyond the line cap, counted, and the next line is found', async () => {
    const size = 10 * 1024 * 1024;
    const piece = Buffer.alloc(64 * 1024, 0x41);
    const server = await tiny((socket) => {
      void writeAll(socket, [
        ...Array.from({ length: size / piece.length }, () => piece),
        `\r\n${ac(4, 101337, 'NOOP')}\r\n`,
      ]);
    });
    const listener = await LogListener.connect({ host: '127.0.0.1', port: server.port });
    let maxPending = 0;
    const sampler = setInterval(() => {
      maxPending = Math.max(maxPending, listener.stats().pendingBytes);
    }, 1);
    try {
      const found = await listener.waitFor(isText(ac(4, 101337, 'NOOP')), {
        after: { seq: 0, at: 0 },
        timeoutMs: 30_000,
      });
      assert.equal(found.kind, 'found');
      const stats = listener.stats();
      assert.equal(stats.overlong, 1);
      assert.ok(stats.longestLine >= size, `longest ${stats.longestLine}`);
      assert.equal(stats.lines, 1, 'only the real line was kept');
      assert.ok(maxPending <= MAX_LINE_BYTES + 1, `held ${maxPending} bytes at most`);
    } finally {
      clearInterval(sampler);
      await listener.close();
      await server.close();
    }
  });

  test('a flood: the history keeps its bounds, counts what it evicted, and the last line is still found', async () => {
    const count = 60_000;
    const server = await tiny((socket) => {
      const batch = (from: number) =>
        Array.from(
          { length: 1000 },
          (_, i) => `${ac(((from + i) % 2000) + 1, from + i + 1, 'NOOP')}\r\n`,
        ).join('');
      void writeAll(socket, [...Array.from({ length: count / 1000 }, (_, b) => batch(b * 1000)), 'END\r\n']);
    });
    const listener = await LogListener.connect({ host: '127.0.0.1', port: server.port });
    try {
      const start = { seq: 0, at: 0 };
      const end = await listener.waitFor(isText('END'), { after: start, timeoutMs: 30_000 });
      assert.equal(end.kind, 'found');
      const stats = listener.stats();
      assert.equal(stats.lines, count + 1);
      assert.equal(stats.kept, MAX_KEPT_LINES);
      assert.ok(stats.keptBytes <= MAX_KEPT_BYTES);
      assert.equal(stats.evicted, count + 1 - MAX_KEPT_LINES);
      const since = listener.linesSince(start);
      assert.equal(since.missed, stats.evicted, 'what is no longer kept is counted, not silently lost');
      assert.equal(since.lines.length, MAX_KEPT_LINES);
    } finally {
      await listener.close();
      await server.close();
    }
  });

  test('a flood of long lines: the kept characters stay within 1 MiB', async () => {
    const line = `AC,4,101337,${'Z'.repeat(4000)}\r\n`;
    const server = await tiny((socket) => {
      void writeAll(socket, [...Array.from({ length: 2000 }, () => line), 'END\r\n']);
    });
    const listener = await LogListener.connect({ host: '127.0.0.1', port: server.port });
    try {
      assert.equal(
        (await listener.waitFor(isText('END'), { after: { seq: 0, at: 0 }, timeoutMs: 30_000 })).kind,
        'found',
      );
      const stats = listener.stats();
      assert.ok(stats.keptBytes <= MAX_KEPT_BYTES, JSON.stringify(stats));
      assert.ok(stats.kept < 300 && stats.evicted > 1700, JSON.stringify(stats));
    } finally {
      await listener.close();
      await server.close();
    }
  });

  test('a close mid-line (a reset): pending waits end as closed with the reason', async () => {
    let peer: Socket | undefined;
    const server = await tiny((socket) => {
      peer = socket;
      socket.write(`${ac(4, 1, 'EREQ')}\r\nAC,4,1,ER`);
    });
    const listener = await LogListener.connect({ host: '127.0.0.1', port: server.port });
    try {
      const mark = { seq: 0, at: 0 };
      assert.equal(
        (await listener.waitFor(isText(ac(4, 1, 'EREQ')), { after: mark, timeoutMs: 5_000 })).kind,
        'found',
      );
      const pending = listener.waitFor(isText(ac(4, 1, 'ERSO')), { after: mark, timeoutMs: 60_000 });
      peer?.resetAndDestroy();
      const outcome = await pending;
      assert.equal(outcome.kind, 'closed');
      if (outcome.kind === 'closed')
        assert.match(
          outcome.reason,
          /^(connection reset by the peer|the Log Publisher closed the connection); 9 bytes after the last line end were never ended by CRLF$/,
        );
      assert.equal(listener.closed?.reason, outcome.kind === 'closed' ? outcome.reason : '');
    } finally {
      await listener.close();
      await server.close();
    }
  });

  test('closed by the caller: said so', async () => {
    const server = await tiny(() => {});
    const listener = await LogListener.connect({ host: '127.0.0.1', port: server.port });
    const pending = listener.waitFor(() => true, { after: listener.mark(), timeoutMs: 60_000 });
    const closed = await listener.close();
    assert.deepEqual([closed.reason, closed.byCaller], ['closed by the harness', true]);
    assert.equal((await pending).kind, 'closed');
    await server.close();
  });
});

describe('the Log Publisher listener: connecting', () => {
  test('nothing listening: LogPublisherUnreachable, connection refused', async () => {
    const server = await tiny(() => {});
    const { port } = server;
    await server.close();
    await assert.rejects(
      LogListener.connect({ host: '127.0.0.1', port }),
      (error: unknown) =>
        error instanceof LogPublisherUnreachable &&
        error.message === `the Log Publisher at 127.0.0.1:${port}: connection refused: nothing listens there`,
    );
  });

  test('no answer within the connect timeout (a dial that never connects): said so', async () => {
    let aborted = false;
    await assert.rejects(
      LogListener.connect({
        host: 'controller',
        port: 44001,
        connectTimeoutMs: 20,
        dial: ({ signal }) =>
          new Promise((_resolve, reject) => {
            signal.addEventListener('abort', () => {
              aborted = true;
              reject(signal.reason);
            });
          }),
      }),
      /^LogPublisherUnreachable: the Log Publisher at controller:44001: no connection within 20 ms$/,
    );
    assert.ok(aborted, 'the dial was told to give up');
  });

  test('the transport seam (TLS later): any duplex stream the dial returns is read the same way', async () => {
    const wire = new PassThrough();
    const listener = await LogListener.connect({
      host: 'tls-controller',
      port: 44001,
      dial: async () => wire,
    });
    const mark = listener.mark();
    wire.write(`${ac(4, 101337, 'NOOP')}\r\n`);
    const found = await listener.waitFor(isText(ac(4, 101337, 'NOOP')), { after: mark, timeoutMs: 5_000 });
    assert.equal(found.kind, 'found');
    wire.end();
    assert.equal((await listener.whenClosed).reason, 'the Log Publisher closed the connection');
  });
});
