// The conforming proxy of test/e2e/conforming-variants.test.ts words each answer as its variants say: were it to
// pass the emulator's wording through, that e2e test would prove nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, startEmulator } from '../emulator/index.ts';
import {
  type ConformingProxy,
  rewordXml,
  startConformingProxy,
  WORDED_AND_CHUNKED,
} from './helpers/conforming-proxy.ts';
import { jsonCall, post, send, xmlCall } from './helpers/emulator-http.ts';

const CANCEL = [
  ['port_id', '4'],
  ['bin_id', '101337'],
] as const;

describe('the conforming proxy', () => {
  let emulator: RunningEmulator;
  let proxy: ConformingProxy;

  before(async () => {
    emulator = await startEmulator({ host: '127.0.0.1', port: 0, rigToken: 't' });
    // the e2e test's first run's wording, its connections kept (this file counts none), 413 early as the second's
    const { idleCloseMs: _closesIdle, ...worded } = WORDED_AND_CHUNKED;
    proxy = await startConformingProxy(new URL(emulator.taskUrl).origin, { ...worded, earlyOversize: true });
  });

  after(async () => {
    await proxy.close();
    await emulator.close();
  });

  it('words an XML success with its declaration, tabs, CRLF and a pair of tags, chunked', async () => {
    const reply = await post(proxy.taskUrl, xmlCall('case_cancel', CANCEL), 'application/xml');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'application/xml;charset=UTF-8');
    assert.equal(reply.headers['transfer-encoding'], 'chunked');
    assert.equal(reply.headers.server, 'OtherVendor-TI/3.2');
    assert.equal(
      reply.body,
      "<?xml version='1.0' encoding='utf-8' standalone='yes'?>\r\n<response>\r\n\t<params></params>\r\n</response>\r\n",
    );
  });

  it('words a JSON answer pretty-printed, its keys reversed', async () => {
    const reply = await post(
      proxy.taskUrl,
      jsonCall('getportstatus', [['port_id', '4']]),
      'application/json',
    );
    assert.equal(reply.headers['content-type'], 'Application/JSON');
    assert.match(reply.body, /^\{\r\n {2}"params": \{\r\n {4}"selected_bin": 101337,\r\n/);
  });

  it('refuses with another fitting status and a JSON explanation; 413 on the headers alone', async () => {
    const verb = await send(proxy.taskUrl, { method: 'GET' });
    assert.equal(verb.status, 404);
    assert.equal(verb.headers['content-type'], 'application/json');
    assert.match(verb.body, /^\{"error":"GET is not allowed/);
    const oversize = await post(proxy.taskUrl, Buffer.alloc(2 * 1024 * 1024, 0x20), 'application/xml');
    assert.equal(oversize.status, 413);
    assert.equal(oversize.headers.connection, 'close');
  });

  it('lays out compact XML with nothing between the elements, and a fault code on its element line', () => {
    const fault =
      '<?xml version="1.0"?>\n<response>\n  <fault>\n    <code>1152</code>\n  </fault>\n</response>\n';
    assert.equal(
      rewordXml(fault, { xmlLayout: 'compact' }),
      '<?xml version="1.0"?><response><fault><code>1152</code></fault></response>',
    );
    assert.equal(rewordXml(fault, { xmlLayout: { indent: ' ' } }), fault.replace(/ {2}/g, ' '));
  });
});
