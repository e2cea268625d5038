// A target that closes a kept-alive connection as a call goes out on it (RFC 9112, 9.3.1) is not a dropped call:
// the harness sends it again on a new connection; a target that drops the call there too is still caught.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { TargetConfig } from '../support/model.ts';
import { closeClient } from '../support/wire/exchange.ts';
import { sendRaw } from '../support/wire/raw-request.ts';

const ANSWER =
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok';

/**
 * A server that answers the first request on each connection and closes the connection, unanswered, when another
 * comes on it: what a client meets when the server's idle close crosses its call. `dropAll`: the first too, after
 * the very first connection (a server that drops calls, whatever the connection).
 */
async function closingServer(dropAll: boolean) {
  let connectionsSeen = 0;
  let answered = 0;
  const server = net.createServer((socket) => {
    const connection = ++connectionsSeen;
    let requests = 0;
    let pending = '';
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      for (;;) {
        const head = pending.indexOf('\r\n\r\n');
        if (head < 0) return;
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(pending.slice(0, head))?.[1] ?? 0);
        if (pending.length < head + 4 + length) return;
        pending = pending.slice(head + 4 + length);
        requests++;
        if (requests > 1 || (dropAll && connection > 1)) {
          socket.destroy();
          return;
        }
        answered++;
        socket.write(ANSWER);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/api/v2/task`,
    connections: () => connectionsSeen,
    answered: () => answered,
  };
}

/** A call as the harness sends one: a POST with a body, which undici never sends again by itself. */
const CALL = { body: '{"method": "case_cancel", "params": {"port_id": 4, "bin_id": 101337}}' };

/** Lets undici put the first call's connection back among its idle ones, where the next call finds it. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

function target(url: string): TargetConfig {
  return { taskUrl: url, timeoutMs: 5_000, maxResponseBytes: 1 << 20 };
}

describe('a kept-alive connection the target closes as the call goes out', () => {
  const servers: net.Server[] = [];
  before(() => closeClient());
  after(async () => {
    await closeClient();
    for (const server of servers) server.close();
  });
  /** A closing server of its own, met by a client with no connection kept from an earlier test. */
  const closingServerFor = async (dropAll: boolean) => {
    await closeClient();
    const closing = await closingServer(dropAll);
    servers.push(closing.server);
    return closing;
  };

  it('the call goes again on a new connection, and the evidence says why', async () => {
    const closing = await closingServerFor(false);
    const first = await sendRaw(target(closing.url), CALL);
    assert.equal(first.response?.status, 200, first.error);
    assert.equal(first.resent, undefined);
    await settle();
    const second = await sendRaw(target(closing.url), CALL);
    assert.equal(second.error, undefined);
    assert.equal(second.response?.status, 200);
    assert.match(second.resent ?? '', /^sent again on a new connection: .*kept-alive connection.*closed/);
    assert.equal(closing.connections(), 2);
    assert.equal(closing.answered(), 2);
  });

  it('a call dropped on a new connection too is a dropped call, sent twice at most', async () => {
    const dropping = await closingServerFor(true);
    await sendRaw(target(dropping.url), CALL);
    await settle();
    const dropped = await sendRaw(target(dropping.url), CALL);
    assert.equal(dropped.response, undefined);
    assert.equal(dropped.failure, 'reset');
    assert.match(dropped.error ?? '', /connection closed by 127\.0\.0\.1:\d+ without an answer/);
    assert.match(dropped.resent ?? '', /^sent again on a new connection/);
    assert.equal(dropping.connections(), 2);
  });

  it('calls side by side, as discovery makes them: each one that met a kept-alive close goes again', async () => {
    const closing = await closingServerFor(false);
    const calls = (count: number) =>
      Promise.all(Array.from({ length: count }, () => sendRaw(target(closing.url), CALL)));
    await calls(4); // four connections, each answered once and kept alive
    await settle();
    // four calls go out on those (closed as they arrive), four more open connections of their own meanwhile
    const side = await calls(8);
    assert.deepEqual(
      side.map((exchange) => exchange.response?.status ?? exchange.error),
      Array(8).fill(200),
    );
    const resent = side.filter((exchange) => exchange.resent !== undefined).length;
    assert.ok(
      resent >= 1 && resent <= 4,
      `${resent} sent again: only those that went out on a kept-alive connection`,
    );
  });

  it('a call dropped on a connection of its own is not sent again', async () => {
    const dropping = await closingServerFor(true);
    // the first connection is answered once; then a fresh agent opens a new one, which drops
    await sendRaw(target(dropping.url), CALL);
    await closeClient();
    const dropped = await sendRaw(target(dropping.url), CALL);
    assert.equal(dropped.failure, 'reset');
    assert.equal(dropped.resent, undefined);
    assert.equal(dropping.connections(), 2);
  });
});
