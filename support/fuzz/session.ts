// One property's conversation with the target: arranging through the rig, calling, comparing every
// answer and read-back with the oracle, and keeping the current run's steps and exchanges as evidence.

import fc from 'fast-check';
import { misarranged, notAsAsked } from '../arrange/as-asked.ts';
import { EVENTS_POLL_MS } from '../arrange/events-wait.ts';
import {
  arrangementStep,
  type GetStep,
  portsRead,
  RigClient,
  type RigResult,
  type RigStep,
} from '../arrange/rig.ts';
import { BoundedMap } from '../bounded-map.ts';
import {
  ANY_REPORT,
  type Arranged,
  lateArrangementReport,
  parseSegment,
  Recent,
  RecentArrangements,
  type RigReportKind,
} from '../log-publisher/listener.ts';
import { DEFAULT_LOG_EXPECT_MS } from '../log-publisher/stream.ts';
import type {
  Answer,
  CallResult,
  Encoding,
  Exchange,
  ParamValue,
  PortState,
  TargetConfig,
} from '../model.ts';
import {
  describeFound,
  isReadProblem,
  movesAgain,
  readPort,
  samePort as sameFound,
} from '../site/read-port.ts';
import type { FoundPort } from '../site/site-map.ts';
import { inRange, withoutCancelSignals } from '../spec.ts';
import { buildParams, type ParamSpec } from '../vocabulary/params.ts';
import { callTask, type PlannedCall } from '../wire/task-call.ts';
import type { LiteralCall } from './arbitraries.ts';
import { type FoundSite, movedOnByItself } from './as-found.ts';
import { describeAnswer, describeExpected, type Expected, meets, type Sent, SiteModel } from './oracle.ts';

/** The same lines, each port's in the same order. */
export function sameLines(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  // each port's lines in the same order; the lines of different ports in any (nothing orders a controller's ports'
  // reports among themselves, and one that publishes each port from a task of its own interleaves them its own way)
  const byPort = (lines: readonly string[]) => {
    const ports = new Map<string, string[]>();
    for (const line of lines) {
      const segment = parseSegment(line);
      const key = segment.tag === 'AC' ? `AC,${segment.port}` : line;
      const port = ports.get(key);
      if (port) port.push(line);
      else ports.set(key, [line]);
    }
    return ports;
  };
  const left = byPort(a);
  const right = byPort(b);
  return (
    left.size === right.size &&
    [...left].every(([key, lines]) => {
      const other = right.get(key);
      return (
        other !== undefined && other.length === lines.length && lines.every((line, i) => line === other[i])
      );
    })
  );
}

/** Every one of `lines` among `segments`, as many times as it is listed. */
function holdsAll(segments: readonly string[], lines: readonly string[]): boolean {
  const left = [...segments];
  return lines.every((line) => {
    const at = left.indexOf(line);
    if (at >= 0) left.splice(at, 1);
    return at >= 0;
  });
}

/**
 * A run's calls owed Log Publisher lines that the read judging them did not hold yet, the first time on this target:
 * not a disagreement (a controller may publish a moment after it answers); the run is repeated once they are in.
 */
export class LateLines extends Error {
  constructor(readonly missing: readonly string[]) {
    super(`lines not yet published when read: ${JSON.stringify(missing)}`);
  }
}

/** The target and the oracle disagree: a counterexample (fast-check shrinks it). Anything else thrown is a harness or rig fault. */
export class Disagreement extends Error {
  override readonly name = 'Disagreement';
}

/**
 * The property cannot judge (INCONCLUSIVE): as found, a port could not be read (no answer, or one the harness cannot
 * read); with a rig (`rig`), the rig did not arrange a run's ports as asked (misarranged).
 */
export class CannotJudge extends Error {
  override readonly name = 'CannotJudge';
  constructor(
    message: string,
    readonly by: 'site' | 'rig' = 'site',
  ) {
    super(message);
  }
}

/** What one run did, in the words of the feature files, and the exchanges it made. */
export class RunRecord {
  readonly steps: string[] = [];
  readonly exchanges: Exchange[] = [];
  readonly model = new SiteModel();
}

function toSpec(sent: Sent): ParamSpec {
  if (sent === undefined) return { kind: 'missing' };
  return typeof sent === 'number' ? { kind: 'number', value: sent } : { kind: 'literal', text: sent };
}

type CancelRequest = PlannedCall & { readonly params: Record<string, ParamValue> };

/** A sent parameter in a key: its type and its text (4 and "4" are different requests). */
function sentKey(sent: Sent): string {
  return sent === undefined ? 'u' : `${typeof sent === 'number' ? 'n' : 's'}${sent}`;
}

/**
 * The cancel requests made so far, by encoding and values: a property's plan and its run get the very same object,
 * so that callTask sends the request prevalidateCalls wrote and validated ahead (wire/task-call.ts). Bounded.
 */
const cancelRequests = new BoundedMap<string, CancelRequest>(20_000);

/** The parameters of a case_cancel as sent, and whether the strict request schema must accept them. */
export function cancelRequest(port_id: Sent, bin_id: Sent, encoding: Encoding): CancelRequest {
  const key = `${encoding}\0${sentKey(port_id)}\0${sentKey(bin_id)}`;
  let request = cancelRequests.get(key);
  if (request === undefined) {
    request = writeCancelRequest(port_id, bin_id, encoding);
    cancelRequests.set(key, request);
  }
  return request;
}

function writeCancelRequest(port_id: Sent, bin_id: Sent, encoding: Encoding): CancelRequest {
  const { params, strict } = buildParams(
    [
      ['port_id', toSpec(port_id)],
      ['bin_id', toSpec(bin_id)],
    ],
    encoding,
    inRange,
  );
  return { method: 'case_cancel', params, encoding, strictRequest: strict };
}

const ESCAPES: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r', '\\': '\\\\' };
/** Characters a reader cannot see or tell from a space: written as `\u{A0}` (support/vocabulary/params.ts reads it). */
const INVISIBLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it names
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u00a0\u00ad\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u3000\ufeff]/gu;

