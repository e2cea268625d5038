// What a rig's own requests publish on the Log Publisher (docs/rig-control.md, "What the rig reports"), learned once a
// run before the first scenario: a line after a call that reads as the report of an arrangement is excused as the
// arrangement's only when this rig publishes that kind of report. Against a rig that publishes none, a fault that
// publishes the port's state as it stands (the very line a PUT would report) is the controller's, and fails.

import { parseSegment, RIG_REPORT_KINDS, type RigReportKind } from '../log-publisher/listener.ts';
import type { CaseState, PortState } from '../model.ts';
import { statesBefore } from '../spec.ts';
import { type RigClient, RigError } from './rig.ts';

export { RIG_REPORT_KINDS, type RigReportKind };

/** What the rig reports, and how the harness knows it (for the run's output and the evidence). */
export interface LearnedReports {
  readonly reports: readonly RigReportKind[];
  /**
   * Declared: every report is in GET /events by the time the request that caused it has answered, so none can come
   * after a call (the harness reads GET /events before its call, and the stream up to those lines).
   */
  readonly beforeAnswer?: boolean;
  /** unwatched: a probe request was refused (`refused` says which), so every kind is taken as reported. */
  readonly how: 'declared' | 'seen' | 'unwatched';
  readonly refused?: string;
  /** How long the harness watched GET /events for them, and after how many PUTs (seen only). */
  readonly watchedMs?: number;
  readonly puts?: number;
  /** Kinds the probe could not show either way, taken as reported (the lenient side: no false FAIL). */
  readonly assumed?: readonly RigReportKind[];
}

/** A port and bin for the probe that nothing else of the run uses at that moment. */
export interface ProbePorts {
  /** Moved from idle to three operations in turn, a bin each: their states, the states on the way, the bins. */
  readonly put: number;
  /** Given a state, then taken away: its removal. */
  readonly removed: number;
}

const PROBE_BIN = 3_999_917;
const PROBE_OTHER_BIN = 3_999_919;
const PROBE_IDLE_BIN = 3_999_915;
const POLL_MS = 25;
const QUIET_MS = 200;

/**
 * What the rig publishes of its own requests: what it declares (GET /reports, an optional endpoint), or else what it
 * is seen to publish within `watchMs` (timeouts.log_ms, the window in which a late report is excused), in two phases
 * read through GET /events:
 * 1. after a reset, PUTs that move port `put` from idle to three operations in turn, a bin each (underWayStates:
 *    each a change whatever the reset left, since a rig may report only changes, some states and not others, and the
 *    states on the way only from idle), a PUT of port `removed`, its DELETE, and a PUT that brings it back in another
 *    state: until every line a rig reporting everything would publish has come and the log has stood still, or the
 *    window is over;
 * 2. after a reset, which moves both back (from case states other than the ones it restores, so that a rig that
 *    reports only changes reports them): until the restored line of each that the reset gives an AutoCase has come,
 *    or the window is over. When neither is an AutoCase port once reset, a reset's report cannot be seen: it is taken
 *    as reported (`assumed`, the lenient side).
 * Only the probe's ports and bins count: lines about other ports are the site's own traffic. A report of the first
 * phase that comes late, in the second, still counts. A rig that publishes nothing costs two windows, once a run.
 * A probe request the rig refuses (a 4xx other than 401: a rig that will not take one of these states, say) leaves
 * it unwatched: every kind is taken as reported, as before the harness looked, and the line says so. Throws a
 * RigError when the rig cannot be reached or refuses the token.
 */
export async function learnRigReports(
  rig: RigClient,
  ports: ProbePorts,
  watchMs: number,
): Promise<LearnedReports> {
  const declared = await rig.declaredReports();
  if (declared) return { ...declared, how: 'declared' };
  try {
    return await watchRig(rig, ports, watchMs);
  } catch (error) {
    const status = error instanceof RigError ? error.status : undefined;
    if (status === undefined || status === 401 || status < 400 || status >= 500) throw error;
    await rig.reset().catch(() => undefined);
    return { reports: [...RIG_REPORT_KINDS], how: 'unwatched', refused: (error as Error).message };
  }
}

