// What a rig's own requests publish on the Log Publisher (docs/rig-control.md, "What the rig reports"), learned once a
// run before the first scenario: a line after a call that reads as the report of an arrangement is excused as the
// arrangement's only when this rig publishes that kind of report. Against a rig that publishes none, a fault that
// publishes the port's state as it stands (the very line a PUT would report) is the controller's, and fails.

import { parseSegment, RIG_REPORT_KINDS, type RigReportKind } from '../log-publisher/listener.ts';
import type { PortState } from '../model.ts';
import { statesBefore } from '../spec.ts';
import type { RigClient } from './rig.ts';

export { RIG_REPORT_KINDS, type RigReportKind };

/** What the rig reports, and how the harness knows it (for the run's output and the evidence). */
export interface LearnedReports {
  readonly reports: readonly RigReportKind[];
  /**
   * Declared: every report is in GET /events by the time the request that caused it has answered, so none can come
   * after a call (the harness reads GET /events before its call, and the stream up to those lines).
   */
  readonly beforeAnswer?: boolean;
  readonly how: 'declared' | 'seen';
  /** How long the harness watched GET /events for them (seen only). */
  readonly watchedMs?: number;
}

/** A port and bin for the probe that nothing else of the run uses at that moment. */
export interface ProbePorts {
  /** Given an AutoCase state with a bin of its own: its state, the states on the way, its bin. */
  readonly put: number;
  /** Given a state, then taken away: its removal. */
  readonly removed: number;
}

const PROBE_BIN = 3_999_917;
const PROBE_OTHER_BIN = 3_999_919;
/** Lines after the reset that are read against the port they name, to tell a restored state's report. */
const MAX_RESET_LINES_READ = 8;

/**
 * What the rig publishes of its own requests: what it declares (GET /reports, an optional endpoint), or else what it
 * is seen to publish within `watchMs` (timeouts.log_ms, the window in which a late report is excused), in two phases
 * read through GET /events:
 * 1. after a reset, two PUTs and a DELETE on `ports`: until every line a rig reporting everything would publish has
 *    come, or the window is over;
 * 2. after a reset that restores those two ports (a rig may report only the ports it changes): until the restored
 *    state of both has come, or the window is over.
 * A report of the first phase that comes late, in the second, still counts. A rig that publishes nothing costs two
 * windows, once a run. Throws a RigError when the rig does not do what rig-control.md fixes.
 */
export async function learnRigReports(
  rig: RigClient,
  ports: ProbePorts,
  watchMs: number,
): Promise<LearnedReports> {
  const declared = await rig.declaredReports();
  if (declared) return { ...declared, how: 'declared' };
  const began = performance.now();
  await rig.reset();
  const probe = new Probe(rig, ports, await rig.getPort(ports.put), await rig.getPort(ports.removed));
  await rig.putPort(ports.put, probe.given);
  await rig.putPort(ports.removed, probe.other);
  await rig.deletePort(ports.removed);
  await probe.watch(watchMs, () => probe.changesAllSeen());
  await rig.reset();
  await probe.watch(watchMs, () => probe.restoresAllSeen());
  return {
    reports: RIG_REPORT_KINDS.filter((kind) => probe.seen.has(kind)),
    how: 'seen',
    watchedMs: Math.round(performance.now() - began),
  };
}

const POLL_MS = 25;

/** The probe's requests, and the lines seen of them. */
class Probe {
  readonly given: PortState = {
    type: 'AC',
    mode: 'OPEN',
    selected_bin: PROBE_BIN,
    case_state: 'ERSO',
    case_error: true,
  };
  /** Given to the port then taken away. */
  readonly other: PortState = {
    ...this.given,
    selected_bin: PROBE_OTHER_BIN,
    case_state: 'NOOP',
    case_error: false,
  };
  readonly seen = new Set<RigReportKind>();
  /** The lines seen, as text: each is classified once. */
  private readonly lines = new Set<string>();
  /** Ports as the reset restores them: the probe's two read at the start, any other read when a line names it. */
  private readonly restoredOf: Map<number, PortState | undefined>;
  private readsLeft = MAX_RESET_LINES_READ;

  constructor(
    private readonly rig: RigClient,
    private readonly ports: ProbePorts,
    restoredPut: PortState | undefined,
    restoredRemoved: PortState | undefined,
  ) {
    this.restoredOf = new Map([
      [ports.put, restoredPut],
      [ports.removed, restoredRemoved],
    ]);
  }

  /** Every line a rig that reports all it does publishes of the two PUTs and the DELETE. */
  changesAllSeen(): boolean {
    const { put, removed } = this.ports;
    return (
      [
        `AC,${put},${PROBE_BIN},ERSO`,
        `AC,${put},${PROBE_BIN},EREQ`,
        `AC,${removed},${PROBE_OTHER_BIN},NOOP`,
        `AC,${removed},0,NOOP`,
      ].every((line) => this.lines.has(line)) &&
      this.binSeen(PROBE_BIN) &&
      this.binSeen(PROBE_OTHER_BIN)
    );
  }

