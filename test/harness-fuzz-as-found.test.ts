// The @fuzz properties on a site as found (no rig; docs/spec/as-found.md): the probe filter never lets through a
// case_cancel that could succeed (a property of its own over random site maps), the oracle's prediction from a
// site map, which variant of each property a run plays, and against the emulator with no rig: the properties pass
// a faithful one changing nothing, catch bin-band-refused and port-high-missing, replay their counterexample, and
// tell a fault that changed a port from a site that moved by itself. Through the real command:
// test/e2e/fuzz-as-found-e2e.test.ts.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { type RecordedCall, type RunningEmulator, startEmulator } from '../emulator/index.ts';
import { AS_FOUND_SITE_FILE } from '../emulator/site.ts';
import { RigClient } from '../support/arrange/rig.ts';
import { refusedBounds, refusedCall } from '../support/fuzz/arbitraries.ts';
import {
  addressedPort,
  FoundSite,
  foundCall,
  foundCallBounds,
  foundLiteralBounds,
  foundLiteralCall,
  foundRefusedBounds,
  movedOnByItself,
  neverCancellable,
  refusedPorts,
} from '../support/fuzz/as-found.ts';
import { checkProperty } from '../support/fuzz/check.ts';
import { checkParams, type Expected, readParam } from '../support/fuzz/oracle.ts';
import { type FuzzProperty, IN_RANGE, LITERALS, REFUSED, SEQUENCES } from '../support/fuzz/properties.ts';
import { propertyToPlay } from '../support/fuzz/scenario.ts';
import { FuzzSession } from '../support/fuzz/session.ts';
import {
  CASE_STATES,
  type CaseState,
  type Encoding,
  PORT_MODES,
  PORT_TYPES,
  type PortState,
  type TargetConfig,
} from '../support/model.ts';
import { predictProbe } from '../support/site/as-found.ts';
import { discoverSite } from '../support/site/discover.ts';
import type { FoundPort, SiteMap } from '../support/site/site-map.ts';
import { ACTIVE_CASE_STATES, PORT_ID } from '../support/spec.ts';
import { closeClient } from '../support/wire/exchange.ts';

const ENCODINGS: readonly Encoding[] = ['XML', 'JSON'];

function map(
  ports: readonly FoundPort[],
  absent: readonly number[] = [],
  excluded: readonly number[] = [],
): SiteMap {
  return {
    source: { kind: 'range', from: PORT_ID.min, to: PORT_ID.max },
    ports,
    absent,
    excluded,
    readAt: '2026-11-28T00:00:00.000Z',
    ms: 0,
  };
}

function ac(
  port_id: number,
  mode: FoundPort['mode'],
  selected_bin: number | null,
  case_state: CaseState,
): FoundPort {
  return { port_id, type: 'AC', mode, selected_bin, case_state };
}

/** Independent of the code under test: whether case_cancel(port_id, bin_id) might succeed on this site map. */
function couldSucceed(site: SiteMap, port_id: number, bin_id: number): boolean {
  if (site.excluded.includes(port_id)) return true; // never to be called at all
  const port = site.ports.find((p) => p.port_id === port_id);
  if (port === undefined) return !site.absent.includes(port_id); // never read: anything could happen
  return (
    port.type === 'AC' &&
    port.mode === 'OPEN' &&
    port.selected_bin === bin_id &&
    (port.case_state === undefined || ACTIVE_CASE_STATES.includes(port.case_state))
  );
}

function codeOf(expected: Expected): number | string {
  if (expected.kind !== 'answer') return expected.kind;
  return expected.answer.kind === 'fault' ? expected.answer.code : 'success';
}

// --- random site maps, the dangerous ports (OPEN AutoCase, a bin, an active case) common -------------------

const binArb = fc.oneof(fc.integer({ min: 1, max: 4_000_000 }), fc.constantFrom(1, 2, 3_999_999, 4_000_000));
const foundPortArb = (port_id: number): fc.Arbitrary<FoundPort> =>
  fc
    .record({
      type: fc.oneof({ weight: 4, arbitrary: fc.constant('AC' as const) }, fc.constantFrom(...PORT_TYPES)),
      mode: fc.oneof({ weight: 3, arbitrary: fc.constant('OPEN' as const) }, fc.constantFrom(...PORT_MODES)),
      selected_bin: fc.option(binArb, { freq: 4 }),
      case_state: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...ACTIVE_CASE_STATES) },
        fc.constantFrom(...CASE_STATES),
      ),
      stateRead: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, fc.constant(false)),
    })
    .map(({ type, mode, selected_bin, case_state, stateRead }) => ({
      port_id,
      type,
      mode,
      selected_bin,
      // an AutoCase port whose case state was not read counts as possibly active
      ...(type === 'AC' && stateRead ? { case_state } : {}),
    }));

