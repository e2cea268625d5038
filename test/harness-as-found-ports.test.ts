// As found, the run uses only the ports discovery reads (docs/spec/as-found.md: "the ports it may use: those the
// profile lists, or, with no profile, a range it scans"): a port outside them is treated as an excluded one, never
// read and never called, whatever a scenario's call names. Against an emulator in this process with no rig, whose
// own record of calls shows what reached it; and the fuzz properties' site, which draws only ids the run may use.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type RecordedCall, type RunningEmulator, startEmulator } from '../emulator/index.ts';
import { FoundSite, refusedPorts } from '../support/fuzz/as-found.ts';
import type { ParamValue, PortState, TargetConfig } from '../support/model.ts';
import { NEEDS_ERROR_FLAG } from '../support/site/as-found.ts';
import { AsFoundPlayer, type CallShape, type Plan } from '../support/site/as-found-player.ts';
import { discoverSite, rangeSource } from '../support/site/discover.ts';
import { parsePortList } from '../support/site/port-list.ts';
import type { SiteMap, SiteSource } from '../support/site/site-map.ts';
import { closeClient } from '../support/wire/exchange.ts';
import { LISTED, LISTED_PORTS_SITE } from './helpers/listed-ports-site.ts';

const SITE = LISTED_PORTS_SITE;
const ERSO_IN_ERROR: PortState = {
  type: 'AC',
  mode: 'OPEN',
  selected_bin: 101337,
  case_state: 'ERSO',
  case_error: true,
};

let emulator: RunningEmulator;
const recorded: RecordedCall[] = [];
let target: TargetConfig;

before(async () => {
  emulator = await startEmulator({ port: 0, rig: false, site: SITE, record: (c) => recorded.push(c) });
  target = { taskUrl: emulator.taskUrl, timeoutMs: 10_000, maxResponseBytes: 1024 * 1024 };
});
after(async () => {
  await emulator.close();
  await closeClient();
});

/** The port ids the emulator was called on since `from` (its record shows `port_id=N bin_id=M`). */
function portsCalled(from: number): number[] {
  const ids = recorded.slice(from).flatMap((call) => {
    if (call.input.kind !== 'call') return [];
    const id = /^port_id=(\S+)/.exec(call.input.params)?.[1];
    return id === undefined ? [] : [Number(id)];
  });
  return [...new Set(ids)].sort((a, b) => a - b);
}

async function siteOf(source: SiteSource, excluded: readonly number[] = []): Promise<SiteMap> {
  return discoverSite(target, source, { excluded });
}

function cancel(params: Record<string, ParamValue>, encoding: 'XML' | 'JSON' = 'XML'): CallShape {
  return { kind: 'cancel', params, encoding, form: false };
}

function played(plan: Plan): Extract<Plan, { kind: 'played' }> {
  assert.equal(plan.kind, 'played', plan.kind === 'unreachable' ? plan.reason : '');
  return plan as Extract<Plan, { kind: 'played' }>;
}

describe('as found with a profile that lists the ports: no other port is read or called', () => {
  let player: AsFoundPlayer;
  let from: number;
  before(() => {
    from = recorded.length;
  });
  // Each test on a site read afresh: what one test read does not hide what another reads.
  beforeEach(async () => {
    player = new AsFoundPlayer(target, await siteOf({ kind: 'profile', ports: LISTED }), () => {});
  });
  after(() => {
    assert.deepEqual(
      portsCalled(from).filter((id) => !LISTED.includes(id)),
      [],
      'a port the profile does not list was called',
    );
  });

  it('a parameter fault on the scenario port 4 plays on a listed AutoCase port, without reading port 4', async () => {
    const start = recorded.length;
    const plan = played(await player.plan(new Map([[4, ERSO_IN_ERROR]]), cancel({ port_id: 4, bin_id: 0 })));
    const port = plan.ports.get(4)?.port as number;
    assert.ok(LISTED.includes(port), `played by port ${port}`);
    assert.deepEqual(portsCalled(start), [port]);
  });

  it('a call that turns on the error flag is INCONCLUSIVE for that reason, and port 4 is not read', async () => {
    const start = recorded.length;
    const plan = await player.plan(new Map([[4, ERSO_IN_ERROR]]), cancel({ port_id: 4, bin_id: 101337 }));
    assert.equal(plan.kind, 'unreachable');
    assert.equal(plan.kind === 'unreachable' && plan.reason, NEEDS_ERROR_FLAG);
    assert.deepEqual(portsCalled(start), []);
  });

  it('a literal form of port 4 is judged by difference on a listed port where the call is a probe', async () => {
    const plan = played(
      await player.plan(new Map([[4, ERSO_IN_ERROR]]), cancel({ port_id: '+4', bin_id: 101337 })),
    );
    const port = plan.difference?.port as number;
    assert.ok(LISTED.includes(port) && port !== 4, `judged on port ${port}`);
    assert.equal(plan.ports.get(4)?.port, port);
    assert.match(plan.notes.join('\n'), /port 4 is not among the ports the profile lists/);
  });

  it('a bound of port_id that the profile does not list is INCONCLUSIVE, saying so', async () => {
    for (const bound of [1, 2000]) {
      const plan = await player.plan(
        new Map([[bound, ERSO_IN_ERROR]]),
        cancel({ port_id: bound, bin_id: 101337 }, 'JSON'),
      );
      assert.equal(plan.kind, 'unreachable');
      assert.equal(
        plan.kind === 'unreachable' && plan.reason,
        `port ${bound}, which this scenario's value names, is not among the ports the profile lists, the only ones this run may use`,
      );
    }
  });

  it('a port that does not exist is played by a listed id that answers 1000', async () => {
    const plan = played(await player.plan(new Map([[5, null]]), cancel({ port_id: 5, bin_id: 101337 })));
    assert.equal(plan.ports.get(5)?.port, 201);
  });

  it('reads no port outside the list, even when asked', async () => {
    const start = recorded.length;
    const read = await player.read(4);
    assert.ok(read !== null && 'reason' in read && /not among the ports the profile lists/.test(read.reason));
    assert.deepEqual(portsCalled(start), []);
  });
});