async function watchRig(rig: RigClient, ports: ProbePorts, watchMs: number): Promise<LearnedReports> {
  const began = performance.now();
  await rig.reset();
  const probe = new Probe(ports, await rig.getPort(ports.put), await rig.getPort(ports.removed));
  for (const [port, state] of probe.before) await rig.putPort(port, state);
  probe.removalAfter(await rig.events());
  await rig.deletePort(ports.removed);
  for (const [port, state] of probe.after) await rig.putPort(port, state);
  await probe.watch(rig, watchMs, 'changes');
  await rig.reset();
  // where no probe port can show a reset's report, the watch only waits for the log to stand still
  await probe.watch(rig, watchMs, 'reset');
  const assumed: RigReportKind[] = probe.resetShows() ? [] : ['reset'];
  return {
    reports: RIG_REPORT_KINDS.filter((kind) => probe.seen.has(kind) || assumed.includes(kind)),
    how: 'seen',
    watchedMs: Math.round(performance.now() - began),
    puts: probe.before.length + probe.after.length,
    ...(assumed.length > 0 ? { assumed } : {}),
  };
}

/** An AutoCase port's report of its state, as a controller writes it (bin 0 for none). */
function acLine(port: number, state: Pick<PortState, 'selected_bin' | 'case_state'>): string {
  return `AC,${port},${state.selected_bin ?? 0},${state.case_state}`;
}

/** acLine, for a port that may be of another type or absent: undefined for one with no AutoCase. */
function stateLine(port: number, state: PortState | undefined): string | undefined {
  return state?.type === 'AC' ? acLine(port, state) : undefined;
}

/** A state of the probe's: an AutoCase port, OPEN, the bin given selected. */
function probeState(bin: number, caseState: CaseState, caseError = false): PortState {
  return { type: 'AC', mode: 'OPEN', selected_bin: bin, case_state: caseState, case_error: caseError };
}

/**
 * The operations port `put` is moved to, each from idle: an extraction ready to send out (in error, so that an
 * AutoCase that moves by itself stays), an extraction and an insertion completed (without error), as arrangements
 * give them. A rig may report some states and not others; each is tried. The last is one the reset does not leave
 * (so that a rig reporting only changes reports the reset's move back).
 */
function underWayStates(restored: PortState | undefined): PortState[] {
  // a bin each, so that one's state line is never another's state on the way (ERSO on the way to ECMP)
  const states = [
    probeState(PROBE_BIN, 'ERSO', true),
    probeState(PROBE_BIN + 10, 'ECMP'),
    probeState(PROBE_BIN + 20, 'ICMP'),
  ];
  const last = states.at(-1);
  return restored?.type === 'AC' && restored.case_state === last?.case_state ? states.reverse() : states;
}

/** An operation under way in a case state other than `restored`'s. */
function underWay(restored: PortState | undefined, bin: number): PortState {
  return probeState(bin, restored?.type === 'AC' && restored.case_state === 'ERSO' ? 'ICMP' : 'ERSO', true);
}

/** The probe's requests, and the lines seen of them. */
class Probe {
  /** The PUTs before the DELETE, in order. */
  readonly before: readonly (readonly [number, PortState])[];
  /** The PUT after it: the port taken away comes back in a case state the reset then changes. */
  readonly after: readonly (readonly [number, PortState])[];
  readonly seen = new Set<RigReportKind>();
  /** What the phase has read of GET /events (the log empties at a reset: the second phase reads a new one). */
  private read = 0;
  /** Copies of the removal line in the log before the DELETE went out: not the DELETE's. */
  private removalBefore = 0;
  private removals = 0;
  private readonly stateLines = new Set<string>();
  private readonly pathLines = new Set<string>();
  private readonly bins: readonly number[];
  private readonly resetLines: readonly string[];
  private readonly resetSeen = new Set<string>();
  private readonly seenLines = new Set<string>();
  private readonly seenBins = new Set<number>();

  constructor(
    private readonly ports: ProbePorts,
    restoredPut: PortState | undefined,
    restoredRemoved: PortState | undefined,
  ) {
    const idle = probeState(PROBE_IDLE_BIN, 'NOOP');
    this.before = [
      ...underWayStates(restoredPut).flatMap((state) => [
        [ports.put, idle] as const,
        [ports.put, state] as const,
      ]),
      [ports.removed, probeState(PROBE_OTHER_BIN, 'NOOP')],
    ];
    this.after = [[ports.removed, underWay(restoredRemoved, PROBE_OTHER_BIN)]];
    for (const [port, state] of [...this.before, ...this.after]) {
      this.stateLines.add(acLine(port, state));
      for (const passed of statesBefore(state.case_state))
        this.pathLines.add(acLine(port, { ...state, case_state: passed }));
    }
    this.bins = [...new Set([...this.before, ...this.after].map(([, state]) => state.selected_bin ?? 0))];
    this.resetLines = [stateLine(ports.put, restoredPut), stateLine(ports.removed, restoredRemoved)].filter(
      (line): line is string => line !== undefined,
    );
  }