const siteMapArb: fc.Arbitrary<SiteMap> = fc
  .record({
    ids: fc.uniqueArray(
      fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 2000 }), fc.constantFrom(1, 2000)),
      { minLength: 1, maxLength: 16 },
    ),
    kinds: fc.array(fc.constantFrom('found', 'found', 'absent', 'excluded', 'unread'), {
      minLength: 16,
      maxLength: 16,
    }),
    states: fc.array(fc.nat(), { minLength: 16, maxLength: 16 }),
  })
  .chain(({ ids, kinds }) => {
    const found = ids.filter((_, i) => kinds[i] === 'found');
    return fc.tuple(...found.map(foundPortArb)).map((ports) =>
      map(
        ports,
        ids.filter((_, i) => kinds[i] === 'absent'),
        ids.filter((_, i) => kinds[i] === 'excluded'),
      ),
    );
  });

const siteWithCalls = siteMapArb
  .filter((m) => new FoundSite(m).known.length > 0)
  .chain((m) => {
    const site = new FoundSite(m);
    return fc.record({
      map: fc.constant(m),
      calls: fc.array(foundCall(site), { minLength: 1, maxLength: 10 }),
      literals: fc.array(
        fc
          .constantFrom(...ENCODINGS)
          .chain((encoding) => foundLiteralCall(site, encoding).map((literal) => ({ ...literal, encoding }))),
        { maxLength: 5 },
      ),
    });
  });

describe('the probe filter as found', () => {
  it('never lets through a call that could succeed, nor one on an excluded or unread port (random site maps)', () => {
    fc.assert(
      fc.property(siteWithCalls, ({ map: m, calls, literals }) => {
        const site = new FoundSite(m);
        const plain = [
          ...calls,
          ...foundCallBounds(site),
          ...literals.map((l) => ({ port_id: l.port, bin_id: l.bin })),
          ...ENCODINGS.flatMap((e) => foundLiteralBounds(site, e)).map((l) => ({
            port_id: l.port,
            bin_id: l.bin,
          })),
        ];
        for (const { port_id, bin_id } of plain) {
          assert.ok(!couldSucceed(m, port_id, bin_id), `a change got through: ${port_id}, ${bin_id}`);
          const prediction = site.predict(port_id, bin_id, 'JSON');
          assert.ok('expected' in prediction, JSON.stringify(prediction));
          assert.equal(prediction.expected.kind, 'answer');
          assert.notEqual(codeOf(prediction.expected), 'success');
          assert.notEqual(codeOf(prediction.expected), 1153);
        }
      }),
      { seed: 12, numRuns: 400 },
    );
  });

  it('literal forms stand for the probe they are written from', () => {
    fc.assert(
      fc.property(siteWithCalls, ({ literals }) => {
        for (const literal of literals) {
          const { encoding } = literal;
          const read = checkParams(readParam(literal.port_id, encoding), readParam(literal.bin_id, encoding));
          assert.deepEqual(read, { port_id: literal.port, bin_id: literal.bin });
          assert.ok(literal.port_id !== literal.port || literal.bin_id !== literal.bin, 'no literal form');
        }
      }),
      { seed: 13, numRuns: 200 },
    );
  });

  it('refused calls address only ports where no bin could succeed, never excluded ones', () => {
    fc.assert(
      fc.property(siteMapArb, fc.constantFrom(...ENCODINGS), fc.integer(), (m, encoding, seed) => {
        const site = new FoundSite(m);
        const ports = refusedPorts(site);
        if (!ports) return;
        const calls = [
          ...fc.sample(refusedCall(encoding, ports.arbitrary), { seed, numRuns: 30 }),
          ...foundRefusedBounds(refusedBounds(encoding), ports),
        ];
        for (const call of calls) {
          const prediction = site.predict(call.port_id, call.bin_id, encoding);
          assert.ok('expected' in prediction, JSON.stringify({ call, prediction }));
          assert.ok([1003, 1004, 1010].includes(codeOf(prediction.expected) as number), JSON.stringify(call));
          const addressed = addressedPort(call.port_id, encoding);
          if (addressed === undefined) continue;
          assert.ok(!m.excluded.includes(addressed), `excluded port ${addressed} called`);
          assert.ok(neverCancellable(site.port(addressed) ?? null), `port ${addressed} could be cancelled`);
        }
        // the JSON string "1" of the bounds names a port of the choice too
        for (const call of foundRefusedBounds(refusedBounds('JSON'), ports)) {
          const quoted = typeof call.port_id === 'string' ? /^"(\d+)"$/.exec(call.port_id) : null;
          if (quoted) assert.ok(neverCancellable(site.port(Number(quoted[1])) ?? null));
        }
      }),
      { seed: 14, numRuns: 200 },
    );
  });
});