/** A parameter as the feature files write it ({param} in parameters.feature): a number, missing, "XML text" or 'raw JSON'. */
export function writtenParam(sent: Sent, encoding: Encoding): string {
  if (sent === undefined) return 'missing';
  if (typeof sent === 'number') return String(sent);
  const quote = encoding === 'XML' ? '"' : "'";
  return (
    quote +
    sent
      .replace(/[\n\t\r\\]/g, (c) => ESCAPES[c] as string)
      .replace(INVISIBLE, (c) => `\\u{${(c.codePointAt(0) as number).toString(16).toUpperCase()}}`)
      .replaceAll(quote, `\\${quote}`) +
    quote
  );
}

/** A port state in the words of site.steps.ts. */
function portPhrase(state: PortState): string {
  const article = /^[AEIOU]/.test(state.type) ? 'an' : 'a';
  const selection = state.selected_bin === null ? 'no bin selected' : `bin ${state.selected_bin} selected`;
  const error = state.case_error ? 'in error' : 'without error';
  return `${article} ${state.type} port, ${state.mode}, with ${selection} and its case ${state.case_state} ${error}`;
}

export function givenPort(portId: number, state: PortState | null): string {
  return state === null
    ? `Given port ${portId} does not exist`
    : `Given port ${portId} is ${portPhrase(state)}`;
}

function describeState(state: PortState | null | undefined): string {
  if (state === undefined) return 'unknown';
  return state === null ? 'no such port' : portPhrase(state);
}

const PORT_FIELDS = ['type', 'mode', 'selected_bin', 'case_state', 'case_error'] as const;

function samePort(a: PortState | null, b: PortState | null): boolean {
  if (a === null || b === null) return a === b;
  return PORT_FIELDS.every((field) => a[field] === b[field]);
}

/** What came back, with what makes it wrong beyond its code: outside 1000-1999, HTTP status, broken envelope. */
function describeResult(result: CallResult): string {
  const response = result.exchange.response;
  if (!response) return `no answer (${result.exchange.error ?? 'transport failure'})`;
  const what = result.answer ? describeAnswer(result.answer) : 'no readable answer';
  const outside = result.answer?.kind === 'fault' && (result.answer.code < 1000 || result.answer.code > 1999);
  // the problems name a status other than 200 (a 5xx among them) and every break of the envelope
  const notes = [...(outside ? ['a code outside 1000-1999'] : []), ...result.problems];
  return notes.length === 0 ? what : `${what} (${notes.join('; ')})`;
}

/** The bucket an answer counts in for the self-diagnosis. */
function bucket(result: CallResult): string {
  if (result.answer) return describeAnswer(result.answer);
  const status = result.exchange.response?.status;
  return status === undefined ? 'no answer' : `HTTP ${status} without an answer`;
}

/**
 * A port read back through the rig, held to the state the oracle's model gave it: the step that says what it read,
 * or a Disagreement in the same words against what the specification says.
 */
function judgeReading(portId: number, result: RigResult | undefined, expected: PortState | null): string {
  if (result?.op !== 'get') throw new Error(`harness bug: no reading of port ${portId}`);
  const actual = result.state ?? null;
  if (!samePort(actual, expected)) {
    throw new Disagreement(
      `Then port ${portId} reads back as ${describeState(actual)}; the specification says ${describeState(expected)}`,
    );
  }
  return `Then port ${portId} reads back as ${describeState(actual)}`;
}

/** How a run opens: the site reset (the Log Publisher lines judged from there, or not), then these ports arranged. */
export interface Opening {
  readonly judgeEvents: boolean;
  readonly ports: readonly { readonly port_id: number; readonly state: PortState | null }[];
}

/**
 * The reads right after an opening's reset, of each port it arranges, when the run judges the Log Publisher lines and
 * the rig reports what its reset restores (`resetReports`): what the reset restored, which such a rig may report late
 * (FuzzSession.restoreReads). None otherwise.
 */
function restoreSteps(opening: Opening, resetReports: boolean): GetStep[] {
  if (!opening.judgeEvents || !resetReports) return [];
  return [...new Set(opening.ports.map(({ port_id }) => port_id))].map((portId) => ({ op: 'get', portId }));
}

/**
 * Of the lines after the arrangements (`seen`, in the order published), those the calls published: a line the calls
 * owe no more copies of than were published (`owed`, in the oracle's order) is the calls', and of a line published
 * more often than owed, a copy that `late` takes for an arrangement's late report is left out. Which copy: the ones
 * that do not fall into the owed order, each line matched to the next owed line first. A late report can come after
 * the call's own copy of the same text ([X by a call, Y by a call, X late] reads [X, Y]) or before it ([X late, X by a
 * call, Y] reads [X, Y] too); taking the first copy for the report had read the first as [Y, X], a false FAIL.
 */
export function withoutLateReports<Line extends { readonly line: string }>(
  seen: readonly Line[],
  owed: readonly string[],
  late: (line: Line) => boolean,
): string[] {
  const surplus = new Map<string, number>();
  for (const { line } of seen) surplus.set(line, (surplus.get(line) ?? 0) + 1);
  for (const line of owed) surplus.set(line, (surplus.get(line) ?? 0) - 1);
  const published: string[] = [];
  let next = 0;
  for (const one of seen) {
    if (one.line === owed[next]) {
      published.push(one.line);
      next++;
      continue;
    }
    const extra = surplus.get(one.line) ?? 0;
    if (extra > 0 && late(one)) surplus.set(one.line, extra - 1);
    else published.push(one.line);
  }
  return published;
}

/** Ports as a reset restored them (read right after it): a rig that reports its reset publishes these. */
function asRestored(read: readonly [number, PortState | null][]): Arranged[] {
  return read.map(([port, state]) => [port, state, 'restored']);
}

export interface RigAccess {
  readonly url: string;
  readonly token?: string;
}

/** A port as found, in a Given step. */
function foundStep(portId: number, port: FoundPort | null): string {
  return port === null
    ? `Given port ${portId} does not exist (getportstatus answers 1000)`
    : `Given port ${portId} reads as ${describeFound(port)} (the AutoCase error flag is not shown)`;
}

/** Reads in flight at once when the ports of the runs are read ahead: as many as discovery (support/site/discover.ts). */
const READ_AHEAD = 16;

/** A port as read, in words. */
function describeReading(port: FoundPort | null): string {
  return port === null ? 'no port (getportstatus answers 1000)' : describeFound(port);
}

/** Where an answer as found came from, for a disagreement. */
function asRead(portId: number, port: FoundPort | null): string {
  return `on port ${portId}, read right before as ${describeReading(port)}`;
}

