// Slow clients: connections that stay silent, trickle their headers or their body, or idle after a call do
// not block anyone else; the listener's limits for headers, the whole request and idle connections are set
// (10 s, 30 s, 5 s) and cut such clients off with 408. The cut-off is watched with the limits shortened on the
// same listener, so that the test does not wait 30 s; docs/reliability.md has the times at the real limits.

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { NO_DEVIATIONS } from '../emulator/deviations.ts';
import {
  createEmulatorServer,
  HEADERS_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
} from '../emulator/server.ts';
import { loadSite } from '../emulator/site.ts';
import { SiteStore } from '../emulator/store.ts';
import { measureSlowClients, type SlowClientFigures } from './hostile/emulator-figures.ts';

const SHORTENED = { headersTimeout: 1_000, requestTimeout: 2_000, keepAliveTimeout: 500 };

describe('slow clients', () => {
  let meanwhile: SlowClientFigures;
  let figures: SlowClientFigures;

  before(async () => {
    // At the real limits: the calls are done long before any slow client could be cut off.
    meanwhile = await measureSlowClients({ perKind: 10, calls: 200, waitForCutOff: false });
    // At shortened limits, waiting for every slow client to be cut off.
    figures = await measureSlowClients({ perKind: 5, calls: 20, shortened: SHORTENED });
  });

  it('the listener sets a headers timeout (10 s), a request timeout (30 s) and an idle timeout (5 s)', async () => {
    assert.deepEqual(
      [HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS],
      [10_000, 30_000, 5_000],
    );
    const server = createEmulatorServer({
      store: new SiteStore(await loadSite(undefined)),
      deviations: NO_DEVIATIONS,
      rig: false,
    });
    assert.equal(server.headersTimeout, HEADERS_TIMEOUT_MS);
    assert.equal(server.requestTimeout, REQUEST_TIMEOUT_MS);
    assert.equal(server.keepAliveTimeout, KEEP_ALIVE_TIMEOUT_MS);
  });

  it('40 slow connections block no one: 200 calls meanwhile, all answered correctly', () => {
    assert.equal(meanwhile.slowClients, 40);
    assert.deepEqual(meanwhile.answersMeanwhile, { '200 fault 1152': 200 });
    assert.equal(
      meanwhile.slowStillOpen,
      30,
      'the slow clients were still connected when the calls were done',
    );
    assert.deepEqual(figures.answersMeanwhile, { '200 fault 1152': 20 }, 'at the shortened limits too');
  });

  it('silent and header-trickling clients are cut off with 408 once the headers timeout passes', () => {
    for (const kind of ['silent after connecting', 'trickles its headers']) {
      const cut = figures.cutOff[kind];
      assert.equal(cut?.told, 'HTTP/1.1 408 Request Timeout', kind);
      assert.ok((cut?.afterMs ?? 0) >= SHORTENED.headersTimeout, `${kind}: ${cut?.afterMs} ms`);
    }
  });

  it('a body-trickling client is cut off with 408 once the request timeout passes', () => {
    const cut = figures.cutOff['trickles its body'];
    assert.equal(cut?.told, 'HTTP/1.1 408 Request Timeout');
    assert.ok((cut?.afterMs ?? 0) >= SHORTENED.requestTimeout, `${cut?.afterMs} ms`);
  });

  it('an idle keep-alive connection is closed after the idle timeout', () => {
    const cut = figures.cutOff['idle keep-alive after a call'];
    assert.ok((cut?.afterMs ?? 0) >= SHORTENED.keepAliveTimeout, `${cut?.afterMs} ms`);
  });
});