describe('the oracle on a site map', () => {
  const m = map(
    [
      { port_id: 10, type: 'CO', mode: 'OPEN', selected_bin: 5 },
      ac(20, 'CLOSED', 5, 'ERSO'),
      ac(30, 'OPEN', null, 'ERSO'),
      ac(32, 'OPEN', 3232, 'NOOP'),
      ac(33, 'OPEN', 3333, 'ECMP'),
      ac(36, 'OPEN', 3636, 'IRTR'),
      { port_id: 37, type: 'AC', mode: 'OPEN', selected_bin: 3737 }, // case state not read
      ac(40, 'OPEN', 4040, 'NOOP'),
    ],
    [2, 3],
    [40],
  );
  const site = new FoundSite(m);
  const predicted = (port_id: unknown, bin_id: unknown, encoding: Encoding = 'XML') => {
    const p = site.predict(port_id as number, bin_id as number, encoding);
    return 'expected' in p ? codeOf(p.expected) : `change: ${p.change}`;
  };

  it('predicts every fault of the order of checks from the port as read', () => {
    assert.equal(predicted(2, 7), 1000);
    assert.equal(predicted(10, 5), 1087);
    assert.equal(predicted(20, 5), 1099);
    assert.equal(predicted(30, 7), 1149);
    assert.equal(predicted(32, 7), 1149);
    assert.equal(predicted(32, 3232), 1152);
    assert.equal(predicted(33, 3333), 1152);
    assert.equal(predicted(36, 3635), 1149);
  });

  it('sends no call that could succeed, none to an unread or excluded port', () => {
    assert.match(String(predicted(36, 3636)), /^change: .*could succeed/);
    assert.match(String(predicted(37, 3737)), /^change: .*could succeed/); // state unread: taken as active
    assert.match(String(predicted(5, 1)), /^change: port 5 was not read/);
    assert.match(String(predicted(40, 1)), /^change: port 40 is excluded/);
    assert.match(String(predicted(40, 'x')), /^change: port 40 is excluded/);
  });

  it('predicts the parameter fault whatever the port, read or not', () => {
    assert.equal(predicted(5, 0), 1010);
    assert.equal(predicted('4.0', 1), 1004);
    assert.equal(predicted(undefined, 1), 1003);
    assert.equal(predicted(36, '"3636"', 'JSON'), 1010);
  });

  it('tells a case moved on by itself (its documented order) from any other change', () => {
    assert.ok(movedOnByItself(ac(1, 'OPEN', 9, 'EREQ'), ac(1, 'OPEN', 9, 'ECMP')));
    assert.ok(movedOnByItself(ac(1, 'OPEN', 9, 'IRTR'), ac(1, 'OPEN', 9, 'ICRC')));
    assert.ok(!movedOnByItself(ac(1, 'OPEN', 9, 'ERSO'), ac(1, 'OPEN', 9, 'NOOP'))); // a cancel
    assert.ok(!movedOnByItself(ac(1, 'OPEN', 9, 'ERSO'), ac(1, 'OPEN', 9, 'EREQ'))); // backwards
    assert.ok(!movedOnByItself(ac(1, 'OPEN', 9, 'EREQ'), ac(1, 'OPEN', 9, 'ICMP'))); // another operation
    assert.ok(!movedOnByItself(ac(1, 'OPEN', 9, 'EREQ'), ac(1, 'OPEN', null, 'ERSO'))); // the bin went too
    assert.ok(!movedOnByItself(ac(1, 'OPEN', 9, 'EREQ'), ac(1, 'CLOSED', 9, 'ERSO')));
  });

  it('predictProbe takes the unseen error flag as set', () => {
    assert.equal(predictProbe(ac(1, 'OPEN', 9, 'ERSO'), 1, 9), undefined);
    assert.equal(codeOf(predictProbe(ac(1, 'OPEN', 9, 'ERSO'), 1, 8) as Expected), 1149);
    assert.equal(codeOf(predictProbe(null, 1, 9) as Expected), 1000);
  });

  it('knows ports in order, by kind, without the excluded ones, and the nearest known id', () => {
    assert.deepEqual(site.absent, [2, 3]);
    assert.deepEqual(site.autocase, [20, 30, 32, 33, 36, 37]);
    assert.deepEqual(site.others, [10]);
    assert.equal(site.port(40), undefined);
    assert.equal(site.nearestKnown(1), 2);
    assert.equal(site.nearestKnown(2000), 37);
    assert.equal(site.nearestKnown(15), 10);
    assert.deepEqual(new FoundSite({ ...m, unreadable: 'getportstatus answers 1001' }).known, []);
  });

  it('moves a bound off the selected bin where it could succeed', () => {
    const s = new FoundSite(map([ac(1, 'OPEN', 1, 'IREQ'), ac(2000, 'OPEN', 4_000_000, 'ICRC')]));
    assert.deepEqual(foundCallBounds(s), [
      { port_id: 1, bin_id: 2 },
      { port_id: 2000, bin_id: 3_999_999 },
      { port_id: 1, bin_id: 4_000_000 },
      { port_id: 2000, bin_id: 1 },
    ]);
  });
});