export class FuzzSession {
  readonly hasRig: boolean;
  /** Answers of every case_cancel of the property, by kind: what the self-diagnosis looks at. */
  readonly answers = new Map<string, number>();
  calls = 0;
  /** As found: the read calls made (getportstatus, case_getstate), and the runs not sent because their port had moved. */
  reads = 0;
  moved = 0;
  /** As found: every port a call addressed, as it read the first time in this property (the end compares with it). */
  private readonly firstReadings = new Map<number, FoundPort | null>();
  /** As found: each port's latest reading, and the ports seen to move between two calls (no fault of the target's). */
  private readonly lastReadings = new Map<number, FoundPort | null>();
  readonly movedBetweenCalls = new Map<number, string>();
  /**
   * As found: how a port read when last read before the property (by the scenarios, or discovery), undefined when it
   * never was: a port that reads otherwise at the property's first reading moved by itself (movedBetweenCalls).
   */
  lastKnown?: (portId: number) => FoundPort | null | undefined;
  /** Sees every exchange of every run as it happens (the tests compare two runs with it). */
  onExchange?: (exchange: Exchange) => void;
  private current = new RunRecord();
  private readonly rigClient?: RigClient;
  /**
   * The rig steps not sent yet: a run's reset and arrangements go together in one POST /batch (rig-control.md)
   * right before the next call or read, whose order they keep; one at a time to a rig without it.
   */
  private queued: RigStep[] = [];
  /**
   * Reads of a port in the middle of a run (expectPort), queued with what follows them rather than sent alone: each
   * its step in the queue, the state the oracle's model gave the port when it was read, and its line in the run's
   * steps; judged, in order, when the request that carries them comes back (one request fewer a read).
   */
  private deferredReads: {
    readonly step: RigStep;
    readonly portId: number;
    readonly expected: PortState | null;
    readonly line: number;
  }[] = [];

  constructor(
    private readonly target: TargetConfig,
    readonly encoding: Encoding,
    rig: RigAccess | undefined,
    /** How long a Log Publisher line may take after its answer (the profile's timeouts.log_ms), as the scenarios wait. */
    private readonly logExpectMs = DEFAULT_LOG_EXPECT_MS,
    /**
     * The arrangements of the last logExpectMs, of its runs and of what ran before it in the process (the scenarios',
     * another property's): a rig may report any of them late, in any run (lateArrangementReport).
     */
    private readonly recentRuns = new RecentArrangements(),
    /** The kinds of report the rig publishes of its own requests (rig-reports.ts): only those are excused. */
    private readonly reports: ReadonlySet<RigReportKind> = ANY_REPORT,
  ) {
    this.hasRig = rig !== undefined;
    if (rig) {
      // Its own rig client: the exchanges of thousands of runs go to the run record, not to the report.
      this.rigClient = new RigClient(rig.url, {
        token: rig.token,
        timeoutMs: target.timeoutMs,
        record: this.record,
      });
    }
  }

  /**
   * keep() as the wire's record callback, made once a session: a closure made at each call gets a name through tsx's
   * helper (keepNames), a property definition that cost more than the rest of the call's bookkeeping in profiles.
   */
  private readonly record = (exchange: Exchange): void => this.keep(exchange);

  private keep(exchange: Exchange): void {
    this.current.exchanges.push(exchange);
    this.onExchange?.(exchange);
  }

  /** A fresh record (and oracle model) for the next run. */
  begin(): RunRecord {
    const now = performance.now();
    // the lines the last run's calls owed: one may come so late that it lands in a later run (a run takes a few ms)
    this.recentCallLines.add([...this.current.model.events], this.logExpectMs, now);
    this.current = new RunRecord();
    // the arrangements of the runs of the last logExpectMs too: their reports may come after this run's reset
    this.recentRuns.add(this.arrangedInRun, this.logExpectMs, now);
    this.runBegan = now;
    this.arrangedLately = undefined;
    this.arrangedInRun = [];
    this.askedInRun = new Map();
    this.awaited = false;
    this.lastEvents = undefined;
    this.deferredReads = []; // a run that ended early leaves its reads unjudged: never judged in another run
    this.restoreReads = [];
    return this.current;
  }

  private get model(): SiteModel {
    return this.current.model;
  }

  private step(line: string): void {
    this.current.steps.push(line);
  }

  private rig(): RigClient {
    if (!this.rigClient) throw new Error('harness bug: a property that needs a rig ran without one');
    return this.rigClient;
  }

  /** Back to the configured site, no events: each run starts from the same place (sent with what follows it). */
  async reset(options: { readonly judgeEvents?: boolean } = {}): Promise<void> {
    this.rig();
    this.queued.push({ op: 'reset' });
    // after a reset the event log is empty (rig-control.md): no line to read before the first arrangement
    this.arrangementLines = options.judgeEvents ? { at: new Set(), known: 0, pending: false } : undefined;
  }

  /**
   * When the run judges the Log Publisher lines: the positions (in GET /events) of the lines the rig's own
   * arrangements published (rig-control.md: a PUT may publish), never the target's answer to a call; how many
   * lines there are, while no call has been made since they were read (undefined: read again); and whether
   * arrangements are queued whose lines are still to be counted.
   */
  private arrangementLines?: {
    readonly at: Set<number>;
    known: number | undefined;
    pending: boolean;
    /** The step queued to count the lines before the arrangements (when not known), wherever it stands in the queue. */
    before?: RigStep;
    /** The lines the run's calls owed when `before` was queued: all of them must be in it. */
    owedBefore?: readonly string[];
  };

  /**
   * A run's opening: back to the configured site, then these ports arranged. Sent with the run's first call, or
   * already sent with the previous run's last read-back (prepareNext) when it is exactly this one.
   */
  async open(opening: Opening): Promise<void> {
    await this.reset({ judgeEvents: opening.judgeEvents });
    // judged lines: each port as the reset left it, read right after it in the same request (restoreSteps)
    for (const step of restoreSteps(opening, this.reports.has('reset'))) {
      this.queued.push(step);
      this.restoreReads.push(step);
    }
    for (const { port_id, state } of opening.ports) await this.arrange(port_id, state);
  }