  /** Whether the second reset moves a probe port back to an AutoCase state, whose report can then be seen. */
  resetShows(): boolean {
    return this.resetLines.length > 0;
  }

  /** The log as it stands before the DELETE: a removal line already in it is not the DELETE's. */
  removalAfter(log: readonly string[]): void {
    this.removalBefore = log.filter((line) => line === this.removalLine()).length;
  }

  private removalLine(): string {
    return acLine(this.ports.removed, { selected_bin: null, case_state: 'NOOP' });
  }

  /** GET /events until the phase has seen all it can, or `ms` is over; each new line classified. */
  async watch(rig: RigClient, ms: number, phase: 'changes' | 'reset'): Promise<void> {
    this.read = 0;
    const began = performance.now();
    const deadline = began + ms;
    let firstAfter: number | undefined;
    let lastAt = began;
    for (let i = 0; i <= ms / POLL_MS + 1; i++) {
      const log = await rig.events();
      const now = performance.now();
      if (log.length > this.read) {
        firstAfter ??= now - began;
        lastAt = now;
      }
      for (const line of log.slice(this.read)) this.classify(line, phase);
      this.read = Math.max(this.read, log.length);
      // done, and the log has stood still a while (as long as its first line took, 200 ms at least): a rig that
      // publishes the rest one by one is not left with lines in flight into the first scenario
      const quiet = now - lastAt >= Math.max(QUIET_MS, firstAfter ?? 0);
      if ((this.done(phase) && quiet) || now >= deadline) return;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(1, Math.min(POLL_MS, deadline - performance.now()))),
      );
    }
  }

  /** Every line a rig that reports everything publishes in the phase has come (then none is left in flight). */
  private done(phase: 'changes' | 'reset'): boolean {
    if (phase === 'reset') return this.resetLines.every((line) => this.resetSeen.has(line));
    return (
      [...this.stateLines, ...this.pathLines].every((line) => this.seenLines.has(line)) &&
      this.bins.every((bin) => this.seenBins.has(bin)) &&
      this.removals > this.removalBefore
    );
  }

  private classify(text: string, phase: 'changes' | 'reset'): void {
    this.seenLines.add(text);
    const segment = parseSegment(text);
    if (segment.tag === 'BM') {
      if (this.bins.includes(segment.bin)) {
        this.seenBins.add(segment.bin);
        this.seen.add('bin');
      }
      return;
    }
    if (this.stateLines.has(text)) this.seen.add('state');
    if (this.pathLines.has(text)) this.seen.add('on-the-way');
    const reset = phase === 'reset' && this.resetLines.includes(text);
    if (reset) {
      this.resetSeen.add(text);
      this.seen.add('reset');
    }
    if (text === this.removalLine()) {
      // the first phase: a copy beyond those in the log before the DELETE; the second: a late one, unless it is the
      // very line the reset reports (a removal later than the first phase's whole window is past what is excused)
      this.removals++;
      if (phase === 'reset' ? !reset : this.removals > this.removalBefore) this.seen.add('removal');
    }
  }
}

/** The run's output line about it. */
export function describeLearned(learned: LearnedReports, rigUrl: string): string {
  const what =
    learned.reports.length === 0
      ? 'nothing on the Log Publisher'
      : learned.reports.map((kind) => REPORT_WORDS[kind]).join('; ');
  const how =
    learned.how === 'unwatched'
      ? ` as far as the harness knows: it could not watch them (${learned.refused}), so every kind is taken as reported`
      : learned.how === 'declared'
        ? `${learned.beforeAnswer && learned.reports.length > 0 ? ' before they answer,' : ''} as it declares (GET /reports)`
        : ` as seen in ${learned.watchedMs} ms after ${learned.puts} PUTs, a DELETE and a reset${learned.assumed?.includes('reset') ? " (a reset's report taken as made: the probe's ports reset to no AutoCase port, so none could be seen)" : ''}`;
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

/** The kinds of report that may come after a call, and so are excused there: none for a rig that reports in time. */
export function lateKinds(learned: LearnedReports): readonly RigReportKind[] {
  return learned.beforeAnswer ? [] : learned.reports;
}