  /** The restored state of both probe ports that the reset gives an AutoCase. */
  restoresAllSeen(): boolean {
    return [this.ports.put, this.ports.removed].every((port) => {
      const state = this.restoredOf.get(port);
      return (
        state?.type !== 'AC' || this.lines.has(`AC,${port},${state.selected_bin ?? 0},${state.case_state}`)
      );
    });
  }

  private binSeen(bin: number): boolean {
    return [...this.lines].some((line) => {
      const segment = parseSegment(line);
      return segment.tag === 'BM' && segment.bin === bin;
    });
  }

  /** GET /events until `done` or `ms` is over; each new line classified. */
  async watch(ms: number, done: () => boolean): Promise<void> {
    const deadline = performance.now() + ms;
    for (let i = 0; i <= ms / POLL_MS + 1; i++) {
      for (const line of await this.rig.events()) {
        if (this.lines.has(line)) continue;
        this.lines.add(line);
        const kind = await this.kindOf(line);
        if (kind) this.seen.add(kind);
      }
      if (done() || performance.now() >= deadline) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, deadline - performance.now())));
    }
  }

  /** Which report `line` is of the probe's requests, if any. */
  private async kindOf(text: string): Promise<RigReportKind | undefined> {
    const segment = parseSegment(text);
    if (segment.tag === 'BM')
      return segment.bin === PROBE_BIN || segment.bin === PROBE_OTHER_BIN ? 'bin' : undefined;
    if (segment.tag !== 'AC') return undefined;
    const { put, removed } = this.ports;
    if (
      (segment.port === put && segment.bin === PROBE_BIN && segment.state === this.given.case_state) ||
      (segment.port === removed && segment.bin === PROBE_OTHER_BIN && segment.state === this.other.case_state)
    )
      return 'state';
    if (
      segment.port === put &&
      segment.bin === PROBE_BIN &&
      (statesBefore(this.given.case_state) as readonly string[]).includes(segment.state)
    )
      return 'on-the-way';
    if (segment.port === removed && segment.bin === 0 && segment.state === 'NOOP') return 'removal';
    // a port as the reset restored it: the probe changes no other port
    if (!this.restoredOf.has(segment.port)) {
      if (this.readsLeft <= 0) return undefined;
      this.readsLeft--;
      this.restoredOf.set(segment.port, await this.rig.getPort(segment.port));
    }
    const restored = this.restoredOf.get(segment.port);
    return restored?.type === 'AC' &&
      segment.state === restored.case_state &&
      segment.bin === (restored.selected_bin ?? 0)
      ? 'reset'
      : undefined;
  }
}

/** The run's output line about it. */
export function describeLearned(learned: LearnedReports, rigUrl: string): string {
  const what =
    learned.reports.length === 0
      ? 'nothing on the Log Publisher'
      : learned.reports.map((kind) => REPORT_WORDS[kind]).join('; ');
  const how =
    learned.how === 'declared'
      ? `${learned.beforeAnswer && learned.reports.length > 0 ? ' before they answer,' : ''} as it declares (GET /reports)`
      : ` as seen in ${learned.watchedMs} ms after two PUTs, a DELETE and a reset`;
  const excused =
    lateKinds(learned).length === 0
      ? 'a line after a call is never excused as an arrangement report'
      : 'only such lines are excused as arrangement reports when they come after a call';
  return `rig: ${rigUrl}'s own requests publish ${what},${how}: ${excused}`;
}

const REPORT_WORDS: Readonly<Record<RigReportKind, string>> = {
  state: 'a PUT the AC line of the state it gives',
  'on-the-way': 'a PUT the AC lines of the states on the way to it',
  bin: 'a PUT the BM line of the bin it selects',
  removal: 'a DELETE AC,<port>,0,NOOP',
  reset: 'a reset the AC lines of the ports it restores',
};

/** What a rig declares of its own reports (GET /reports). */
export interface RigDeclaration {
  readonly reports: RigReportKind[];
  readonly beforeAnswer: boolean;
}

/**
 * A declaration of GET /reports read, `{"reports": [<kind>, ...], "before_answer": <boolean>}` (before_answer may be
 * left out: false): undefined when it is not one (then the harness looks for itself).
 */
export function readDeclaration(value: unknown): RigDeclaration | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { reports, before_answer: beforeAnswer } = value as { reports?: unknown; before_answer?: unknown };
  if (!Array.isArray(reports)) return undefined;
  if (!reports.every((kind) => (RIG_REPORT_KINDS as readonly unknown[]).includes(kind))) return undefined;
  if (beforeAnswer !== undefined && typeof beforeAnswer !== 'boolean') return undefined;
  return {
    reports: RIG_REPORT_KINDS.filter((kind) => reports.includes(kind)),
    beforeAnswer: beforeAnswer === true,
  };
}

/** The kinds of report that may come after a call, and so are excused there: none for a rig that reports in time. */
export function lateKinds(learned: LearnedReports): readonly RigReportKind[] {
  return learned.beforeAnswer ? [] : learned.reports;
}