  /**
   * The reads of this run's opening that see its ports as the reset restored them: a rig may publish those states a
   * moment after it answered (rig-control.md does not forbid it), and such a late report is the reset's, not a call's
   * (publishedByCalls, through arrangedInRun), as the scenarios' RigArranger excuses it.
   */
  private restoreReads: GetStep[] = [];

  /**
   * The opening of the run that should come next (the runs ahead are known from the seed), or undefined. The run's
   * last read-back (readBack with last) then carries it to a rig that takes POST /batch: one request fewer a run.
   * The next run uses it only if its own opening is exactly this one and nothing was sent in between; otherwise
   * (a failure being shrunk, another value) it opens as usual, its reset undoing this one.
   */
  prepareNext(opening: Opening | undefined): void {
    this.nextOpening = opening;
  }

  private nextOpening?: Opening;
  /** The opening sent ahead: its steps, the Log Publisher lines after it (judgeEvents), and the exchange that sent it. */
  private prepared?: {
    readonly steps: string;
    readonly count: number;
    readonly events?: number;
    readonly exchange?: Exchange;
    /** Its ports as its reset left them (restoreSteps). */
    readonly restored: readonly Arranged[];
    /** Its ports as it arranged them. */
    readonly arranged: readonly Arranged[];
  };

  /**
   * The opening sent ahead is not this run's (a run that shrinks a failure opens otherwise, or the site moved on): the
   * rig did arrange it all the same, and may report it late, so its arrangements join the window of recent ones.
   */
  private dropPrepared(): void {
    const prepared = this.prepared;
    if (!prepared) return;
    this.prepared = undefined;
    this.recentRuns.add([...prepared.restored, ...prepared.arranged], this.logExpectMs);
    this.arrangedLately = undefined; // gathered again, as of the run's start, with these in
  }

  /** The port exists with exactly this state, or (null) does not exist: queued, sent before the next call or read. */
  async arrange(portId: number, state: PortState | null): Promise<void> {
    this.rig();
    this.step(givenPort(portId, state));
    const lines = this.arrangementLines;
    // a call's lines may come a moment after its answer: they are in before the arrangement's are counted
    if (lines && !lines.pending && lines.known === undefined) await this.awaitPublished();
    // the lines before the arrangements, unless known: theirs are the ones after them
    if (lines && !lines.pending && lines.known === undefined) {
      lines.before = { op: 'events' };
      lines.owedBefore = [...this.model.events];
      this.queued.push(lines.before);
    }
    if (lines) lines.pending = true;
    this.queued.push(arrangementStep(portId, state));
    this.model.arrange(portId, state);
    this.arrangedInRun.push([portId, state]);
    this.askedInRun.set(portId, state === null ? null : { ...state });
  }

  /** What the run asked the rig to make of each port it arranged, the last arrangement of each (null: taken away). */
  private askedInRun = new Map<number, PortState | null>();

  /**
   * After a run that disagreed with the oracle: whether the rig arranges its ports as asked (docs/rig-control.md), so
   * that a rig's failing is not taken for the controller's. Its reset and the run's last arrangement of each port go
   * again, each port read right after them in the same request: the reason the run cannot be judged, or undefined.
   * Only on a failure, so that a faithful rig costs nothing; the requests are not the run's (its record keeps what it
   * did), but they go to the exchange log. Without a rig, or with nothing arranged: undefined.
   */
  async misarranged(): Promise<string | undefined> {
    if (!this.rigClient || this.askedInRun.size === 0) return undefined;
    const asked = [...this.askedInRun];
    // each port as the reset restores it too, where the rig reports a reset: its late lines are excused as the run's
    const restoreReads: GetStep[] = this.reports.has('reset')
      ? asked.map(([portId]) => ({ op: 'get', portId }))
      : [];
    const reads: GetStep[] = asked.map(([portId]) => ({ op: 'get', portId }));
    const steps: RigStep[] = [{ op: 'reset' }, ...restoreReads];
    for (const [portId, state] of asked) steps.push(arrangementStep(portId, state));
    steps.push(...reads);
    const kept = this.current;
    this.current = new RunRecord();
    this.dropPrepared();
    try {
      const results = await this.rigClient.steps(steps);
      // the rig may report these arrangements late, in the runs that shrink this one
      this.arrangedInRun.push(...asRestored(portsRead(restoreReads, steps, results)), ...asked);
      const clauses = asked.flatMap(([portId, state], i) => {
        const read = results[steps.indexOf(reads[i] as RigStep)];
        const clause = notAsAsked(portId, state, read?.op === 'get' ? read.state : undefined);
        return clause ? [clause] : [];
      });
      return clauses.length === 0 ? undefined : misarranged(clauses);
    } finally {
      this.current = kept;
    }
  }