describe('as found with a list that names no port that answers 1000', () => {
  it('a scenario about a port that does not exist is INCONCLUSIVE, and no other id is read to find one', async () => {
    const site = await siteOf({ kind: 'profile', ports: [101, 102] });
    const player = new AsFoundPlayer(target, site, () => {});
    const start = recorded.length;
    const plan = await player.plan(new Map([[5, null]]), cancel({ port_id: 5, bin_id: 101337 }));
    assert.equal(plan.kind, 'unreachable');
    assert.equal(
      plan.kind === 'unreachable' && plan.reason,
      'no port id that answers 1000 (no such port) among the ports the profile lists on this site (the profile names one as fixtures.absent_port)',
    );
    assert.deepEqual(portsCalled(start), []);
  });
});

describe('as found with --ports: the range is the limit', () => {
  it('a scenario whose call names a port outside the range plays inside it, and the port outside is never read', async () => {
    const site = await siteOf(rangeSource(parsePortList('100-110,150')));
    const player = new AsFoundPlayer(target, site, () => {});
    const start = recorded.length;
    const plan = played(
      await player.plan(
        new Map([[7, { ...ERSO_IN_ERROR, case_state: 'NOOP' }]]),
        cancel({ port_id: 7, bin_id: 0 }),
      ),
    );
    const port = plan.ports.get(7)?.port as number;
    assert.ok(port >= 100 && port <= 110, `played by port ${port}`);
    assert.deepEqual(portsCalled(start), [port]);
    const bound = await player.plan(
      new Map([[2000, ERSO_IN_ERROR]]),
      cancel({ port_id: 2000, bin_id: 101337 }),
    );
    assert.equal(
      bound.kind === 'unreachable' && bound.reason,
      "port 2000, which this scenario's value names, is outside the ports this run reads (100-110, 150), the only ones it may use",
    );
  });
});

describe('the fuzz properties as found: only ids the run may use', () => {
  const unread = (source: SiteSource): SiteMap => ({
    source,
    ports: [],
    absent: [],
    excluded: [],
    unreadable: 'the read methods do not answer',
    readAt: '2026-12-02T00:00:00.000Z',
    ms: 0,
  });

  it('a refused call on a site not read is built on a listed id, never on another', () => {
    const ports = refusedPorts(new FoundSite(unread({ kind: 'profile', ports: [101, 150] })));
    assert.ok(ports);
    for (const id of [1, 4, 100, 120, 149, 151, 2000])
      assert.ok([101, 150].includes(ports.nearest(id)), `${id}`);
    const ranged = refusedPorts(new FoundSite(unread(rangeSource(parsePortList('20-30')))));
    assert.equal(ranged?.nearest(4), 20);
    assert.equal(ranged?.nearest(2000), 30);
  });

  it('a call on a port the list leaves out is never predicted as a probe: it is not sent', () => {
    const site = new FoundSite({
      source: { kind: 'profile', ports: [101] },
      ports: [{ port_id: 101, type: 'AC', mode: 'CLOSED', selected_bin: null, case_state: 'NOOP' }],
      absent: [],
      excluded: [],
      readAt: '2026-12-02T00:00:00.000Z',
      ms: 0,
    });
    const refused = site.predict(4, 0, 'XML');
    assert.ok('change' in refused, JSON.stringify(refused));
    assert.match(refused.change, /port 4 is not among the ports the profile lists/);
    assert.ok('expected' in site.predict(101, 0, 'XML'));
    assert.ok('change' in site.predictPort(null, 4, 101337));
  });
});
