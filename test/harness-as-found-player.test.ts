// The as-found player (support/site/as-found-player.ts) on a site as a real controller stands, served by the emulator
// with no rig: which port plays a scenario's declared port, and that the call then sent there gets the fault the
// scenario expects and changes nothing. The scenarios are the feature files' own (their declared state, call, name
// and tags); the needs themselves are test/harness-as-found.test.ts's.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RecordedCall, type RunningEmulator, startEmulator } from '../emulator/index.ts';
import type { SiteConfig } from '../emulator/site.ts';
import type { Encoding, ParamValue, PortState, TargetConfig } from '../support/model.ts';
import type { ScenarioInfo } from '../support/site/as-found.ts';
import { AsFoundPlayer, type Plan } from '../support/site/as-found-player.ts';
import { discoverSite } from '../support/site/discover.ts';
import type { SiteMap } from '../support/site/site-map.ts';
import { callTask } from '../support/wire/task-call.ts';
import { ERRORS_1152_SEED, ERRORS_1152_STATES, LITERALS, ORDER } from './helpers/scenario-tags.ts';

/**
 * A site as a controller in use stands: no port CLOSED with a bin (closeport clears it), no OPEN AutoCase port
 * idle (NOOP) with a bin, the completed states and an active one each on a port of their own.
 */
const REAL_SITE: SiteConfig = {
  ports: [
    { port_id: 1, type: 'AC', mode: 'CLOSED', selected_bin: null, case_state: 'NOOP' },
    { port_id: 4, type: 'AC', mode: 'OPEN', selected_bin: 4004, case_state: 'ERSO', case_error: true },
    { port_id: 10, type: 'CO', mode: 'OPEN', selected_bin: 1010 },
    { port_id: 14, type: 'VE', mode: 'OPEN', selected_bin: null },
    { port_id: 30, type: 'AC', mode: 'OPEN', selected_bin: null, case_state: 'ERSO', case_error: true },
    { port_id: 33, type: 'AC', mode: 'OPEN', selected_bin: 3333, case_state: 'ECMP', case_error: true },
    { port_id: 34, type: 'AC', mode: 'OPEN', selected_bin: 3434, case_state: 'ICMP' },
    { port_id: 35, type: 'AC', mode: 'OPEN', selected_bin: 3535, case_state: 'EREQ' },
  ],
};

/** The same, with an OPEN AutoCase port idle (NOOP) on a bin, at a higher id than the completed ones. */
const WITH_IDLE: SiteConfig = {
  ports: [
    ...REAL_SITE.ports,
    { port_id: 40, type: 'AC', mode: 'OPEN', selected_bin: 4040, case_state: 'NOOP' },
    { port_id: 41, type: 'AC', mode: 'CLOSED', selected_bin: 4141, case_state: 'NOOP' },
  ],
};

/** OPEN AutoCase ports, none with a bin selected: one active, one completed. */
const NO_BINS: SiteConfig = {
  ports: [
    { port_id: 30, type: 'AC', mode: 'OPEN', selected_bin: null, case_state: 'ERSO', case_error: true },
    { port_id: 31, type: 'AC', mode: 'OPEN', selected_bin: null, case_state: 'ECMP', case_error: true },
  ],
};

/** Port 40, idle on bin 4040, as WITH_IDLE has it, but port 12 (a CO port) shows bin 4040 too. */
const SAME_BIN: SiteConfig = {
  ports: [
    { port_id: 4, type: 'AC', mode: 'OPEN', selected_bin: 4004, case_state: 'ERSO', case_error: true },
    { port_id: 12, type: 'CO', mode: 'OPEN', selected_bin: 4040 },
    { port_id: 40, type: 'AC', mode: 'OPEN', selected_bin: 4040, case_state: 'NOOP' },
  ],
};

function ac(
  mode: PortState['mode'],
  selected_bin: number | null,
  case_state: PortState['case_state'],
  case_error: boolean,
): PortState {
  return { type: 'AC', mode, selected_bin, case_state, case_error };
}