  /**
   * Sends what is queued, then `reads`, in one POST /batch (one request a step to a rig without it), and gives the
   * results of `reads`. The lines the queued arrangements published are counted as theirs. With `last`, the next
   * run's opening (prepareNext) goes in the same request, after the reads.
   */
  private async flush(reads: readonly RigStep[] = [], last = false): Promise<RigResult[]> {
    const lines = this.arrangementLines;
    const prepared =
      this.prepared && JSON.stringify(this.queued.slice(0, this.prepared.count)) === this.prepared.steps
        ? this.prepared
        : undefined;
    if (!prepared) this.dropPrepared();
    this.prepared = undefined;
    if (prepared) {
      // this run's opening went ahead with the last request of the run before: its exchange is this run's too
      this.queued = this.queued.slice(prepared.count);
      this.restoreReads = []; // they went ahead too: what they read is the prepared opening's
      this.arrangedInRun.push(...prepared.restored);
      if (prepared.exchange) this.current.exchanges.push(prepared.exchange);
      if (lines) {
        if (prepared.events === undefined)
          throw new Error('harness bug: an opening sent ahead was not counted');
        for (let i = 0; i < prepared.events; i++) lines.at.add(i);
        lines.known = prepared.events;
        // arrangements after the opening (not reads): counted after them
        lines.pending = this.queued.some((step) => step.op === 'put' || step.op === 'delete');
      }
    }
    if (lines?.pending) this.queued.push({ op: 'events' }); // the lines after the arrangements
    const ahead = last && reads.length > 0 ? this.aheadSteps() : [];
    const steps = [...this.queued, ...reads, ...ahead];
    const queuedCount = this.queued.length;
    this.queued = [];
    if (steps.length === 0) return [];
    const results = await this.rig().steps(steps);
    if (this.restoreReads.length > 0) {
      this.arrangedInRun.push(...asRestored(portsRead(this.restoreReads, steps, results)));
      this.restoreReads = [];
    }
    if (lines?.pending) {
      // [reads?] [events before?] [reset?] arrangements and reads... [events after]: a reset empties the log
      // (known 0 from it); a read publishes nothing
      const counted = lines.before === undefined ? undefined : results[steps.indexOf(lines.before)];
      let before = lines.known;
      if (before === undefined && counted?.op === 'events') before = counted.segments.length;
      const after = results[queuedCount - 1];
      if (before === undefined || after?.op !== 'events')
        throw new Error('harness bug: the arrangements were not counted in the Log Publisher lines');
      for (let i = before; i < after.segments.length; i++) lines.at.add(i);
      lines.known = after.segments.length;
      lines.pending = false;
      lines.before = undefined;
      const owed = lines.owedBefore;
      lines.owedBefore = undefined;
      // a call's line not in yet when the arrangements went out: late, and maybe counted as theirs
      if (owed !== undefined && counted?.op === 'events')
        this.expectInTime(owed, this.publishedByCalls(counted.segments, owed));
    }
    this.judgeDeferredReads(steps, results);
    if (ahead.length > 0) {
      const counted = results.at(-1);
      const opening = this.nextOpening?.judgeEvents ? ahead.slice(0, -1) : ahead;
      this.prepared = {
        steps: JSON.stringify(opening),
        count: opening.length,
        // the opening's reads are its reset's restore reads (aheadSteps)
        restored: asRestored(
          portsRead(
            ahead.filter((step): step is GetStep => step.op === 'get'),
            steps,
            results,
          ),
        ),
        arranged: (this.nextOpening?.ports ?? []).map(({ port_id, state }): Arranged => [port_id, state]),
        events:
          this.nextOpening?.judgeEvents && counted?.op === 'events' ? counted.segments.length : undefined,
        exchange: this.current.exchanges.at(-1),
      };
    }
    if (last) this.nextOpening = undefined;
    return results.slice(queuedCount, queuedCount + reads.length);
  }

  /**
   * A run has ended without a fault: every read it made in its middle was judged. One still queued would be a check
   * that never ran (a run must end with a request that carries it, its last read-back): a harness bug.
   */
  endRun(): void {
    const unjudged = this.deferredReads.map((read) => read.portId);
    if (unjudged.length > 0)
      throw new Error(
        `harness bug: the run ended with its read of port ${unjudged.join(', ')} never sent (end a run with readBack)`,
      );
  }

  /** The reads queued by expectPort that this request carried, in the order they were made. */
  private judgeDeferredReads(steps: readonly RigStep[], results: readonly RigResult[]): void {
    if (this.deferredReads.length === 0) return;
    const reads = this.deferredReads;
    this.deferredReads = [];
    for (const { step, portId, expected, line } of reads)
      this.current.steps[line] = judgeReading(portId, results[steps.indexOf(step)], expected);
  }

  /** The next run's opening as rig steps, when there is one and the rig takes batches; judged events: counted after it. */
  private aheadSteps(): RigStep[] {
    const opening = this.nextOpening;
    if (!opening || this.rig().takesBatches() !== true) return [];
    const steps: RigStep[] = [{ op: 'reset' }, ...restoreSteps(opening, this.reports.has('reset'))];
    for (const { port_id, state } of opening.ports) steps.push(arrangementStep(port_id, state));
    if (opening.judgeEvents) steps.push({ op: 'events' });
    return steps;
  }

  /** One case_cancel, its answer held to the oracle's prediction. */
  async cancel(port_id: Sent, bin_id: Sent): Promise<void> {
    if (this.hasRig) await this.flush(); // the arrangements before the call
    if (this.arrangementLines) this.arrangementLines.known = undefined; // the call may publish
    await this.send(port_id, bin_id, this.model.cancel(port_id, bin_id, this.encoding));
  }

  /** One case_cancel held to `expected`; `note` adds to a disagreement what the answer is compared with besides. */
  private async send(port_id: Sent, bin_id: Sent, expected: Expected, note = ''): Promise<Answer> {
    const encoding = this.encoding;
    const written = `port_id ${writtenParam(port_id, encoding)} and bin_id ${writtenParam(bin_id, encoding)}`;
    this.step(`When the WMS sends case_cancel in ${encoding} with ${written}`);
    this.dropPrepared(); // anything sent after an opening sent ahead, and it is no longer the site's state
    const { params, strictRequest } = cancelRequest(port_id, bin_id, encoding);
    const result = await callTask(this.target, 'case_cancel', params, encoding, {
      strictRequest,
      label: `case_cancel in ${encoding} with ${written}`,
      record: this.record,
    });
    this.calls++;
    const kind = bucket(result);
    this.answers.set(kind, (this.answers.get(kind) ?? 0) + 1);
    if (result.problems.length > 0 || !result.answer || !meets(expected, result.answer)) {
      throw new Disagreement(
        `Then the controller answers ${describeResult(result)}${note}; the specification predicts ${describeExpected(expected)}`,
      );
    }
    this.step(`Then the controller answers with ${describeAnswer(result.answer)}`);
    return result.answer;
  }

  // --- as found (docs/spec/as-found.md): reads and probes only ------------------------------------------------

  /**
   * Reads one port through getportstatus and case_getstate; the first and the latest reading of each port in the
   * property are kept. A reading before a call that differs from the one after the previous call on the port: the
   * site moved by itself in between (as-found.md: not a failure), noted.
   */
  private async readFound(portId: number, when: string): Promise<FoundPort | null> {
    const reading = await readPort(this.target, portId, {
      record: this.record,
      label: `read ${when}`,
    });
    if (isReadProblem(reading))
      throw new CannotJudge(`port ${portId} could not be read ${when}: ${reading.reason}`);
    this.reads += reading?.type === 'AC' ? 2 : 1;
    this.calledSinceRead.delete(portId);
    if (!this.firstReadings.has(portId)) {
      this.firstReadings.set(portId, reading);
      // read otherwise when last read before the property, with no call of the property's on it yet: the site's own
      // traffic (as-found.md: "A port that moved meanwhile is not a failure of the controller")
      const earlier = this.lastKnown?.(portId);
      if (earlier !== undefined && !sameFound(earlier, reading))
        this.sawMove(
          portId,
          earlier,
          reading,
          `${describeReading(earlier)} when last read before the property, then ${describeReading(reading)}`,
        );
    }
    const last = this.lastReadings.get(portId);
    if (last !== undefined && !sameFound(last, reading))
      this.sawMove(portId, last, reading, `${describeReading(last)}, then ${describeReading(reading)}`);
    this.lastReadings.set(portId, reading);
    return reading;
  }