describe('which variant of each property a run plays', () => {
  const site = map([ac(4, 'OPEN', 4004, 'ERSO')], [1, 2, 3]);
  const id = (played: ReturnType<typeof propertyToPlay>) => ('cannot' in played ? played.cannot : played.id);

  it('with a rig, every property as it is, site or not', () => {
    for (const p of [IN_RANGE, REFUSED, LITERALS, SEQUENCES] as FuzzProperty<unknown>[])
      assert.equal(id(propertyToPlay(p, { rigUrl: 'http://127.0.0.1:9/rig/v1', site })), p.id);
  });

  it('without a rig, on the site read: the as-found variants; the sequences say they need a rig', () => {
    assert.equal(id(propertyToPlay(IN_RANGE, { site })), 'in-range-as-found');
    assert.equal(id(propertyToPlay(REFUSED, { site })), 'refused-as-found');
    assert.equal(id(propertyToPlay(LITERALS, { site })), 'literals-as-found');
    assert.equal(
      id(propertyToPlay(SEQUENCES, { site })),
      'the stateful sequences arrange ports: a rig (--rig=URL)',
    );
  });

  it('without a rig and with a site that could not be read: the refused values only, on any id not excluded', () => {
    const unreadable = {
      ...site,
      ports: [],
      absent: [],
      excluded: [1],
      unreadable: 'getportstatus answers 1001',
    };
    assert.match(id(propertyToPlay(IN_RANGE, { site: unreadable })), /could not be read.*1001/);
    assert.match(id(propertyToPlay(LITERALS, { site: unreadable })), /could not be read.*1001/);
    assert.equal(id(propertyToPlay(REFUSED, { site: unreadable })), 'refused-as-found');
  });

  it('without a rig and without a site: the refused values as they are, the others say what is missing', () => {
    assert.equal(id(propertyToPlay(REFUSED, {})), 'refused');
    assert.match(id(propertyToPlay(IN_RANGE, {})), /a rig .*or the site read as found/);
    assert.match(id(propertyToPlay(LITERALS, {})), /a rig .*or a site read as found/);
  });
});

// --- against the emulator, no rig ----------------------------------------------------------------------------

const SITE_FILE = fileURLToPath(AS_FOUND_SITE_FILE);
const DISCOVERED = {
  kind: 'ranges',
  ranges: [
    { from: 1, to: 60 },
    { from: 1490, to: 1510 },
    { from: 1990, to: 2000 },
  ],
} as const;

function targetOf(taskUrl: string): TargetConfig {
  return { taskUrl, timeoutMs: 5000, maxResponseBytes: 1024 * 1024 };
}

async function siteOf(taskUrl: string): Promise<SiteMap> {
  return discoverSite(targetOf(taskUrl), DISCOVERED, { excluded: [] });
}

function asFound(property: FuzzProperty<unknown>, site: SiteMap): FuzzProperty<unknown> {
  const played = propertyToPlay(property, { site });
  if ('cannot' in played) throw new Error(played.cannot);
  return played;
}

