// The site configuration: the default site, validation with one line naming the file and the field.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { startEmulator } from '../emulator/index.ts';
import { loadSite, SiteConfigError } from '../emulator/site.ts';
import { outcome, post, RigClient, XML, xmlCall } from './helpers/emulator-http.ts';

const directory = mkdtempSync(join(tmpdir(), 'emulator-site-'));

function siteFile(name: string, content: unknown): string {
  const path = join(directory, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const GOOD_PORT = {
  port_id: 4,
  type: 'AC',
  mode: 'OPEN',
  selected_bin: 101337,
  case_state: 'ERSO',
  case_error: true,
};

describe('the default site', () => {
  test('has the vendor sample on port 4 and valid illustrative ports', async () => {
    const site = await loadSite(undefined);
    assert.deepEqual(site.ports.get(4), {
      type: 'AC',
      mode: 'OPEN',
      selected_bin: 101337,
      case_state: 'ERSO',
      case_error: true,
    });
    const types = [...site.ports.values()].map((port) => port.type);
    assert.ok(types.includes('CO'), 'a conveyor port');
    assert.ok([...site.ports.values()].some((port) => port.type === 'AC' && port.mode === 'CLOSED'));
    assert.equal(site.bins, undefined);
  });
});

describe('site files', () => {
  test('optional fields default: selected_bin null, case_state NOOP, case_error false; bins read', async () => {
    const path = siteFile('minimal.json', {
      ports: [{ port_id: 9, type: 'CO', mode: 'CLOSED' }],
      bins: [1, 101337],
    });
    const site = await loadSite(path);
    assert.deepEqual(site.ports.get(9), {
      type: 'CO',
      mode: 'CLOSED',
      selected_bin: null,
      case_state: 'NOOP',
      case_error: false,
    });
    assert.deepEqual([...(site.bins ?? [])], [1, 101337]);
  });

  test('a site file drives the emulator', async () => {
    const path = siteFile('one.json', { ports: [{ ...GOOD_PORT, port_id: 77, selected_bin: 5 }] });
    const emulator = await startEmulator({ port: 0, site: path });
    try {
      const call = (port: string, bin: string) =>
        post(
          emulator.taskUrl,
          xmlCall('case_cancel', [
            ['port_id', port],
            ['bin_id', bin],
          ]),
          XML,
        );
      assert.equal(outcome(await call('4', '101337')), 1000);
      assert.equal(outcome(await call('77', '5')), 'success');
      await new RigClient(emulator.rigUrl ?? '').reset();
      assert.equal(outcome(await call('77', '5')), 'success', 'reset returns to the file');
    } finally {
      await emulator.close();
    }
  });

  test('a configuration object works as well', async () => {
    const emulator = await startEmulator({
      port: 0,
      site: {
        ports: [
          { port_id: 3, type: 'AC', mode: 'OPEN', selected_bin: 8, case_state: 'EREQ', case_error: true },
        ],
      },
    });
    try {
      const reply = await post(
        emulator.taskUrl,
        xmlCall('case_cancel', [
          ['port_id', '3'],
          ['bin_id', '8'],
        ]),
        XML,
      );
      assert.equal(outcome(reply), 'success');
    } finally {
      await emulator.close();
    }
  });

  const bad: readonly [string, unknown, string, RegExp][] = [
    [
      'bad-mode.json',
      { ports: [GOOD_PORT, { ...GOOD_PORT, port_id: 5 }, { ...GOOD_PORT, port_id: 6, mode: 'OPN' }] },
      'ports[2].mode',
      /"OPN" is not one of CLOSED, OPEN/,
    ],
    [
      'duplicate.json',
      { ports: [GOOD_PORT, { ...GOOD_PORT }] },
      'ports[1].port_id',
      /duplicate port_id 4 \(also ports\[0\]\)/,
    ],
    ['no-type.json', { ports: [{ port_id: 4, mode: 'OPEN' }] }, 'ports[0].type', /is missing/],
    ['no-port-id.json', { ports: [{ type: 'AC', mode: 'OPEN' }] }, 'ports[0].port_id', /is missing/],
    [
      'port-range.json',
      { ports: [{ ...GOOD_PORT, port_id: 2001 }] },
      'ports[0].port_id',
      /2001 is outside 1-2000/,
    ],
    [
      'port-type.json',
      { ports: [{ ...GOOD_PORT, port_id: '4' }] },
      'ports[0].port_id',
      /"4" is not an integer/,
    ],
    [
      'bin-range.json',
      { ports: [{ ...GOOD_PORT, selected_bin: 0 }] },
      'ports[0].selected_bin',
      /outside 1-4000000/,
    ],
    [
      'state.json',
      { ports: [{ ...GOOD_PORT, case_state: 'DONE' }] },
      'ports[0].case_state',
      /"DONE" is not one of/,
    ],
    [
      'error.json',
      { ports: [{ ...GOOD_PORT, case_error: 1 }] },
      'ports[0].case_error',
      /is not true or false/,
    ],
    ['unknown-field.json', { ports: [{ ...GOOD_PORT, colour: 'red' }] }, 'ports[0].colour', /unknown field/],
    ['unknown-top.json', { ports: [], port: [] }, 'port', /unknown field/],
    ['no-ports.json', { bins: [] }, 'ports', /is missing or not a list/],
    ['port-not-object.json', { ports: [4] }, 'ports[0]', /is not a JSON object/],
    ['bins.json', { ports: [], bins: [1, 0] }, 'bins[1]', /outside 1-4000000/],
    ['root.json', [], '(root)', /is not a JSON object/],
  ];
  for (const [name, content, field, problem] of bad) {
    test(`${name}: one line naming the file, ${field} and the problem`, async () => {
      const path = siteFile(name, content);
      await assert.rejects(loadSite(path), (error: unknown) => {
        assert.ok(error instanceof SiteConfigError);
        assert.ok(!error.message.includes('\n'), 'one line');
        assert.ok(error.message.startsWith(`site file ${path}: ${field}: `), error.message);
        assert.match(error.message, problem);
        return true;
      });
    });
  }

  test('not JSON, or no such file: one line naming the file', async () => {
    const broken = siteFile('broken.json', '{"ports": [');
    await assert.rejects(loadSite(broken), /^SiteConfigError: site file .*broken\.json: not valid JSON: /);
    await assert.rejects(
      loadSite(join(directory, 'absent.json')),
      /site file .*absent\.json: cannot be read \(ENOENT\)/,
    );
  });

  test('startEmulator rejects a bad site and listens on nothing', async () => {
    await assert.rejects(
      startEmulator({ port: 0, site: siteFile('bad2.json', { ports: [{ ...GOOD_PORT, type: 'ZZ' }] }) }),
      /ports\[0\]\.type/,
    );
    await assert.rejects(
      startEmulator({ port: 0, site: { ports: [{ port_id: 0, type: 'AC', mode: 'OPEN' }] } }),
      /^SiteConfigError: site config: ports\[0\]\.port_id/,
    );
  });
});