interface Served {
  readonly emulator: RunningEmulator;
  readonly target: TargetConfig;
  readonly site: SiteMap;
  readonly recorded: RecordedCall[];
}

async function serve(
  config: SiteConfig,
  deviate: readonly string[] = [],
  range: { readonly from: number; readonly to: number } = { from: 1, to: 50 },
): Promise<Served> {
  const recorded: RecordedCall[] = [];
  const emulator = await startEmulator({
    port: 0,
    rig: false,
    site: config,
    deviate,
    record: (c) => recorded.push(c),
  });
  const target: TargetConfig = { taskUrl: emulator.taskUrl, timeoutMs: 5000, maxResponseBytes: 1 << 20 };
  const site = await discoverSite(target, { kind: 'range', ...range }, { excluded: [] });
  return { emulator, target, site, recorded };
}

interface Played {
  readonly plan: Plan;
  /** The port that played each declared port. */
  readonly ports: ReadonlyMap<number, number>;
  /** The fault the call sent there got; undefined when nothing was sent (the plan was unreachable). */
  readonly fault?: number;
}

/**
 * Plays a scenario as world.ts does: the plan, then its call with the scenario's port and bin ids replaced by the
 * ones that play them. Every call the emulator recorded must have left the site as it was.
 */
async function play(
  served: Served,
  declared: ReadonlyMap<number, PortState | null>,
  params: Record<string, ParamValue>,
  scenario: ScenarioInfo,
): Promise<Played> {
  const player = new AsFoundPlayer(served.target, served.site, () => {});
  const plan = await player.plan(
    declared,
    { kind: 'cancel', params, encoding: 'XML', form: false },
    scenario,
  );
  const ports = new Map<number, number>();
  if (plan.kind !== 'played') return { plan, ports };
  for (const [id, played] of plan.ports) ports.set(id, played.port);
  const result = await callTask(served.target, 'case_cancel', onPlayedIds(plan, params), 'XML', {
    strictRequest: false,
  });
  assertNothingChanged(served);
  return { plan, ports, fault: result.answer?.kind === 'fault' ? result.answer.code : undefined };
}

/** The call with the scenario's port and bin ids (numbers) replaced by the ones that play them, as world.ts sends it. */
function onPlayedIds(
  plan: Extract<Plan, { kind: 'played' }>,
  params: Record<string, ParamValue>,
): Record<string, ParamValue> {
  const sent: Record<string, ParamValue> = { ...params };
  if (typeof params.port_id === 'number')
    sent.port_id = plan.ports.get(params.port_id)?.port ?? params.port_id;
  if (typeof params.bin_id === 'number') sent.bin_id = plan.bins.get(params.bin_id) ?? params.bin_id;
  return sent;
}

function assertNothingChanged(served: Served): void {
  assert.deepEqual(
    served.recorded.filter((call) => call.changed),
    [],
    'as found, nothing sent changes the site',
  );
}

interface ByDifference {
  readonly plan: Plan;
  /** The call as sent in place of the scenario's, and the faults the plain call and it got (nothing sent: none). */
  readonly sent?: Record<string, ParamValue>;
  readonly plain?: number;
  readonly written?: number;
}

/**
 * Plays a scenario judged by difference as world.ts does: the plain call on the port and bin of the plan, then the
 * scenario's call with its ids replaced by those and its literals by the plan's, written around them.
 */
async function playByDifference(
  served: Served,
  declared: ReadonlyMap<number, PortState | null>,
  params: Record<string, ParamValue>,
  encoding: Encoding,
  scenario: ScenarioInfo,
): Promise<ByDifference> {
  const player = new AsFoundPlayer(served.target, served.site, () => {});
  const plan = await player.plan(declared, { kind: 'cancel', params, encoding, form: false }, scenario);
  if (plan.kind !== 'played') return { plan };
  const difference = plan.difference;
  assert.ok(difference, 'judged by difference');
  const sent = onPlayedIds(plan, params);
  for (const [name, { written, sent: instead }] of difference.literals)
    if (params[name] === written) sent[name] = instead;
  const faultOf = async (call: Record<string, ParamValue>) => {
    const result = await callTask(served.target, 'case_cancel', call, encoding, { strictRequest: false });
    return result.answer?.kind === 'fault' ? result.answer.code : undefined;
  };
  const plain = await faultOf({ port_id: difference.port, bin_id: difference.bin });
  const written = await faultOf(sent);
  assertNothingChanged(served);
  return { plan, sent, plain, written };
}

