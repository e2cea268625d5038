// What a rig's own requests publish, learned before the first scenario: declared (GET /reports), or seen. Only the
// kinds seen are excused later as an arrangement's late report (harness-late-arrangement.test.ts).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startEmulator } from '../emulator/index.ts';
import { RigClient, RigError } from '../support/arrange/rig.ts';
import {
  describeLearned,
  lateKinds,
  learnRigReports,
  type RigReportKind,
} from '../support/arrange/rig-reports.ts';
import type { CaseState, PortState } from '../support/model.ts';
import { statesBefore } from '../support/spec.ts';
import { closeClient } from '../support/wire/exchange.ts';

const NOOP: PortState = {
  type: 'AC',
  mode: 'OPEN',
  selected_bin: null,
  case_state: 'NOOP',
  case_error: false,
};

/** The probe's ports as the vendor's sample has them: port 4 extracting bin 101337, port 5 idle. */
const SAMPLE_SITE: readonly [number, PortState][] = [
  [4, { ...NOOP, selected_bin: 101337, case_state: 'ERSO', case_error: true }],
  [5, NOOP],
];

interface FakeOptions {
  /** Each line goes out this long after the request. */
  readonly delayMs?: number;
  /**
   * Reports only what changes (a PUT that leaves the state and bin as they were publishes nothing), and the states on
   * the way only from idle (NOOP, or no AutoCase), as the independent controller's rig does.
   */
  readonly changeOnly?: boolean;
  readonly site?: readonly [number, PortState | undefined][];
  /** Port 1500 moving by itself: its line after each request, as the site's own traffic. */
  readonly noise?: boolean;
  /** The only case states whose line a PUT publishes (a rig that reports some states and not others). */
  readonly statesReported?: readonly CaseState[];
  /** The states on the way are published only for an operation without error. */
  readonly pathWithoutErrorOnly?: boolean;
  /** The reset publishes every AutoCase port of its site, changed or not, one by one, this far apart. */
  readonly resetSpacingMs?: number;
}

/**
 * A rig in memory that reports what it is told to, as a controller would publish it. Its reset reports only the ports
 * it changes back (as a rig may).
 */
class FakeRig {
  readonly site: Map<number, PortState>;
  private ports: Map<number, PortState>;
  private log: string[] = [];
  readonly requests: string[] = [];

  constructor(
    private readonly reports: readonly RigReportKind[],
    private readonly options: FakeOptions = {},
  ) {
    const site = options.site ?? [
      [4, NOOP],
      [5, { ...NOOP, selected_bin: 5001, case_state: 'ECMP' }],
    ];
    this.site = new Map(
      [...site, [1500, NOOP] as const].filter(
        (entry): entry is [number, PortState] => entry[1] !== undefined,
      ),
    );
    this.ports = new Map(this.site);
  }

  /** Into the log of the moment it goes out: a reset empties the log, and a line published late lands after it. */
  private publish(lines: readonly string[]): void {
    const all = this.options.noise ? [...lines, 'AC,1500,0,NOOP'] : lines;
    const out = () => this.log.push(...all);
    const delay = this.options.delayMs ?? 0;
    if (delay > 0) setTimeout(out, delay);
    else out();
  }

  private has(kind: RigReportKind): boolean {
    return this.reports.includes(kind);
  }

  async declaredReports(): Promise<undefined> {
    this.requests.push('GET /reports');
    return undefined;
  }
  async reset(): Promise<void> {
    this.requests.push('POST /reset');
    const changed = [...this.site].filter(
      ([id, state]) => JSON.stringify(this.ports.get(id)) !== JSON.stringify(state),
    );
    this.ports = new Map(this.site);
    this.log = [];
    const spacing = this.options.resetSpacingMs;
    const lines = this.has('reset')
      ? (spacing === undefined ? changed : [...this.site])
          .filter(([, s]) => s.type === 'AC')
          .map(([id, s]) => `AC,${id},${s.selected_bin ?? 0},${s.case_state}`)
      : [];
    if (spacing === undefined) this.publish(lines);
    else for (const [i, line] of lines.entries()) setTimeout(() => this.log.push(line), spacing * (i + 1));
  }
  async getPort(id: number): Promise<PortState | undefined> {
    this.requests.push(`GET /ports/${id}`);
    return this.ports.get(id);
  }
  /** Thrown by the first PUT, when set. */
  refusePut: Error | undefined;