  /**
   * A port read otherwise than the reading before, with no call of the property's in between: the site moved it
   * (movedBetweenCalls); and when not just its operation moving on (a new one begun, one ended, a bin changed): the
   * site's own traffic, which may change it at any moment (traffic).
   */
  private sawMove(portId: number, from: FoundPort | null, to: FoundPort | null, how: string): void {
    this.movedBetweenCalls.set(portId, how);
    if (!movedOnByItself(from, to)) this.traffic.set(portId, how);
  }

  /** As found: the ports the site's own traffic was seen to change (sawMove), with how. */
  private readonly traffic = new Map<number, string>();
  /** As found: the ports called since they were last read (a call not read after: changes() judges the end). */
  private readonly calledSinceRead = new Set<number>();

  /**
   * As found, before the runs: the ports they will call, read together (READ_AHEAD at a time), so that the site
   * the property starts from is read once and the answers of the read methods are validated in one go. Their
   * readings are the first of each port, which the end of the property compares with.
   */
  async readAhead(ports: readonly number[]): Promise<void> {
    const todo = [...new Set(ports)].filter((port) => !this.firstReadings.has(port));
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const port = todo[next++] as number;
        await this.readFound(port, 'before the property');
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_AHEAD, todo.length) }, worker));
  }

  /**
   * The port read right before the call: the oracle's prediction from that reading, when the call is a probe on
   * it. A port that moved since the site was read so that the call could succeed is no failure: the run is not
   * sent (fc.pre), and counted.
   */
  private async readBefore(
    site: FoundSite,
    portId: number,
    binId: number,
  ): Promise<[FoundPort | null, Expected]> {
    const before = await this.readFound(portId, 'before the call');
    const prediction = site.predictPort(before, portId, binId);
    if ('change' in prediction) {
      this.moved++;
      fc.pre(false);
      throw new Error('harness bug: fc.pre(false) did not stop the run');
    }
    this.step(foundStep(portId, before));
    return [before, prediction.expected];
  }

  /**
   * A fault changes nothing: the port reads back as it did right before the call, or with its AutoCase operation
   * moved on by itself (a live site's hardware; as-found.md: not a failure, noted).
   */
  private async expectUnchanged(portId: number, before: FoundPort | null): Promise<void> {
    const live = this.traffic.get(portId);
    const after = await this.readFound(portId, 'after the call');
    if (movedOnByItself(before, after)) {
      this.movedBetweenCalls.set(portId, `${describeReading(before)}, then ${describeReading(after)}`);
      this.step(`Then port ${portId} reads back with its case moved on by itself, as a live site's does`);
      return;
    }
    // a port the site's traffic was seen to change already, or seen to change again a moment later (as-found.md: not a
    // failure): a change now is not told from the site's
    const moving =
      sameFound(before, after) || live !== undefined
        ? live
        : await movesAgain(() => this.readFound(portId, 'again: does it move by itself?'), after);
    if (!sameFound(before, after) && moving !== undefined) {
      this.traffic.set(portId, moving);
      this.step(
        `Then port ${portId} reads back as ${describeReading(after)}, not as right before: the site changes it by itself (${moving}), so whether the call changed it cannot be told`,
      );
      return;
    }
    if (!sameFound(before, after)) {
      throw new Disagreement(
        `Then port ${portId} reads back as ${describeReading(after)}: a fault changed port ${portId}, which read as ${describeReading(before)} right before`,
      );
    }
    this.step(`Then port ${portId} reads back unchanged`);
  }

  /** As found: a call in the ranges, sent only as a probe on its port as read right before, which must not change. */
  async probe(site: FoundSite, port_id: number, bin_id: number): Promise<void> {
    const [before, expected] = await this.readBefore(site, port_id, bin_id);
    await this.send(port_id, bin_id, expected, ` ${asRead(port_id, before)}`);
    this.calledSinceRead.add(port_id);
    await this.expectUnchanged(port_id, before);
  }

  /**
   * As found, acceptance by difference: on a port where the plain call is a probe, the call in literal forms gets
   * the same answer as the plain one, the oracle's (a port's code, never the parameter's fault).
   */
  async probeLiteral(site: FoundSite, call: LiteralCall): Promise<void> {
    const [before, expected] = await this.readBefore(site, call.port, call.bin);
    const where = asRead(call.port, before);
    const plain = await this.send(call.port, call.bin, expected, ` to the plain values ${where}`);
    await this.send(
      call.port_id,
      call.bin_id,
      expected,
      ` to the literal forms ${where}, where the same call with the plain values got ${describeAnswer(plain)}`,
    );
    this.calledSinceRead.add(call.port);
    await this.expectUnchanged(call.port, before);
  }

  /**
   * As found, a call the parameter checks refuse: a probe on any port. A known port it addresses is read before
   * the property's first call on it, so that the end of the property can tell that it did not change.
   */
  async probeRefused(site: FoundSite, port_id: Sent, bin_id: Sent): Promise<void> {
    const prediction = site.predict(port_id, bin_id, this.encoding);
    if ('change' in prediction)
      throw new Error(`harness bug: a refused call that is no probe: ${prediction.change}`);
    const port = prediction.port;
    // a known port it addresses is read right before and after the call, as a probe's is (as-found.md: "Nothing
    // changed" compares what the read methods show before and after the call)
    const known = port !== undefined && site.port(port) !== undefined ? port : undefined;
    const before = known === undefined ? undefined : await this.readFound(known, 'before the call');
    await this.send(port_id, bin_id, prediction.expected);
    if (known === undefined) return;
    this.calledSinceRead.add(known);
    await this.expectUnchanged(known, before ?? null);
  }

  /**
   * As found, after the property: every port it called, read again. A port read right after its every call (each
   * property's calls are) was judged there: a change since is the site's (as-found.md: a port that moved meanwhile
   * is no failure), noted in movedBetweenCalls. A port called and not read after is compared with its first reading:
   * one line per port that reads differently ("a fault changed port N"), unless the property saw that port move by
   * itself between two calls, or the difference is its AutoCase operation moved on (noted). None with a rig.
   */
  async changes(): Promise<string[]> {
    const lines: string[] = [];
    for (const [portId, first] of [...this.firstReadings].sort((a, b) => a[0] - b[0])) {
      const now = await readPort(this.target, portId, {
        record: this.record,
        label: 'read after the property',
      });
      if (isReadProblem(now))
        throw new CannotJudge(`port ${portId} could not be read after the property: ${now.reason}`);
      this.reads += now?.type === 'AC' ? 2 : 1;
      const last = this.lastReadings.get(portId);
      if (!this.calledSinceRead.has(portId) && last !== undefined) {
        // every call on it was read right after: a change since is the site's, not a call's (noted)
        if (!sameFound(last, now))
          this.movedBetweenCalls.set(
            portId,
            `${describeReading(last)} when last read after a call, then ${describeReading(now)} after the property`,
          );
        continue;
      }
      if (sameFound(first, now) || this.movedBetweenCalls.has(portId)) continue;
      if (movedOnByItself(first, now)) {
        this.movedBetweenCalls.set(portId, `${describeReading(first)}, then ${describeReading(now)}`);
        continue;
      }
      lines.push(
        `a fault changed port ${portId}: it read as ${describeReading(first)} before the property's first call on it, and as ${describeReading(now)} after the property`,
      );
    }
    return lines;
  }

  /** The ports the property played on as found, in order. */
  get playedPorts(): readonly number[] {
    return [...this.firstReadings.keys()].sort((a, b) => a - b);
  }

  /** The port reads back through the rig as the oracle's model says. */
  async expectPort(portId: number, options: { readonly last?: boolean } = {}): Promise<void> {
    if (options.last === true) return this.readBack([portId], false, options);
    // In the middle of a run: read with what comes next (arrangements, the call's flush, the last read-back), in
    // the same order, and judged when that request comes back.
    const expected = this.model.port(portId);
    if (expected === undefined) throw new Error(`harness bug: port ${portId} was never arranged in this run`);
    const step: RigStep = { op: 'get', portId };
    this.rig();
    this.queued.push(step);
    this.deferredReads.push({ step, portId, expected, line: this.current.steps.length });
    this.step(`Then port ${portId} is read back (judged with the request that carries it)`);
  }

  /**
   * The lines the run's calls published: not at the positions counted as the arrangements', about the site the model
   * knows, and not a report of a state the run (or a run of the last logExpectMs) arranged that came late, past the positions counted
   * (lateArrangementReport: a rig may publish it a moment after the PUT answered). A line that could be either is the
   * calls' while they owe one like it (`owed`): an arrangement that left a port's state as it was publishes nothing.
   */
  private publishedByCalls(segments: readonly string[], owed: readonly string[]): string[] {
    const arranged = this.arrangementLines?.at;
    const parsed = segments
      .map((line, i) => ({ line, i, segment: parseSegment(line) }))
      .filter((seen) => !arranged?.has(seen.i) && this.model.concerns(seen.line));
    const late = lateArrangementReport(
      this.arrangedSoFar(),
      segments.filter((_, i) => arranged?.has(i)).map((line) => ({ segment: parseSegment(line) })),
      { removals: true, reports: this.reports },
    );
    // a line the calls of a run of the window owed, landing here late: theirs (one copy each), not this run's
    const earlier = new Map<string, number>();
    for (const line of this.recentCallLines.within(this.logExpectMs, this.runBegan))
      earlier.set(line, (earlier.get(line) ?? 0) + 1);
    const earlierRuns = (seen: { readonly line: string }): boolean => {
      const left = earlier.get(seen.line) ?? 0;
      if (left > 0) earlier.set(seen.line, left - 1);
      return left > 0;
    };
    // the cancel request's documented signal (CR) beside a success's line is no line of its own
    return withoutCancelSignals(
      withoutLateReports(parsed, owed, (seen) => late(seen) || earlierRuns(seen)),
      owed,
      (line) => line,
    );
  }

  /**
   * The lines the calls of the runs of the last logExpectMs owed, run by run (begin): a controller that publishes a
   * moment after it answers may have one land in a later run, after its reset; withoutLateReports takes such a copy,
   * beyond what this run owes, for the earlier run's.
   */
  private readonly recentCallLines = new Recent<string>();

  /** Each arrangement of this run, as arranged (its report may come late: publishedByCalls). */
  private arrangedInRun: Arranged[] = [];
  /** When this run began: the window of recent arrangements is the one at that moment. */
  private runBegan = 0;
  /** Theirs, together (a controller that publishes on a tick of 30 ms or more reports them several runs later). */
  private arrangedLately: readonly Arranged[] | undefined;

  /**
   * The arrangements of the last logExpectMs as this run began, gathered when a run first judges lines (only the
   * sequences do): the window holds every run of that time, and the other properties never ask.
   */
  private lately(): readonly Arranged[] {
    this.arrangedLately ??= this.recentRuns.within(this.logExpectMs, this.runBegan);
    return this.arrangedLately;
  }

  /**
   * The window's arrangements, then this run's: gathered only when lateArrangementReport asks (never against a rig
   * that publishes nothing late).
   */
  private *arrangedSoFar(): Generator<Arranged> {
    yield* this.lately();
    yield* this.arrangedInRun;
    // A rig that reports its reset reports every port it restores, and may do it late: a run of the window that did
    // not read a port this one did may still have its reset's line of it land here. A port restores to the same state
    // at every reset, so each reset of the window may owe one more copy of what this run's restore reads saw.
    if (!this.reports.has('reset')) return;
    const resets = this.recentRuns.count(this.logExpectMs, this.runBegan);
    for (const entry of this.arrangedInRun)
      if (entry[2] === 'restored') for (let i = 0; i < resets; i++) yield entry;
  }

  /** A target that once let the deadline pass is judged without waiting from then on (its runs, their shrinking). */
  private publishedInVain = false;
  /** Whether this run's lines were awaited already (its events were judged). */
  private awaited = false;
  /** The lines the run's last read-back read, unjudged (settleRun looks at them). */
  private lastEvents: readonly string[] | undefined;

  /**
   * A controller may publish a moment after it answers (rig-control.md: GET /events holds what it emitted): once it was
   * seen to, before the run's lines are judged, GET /events is read until it holds as many as the model published,
   * within the deadline a line gets on the stream. Only when nothing queued would publish (the arrangements' lines are
   * counted).
   */
  private async awaitPublished(): Promise<void> {
    const modelled = this.model.events;
    const lines = this.arrangementLines;
    this.awaited = true;
    // until a line came late, the read that judges them is the wait (one request fewer a call)
    if (!this.publishesLate) return;
    if (!lines || modelled.length === 0 || lines.pending || this.queued.some((step) => step.op !== 'get'))
      return;
    // until they read as the model's, not merely as many: a late report of an arrangement can be the very text a call
    // owes, and it is told from the call's only once the call's own copy is in too (publishedByCalls)
    await this.pollEvents((segments) => sameLines(this.publishedByCalls(segments, modelled), modelled));
  }

  /**
   * The end of a run whose lines were not judged: the lines its successful cancels publish are in GET /events (the
   * model's, each awaited within the deadline), so that none lands in a later run's. Judges nothing. Until the target
   * was seen to publish late, a run without a read of them leaves them to settleEnd: lines are judged only by runs that
   * read them (their read is the check), and another run's land only in a run that judges none or that reset first.
   */
  async settleRun(): Promise<void> {
    const owed = this.model.events;
    const read = this.lastEvents;
    this.lastEvents = undefined;
    if (!this.hasRig || this.awaited || owed.length === 0) return;
    // the run's last read showed them: nothing to wait for (a line still due lands after the next reset, as read)
    if (read !== undefined && holdsAll(read, owed)) return;
    if (read !== undefined) this.publishesLate = true; // a read that should have held them did not
    if (!this.publishesLate) {
      this.unseen = [...owed];
      return;
    }
    this.unseen = undefined;
    await this.pollEvents((segments) => holdsAll(segments, owed));
  }

  /** The lines of the last run that ended without reading them (settleRun). */
  private unseen: readonly string[] | undefined;

  /** The end of the property: the lines its last runs left unread are in, so that none lands in the next property's. */
  async settleEnd(): Promise<void> {
    // the last run's arrangements, for whatever runs next (another property, a scenario)
    this.recentRuns.add(this.arrangedInRun, this.logExpectMs);
    this.arrangedInRun = [];
    const unseen = this.unseen;
    this.unseen = undefined;
    if (unseen !== undefined) await this.pollEvents((segments) => holdsAll(segments, unseen));
  }

  /**
   * Whether the target was seen to publish a call's line after the read that should have held it: from then on the
   * lines are awaited before every read that judges or counts them (awaitPublished).
   */
  private publishesLate = false;

  /**
   * The lines a read shows from the run's calls (`published`) against those they owed: fewer, and every one of them
   * owed, means the rest may come late. The first time, the run is repeated (LateLines) once those are in.
   */
  private expectInTime(owed: readonly string[], published: readonly string[]): void {
    if (this.publishesLate || this.publishedInVain || published.length >= owed.length) return;
    const missing = [...owed];
    for (const line of published) {
      const at = missing.indexOf(line);
      if (at < 0) return; // a line no call owed: the judgement's business, not lateness
      missing.splice(at, 1);
    }
    this.publishesLate = true;
    throw new LateLines(missing);
  }

  /** After LateLines: the missing lines are in GET /events (or the deadline passed), so none lands in the repeat. */
  async settleLate(missing: readonly string[]): Promise<void> {
    this.dropPrepared(); // an opening sent ahead saw the site before the late lines
    await this.pollEvents((segments) => holdsAll(segments, missing));
  }

  /** GET /events again until `done`, at most logExpectMs; a run start that empties it comes after. */
  private async pollEvents(done: (segments: readonly string[]) => boolean): Promise<void> {
    if (this.publishedInVain) return;
    const deadline = performance.now() + this.logExpectMs;
    for (let i = 0; i <= this.logExpectMs / EVENTS_POLL_MS; i++) {
      if (done(await this.rig().events())) return;
      const left = deadline - performance.now();
      if (left <= 0) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(EVENTS_POLL_MS, left)));
    }
    this.publishedInVain = true;
  }

  /**
   * The Log Publisher lines since the reset, less those of the rig's arrangements (reset with judgeEvents) and those
   * about ports the run never touched, are exactly the ones the oracle's model published.
   */
  async expectEvents(): Promise<void> {
    await this.readBack([], true);
  }

  /**
   * The ports read back through the rig as the oracle's model says, one after the other, then (events) the Log
   * Publisher lines as expectEvents judges them: all read in one request where the rig allows, judged in order.
   */
  async readBack(
    portIds: readonly number[],
    events: boolean,
    /** last: nothing follows in this run, so the next run's opening (prepareNext) may go with the reads. */
    options: { readonly last?: boolean } = {},
  ): Promise<void> {
    const expected = portIds.map((portId) => {
      const state = this.model.port(portId);
      if (state === undefined) throw new Error(`harness bug: port ${portId} was never arranged in this run`);
      return state;
    });
    const reads: RigStep[] = portIds.map((portId) => ({ op: 'get', portId }));
    if (events) await this.awaitPublished();
    // unjudged, the lines are read all the same when the run's calls published some: settleRun looks at them
    const owed = !events && options.last === true && this.hasRig && this.model.events.length > 0;
    if (events || owed) reads.push({ op: 'events' });
    const results = await this.flush(reads, options.last === true);
    for (const [i, portId] of portIds.entries())
      this.step(judgeReading(portId, results[i], expected[i] as PortState | null));
    const last = results[portIds.length];
    if (owed && last?.op === 'events') this.lastEvents = last.segments;
    if (!events) return;
    if (last?.op !== 'events') throw new Error('harness bug: no reading of the Log Publisher lines');
    const modelled = this.model.events;
    const published = this.publishedByCalls(last.segments, modelled);
    this.expectInTime(modelled, published);
    if (!sameLines(published, modelled)) {
      throw new Disagreement(
        `Then the controller published ${JSON.stringify(published)}; the specification says ${JSON.stringify(modelled)}`,
      );
    }
    this.step(`Then the controller published ${JSON.stringify(published)}`);
  }
}