describe('as found, on a site as a controller in use stands', () => {
  let real: Served;
  let idle: Served;
  let noBins: Served;
  before(async () => {
    real = await serve(REAL_SITE);
    idle = await serve(WITH_IDLE);
    noBins = await serve(NO_BINS);
  });
  after(async () => {
    await real?.emulator.close();
    await idle?.emulator.close();
    await noBins?.emulator.close();
  });

  it('1152 (errors.feature, the seed scenario) is played by a completed operation when no port is idle', async () => {
    const scenario = {
      name: 'With no AutoCase operation going on there is nothing to cancel (XML)',
      tags: ERRORS_1152_SEED,
    };
    const declared = new Map([[4, ac('OPEN', 101337, 'NOOP', false)]]);
    const call = { port_id: 4, bin_id: 101337 };
    const onReal = await play(real, declared, call, scenario);
    assert.equal(onReal.plan.kind, 'played', JSON.stringify(onReal.plan));
    assert.equal(onReal.ports.get(4), 33, 'the lowest OPEN AutoCase port with a bin and no active operation');
    assert.equal(onReal.fault, 1152);
    // Where a port stands in the declared state, it plays, though a completed one has a lower id.
    const onIdle = await play(idle, declared, call, scenario);
    assert.equal(onIdle.ports.get(4), 40);
    assert.equal(onIdle.fault, 1152);
  });

  it("1152's rows over the inactive states (errors.feature) are each played by their own state, or not at all", async () => {
    const row = (state: string, error: string) => ({
      name: `A completed or idle operation is not active, error or not (${state} ${error}, XML)`,
      tags: ERRORS_1152_STATES,
    });
    const call = { port_id: 4, bin_id: 101337 };
    const noop = await play(
      real,
      new Map([[4, ac('OPEN', 101337, 'NOOP', true)]]),
      call,
      row('NOOP', 'in error'),
    );
    assert.deepEqual(noop.plan, {
      kind: 'unreachable',
      reason: 'no OPEN AutoCase port with a bin selected and its case NOOP among ports 1-50 on this site',
      needsErrorFlag: false,
    });
    assert.equal(noop.fault, undefined, 'nothing is sent');
    const ecmp = await play(
      real,
      new Map([[4, ac('OPEN', 101337, 'ECMP', false)]]),
      call,
      row('ECMP', 'without error'),
    );
    assert.equal(ecmp.ports.get(4), 33);
    assert.equal(ecmp.fault, 1152);
    const icmp = await play(
      real,
      new Map([[4, ac('OPEN', 101337, 'ICMP', true)]]),
      call,
      row('ICMP', 'in error'),
    );
    assert.equal(icmp.ports.get(4), 34);
    assert.equal(icmp.fault, 1152);
  });

  it('1099 before 1149 and 1087 before 1149 (order.feature) play on a port with no bin, as closeport leaves it', async () => {
    const name = (first: number) =>
      `The port's faults answer in the vendor's order (${first} before 1149, XML)`;
    const call = { port_id: 7, bin_id: 5001 };
    const closed = new Map([[7, ac('CLOSED', 6001, 'ERSO', true)]]);
    const onReal = await play(real, closed, call, { name: name(1099), tags: ORDER });
    assert.equal(onReal.ports.get(7), 1, JSON.stringify(onReal.plan));
    assert.equal(onReal.fault, 1099);
    // A CLOSED port that shows a bin, as declared, plays first.
    const onIdle = await play(idle, closed, call, { name: name(1099), tags: ORDER });
    assert.equal(onIdle.ports.get(7), 41);
    assert.equal(onIdle.fault, 1099);
    const ve = new Map([[7, { ...ac('OPEN', 6001, 'ERSO', true), type: 'VE' as const }]]);
    const onVe = await play(real, ve, call, { name: name(1087), tags: ORDER });
    assert.equal(onVe.ports.get(7), 14);
    assert.equal(onVe.fault, 1087);
  });

  it('1149 first (order.feature) plays on a port with no bin; the scenario about a selected bin needs one', async () => {
    const order = (second: number) => ({
      name: `The port's faults answer in the vendor's order (1149 before ${second}, XML)`,
      tags: ORDER,
    });
    const call = { port_id: 7, bin_id: 5001 };
    const before1152 = await play(noBins, new Map([[7, ac('OPEN', 6001, 'NOOP', false)]]), call, order(1152));
    assert.equal(
      before1152.ports.get(7),
      31,
      'no bin, and no active operation: a deviating order shows 1152',
    );
    assert.equal(before1152.fault, 1149);
    const before1153 = await play(noBins, new Map([[7, ac('OPEN', 6001, 'EREQ', false)]]), call, order(1153));
    assert.equal(before1153.ports.get(7), 30);
    assert.equal(before1153.fault, 1149);
    const other = await play(
      noBins,
      new Map([[4, ac('OPEN', 101337, 'ERSO', true)]]),
      { port_id: 4, bin_id: 101338 },
      {
        name: "A bin that is not the port's selected bin refuses the cancel (XML)",
        tags: ['@case_cancel', '@error:1149', '@source:seed', '@req:CC-1149-OTHER', '@xml'],
      },
    );
    assert.deepEqual(other.plan, {
      kind: 'unreachable',
      reason: 'no OPEN AutoCase port with a bin other than 101338 selected among ports 1-50 on this site',
      needsErrorFlag: false,
    });
  });

  it('1010 on a declared idle port (envelope.feature) plays on any AutoCase port; 1010 before 1152 needs one idle', async () => {
    const declared = new Map<number, PortState | null>([
      [4, ac('OPEN', 101337, 'NOOP', false)],
      [5, null],
    ]);
    const envelope = {
      name: 'A fault travels with HTTP 200, its code in the body (1010, XML)',
      tags: [
        '@case_cancel',
        '@envelope',
        '@source:doc',
        '@req:ENV-XML',
        '@req:HTTP-STATUS',
        '@assumed',
        '@xml',
      ],
    };
    const onReal = await play(real, declared, { port_id: 4, bin_id: 0 }, envelope);
    // Port 4 (OPEN, bin 4004, ERSO) could cancel for a lenient controller reading bin 0 otherwise: port 1
    // (CLOSED), where any cancel is a fault, plays first.
    assert.equal(onReal.ports.get(4), 1, JSON.stringify(onReal.plan));
    assert.equal(onReal.ports.get(5), 5);
    assert.equal(onReal.fault, 1010);
    const onNoBins = await play(noBins, declared, { port_id: 4, bin_id: 0 }, envelope);
    assert.equal(onNoBins.ports.get(4), 30);
    assert.equal(onNoBins.fault, 1010);
    const order = {
      name: 'A bin_id fault comes before anything about the port (1010 before 1152, XML)',
      tags: ORDER,
    };
    const idle = new Map([[7, ac('OPEN', 5001, 'NOOP', false)]]);
    const before1152 = await play(real, idle, { port_id: 7, bin_id: 0 }, order);
    assert.equal(
      before1152.ports.get(7),
      33,
      'a completed operation: a controller that checks the port first shows',
    );
    assert.equal(before1152.fault, 1010);
    const none = await play(noBins, idle, { port_id: 7, bin_id: 0 }, order);
    assert.equal(none.plan.kind, 'unreachable');
  });
});

