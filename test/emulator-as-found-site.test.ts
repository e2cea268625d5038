// The as-found site (emulator/sites/as-found.json) and what deviations need to show (emulator/deviations.ts):
// the site loads, holds a port of every kind as-found.md's table names, and meets every need a site as found
// can meet; every deviation declares its needs in the closed vocabulary.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  ALL_NEEDS,
  CHANGE_NEEDS,
  DEVIATIONS,
  type Need,
  unmetNeeds,
  WITHOUT_STREAM,
} from '../emulator/deviations.ts';
import { startEmulator } from '../emulator/index.ts';
import { AS_FOUND_SITE_FILE, loadSite } from '../emulator/site.ts';
import { ACTIVE_CASE_STATES, PORT_MODES, PORT_TYPES, type PortState } from '../emulator/types.ts';
import { outcome, post, XML, xmlCall } from './helpers/emulator-http.ts';

const AS_FOUND_SITE = fileURLToPath(AS_FOUND_SITE_FILE);

const ports = (await loadSite(AS_FOUND_SITE)).ports;
const all = [...ports.entries()];
const find = (test: (port: PortState, id: number) => boolean) => all.filter(([id, port]) => test(port, id));
const openAc = (port: PortState) => port.type === 'AC' && port.mode === 'OPEN';

describe('the as-found site', () => {
  test('loads, and holds a port of every type and an AutoCase port in every mode', () => {
    for (const type of PORT_TYPES) assert.ok(find((p) => p.type === type).length > 0, `a ${type} port`);
    for (const mode of PORT_MODES)
      assert.ok(find((p) => p.type === 'AC' && p.mode === mode).length > 0, `an AC port ${mode}`);
    assert.ok(find((p) => p.type !== 'AC' && p.mode !== 'OPEN').length > 0, 'a non-AC port not OPEN');
    assert.ok(find((p) => p.type === 'VE' && p.mode === 'OPEN' && p.selected_bin !== null).length > 0);
  });

  test('OPEN AutoCase ports: no bin, another bin while active, and each inactive state with its bin', () => {
    assert.ok(find((p) => openAc(p) && p.selected_bin === null).length > 0, 'OPEN, no bin');
    assert.ok(
      find(
        (p) =>
          openAc(p) && p.selected_bin !== null && p.case_error && ACTIVE_CASE_STATES.includes(p.case_state),
      ).length > 0,
      'OPEN, a bin, active in error',
    );
    for (const state of ['NOOP', 'ECMP', 'ICMP'])
      assert.ok(
        find((p) => openAc(p) && p.selected_bin !== null && p.case_state === state).length > 0,
        state,
      );
  });

  test('port 4, the bounds, a high port and an absent one stand so that the literal calls are probes', () => {
    const four = ports.get(4);
    assert.ok(four && openAc(four) && four.selected_bin !== null && four.selected_bin !== 101337);
    assert.ok(ports.has(1) && ports.has(2000));
    assert.ok(find((_, id) => id >= 1025 && id <= 1999).length > 0);
    assert.ok(!ports.has(3) && !ports.has(5));
    // No AutoCase port could let the vendor's sample bin succeed: it is never the selected bin of an OPEN one.
    assert.deepEqual(
      find((p) => openAc(p) && p.selected_bin === 101337),
      [],
    );
  });

  test('meets every need a site as found can meet', () => {
    const unmet = ALL_NEEDS.filter(
      (need) => !CHANGE_NEEDS.has(need) && !WITHOUT_STREAM.has(need) && unmetNeeds([need], ports).length > 0,
    );
    assert.deepEqual(unmet, []);
    assert.deepEqual(unmetNeeds(['success', 'error-flag'], ports), ['success', 'error-flag']);
    // The selftest's run without a rig reads no Log Publisher: a deviation only the stream shows is not counted.
    assert.deepEqual(unmetNeeds(['log-publisher'], ports), ['log-publisher']);
  });

  test('served with no rig: the bound and literal calls are faults, and nothing moves', async () => {
    const emulator = await startEmulator({ port: 0, rig: false, site: AS_FOUND_SITE });
    try {
      const before = emulator.snapshot();
      for (const [port, bin] of [
        ['1', '101337'],
        ['2000', '101337'],
        ['4', '101337'],
        ['1', '1'],
        ['2000', '4000000'],
        ['4', '1'],
        ['4', '4000000'],
        ['+4', '101337'],
      ] as const) {
        const reply = await post(
          emulator.taskUrl,
          xmlCall('case_cancel', [
            ['port_id', port],
            ['bin_id', bin],
          ]),
          XML,
        );
        const answer = outcome(reply);
        assert.ok(typeof answer === 'number' && ![1004, 1010].includes(answer), `${port}/${bin}: ${answer}`);
      }
      assert.deepEqual(emulator.snapshot(), before);
    } finally {
      await emulator.close();
    }
  });
});

describe('what each deviation needs to show', () => {
  const vocabulary: ReadonlySet<string> = new Set(ALL_NEEDS);

  test('every deviation declares its needs, in the vocabulary', () => {
    for (const deviation of DEVIATIONS) {
      const needs: readonly Need[] = deviation.needs;
      assert.ok(needs.length > 0, `${deviation.name} declares no needs`);
      for (const need of needs) assert.ok(vocabulary.has(need), `${deviation.name}: ${need}`);
    }
  });

  test('every parameter, envelope and robustness deviation shows as found, but the two that need a success', () => {
    const wire = /^(PARAM|ENV|HTTP|REQ|ROB)-/;
    const needSuccess = DEVIATIONS.filter(
      (d) => d.breaks.every((id) => wire.test(id)) && unmetNeeds(d.needs, ports).length > 0,
    ).map((d) => d.name);
    // Both misbehave only in an empty success answer, which only a successful case_cancel produces.
    assert.deepEqual(needSuccess.sort(), ['json-params-null', 'xml-no-params']);
  });

  test('a deviation that only shows on a success says so', () => {
    for (const deviation of DEVIATIONS.filter((d) => d.name.startsWith('success-')))
      assert.deepEqual(deviation.needs, ['success'], deviation.name);
  });
});