describe('the properties as found, against the emulator with no rig', () => {
  let faithful: RunningEmulator;
  const recorded: RecordedCall[] = [];
  let site: SiteMap;
  before(async () => {
    faithful = await startEmulator({
      port: 0,
      rig: false,
      quiet: true,
      site: SITE_FILE,
      record: (c) => recorded.push(c),
    });
    site = await siteOf(faithful.taskUrl);
  });
  after(async () => {
    await faithful.close();
    await closeClient();
  });

  it('pass a faithful one with reads and probes only, and change nothing', async () => {
    const before_ = faithful.snapshot();
    recorded.length = 0;
    for (const property of [IN_RANGE, REFUSED, LITERALS] as FuzzProperty<unknown>[]) {
      for (const encoding of ENCODINGS) {
        const session = new FuzzSession(targetOf(faithful.taskUrl), encoding, undefined);
        const outcome = await checkProperty(asFound(property, site), session, { seed: 21, runs: 60 });
        assert.equal(outcome.counterexample, undefined, outcome.counterexample?.steps.join('\n'));
        assert.deepEqual(outcome.changed, []);
        assert.ok(
          !session.answers.has('success') && !session.answers.has('fault 1153'),
          String([...session.answers]),
        );
        assert.ok(session.playedPorts.length > 0);
      }
    }
    const methods = new Set(recorded.map((c) => (c.input.kind === 'call' ? c.input.method : c.input.kind)));
    assert.deepEqual([...methods].sort(), ['case_cancel', 'case_getstate', 'getportstatus']);
    assert.deepEqual(
      recorded.filter((c) => c.changed),
      [],
    );
    assert.deepEqual(
      recorded.filter(
        (c) => c.input.kind === 'call' && c.input.method === 'case_cancel' && c.answer.kind !== 'fault',
      ),
      [],
    );
    assert.deepEqual(faithful.snapshot(), before_);
  });

  it('pass a faithful one whose AutoCase moves by itself (hardware): what moved is the site, no failure', async (t) => {
    // ports 21, 25 and 35 have an operation under way without error: they step on every 150 ms until done
    const moving = await startEmulator({
      port: 0,
      rig: false,
      quiet: true,
      site: SITE_FILE,
      hardwareMs: 150,
    });
    const seen: string[] = [];
    try {
      const movingSite = await siteOf(moving.taskUrl);
      for (const seed of [31, 32, 33]) {
        for (const property of [IN_RANGE, LITERALS] as FuzzProperty<unknown>[]) {
          const session = new FuzzSession(targetOf(moving.taskUrl), 'JSON', undefined);
          const outcome = await checkProperty(asFound(property, movingSite), session, { seed, runs: 60 });
          assert.equal(outcome.counterexample, undefined, outcome.counterexample?.steps.join('\n'));
          assert.deepEqual(outcome.changed, []);
          for (const [port, how] of session.movedBetweenCalls) seen.push(`${port}: ${how}`);
        }
      }
    } finally {
      await moving.close();
    }
    // Whether a step of the hardware falls between two calls of a property depends on the machine's speed: when
    // none did, nothing was judged, and the test says so rather than pass.
    if (seen.length === 0)
      t.skip('the site never moved between two calls of the properties on this run: nothing judged');
  });

  for (const [deviation, seed, pattern] of [
    [
      'bin-band-refused',
      3,
      /answers fault 1010 on port \d+, read right before as .*; the specification predicts fault 10\d\d/,
    ],
    [
      'port-high-missing',
      3,
      /answers fault 1000 on port 1(0[2-9]\d|[1-9]\d\d)\b.*; the specification predicts fault 1(087|099|149|152)/,
    ],
  ] as const) {
    it(`catch ${deviation} on a site with a probe-able AutoCase port in 1025-1999, and replay it from its path`, async () => {
      const deviating = await startEmulator({
        port: 0,
        rig: false,
        quiet: true,
        site: SITE_FILE,
        deviate: [deviation],
      });
      try {
        const deviatingSite = await siteOf(deviating.taskUrl);
        const property = asFound(IN_RANGE, deviatingSite);
        const session = () => new FuzzSession(targetOf(deviating.taskUrl), 'XML', undefined);
        const found = await checkProperty(property, session(), { seed });
        const counterexample = found.counterexample;
        assert.ok(counterexample, `${deviation} went unnoticed as found`);
        assert.match(counterexample.message, pattern);
        assert.match(counterexample.path, /^in-range-as-found\.xml@[\d:]+$/);
        assert.match(counterexample.steps[0] ?? '', /^Given port \d+ (reads as|does not exist)/);
        const replayed = await checkProperty(property, session(), { seed, path: counterexample.path });
        assert.equal(replayed.replayed, true);
        assert.deepEqual(replayed.counterexample?.steps, counterexample.steps);
      } finally {
        await deviating.close();
      }
    });
  }
});