describe('as found, a literal form judged by difference where the answer depends on the ids read', () => {
  let real: Served;
  let idle: Served;
  let noBins: Served;
  let sameBin: Served;
  before(async () => {
    real = await serve(REAL_SITE);
    idle = await serve(WITH_IDLE);
    noBins = await serve(NO_BINS);
    sameBin = await serve(SAME_BIN);
  });
  after(async () => {
    for (const served of [real, idle, noBins, sameBin]) await served?.emulator.close();
  });

  const declared = new Map([[4, ac('OPEN', 101337, 'ERSO', true)]]);
  const literals = (port_id: string, bin_id: string) => ({
    name: `Integer literals with sign, leading zeros or surrounding whitespace mean their value (${port_id}, ${bin_id}, XML)`,
    tags: LITERALS,
  });

  it("a form of bin_id plays on a port idle on a bin, and names that bin in the scenario's form", async () => {
    // Played on port 4 as named, a bin read as any other than 101337 got 1149 as 101337 did: it passed unchecked.
    const onIdle = await playByDifference(
      idle,
      declared,
      { port_id: '4', bin_id: '000101337' },
      'XML',
      literals('"4"', '"000101337"'),
    );
    assert.equal(onIdle.plan.kind, 'played', JSON.stringify(onIdle.plan));
    assert.deepEqual(onIdle.sent, { port_id: '40', bin_id: '0004040' });
    assert.equal(onIdle.plain, 1152, 'the plain call on the idle port and its own bin');
    assert.equal(onIdle.written, 1152, 'a bin read otherwise would answer 1149');
    // Where no port is idle (NOOP), a completed operation plays: 1152 too.
    const onReal = await playByDifference(
      real,
      declared,
      { port_id: '4', bin_id: ' 101337 ' },
      'XML',
      literals('"4"', '" 101337 "'),
    );
    assert.deepEqual(onReal.sent, { port_id: '33', bin_id: ' 3333 ' });
    assert.equal(onReal.plain, 1152);
    assert.equal(onReal.written, 1152);
    const json = await playByDifference(
      idle,
      declared,
      { port_id: { rawJson: '4' }, bin_id: { rawJson: '101337.0' } },
      'JSON',
      { ...literals("'4'", "'101337.0'"), tags: [...LITERALS.slice(0, -1), '@json'] },
    );
    assert.deepEqual(json.sent, { port_id: { rawJson: '40' }, bin_id: { rawJson: '4040.0' } });
    assert.equal(json.written, 1152);
  });

  it("a form of port_id plays there too: a port read as another answers 1000 or that port's own code", async () => {
    for (const form of ['0004', '+4', ' 4 ']) {
      const played = await playByDifference(
        idle,
        declared,
        { port_id: form, bin_id: '101337' },
        'XML',
        literals(JSON.stringify(form), '"101337"'),
      );
      assert.deepEqual(played.sent, { port_id: form.replace('4', '40'), bin_id: '4040' });
      assert.equal(played.plain, 1152);
      assert.equal(played.written, 1152);
    }
  });

  it('tells a controller that reads a bin with a leading zero in octal (bin-octal-leading-zero)', async () => {
    const octal = await serve(WITH_IDLE, ['bin-octal-leading-zero']);
    try {
      const played = await playByDifference(
        octal,
        declared,
        { port_id: '4', bin_id: '000101337' },
        'XML',
        literals('"4"', '"000101337"'),
      );
      assert.deepEqual(played.sent, { port_id: '40', bin_id: '0004040' });
      assert.equal(played.plain, 1152);
      assert.equal(played.written, 1149, '0004040 read in octal is 2080, not the selected bin 4040');
    } finally {
      await octal.emulator.close();
    }
  });

  it('is INCONCLUSIVE, sending nothing, where no port is idle on a bin that no other port shows', async () => {
    for (const served of [noBins, sameBin]) {
      const played = await playByDifference(
        served,
        declared,
        { port_id: '4', bin_id: '000101337' },
        'XML',
        literals('"4"', '"000101337"'),
      );
      assert.deepEqual(played.plan, {
        kind: 'unreachable',
        reason:
          'no OPEN AutoCase port with a bin selected that no other port shows and no active case operation among ports 1-50 on this site: a literal form of port_id or bin_id is judged by difference there, where a value read otherwise gets another answer',
        needsErrorFlag: false,
      });
      assert.equal(played.sent, undefined, 'nothing is sent');
    }
  });

  it('is INCONCLUSIVE where the form cannot be written around the bin of any idle port', async () => {
    const played = await playByDifference(
      idle,
      declared,
      { port_id: { rawJson: '4' }, bin_id: { rawJson: '1.01337e5' } },
      'JSON',
      literals("'4'", "'1.01337e5'"),
    );
    assert.equal(played.plan.kind, 'unreachable');
    assert.equal(
      (played.plan as { reason: string }).reason,
      'bin_id "1.01337e5" cannot be written in the same form around the port and bin of any OPEN AutoCase port with a bin selected that no other port shows and no active case operation among ports 1-50 on this site (ports 33, 34, 40): a literal form of port_id or bin_id is judged by difference there, where a value read otherwise gets another answer',
    );
    assert.equal(played.sent, undefined);
  });

  it('a bound written plainly, or a call with only plain numbers, still plays where it can', async () => {
    const bounds = {
      name: 'The bin_id bounds are accepted (4000000, XML)',
      tags: ['@case_cancel', '@source:seed', '@req:PARAM-BOUNDS', '@xml'],
    };
    // No port shows bin 4000000: the bound is judged on the port it names, as before.
    const bound = await playByDifference(
      idle,
      new Map([[4, ac('OPEN', 4_000_000, 'ERSO', true)]]),
      { port_id: 4, bin_id: 4_000_000 },
      'XML',
      bounds,
    );
    assert.equal(bound.plan.kind === 'played' && bound.plan.difference?.port, 4);
    assert.equal(bound.written, 1149);
    // An unknown extra parameter beside plain numbers: on the idle port where there is one.
    const extra = {
      name: 'An unknown extra parameter is ignored (XML)',
      tags: LITERALS,
    };
    const params = { port_id: 4, bin_id: 101337, task_id: 42 };
    const onIdle = await playByDifference(idle, declared, params, 'XML', extra);
    assert.deepEqual(onIdle.sent, { port_id: 40, bin_id: 4040, task_id: 42 });
    assert.equal(onIdle.written, 1152);
    const onNoBins = await playByDifference(noBins, declared, params, 'XML', extra);
    assert.deepEqual(onNoBins.sent, params, 'no idle port: on port 4 as named');
    assert.equal(onNoBins.written, 1000);
  });

  it('a port_id bound whose port could let the cancel succeed is judged through the check after it, bin_id 0', async () => {
    const live: SiteConfig = {
      ports: [
        { port_id: 1990, type: 'AC', mode: 'CLOSED', selected_bin: null, case_state: 'NOOP' },
        {
          port_id: 2000,
          type: 'AC',
          mode: 'OPEN',
          selected_bin: 101337,
          case_state: 'ERSO',
          case_error: true,
        },
      ],
    };
    const bounds = {
      name: 'The port_id bounds are accepted (2000, XML)',
      tags: ['@case_cancel', '@source:seed', '@req:PARAM-BOUNDS', '@xml'],
    };
    const declared = new Map([[2000, ac('OPEN', 101337, 'ERSO', true)]]);
    for (const [deviate, answer] of [
      [[], 1010],
      [['port-max-off-by-one'], 1004],
    ] as const) {
      const served = await serve(live, deviate, { from: 1990, to: 2000 });
      try {
        const played = await playByDifference(
          served,
          declared,
          { port_id: 2000, bin_id: 101337 },
          'XML',
          bounds,
        );
        assert.ok(played.plan.kind === 'played', JSON.stringify(played.plan));
        assert.equal(played.plan.difference?.throughNextCheck, true);
        assert.deepEqual(played.sent, { port_id: 2000, bin_id: 0 });
        assert.equal(played.written, answer, `with ${deviate.join(',') || 'no deviation'}`);
        assert.match(played.plan.notes.join('\n'), /judged through the check after it/);
      } finally {
        await served.emulator.close();
      }
    }
  });
});