  async putPort(id: number, state: PortState): Promise<void> {
    this.requests.push(`PUT /ports/${id}`);
    if (this.refusePut) throw this.refusePut;
    const before = this.ports.get(id);
    this.ports.set(id, state);
    const moved = !this.options.changeOnly || before?.type !== 'AC' || before.case_state !== state.case_state;
    const binMoved = !this.options.changeOnly || before?.selected_bin !== state.selected_bin;
    const lines: string[] = [];
    const fromIdle = before?.type !== 'AC' || before.case_state === 'NOOP';
    const pathShown = !this.options.pathWithoutErrorOnly || !state.case_error;
    if (this.has('on-the-way') && moved && pathShown && (fromIdle || !this.options.changeOnly))
      for (const passed of statesBefore(state.case_state))
        lines.push(`AC,${id},${state.selected_bin ?? 0},${passed}`);
    const shown = this.options.statesReported?.includes(state.case_state) ?? true;
    if (this.has('state') && moved && shown)
      lines.push(`AC,${id},${state.selected_bin ?? 0},${state.case_state}`);
    if (this.has('bin') && binMoved && state.selected_bin !== null) lines.push(`BM,${state.selected_bin},O`);
    this.publish(lines);
  }
  async deletePort(id: number): Promise<void> {
    this.requests.push(`DELETE /ports/${id}`);
    this.ports.delete(id);
    this.publish(this.has('removal') ? [`AC,${id},0,NOOP`] : []);
  }
  async events(): Promise<string[]> {
    return [...this.log];
  }
}

const learn = (rig: FakeRig, watchMs = 120) =>
  learnRigReports(rig as unknown as RigClient, { put: 4, removed: 5 }, watchMs);

