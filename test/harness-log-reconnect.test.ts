// A Log Publisher may close a client's connection (one that closes idle clients, or restarts). The scenario that starts
// after it connects again (logStream with renew), at most MAX_RECONNECTS times a run, and says so once; a scenario that
// is not starting keeps the connection it has, closed or not (its marks are that connection's).
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { LogListener } from '../support/log-publisher/listener.ts';
import {
  closeLogStream,
  type LogPublisherConfig,
  logStream,
  MAX_RECONNECTS,
  takeReconnection,
} from '../support/log-publisher/stream.ts';

const servers: Server[] = [];
after(async () => {
  await closeLogStream();
  for (const server of servers) server.close();
});

/** A Log Publisher that sends each new client one line, then closes it when `closeAfterLine` says so. */
async function publisher(closeAfterLine: (connection: number) => boolean) {
  let connections = 0;
  const server = createServer((socket: Socket) => {
    const connection = ++connections;
    socket.on('error', () => {});
    socket.write(`AC,${connection},1,NOOP\r\n`);
    if (closeAfterLine(connection)) socket.end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const config: LogPublisherConfig = { host: '127.0.0.1', port, expectMs: 500, quietMs: 0 };
  return { config, connections: () => connections };
}

function listenerOf(found: unknown): LogListener {
  assert.ok(found instanceof LogListener, `no connection: ${JSON.stringify(found)}`);
  return found;
}

describe('a Log Publisher that closed the connection', () => {
  it('is connected to again by the next scenario to start, which says so once; others keep what they have', async () => {
    await closeLogStream();
    const { config, connections } = await publisher((n) => n === 1);
    const first = listenerOf(await logStream(config, { renew: true }));
    await first.whenClosed;
    assert.equal(takeReconnection(), undefined, 'nothing made again yet');
    assert.equal(await logStream(config), first, 'not a scenario start: the same, closed, connection');
    const second = listenerOf(await logStream(config, { renew: true }));
    assert.notEqual(second, first);
    assert.equal(second.closed, undefined);
    assert.equal(connections(), 2);
    assert.match(takeReconnection() ?? '', /had closed the connection .* connected again \(1 of at most/);
    assert.equal(takeReconnection(), undefined, 'said once');
    const waited = await second.waitFor((line) => line.text === 'AC,2,1,NOOP', {
      after: { seq: 0, at: 0 },
      timeoutMs: 2_000,
    });
    assert.equal(waited.kind, 'found', 'the new connection is read');
    assert.equal(await logStream(config, { renew: true }), second, 'an open connection is kept');
    await closeLogStream();
  });

  it('one that was away when connected to again (restarting) is tried again by the next scenario', async () => {
    await closeLogStream();
    const { config } = await publisher((n) => n === 1);
    const first = listenerOf(await logStream(config, { renew: true }));
    await first.whenClosed;
    const server = servers.at(-1);
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    const away = await logStream(config, { renew: true });
    assert.ok(!(away instanceof LogListener), 'nothing listens while it restarts');
    takeReconnection();
    const again = createServer((socket: Socket) => {
      socket.on('error', () => {});
      socket.write('AC,9,1,NOOP\r\n');
    });
    servers.push(again);
    await new Promise<void>((resolve) => again.listen(config.port, '127.0.0.1', resolve));
    const back = listenerOf(await logStream(config, { renew: true }));
    assert.equal(back.closed, undefined);
    assert.match(takeReconnection() ?? '', /connected again \(2 of at most/);
    await closeLogStream();
  });

  it('one that closes every connection is connected to at most MAX_RECONNECTS times a run, then left closed', async () => {
    await closeLogStream();
    const { config, connections } = await publisher(() => true);
    for (let i = 0; i < MAX_RECONNECTS + 5; i++) {
      const listener = listenerOf(await logStream(config, { renew: true }));
      await listener.whenClosed;
    }
    assert.equal(connections(), MAX_RECONNECTS + 1);
    const last = listenerOf(await logStream(config, { renew: true }));
    assert.ok(last.closed, 'left closed: its scenarios are INCONCLUSIVE, saying why');
    await closeLogStream();
    const fresh = listenerOf(await logStream(config, { renew: true }));
    assert.equal(connections(), MAX_RECONNECTS + 2, 'a new run starts its count again');
    await fresh.whenClosed;
    await closeLogStream();
  });
});