describe('a fault that changes a port, and a site that moves by itself', () => {
  let emulator: RunningEmulator;
  let rig: RigClient;
  let proxy: Server;
  let proxyUrl = '';
  /** The port the controller behind the proxy changes on the next case_cancel, when set. */
  let changeOnCancel: number | undefined;
  /** The port whose case the controller behind the proxy moves on, as its hardware would, on the next case_cancel. */
  let moveOnCancel: { port: number; state: PortState } | undefined;
  const closed = (bin: number | null): PortState => ({
    type: 'AC',
    mode: 'CLOSED',
    selected_bin: bin,
    case_state: 'NOOP',
    case_error: false,
  });

  before(async () => {
    emulator = await startEmulator({ port: 0, quiet: true, site: SITE_FILE });
    rig = new RigClient(emulator.rigUrl as string, { timeoutMs: 5000 });
    // A controller whose case_cancel fault changes a port: the emulator behind a proxy that moves the port first.
    proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      const reply = await fetch(emulator.taskUrl, {
        method: 'POST',
        headers: { 'content-type': String(req.headers['content-type']) },
        body,
      });
      // the fault is answered as it should be, and the port changes behind it
      if (changeOnCancel !== undefined && body.includes('case_cancel')) {
        await rig.putPort(changeOnCancel, closed(1));
        changeOnCancel = undefined;
      }
      if (moveOnCancel !== undefined && body.includes('case_cancel')) {
        await rig.putPort(moveOnCancel.port, moveOnCancel.state);
        moveOnCancel = undefined;
      }
      res.writeHead(reply.status, { 'content-type': reply.headers.get('content-type') ?? 'text/plain' });
      res.end(Buffer.from(await reply.arrayBuffer()));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/api/v2/task`;
  });
  after(async () => {
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
    await emulator.close();
    await closeClient();
  });

  it('a port that reads differently right after a fault: "a fault changed port N", a counterexample', async () => {
    await rig.reset();
    const site = new FoundSite(await siteOf(proxyUrl));
    const session = new FuzzSession(targetOf(proxyUrl), 'XML', undefined);
    changeOnCancel = 32;
    await assert.rejects(
      session.probe(site, 32, 1),
      /Then port 32 reads back as AC, CLOSED, bin 1 selected, case NOOP: a fault changed port 32, which read as AC, OPEN, bin 3232 selected, case NOOP right before/,
    );
    changeOnCancel = undefined;
  });

  it('a port that changes right after a fault and again a moment later, with no call: the site moves it, noted', async () => {
    await rig.reset();
    const site = new FoundSite(await siteOf(proxyUrl));
    const session = new FuzzSession(targetOf(proxyUrl), 'XML', undefined);
    changeOnCancel = 32;
    const again = setTimeout(() => void rig.putPort(32, closed(2)), 60);
    try {
      await session.probe(site, 32, 1);
    } finally {
      clearTimeout(again);
      changeOnCancel = undefined;
    }
    assert.match(
      session.movedBetweenCalls.get(32) ?? '',
      /CLOSED, bin 1 selected.*then .*CLOSED, bin 2 selected/,
    );
  });

  it('a port that differs at the end, after its last call was read back unchanged: the site, noted; one seen moving between calls too', async () => {
    await rig.reset();
    const site = new FoundSite(await siteOf(proxyUrl));
    const session = new FuzzSession(targetOf(proxyUrl), 'JSON', undefined);
    await session.probe(site, 33, 1);
    await session.probe(site, 34, 1);
    await rig.putPort(34, closed(null)); // the site moves by itself between two calls on port 34
    await session.probe(site, 34, 1);
    await rig.putPort(33, closed(null)); // after the last call on port 33, read back unchanged right after it
    assert.deepEqual(await session.changes(), []);
    assert.match(
      session.movedBetweenCalls.get(33) ?? '',
      /^AC, OPEN, bin 3333 selected, case ECMP when last read after a call, then AC, CLOSED, no bin selected, case NOOP after the property$/,
    );
    assert.match(
      session.movedBetweenCalls.get(34) ?? '',
      /AC, OPEN, bin 3434 selected, case ICMP, then AC, CLOSED/,
    );
  });

  it('a refused call on a known port is read right before and after it, as a probe: a change then is a counterexample', async () => {
    await rig.reset();
    const site = new FoundSite(await siteOf(proxyUrl));
    const session = new FuzzSession(targetOf(proxyUrl), 'XML', undefined);
    const sent: string[] = [];
    session.onExchange = (e) => sent.push(e.label);
    await session.probeRefused(site, 33, 0);
    assert.deepEqual(
      sent.map((label) => label.replace(/ of port 33$/, '')),
      [
        'read before the call: getportstatus',
        'read before the call: case_getstate',
        'case_cancel in XML with port_id 33 and bin_id 0',
        'read after the call: getportstatus',
        'read after the call: case_getstate',
      ],
    );
    changeOnCancel = 33;
    await assert.rejects(session.probeRefused(site, 33, 0), /a fault changed port 33/);
    changeOnCancel = undefined;
  });

  it('a case that moves on by itself during a call or after it (a live site): no failure, noted', async () => {
    await rig.reset();
    const site = new FoundSite(await siteOf(proxyUrl));
    const session = new FuzzSession(targetOf(proxyUrl), 'XML', undefined);
    const moved = (case_state: CaseState): PortState => ({
      type: 'AC',
      mode: 'OPEN',
      selected_bin: 3636,
      case_state,
      case_error: true,
    });
    moveOnCancel = { port: 36, state: moved('ICRC') }; // IRTR, then ICRC: the insertion went on
    await session.probe(site, 36, 1);
    assert.match(session.movedBetweenCalls.get(36) ?? '', /case IRTR, then .*case ICRC/);
    await rig.putPort(36, moved('ICMP'));
    assert.deepEqual(await session.changes(), []);
    moveOnCancel = { port: 36, state: { ...moved('NOOP'), case_error: false } }; // a cancel's doing, not the hardware's
    await assert.rejects(session.probe(site, 36, 1), /a fault changed port 36/);
  });

  it("a port the site's own traffic changed (since the scenarios last read it, or between calls): its changes are the site's", async () => {
    await rig.reset();
    const site = new FoundSite(await siteOf(proxyUrl));
    const session = new FuzzSession(targetOf(proxyUrl), 'XML', undefined);
    // the scenarios last read port 33 CLOSED: it reads OPEN now, with no call in between (a WMS opened it)
    session.lastKnown = (port) => (port === 33 ? ac(33, 'CLOSED', 3333, 'NOOP') : undefined);
    await session.probe(site, 33, 1);
    assert.match(
      session.movedBetweenCalls.get(33) ?? '',
      /CLOSED.* when last read before the property, then /,
    );
    changeOnCancel = 33; // changed right after the fault: on such a port, not told from the site's traffic
    await session.probe(site, 33, 1);
    await rig.putPort(33, closed(null));
    assert.deepEqual(await session.changes(), []);
    // a port whose operation only moved on by itself is the hardware, not traffic: a change after a fault is judged
    await rig.reset();
    const judged = new FuzzSession(targetOf(proxyUrl), 'XML', undefined);
    judged.lastKnown = (port) => (port === 36 ? ac(36, 'OPEN', 3636, 'IREQ') : undefined);
    changeOnCancel = 36;
    await assert.rejects(judged.probe(site, 36, 1), /a fault changed port 36/);
    changeOnCancel = undefined;
  });

  it('a port that moved since the site was read so that the call could succeed: the call is not sent', async () => {
    await rig.reset();
    const stale = new FoundSite(map([ac(4, 'CLOSED', 4004, 'ERSO')])); // it is OPEN, 4004 selected, ERSO, in error
    const session = new FuzzSession(targetOf(proxyUrl), 'XML', undefined);
    const sent: string[] = [];
    session.onExchange = (e) => sent.push(e.label);
    await assert.rejects(session.probe(stale, 4, 4004), (error) => fc.PreconditionFailure.isFailure(error));
    assert.equal(session.moved, 1);
    assert.deepEqual(
      sent.filter((label) => label.startsWith('case_cancel')),
      [],
    );
    assert.equal((await rig.getPort(4))?.case_state, 'ERSO');
  });
});