describe('what a rig reports of its own requests, seen', () => {
  it('a rig that reports nothing: nothing, after watching both windows', async () => {
    const rig = new FakeRig([]);
    const learned = await learn(rig, 60);
    assert.deepEqual(learned.reports, []);
    assert.equal(learned.how, 'seen');
    assert.ok((learned.watchedMs ?? 0) >= 110, `watched ${learned.watchedMs} ms`);
  });

  for (const kind of ['state', 'on-the-way', 'bin', 'removal', 'reset'] as const)
    for (const site of [undefined, SAMPLE_SITE])
      it(`a rig that reports only ${kind}, and only what changes: that kind (probe ports reset to ${site ? 'the sample: 4 in ERSO, 5 idle' : '4 idle, 5 completed'})`, async () => {
        assert.deepEqual((await learn(new FakeRig([kind], { changeOnly: true, site }))).reports, [kind]);
      });

  it('every kind, published 30 ms late: every kind, without watching the whole windows', async () => {
    const all = ['state', 'on-the-way', 'bin', 'removal', 'reset'] as const;
    const learned = await learn(new FakeRig(all, { delayMs: 30 }), 2000);
    assert.deepEqual(learned.reports, [...all]);
    assert.ok((learned.watchedMs ?? 0) < 1000, `watched ${learned.watchedMs} ms`);
  });

  it('a rig that reports only completed states, or the way only to an operation without error: still seen', async () => {
    const completed = new FakeRig(['state'], { changeOnly: true, statesReported: ['ECMP', 'ICMP'] });
    assert.deepEqual((await learn(completed)).reports, ['state']);
    const healthy = new FakeRig(['state', 'on-the-way'], { changeOnly: true, pathWithoutErrorOnly: true });
    assert.deepEqual((await learn(healthy)).reports, ['state', 'on-the-way']);
  });

  it('a reset that publishes its ports one by one is watched until its log stands still', async () => {
    const site: [number, PortState | undefined][] = [4, 5, 6, 7, 8, 9].map((port) => [port, NOOP]);
    const rig = new FakeRig(['state', 'reset'], { changeOnly: true, site, resetSpacingMs: 40 });
    await learn(rig, 2000);
    const after = (await rig.events()).length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal((await rig.events()).length, after, 'no line of the probe left to come');
  });

  it("the site's own traffic on another port is no report, not even a line of that port's state", async () => {
    assert.deepEqual((await learn(new FakeRig([], { noise: true }))).reports, []);
    assert.deepEqual((await learn(new FakeRig(['state'], { noise: true, changeOnly: true }))).reports, [
      'state',
    ]);
  });

  it("a reset's line of port 5 idle without a bin is the reset's, though a removal would read the same", async () => {
    const site: [number, PortState | undefined][] = [
      [4, { ...NOOP, type: 'CO' }],
      [5, NOOP],
    ];
    const learned = await learn(new FakeRig(['reset'], { changeOnly: true, site }));
    assert.ok(learned.reports.includes('reset'), JSON.stringify(learned));
    assert.ok(!learned.reports.includes('state'), JSON.stringify(learned));
  });

  it("probe ports that reset to no AutoCase port cannot show a reset's report: taken as made, and said", async () => {
    const site: [number, PortState | undefined][] = [
      [4, { ...NOOP, type: 'CO' }],
      [5, undefined],
    ];
    const learned = await learn(new FakeRig([], { site }), 40);
    assert.deepEqual(learned.reports, ['reset']);
    assert.deepEqual(learned.assumed, ['reset']);
    assert.match(describeLearned(learned, 'http://127.0.0.1:1/rig'), /taken as made/);
  });

  it('a rig that refuses a probe request (a 4xx): unwatched, every kind taken as reported, and said', async () => {
    const rig = new FakeRig(['state']);
    rig.refusePut = new RigError(
      'rig PUT /ports/4 answered 400: {"error":"no ERSO here"}, expected 204',
      400,
    );
    const learned = await learn(rig);
    assert.equal(learned.how, 'unwatched');
    assert.deepEqual(learned.reports, ['state', 'on-the-way', 'bin', 'removal', 'reset']);
    assert.deepEqual(lateKinds(learned), learned.reports);
    assert.match(
      describeLearned(learned, 'http://127.0.0.1:1/rig'),
      /could not watch them \(rig PUT \/ports\/4 answered 400/,
    );
    assert.equal(rig.requests.at(-1), 'POST /reset', 'the site is left as configured');
  });

  it('a rig that does not answer, or refuses the token: the run cannot be made', async () => {
    for (const error of [new RigError('rig PUT /ports/4: connection refused'), new RigError('401', 401)]) {
      const rig = new FakeRig([]);
      rig.refusePut = error;
      await assert.rejects(learn(rig), error);
    }
  });

  it('plays on the two ports given, and resets the rig before and after', async () => {
    const rig = new FakeRig([]);
    await learn(rig, 20);
    assert.deepEqual(
      rig.requests.filter((r) => r !== 'GET /events'),
      [
        'GET /reports',
        'POST /reset',
        'GET /ports/4',
        'GET /ports/5',
        'PUT /ports/4',
        'PUT /ports/4',
        'PUT /ports/4',
        'PUT /ports/4',
        'PUT /ports/4',
        'PUT /ports/4',
        'PUT /ports/5',
        'DELETE /ports/5',
        'PUT /ports/5',
        'POST /reset',
      ],
    );
  });
});

describe('what a rig reports of its own requests, declared (GET /reports)', () => {
  let server: Server;
  let base = '';
  let answer: { status: number; body: string } = { status: 404, body: '' };
  before(async () => {
    server = createServer((request, response) => {
      if (request.url?.endsWith('/reports')) {
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(answer.body);
        return;
      }
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rig`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await closeClient();
  });
  const rig = () => new RigClient(base, { timeoutMs: 2000 });

  it("the emulator declares its PUT's state line, published before the PUT answers: none can come late", async () => {
    const emulator = await startEmulator({ port: 0, quiet: true });
    try {
      const client = new RigClient(emulator.rigUrl ?? '', { timeoutMs: 2000 });
      const learned = await learnRigReports(client, { put: 4, removed: 5 }, 5000);
      assert.deepEqual(learned, { reports: ['state'], beforeAnswer: true, how: 'declared' });
      assert.deepEqual(lateKinds(learned), []);
      // and so it does: the line is in GET /events as the PUT answers, and a DELETE and a reset publish nothing
      await client.reset();
      await client.putPort(4, { ...NOOP, selected_bin: 7, case_state: 'IREQ' });
      assert.deepEqual(await client.events(), ['AC,4,7,IREQ']);
      await client.deletePort(4);
      await client.reset();
      assert.deepEqual(await client.events(), []);
    } finally {
      await emulator.close();
    }
  });

  it('a declaration is read as given, in the harness order', async () => {
    answer = { status: 200, body: '{"reports": ["reset", "state"]}' };
    assert.deepEqual(await rig().declaredReports(), { reports: ['state', 'reset'], beforeAnswer: false });
    answer = { status: 200, body: '{"reports": ["state"], "before_answer": true}' };
    assert.deepEqual(await rig().declaredReports(), { reports: ['state'], beforeAnswer: true });
    assert.deepEqual(lateKinds({ reports: ['state'], how: 'declared' }), ['state']);
  });

  it('no endpoint, or an answer that is not a declaration: undefined (the harness looks for itself)', async () => {
    for (const given of [
      { status: 404, body: '' },
      { status: 405, body: '' },
      { status: 500, body: '' },
      { status: 200, body: 'not json' },
      { status: 200, body: '{"reports": ["state", "everything"]}' },
      { status: 200, body: '{"reports": "state"}' },
      { status: 200, body: '{}' },
      { status: 200, body: '{"reports": [], "before_answer": "yes"}' },
    ]) {
      answer = given;
      assert.equal(await rig().declaredReports(), undefined, JSON.stringify(given));
    }
  });

  it('a refused token is said as it is', async () => {
    answer = { status: 401, body: '{"error":"token"}' };
    await assert.rejects(rig().declaredReports(), /401/);
  });
});
