// The scenario's world: the target, how to arrange it, the calls made and what they answered.
import { type IWorldOptions, setWorldConstructor, World } from '@cucumber/cucumber';
import { AssertionError } from 'chai';
import {
  type Arranger,
  isUnreachable,
  NO_RIG,
  NoArranger,
  RigArranger,
  type Unreachable,
  viewPort,
} from '../arrange/arrange.ts';
import { eventsShowing, lateLines } from '../arrange/events-wait.ts';
import { OPERATOR_ABORTED, type Operator, TerminalOperator } from '../arrange/operator.ts';
import { CommandOperator } from '../arrange/operator-command.ts';
import { RigClient } from '../arrange/rig.ts';
import { type CaseStream, TaskArranger } from '../arrange/task-arranger.ts';
import {
  describeTransport,
  expectEventAfter,
  expectFault,
  expectFields,
  expectPort,
  expectRefused,
  expectSuccess,
  expectTransport,
} from '../checks/expect.ts';
import { checkPort, describeAnswer, describeExpected, type Expected, meets } from '../fuzz/oracle.ts';
import { type EarlierCall, earlierCallNote, lateReportNote } from '../log-publisher/earlier-call.ts';
import {
  ANY_REPORT,
  type Arranged,
  concernsPort,
  type LogLine,
  type LogListener,
  lateArrangementReport,
  type Mark,
  parseSegment,
  RecentArrangements,
  type RigReportKind,
} from '../log-publisher/listener.ts';
import {
  DEFAULT_LOG_EXPECT_MS,
  expectLine,
  expectQuiet,
  type LogPublisherConfig,
  logStream,
  markAfterArrangement,
  takeReconnection,
} from '../log-publisher/stream.ts';
import type { CallResult, Encoding, Exchange, ParamValue, PortState, TargetConfig } from '../model.ts';
import { renderExchange } from '../report/evidence.ts';
import { appendLines, ExchangeBatch, exchangeLine } from '../report/exchange-log.ts';
import { SKIP_MEDIA_TYPE } from '../report/messages.ts';
import { ownPorts, type RunConfig, readRigToken } from '../run-config.ts';
import { forgetAtNewRun, loadedRun } from '../run-scope.ts';
import {
  NEEDS_ERROR_FLAG,
  predictProbe,
  probeBin,
  readParamValue,
  type ScenarioInfo,
} from '../site/as-found.ts';
import { AsFoundPlayer, type CallShape, type Plan } from '../site/as-found-player.ts';
import {
  bodyOnSite,
  cancelOnSite,
  numberOnto,
  paramReadings,
  portLiteralOnSite,
  type SitePlay,
} from '../site/literal-ids.ts';
import { markupOnSite } from '../site/markup-on-site.ts';
import { describeFound, movesAgain, samePort } from '../site/read-port.ts';
import { cancelledLine, FAULT, inRange, withoutCancelSignals } from '../spec.ts';
import type { Body } from '../vocabulary/bodies.ts';
import type { ClientForm } from '../vocabulary/forms.ts';
import { buildParams, type ParamSpec } from '../vocabulary/params.ts';
import { failureKind } from '../wire/failures.ts';
import { type RawRequest, sendRaw } from '../wire/raw-request.ts';
import type { RequestForm } from '../wire/request-encoding.ts';
import { callTask } from '../wire/task-call.ts';

export type StepOutcome = 'skipped' | undefined;

/** A call judged by difference as found: the call as written, the plain call beside it, and what the port predicts. */
interface Difference {
  readonly plain?: CallResult;
  readonly written: CallResult;
  readonly predicted: Expected;
  readonly port: number;
  /** Judged through the check after the value's own: the predicted parameter fault is the right answer. */
  readonly throughNextCheck: boolean;
}

type PlayedPlan = Extract<Plan, { kind: 'played' }>;

interface CallOptions {
  readonly form?: RequestForm;
  readonly strictRequest?: boolean;
  readonly label?: string;
  /** Sent as a client in the field sends it, not as the vendor sample (as found: judged by difference). */
  readonly clientForm?: boolean;
}

let run: RunConfig = loadedRun();
/** With --parallel and the profile's parallel.port_sets: the only ports this worker calls. */
let workerPorts = ownPorts(run);

let terminalOperator: Operator | undefined;
let commandOperator: Operator | undefined;

/**
 * What the scenarios of the last timeouts.log_ms arranged through the rig (and what its resets restored), when each
 * ended: a rig may publish an arrangement's report a moment after the PUT answered, and so after a later scenario's
 * reset (GET /events holds what was emitted since the reset); a controller that publishes on a tick of 30 ms or more
 * does it several scenarios later. Such a line is not a later scenario's call's (lateArrangementReport).
 */
const recentlyArranged = new RecentArrangements();
/** How long an arrangement is kept to explain a failure's line as its report, published later than excused. */
const LATE_REPORT_NOTE_MS = 30_000;

/** The run's arrangementReports (HarnessWorld): what the rig may publish late, every kind without a rig. */
function lateReportsOf(config: RunConfig): ReadonlySet<RigReportKind> {
  return config.rigUrl && config.rigLateReports ? new Set(config.rigLateReports) : ANY_REPORT;
}
let lateReports = lateReportsOf(run);

/** The last scenario that called a port: a line it caused, published late, may be read by the next one. */
let lastScenarioCalled: EarlierCall | undefined;

forgetAtNewRun((next) => {
  run = next;
  workerPorts = ownPorts(run);
  terminalOperator = undefined;
  commandOperator = undefined;
  recentlyArranged.clear();
  lateReports = lateReportsOf(next);
  lastScenarioCalled = undefined;
});

/** The operator at hand for this run, or why there is none (the reason a scenario that needs one gives). */
function operatorOf(config: RunConfig): Operator | string {
  const profile = config.profile;
  if (!profile?.capabilities.operator) return 'the profile declares none: capabilities.operator';
  if (config.operatorCommand) {
    commandOperator ??= new CommandOperator(config.operatorCommand, profile.operatorMs);
    return commandOperator;
  }
  if (!config.interactive)
    return 'the profile declares one: run with --interactive at a terminal, or give the scripted operator (--operator-command=CMD, or operator.command in the profile)';
  if (!process.stdin.isTTY) return '--interactive needs a terminal, and standard input is not one';
  terminalOperator ??= new TerminalOperator(process.stdin, process.stderr, profile.operatorMs);
  return terminalOperator;
}

/** The run's Log Publisher as the Task Interface arranger checks an operator's move on it. */
async function caseStream(config: RunConfig): Promise<CaseStream | undefined> {
  const stream = config.logPublisher;
  if (!stream) return undefined;
  const listener = await logStream(stream);
  if (isUnreachable(listener)) return undefined;
  return {
    mark: () => listener.mark(),
    async showed(mark, port, state) {
      const outcome = await listener.waitFor(
        (line) => line.segment.tag === 'AC' && line.segment.port === port && line.segment.state === state,
        { after: mark as Mark, timeoutMs: stream.expectMs },
      );
      return outcome.kind === 'found'
        ? { seen: true, detail: `${outcome.line.text} at +${outcome.afterMs.toFixed(0)} ms` }
        : { seen: false, detail: outcome.reason };
    },
  };
}

/** Where the scenario is, for the evidence (set by the Before hook). */
export interface ScenarioPlace {
  readonly uri: string;
  readonly line: number;
  readonly name: string;
}

export class HarnessWorld extends World {
  readonly run = run;
  readonly target: TargetConfig;
  readonly arranger: Arranger;
  /** What this scenario arranged, port by port (null: made not to exist), to tell "unchanged" from changed. */
  readonly arranged = new Map<number, PortState | null>();
  readonly exchanges: Exchange[] = [];
  lastCall?: CallResult;
  lastRaw?: Exchange;
  /** Set by the Before hook. */
  place?: ScenarioPlace;
  /** The scenario's name and tags (set by the Before hook): as found, they say what its port must stand as. */
  scenarioInfo?: ScenarioInfo;
  /** Why the scenario was skipped, when a step skipped it. */
  skipped?: Unreachable;
  /** Calls the target did not answer in time: a failure after one is INCONCLUSIVE, not FAILED. */
  readonly timeouts: string[] = [];
  /** Calls whose answer the harness could not read past an unasked interim 100: a failure after one is INCONCLUSIVE. */
  readonly unread: string[] = [];
  /** With no rig: the site as found plays the declared ports (docs/spec/as-found.md). */
  readonly asFound?: AsFoundPlayer;
  /** The ports the scenario declares, as found: not arranged, played right before the first call. */
  private readonly declared = new Map<number, PortState | null>();
  /** How the declared ports are played, once the first call is known. */
  private played?: PlayedPlan;
  /** Set when the scenario's call is judged by difference. */
  private difference?: Difference;
  /** With a rig: how many Log Publisher lines there were right before the scenario's first call. */
  private eventsBefore?: number;
  /** With a rig: the lines its arrangement published (GET /events right before the first call). */
  private arrangementLines: readonly string[] = [];
  /** The stream's moment before the scenario's reset was sent: its arrangement's lines come after it. */
  private streamFrom?: Mark;
  /** The lines this scenario's successful cancels publish: awaited before it ends, so none lands in the next one. */
  private readonly owed: string[] = [];
  /** Whether the scenario's first call was prepared (ports played, events counted). */
  private prepared = false;
  /** The Log Publisher, marked right before the scenario's first call; or why it cannot be read. */
  private stream?: {
    readonly listener: LogListener;
    readonly mark: Mark;
    readonly config: LogPublisherConfig;
  };
  private streamProblem?: Unreachable;
  /** When the last answer arrived (performance.now()): a quiet window on the Log Publisher counts from it. */
  private answeredAt = 0;
  /** The ports (on the target) the scenario's calls named: what the next scenario may find published late. */
  private readonly calledPorts = new Set<number>();
  /** The scenario that called a port before this one (a late line of its call would be read here). */
  private readonly earlierCall = lastScenarioCalled;

  constructor(options: IWorldOptions) {
    super(options);
    const rigToken = readRigToken();
    this.target = {
      taskUrl: run.taskUrl,
      rigUrl: run.rigUrl,
      rigToken,
      timeoutMs: run.timeoutMs,
      maxResponseBytes: run.maxResponseBytes,
    };
    this.arranger = this.chooseArranger(rigToken);
    if (!run.rigUrl && run.site)
      this.asFound = new AsFoundPlayer(this.target, run.site, (e) => this.record(e), workerPorts);
  }

  /** The rig when there is one; else the Task Interface, when the profile allows it; else nothing. */
  private chooseArranger(rigToken: string | undefined): Arranger {
    if (run.rigUrl) {
      return new RigArranger(
        new RigClient(run.rigUrl, {
          token: rigToken,
          timeoutMs: run.timeoutMs,
          record: (e) => this.record(e),
        }),
        { resetReports: this.arrangementReports.has('reset') },
      );
    }
    const profile = run.profile;
    if (profile?.capabilities.task_interface_arrangement) {
      return new TaskArranger({
        target: this.target,
        fixtures: profile.fixtures,
        arrangementMs: profile.arrangementMs,
        operator: operatorOf(run),
        record: (e) => this.record(e),
        note: (line) => this.log(line),
        stream: () => caseStream(run),
      });
    }
    return new NoArranger(
      profile
        ? `the target has no rig and the profile ${profile.file} allows no arrangement through the Task Interface (capabilities.rig, capabilities.task_interface_arrangement)`
        : NO_RIG,
    );
  }

  /** Every exchange is evidence: kept in order and attached to the scenario as it happens. */
  record(exchange: Exchange): void {
    this.exchanges.push(exchange);
    this.attach(renderExchange(exchange), {
      mediaType: 'text/plain',
      fileName: `exchange ${this.exchanges.length} - ${exchange.label.replaceAll('.', ' ')}.txt`,
    });
    this.keep(exchange);
    const kind = failureKind(exchange);
    if (kind === 'timeout') this.timeouts.push(`${exchange.label}: ${exchange.error}`);
    if (kind === 'unread-interim') this.unread.push(`${exchange.label}: ${exchange.error}`);
  }

  /** An exchange into the run's exchange log (certification evidence) only, not the scenario's report. */
  keep(exchange: Exchange): void {
    if (!run.exchangesFile) return;
    // One write of one whole line to a file opened for appending: lines of parallel workers never mix.
    appendLines(
      run.exchangesFile,
      exchangeLine(this.scenarioPlace(), this.place?.name, exchange, run.worker),
    );
  }

  /**
   * For many exchanges in a row (a property's): they go to the run's exchange log as keep() writes them, a batch
   * of lines at a time; the caller closes it when done. Undefined when the run keeps no log.
   */
  keepBatch(): ExchangeBatch | undefined {
    if (!run.exchangesFile) return undefined;
    return new ExchangeBatch(run.exchangesFile, this.scenarioPlace(), this.place?.name, run.worker);
  }

  private scenarioPlace(): string | undefined {
    return this.place ? `${this.place.uri}:${this.place.line}` : undefined;
  }

  /** A precondition this target cannot reach: the scenario is skipped with the reason, never passed. */
  skip(unreachable: Unreachable): StepOutcome {
    this.skipped = unreachable;
    this.attach(JSON.stringify({ verdict: unreachable.verdict, reason: unreachable.reason }), {
      mediaType: SKIP_MEDIA_TYPE,
    });
    this.log(`${unreachable.verdict}: ${unreachable.reason}`);
    return 'skipped';
  }

  /** The target's port that plays the scenario's port (a site port as found, or a profile fixture). */
  portOnTarget(portId: number): number {
    const played = this.played?.ports.get(portId);
    if (played) return played.port;
    return this.arranger.targetPort?.(portId) ?? portId;
  }

  /** The bin sent in place of a scenario's bin (as found, the selected bin of the port that plays it). */
  binOnTarget(binId: number): number {
    return this.played?.bins.get(binId) ?? binId;
  }

  async arrangePort(portId: number, state: PortState): Promise<StepOutcome> {
    if (this.asFound) {
      this.declared.set(portId, state);
      this.arranged.set(portId, state);
      return undefined;
    }
    const unreachable = await this.arranger.port(portId, state);
    if (unreachable) return this.skip(unreachable);
    this.arranged.set(portId, state);
    return undefined;
  }

  async arrangeNoPort(portId: number): Promise<StepOutcome> {
    if (this.asFound) {
      this.declared.set(portId, null);
      this.arranged.set(portId, null);
      return undefined;
    }
    const unreachable = await this.arranger.noPort(portId);
    if (unreachable) return this.skip(unreachable);
    this.arranged.set(portId, null);
    return undefined;
  }

  /**
   * Before the scenario's first call: as found, the declared ports are played by ports of the site (or, where the
   * site has none that fits and the profile allows changes, arranged through the Task Interface); with a rig,
   * the Log Publisher lines are counted, so that a fault can be shown to publish nothing.
   */
  private async prepare(shape: CallShape): Promise<StepOutcome> {
    if (this.prepared) return undefined;
    this.prepared = true;
    const skipped = await this.prepareSite(shape);
    if (skipped) return skipped;
    await this.markStream();
    return undefined;
  }

  /** The Log Publisher's moment right before the first call: what arrives after it is this scenario's. */
  private async markStream(): Promise<void> {
    const config = this.run.logPublisher;
    if (!config) return;
    // the scenario's first use of the stream (none before the call without a rig): a closed one is made again
    const stream = await logStream(config, { renew: this.streamFrom === undefined });
    this.noteReconnection();
    if (isUnreachable(stream)) {
      this.streamProblem = stream;
      return;
    }
    let mark = stream.mark();
    if (this.streamFrom && this.arrangementLines.length > 0) {
      const after = await markAfterArrangement(
        stream,
        this.streamFrom,
        this.arrangementLines,
        config.expectMs,
      );
      mark = after.mark;
      if (after.missing.length > 0)
        this.log(
          `the Log Publisher did not show ${after.missing.length} of the lines the rig's arrangement published within ${config.expectMs} ms: ${after.missing.join(' | ')}`,
        );
    }
    this.stream = { listener: stream, mark, config };
  }

  /**
   * Before the scenario's reset goes out (Before hook): the stream's moment from which its arrangement's lines are
   * looked for, so that one that comes a moment after the rig's answer is not taken for the call's.
   */
  async beginStream(): Promise<void> {
    const config = this.run.logPublisher;
    if (!config) return;
    // a closed one is made again before any mark, the operator's arrangement's too (caseStream)
    const stream = await logStream(config, { renew: true });
    this.noteReconnection();
    if (this.target.rigUrl && !isUnreachable(stream)) this.streamFrom = stream.mark();
  }

  /** A connection to the Log Publisher made again for this scenario: its evidence says why, and what was not seen. */
  private noteReconnection(): void {
    const note = takeReconnection();
    if (note !== undefined) this.log(note);
  }

  /** How long a line may take to be published after the answer (timeouts.log_ms); the fuzz sessions wait as long. */
  get logExpectMs(): number {
    return this.run.logPublisher?.expectMs ?? DEFAULT_LOG_EXPECT_MS;
  }

  /**
   * The window of recent arrangements the scenarios keep, for a fuzz session to share: its runs' late reports may land
   * in the next scenario, and the last scenarios' (or the property's in the other encoding) in its first runs.
   */
  get recentArrangements(): RecentArrangements {
    return recentlyArranged;
  }

  /**
   * The end of the scenario: the lines its successful cancels publish have been published (each awaited at most
   * timeouts.log_ms), so that none is taken for a later scenario's. Judges nothing: CC-EFFECT-LOG does that.
   */
  async settlePublished(): Promise<void> {
    // kept beyond the window too: a line that only an older arrangement explains gets a note (lateReportNote)
    recentlyArranged.add(this.arrangedOnTarget(), Math.max(this.logExpectMs, LATE_REPORT_NOTE_MS));
    if (this.calledPorts.size > 0 && this.lastCall)
      lastScenarioCalled = {
        scenario: this.scenarioInfo?.name ?? 'unnamed',
        ports: this.calledPorts,
        answeredAt: this.answeredAt,
        answer: this.lastCall.answer ? describeAnswer(this.lastCall.answer) : 'no answer',
      };
    const eventsBefore = this.target.rigUrl === undefined ? undefined : this.eventsBefore;
    const rig = eventsBefore !== undefined;
    for (const line of this.owed.splice(0)) {
      if (lateLines.inVain) return;
      if (this.stream && !lateLines.streamInVain) {
        const { listener, mark } = this.stream;
        const outcome = await listener.waitFor((seen) => seen.text === line, {
          after: mark,
          timeoutMs: this.logExpectMs,
        });
        // a stream that closed has its own verdicts (INCONCLUSIVE); with a rig, GET /events says whether it was published
        if (outcome.kind === 'timeout') {
          lateLines.streamGaveUp();
          if (!rig) lateLines.gaveUp();
        }
      }
      if (eventsBefore !== undefined && !lateLines.inVain) {
        const events = await eventsShowing(
          (fresh) => this.arranger.events({ fresh }),
          line,
          eventsBefore,
          this.logExpectMs,
        );
        if (isUnreachable(events) || !events.slice(eventsBefore).includes(line)) lateLines.gaveUp();
      }
    }
  }

  private async prepareSite(shape: CallShape): Promise<StepOutcome> {
    if (!this.asFound) {
      if (this.target.rigUrl) {
        const events = await this.arranger.events();
        if (!isUnreachable(events)) {
          this.eventsBefore = events.length;
          this.arrangementLines = events;
        }
        // the ports as arranged, read in the same request as the events where the rig takes a batch
        const misarranged = await this.arranger.verify?.();
        if (misarranged) return this.skip(misarranged);
      }
      return undefined;
    }
    const plan = await this.asFound.plan(this.declared, shape, this.scenarioInfo);
    if (plan.kind === 'played') {
      this.played = plan;
      for (const note of plan.notes) this.log(note);
      return undefined;
    }
    if (this.run.profile?.capabilities.task_interface_arrangement && !this.asFound.unreadable) {
      // The site has no port that stands as needed, and the profile allows changes: arrange the declared state.
      this.log(`as found: ${plan.reason}; arranging through the Task Interface, as the profile allows`);
      for (const [portId, state] of this.declared) {
        const unreachable =
          state === null ? await this.arranger.noPort(portId) : await this.arranger.port(portId, state);
        if (unreachable) {
          // The evidence keeps the arranger's own words; the verdict names what was missing, as the summary groups it.
          this.log(`arranging through the Task Interface: ${unreachable.reason}`);
          // With an operator declared, what stood in the way of asking one is the news; the arranger says it.
          const operatorsCase = plan.needsErrorFlag && this.run.profile?.capabilities.operator === true;
          if (
            unreachable.verdict !== 'INCONCLUSIVE' ||
            unreachable.reason === OPERATOR_ABORTED ||
            operatorsCase
          )
            return this.skip(unreachable);
          return this.skip({
            verdict: 'INCONCLUSIVE',
            reason: `${plan.reason}; the Task Interface cannot arrange it either`,
          });
        }
      }
      return undefined;
    }
    return this.skip({ verdict: 'INCONCLUSIVE', reason: plan.reason });
  }

  async call(
    method: string,
    params: Record<string, ParamValue> | undefined,
    encoding: Encoding,
    options: CallOptions = {},
  ): Promise<StepOutcome> {
    const form = options.clientForm ?? (options.form !== undefined && Object.keys(options.form).length > 0);
    const skipped = await this.prepare({ kind: 'cancel', params, encoding, form });
    if (skipped) return skipped;
    const onTarget = this.onTarget(params, options.form);
    if ('reason' in onTarget) return this.skip({ verdict: 'INCONCLUSIVE', reason: onTarget.reason });
    const difference = this.played?.difference;
    if (difference && !this.difference) {
      const plain = difference.comparePlain
        ? await callTask(
            this.target,
            method,
            { port_id: difference.port, bin_id: difference.bin },
            encoding,
            {
              label: `${method} in ${encoding}, the plain call to compare with`,
              record: (e) => this.record(e),
            },
          )
        : undefined;
      // judged through the next check, the bin sent in place of the scenario's is invalid on purpose
      const written = await this.send(
        method,
        params,
        encoding,
        difference.throughNextCheck ? { ...options, strictRequest: false } : options,
      );
      this.difference = {
        plain,
        written,
        predicted: difference.predicted,
        port: difference.port,
        throughNextCheck: difference.throughNextCheck === true,
      };
      return undefined;
    }
    await this.send(method, params, encoding, options);
    return undefined;
  }

  private async send(
    method: string,
    params: Record<string, ParamValue> | undefined,
    encoding: Encoding,
    { clientForm: _, ...options }: CallOptions,
  ): Promise<CallResult> {
    const onTarget = this.onTarget(params, options.form);
    if ('reason' in onTarget)
      throw new Error(`harness bug: a call that may not be sent was sent: ${onTarget.reason}`);
    await this.settleArrangement();
    this.lastCall = await callTask(this.target, method, onTarget.params, encoding, {
      ...options,
      form: onTarget.form,
      label: options.label ?? `${method} in ${encoding}`,
      record: (e) => this.record(e),
    });
    this.answeredAt = performance.now();
    // the ids as the spec reads what was sent (a literal form means its value)
    const port = readParamValue(onTarget.params?.port_id, encoding);
    if (port.kind === 'integer') this.calledPorts.add(port.value);
    if (method === 'case_cancel' && this.lastCall.answer?.kind === 'success') {
      const bin = readParamValue(onTarget.params?.bin_id, encoding);
      if (port.kind === 'integer' && bin.kind === 'integer')
        this.owed.push(cancelledLine(port.value, bin.value));
    }
    return this.lastCall;
  }

  /**
   * Right before anything goes to the Task Interface: the arranger's held requests are sent and nothing it read
   * earlier is reused (a rig arranger sends its writes with its next read, in one batch where it can).
   */
  async settleArrangement(): Promise<void> {
    await this.arranger.settle?.();
  }

  /**
   * The call as it goes to the target: the scenario's port and bin ids replaced by the ones that play them. As
   * found, a call judged by difference sends the literals the plan wrote in the same form around the port and bin
   * that play it (as-found-player.ts), so that a value read otherwise gets another answer; any other port_id written
   * as a literal and params written verbatim are rewritten the same way, and a call that could still be read as
   * one on a port the run may not use (outside the ports it reads, or excluded) is not sent: the reason comes back
   * instead.
   */
  private onTarget(
    params: Record<string, ParamValue> | undefined,
    form: RequestForm | undefined,
  ): { params: Record<string, ParamValue> | undefined; form: RequestForm | undefined } | { reason: string } {
    const mapWith =
      (by: (id: number) => number) =>
      (value: ParamValue): ParamValue =>
        typeof value === 'number' ? by(value) : Array.isArray(value) ? value.map(mapWith(by)) : value;
    const mapped = params === undefined ? undefined : { ...params };
    if (params?.port_id !== undefined && mapped)
      mapped.port_id = mapWith((id) => this.portOnTarget(id))(params.port_id);
    if (params?.bin_id !== undefined && mapped)
      mapped.bin_id = mapWith((id) => this.binOnTarget(id))(params.bin_id);
    for (const [name, { written, sent }] of this.played?.difference?.literals ?? [])
      if (mapped && params?.[name] === written) mapped[name] = sent;
    if (!this.asFound) return { params: mapped, form };
    const play = this.sitePlay();
    if (mapped?.port_id !== undefined) {
      const port = portOnSite(mapped.port_id, play);
      if ('reason' in port) return port;
      mapped.port_id = port.value;
    }
    // A bin_id outside the range that wraps (in 32 bits) onto a scenario's bin wraps onto the bin sent in its place.
    if (typeof mapped?.bin_id === 'number') mapped.bin_id = numberOnto(mapped.bin_id, 'bin_id', play.bin);
    const lenient = cancelOnSite(mapped?.port_id, mapped?.bin_id, play);
    if (lenient) return { reason: lenient };
    if (form?.rawParams === undefined) return { params: mapped, form };
    const raw = bodyOnSite(form.rawParams, play);
    if ('reason' in raw) return { reason: raw.reason.replace(/^the body/, 'the params written verbatim') };
    return { params: mapped, form: { ...form, rawParams: raw.text } };
  }

  /**
   * Why the run may not call this port as found, or undefined when it may (always with a rig). A fixture the
   * Task Interface arranged for a declared port, where the profile allows changes, is the arranger's choice.
   */
  private offLimits(port: number): string | undefined {
    if (!this.asFound) return undefined;
    if (this.arrangedBeyondSite() && [...this.declared.keys()].some((id) => this.portOnTarget(id) === port))
      return undefined;
    return this.asFound.offLimits(port);
  }

  /** As found: what the scenario's ports and bins become on the site, for text sent as it is written. */
  private sitePlay(): SitePlay {
    return {
      port: (id) => (this.declared.has(id) || this.played?.ports.has(id) ? this.portOnTarget(id) : undefined),
      bin: (id) => {
        for (const [portId, state] of this.declared)
          if (state?.selected_bin === id) return this.validBin(portId, id);
        return this.played?.bins.get(id);
      },
      offLimits: (port) => this.offLimits(port),
      notProbe: (bin) => {
        for (const played of this.played?.ports.values() ?? [])
          if (!predictProbe(played.before, played.port, bin))
            return `could let a cancel on port ${played.port} succeed (${describeFound(played.before)})`;
        return undefined;
      },
      cancel: (port, bin) => {
        const played = [...(this.played?.ports.values() ?? [])].find((p) => p.port === port);
        const found = played ? played.before : this.asFound?.known(port);
        if (found === undefined) return `was not read as found, so a cancel there could succeed`;
        return predictProbe(found, port, bin)
          ? undefined
          : `could succeed as port ${port} stands (${describeFound(found)}; the error flag is not shown)`;
      },
    };
  }

  cancel(portId: number, binId: number, encoding: Encoding, form?: RequestForm): Promise<StepOutcome> {
    return this.call('case_cancel', { port_id: portId, bin_id: binId }, encoding, { form });
  }

  /** case_cancel with parameters as the feature wrote them; a request meant to be invalid skips the strict request schema. */
  sendCancel(
    encoding: Encoding,
    specs: readonly (readonly [string, ParamSpec])[],
    form?: RequestForm,
  ): Promise<StepOutcome> {
    const { params, strict } = buildParams(specs, encoding, inRange);
    return this.call('case_cancel', params, encoding, { form, strictRequest: strict });
  }

  cancelAs(portId: number, binId: number, encoding: Encoding, client: ClientForm): Promise<StepOutcome> {
    const ids = client.binFirst ? { bin_id: binId, port_id: portId } : { port_id: portId, bin_id: binId };
    const params = { ...ids, ...client.extra };
    return this.call('case_cancel', params, encoding, {
      form: client.form,
      clientForm: client.binFirst === true || Object.keys(client.form).length > 0,
      // an unknown parameter is not in the strict request schema (it names the two only)
      ...(client.extra === undefined ? {} : { strictRequest: false }),
      label: `case_cancel in ${encoding}, sent ${JSON.stringify(client.form)}`,
    });
  }

  /**
   * Input that is not a call, built from the scenario's port and bin (as found: the port that plays it and a bin
   * that keeps a valid call there a probe), with its content type, by a verb and to a path.
   */
  async sendBodyFor(
    portId: number,
    binId: number,
    build: (portId: number, binId: number) => Body,
    label: string,
    request: { method?: string; path?: string; chunked?: boolean } = {},
  ): Promise<StepOutcome> {
    const skipped = await this.prepare({ kind: 'not-a-call' });
    if (skipped) return skipped;
    const port = this.portOnTarget(portId);
    // A site that could not be read plays no port: the scenario's own is used, when the run may use it.
    const offLimits = this.offLimits(port);
    if (offLimits)
      return this.skip({
        verdict: 'INCONCLUSIVE',
        reason: `the body would name port ${port}, which is ${offLimits}: not sent`,
      });
    const body = build(port, this.validBin(portId, binId));
    await this.sendRaw({ ...request, body: body.body, headers: { 'content-type': body.contentType }, label });
    return undefined;
  }

  /**
   * A body that is not a call, written literally by the scenario, with its content type, by a verb and to a path
   * (the task URL by default). As found, the ports and bins it names are rewritten to the port that plays the
   * scenario's port and a bin that keeps a valid reading of it a probe there (a lenient controller that reads it
   * as a call then changes nothing); a body that cannot be rewritten so is not sent, and the scenario is
   * INCONCLUSIVE with the reason.
   */
  async sendBody(
    body: Body,
    label: string,
    request: { method?: string; path?: string } = {},
  ): Promise<StepOutcome> {
    const skipped = await this.prepare({ kind: 'not-a-call' });
    if (skipped) return skipped;
    let text = body.body;
    if (this.asFound) {
      const onSite = bodyOnSite(body.body, this.sitePlay());
      if ('reason' in onSite) return this.skip({ verdict: 'INCONCLUSIVE', reason: onSite.reason });
      if (onSite.text !== body.body)
        this.log(
          `as found: the body is sent with the ports and bins of the site in place of the scenario's: ${JSON.stringify(onSite.text)}`,
        );
      text = onSite.text;
    }
    await this.sendRaw({ ...request, body: text, headers: { 'content-type': body.contentType }, label });
    return undefined;
  }

  async sendRaw(request: RawRequest): Promise<Exchange> {
    await this.settleArrangement();
    this.lastRaw = await sendRaw(this.target, { ...request, record: (e) => this.record(e) });
    this.answeredAt = performance.now();
    return this.lastRaw;
  }

  /** As found, a bin that makes a valid cancel on the port playing `portId` a probe (remembered for the scenario). */
  private validBin(portId: number, binId: number): number {
    const played = this.played?.ports.get(portId);
    if (!played || !this.asFound || !this.played) return this.binOnTarget(binId);
    const mapped = this.binOnTarget(binId);
    const bin = probeBin(played.before, played.port, mapped) ?? mapped;
    if (bin !== mapped) (this.played.bins as Map<number, number>).set(binId, bin);
    return bin;
  }

  private requireCall(): CallResult {
    if (!this.lastCall)
      throw new Error('harness bug: no call was made in this scenario before its answer was checked');
    return this.lastCall;
  }

  expectFault(code: number): void {
    if (this.difference) this.expectSameAsPlain(`fault ${code}`);
    else expectFault(this.requireCall(), code);
  }

  expectSuccess(): void {
    if (this.difference) this.expectSameAsPlain('success');
    else expectSuccess(this.requireCall());
  }

  /**
   * Accepted without success (docs/spec/as-found.md): the call as written gets the answer the plain call gets on
   * the port as found, which is what the order of checks predicts there, and not a parameter fault.
   */
  private expectSameAsPlain(withRig: string): void {
    const { plain, written, predicted, port, throughNextCheck } = this.difference as Difference;
    const where = `judged by difference on port ${port} as found (with a rig: ${withRig})`;
    const answerOf = (result: CallResult) =>
      result.answer ? describeAnswer(result.answer) : 'no readable answer';
    if (plain) {
      expectNoContractProblem(plain, `the plain call to compare with`);
      if (!plain.answer || !meets(predicted, plain.answer))
        throw new AssertionError(
          `${where}: the plain call answered ${answerOf(plain)}, where the port as read predicts ${describeExpected(predicted)}`,
        );
    }
    expectNoContractProblem(written, 'the call as written');
    const answer = written.answer;
    if (
      answer?.kind === 'fault' &&
      PARAMETER_FAULTS.includes(answer.code) &&
      !(throughNextCheck && meets(predicted, answer))
    )
      throw new AssertionError(
        `${where}: the call as written answered the parameter fault ${answer.code}${plain ? `, the plain call ${answerOf(plain)}` : ''}: the value is not accepted as written`,
      );
    if (!answer || !meets(predicted, answer))
      throw new AssertionError(
        `${where}: the call as written answered ${answerOf(written)}${plain ? `, the plain call ${answerOf(plain)}` : ''}, where the port as read predicts ${describeExpected(predicted)}`,
      );
    this.log(
      `${where}: the call as written answered ${answerOf(written)}${plain ? ', as the plain call did' : ''}, as the port predicts (${describeExpected(predicted)}): the value is accepted as written`,
    );
  }

  expectRefused(statuses?: readonly number[]): void {
    if (!this.lastRaw) throw new Error('harness bug: nothing was sent before the refusal was checked');
    expectRefused(this.lastRaw, statuses);
  }

  /** HTTP 200 and the media type of the encoding (every call already checks this; a scenario can say it). */
  expectTransport(encoding: Encoding): void {
    expectTransport(this.requireCall().exchange, encoding);
  }

  lastTransport(): string {
    const exchange = this.lastRaw ?? this.lastCall?.exchange;
    return exchange ? describeTransport(exchange) : 'nothing sent';
  }

  /** The port reads back as arranged (as found: as read right before the call): the call changed nothing. */
  async expectPortUnchanged(portId: number): Promise<StepOutcome> {
    if (this.asFound && !this.arrangedBeyondSite()) return this.expectPlayedUnchanged(portId, 'exists');
    const arranged = this.arranged.get(portId);
    const published = await this.expectNothingPublished(portId, [arranged?.selected_bin ?? null]);
    if (published) return published;
    if (arranged === undefined)
      throw new Error(`harness bug: port ${portId} was not arranged in this scenario`);
    return this.expectPortReads(portId, arranged, 'after the call, compared with how it was arranged');
  }

  async expectPortReads(portId: number, expected: PortState | null, why: string): Promise<StepOutcome> {
    if (this.asFound && !this.arrangedBeyondSite() && expected === null)
      return this.expectPlayedUnchanged(portId, 'absent');
    if (expected === null) {
      const published = await this.expectNothingPublished(portId, []);
      if (published) return published;
    }
    const view = await viewPort(this.arranger, portId);
    if (isUnreachable(view)) return this.skip(view);
    if (!view.exists || expected === null || view.unreadable.length === 0) {
      const reading = view.exists ? { exists: true as const, state: view.fields as PortState } : view;
      expectPort(portId, reading, expected, why);
      return undefined;
    }
    // The target does not show every field (the Task Interface never shows the error flag): compare the rest.
    const readable = (Object.keys(expected) as (keyof PortState)[]).filter(
      (k) => !view.unreadable.includes(k),
    );
    expectFields(portId, view.fields, pick(expected, readable), why);
    this.log(`port ${portId}: compared ${readable.join(', ')}; ${this.notShown(portId, view)}`);
    return undefined;
  }

  /** As found, the scenario fell back to arranging through the Task Interface (the profile allows changes). */
  private arrangedBeyondSite(): boolean {
    return this.prepared && this.played === undefined && this.asFound?.unreadable === undefined;
  }

  /** As found: the port that played `portId` reads again exactly as it read right before the call. */
  private async expectPlayedUnchanged(portId: number, was: 'exists' | 'absent'): Promise<StepOutcome> {
    const played = this.played?.ports.get(portId);
    if (!this.asFound || !played)
      return this.skip({
        verdict: 'INCONCLUSIVE',
        reason: this.asFound?.unreadable ?? `harness bug: port ${portId} was not played in this scenario`,
      });
    const now = await this.asFound.read(played.port);
    if (now !== null && 'reason' in now) return this.skip({ verdict: 'INCONCLUSIVE', reason: now.reason });
    const on = played.port === portId ? `port ${portId}` : `port ${played.port} (which plays port ${portId})`;
    if (!samePort(now, played.before)) {
      const changed = `${on} changed: read right before the call ${describeFound(played.before)}, after it ${describeFound(now)}`;
      // a live site may move the port in that very moment (as-found.md: not a failure): then it moves again
      const asFound = this.asFound;
      const moving = await movesAgain(() => asFound.read(played.port), now);
      if (moving)
        return this.skip({
          verdict: 'INCONCLUSIVE',
          reason: `${changed}; but the site moves it by itself (${moving}), so whether the call changed it cannot be told`,
        });
      throw new AssertionError(changed);
    }
    if (was === 'absent' && now !== null)
      throw new AssertionError(`${on} exists after the call: ${describeFound(now)}`);
    this.log(
      `${on} reads after the call as right before it: ${describeFound(now)}${now?.type === 'AC' ? '; case_error not compared: the Task Interface does not show it' : ''}`,
    );
    return this.expectStreamQuiet(played.port, [played.before?.selected_bin ?? null]);
  }

  /**
   * [decided] A fault publishes nothing: with a rig, no line about the port (or its bin) in GET /events since the
   * scenario's first call; on the Log Publisher, nothing for them within the quiet window, at least `atLeastMs` after
   * the answer (then GET /events again, a line published late being in it by then).
   */
  private async expectNothingPublished(
    portId: number,
    bins: readonly (number | null)[],
    atLeastMs = 0,
  ): Promise<StepOutcome> {
    const port = this.portOnTarget(portId);
    const known = bins.filter((bin): bin is number => bin !== null);
    await this.expectNoEventsFor(port, known, false);
    const quiet = await this.expectStreamQuiet(port, bins, atLeastMs);
    if (quiet) return quiet;
    if (!this.stream && atLeastMs > 0) {
      const left = this.answeredAt + atLeastMs - performance.now();
      if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
    }
    if ((this.stream?.config.quietMs ?? 0) > 0 || atLeastMs > 0)
      await this.expectNoEventsFor(port, known, true);
    return undefined;
  }

  /** With a rig: no line about the port (or its bins) in GET /events since the scenario's first call. */
  private async expectNoEventsFor(port: number, bins: readonly number[], fresh: boolean): Promise<void> {
    if (this.eventsBefore === undefined) return;
    const events = await this.arranger.events({ fresh });
    const since = this.callLinesFor(isUnreachable(events) ? [] : events, port, bins);
    if (since.length > 0)
      throw new AssertionError(
        this.withEarlierCall(
          `the controller published ${since.map((line) => JSON.stringify(line)).join(', ')} after the call (the rig's GET /events); a fault publishes nothing`,
          port,
          since,
        ),
      );
  }

  /**
   * The lines of GET /events since the scenario's first call that are about the port (or its bins): lines about other
   * ports are not the call's (a controller's other ports go on moving), as on the stream; nor is a report of the
   * scenario's own arrangement that came after the call (lateArrangementReport), which is said in the log.
   */
  private callLinesFor(events: readonly string[], port: number, bins: readonly number[]): string[] {
    const parsed = events.map((line) => ({ line, segment: parseSegment(line) }));
    const late = lateArrangementReport(this.arrangedLately(), parsed.slice(0, this.eventsBefore), {
      reports: this.arrangementReports,
    });
    const excused = parsed.slice(this.eventsBefore).filter((seen) => late(seen));
    if (excused.length > 0)
      this.log(
        `GET /events after the call: ${excused.map((seen) => seen.line).join(', ')} report${excused.length === 1 ? 's' : ''} the state the rig arranged, not yet published when the call went out: the arrangement's, not the call's`,
      );
    return parsed
      .slice(this.eventsBefore)
      .filter((seen) => concernsPort(seen, port, bins) && !late(seen))
      .map((seen) => seen.line);
  }

  /**
   * [decided] A fault publishes nothing, not even a moment after its answer (a controller may publish from a task of
   * its own): no line about the port (or its bin) within `ms` of the answer, on the stream and in GET /events read
   * again once that time is up. As found, about the port that played `portId`.
   */
  async expectNothingPublishedWithin(portId: number, ms: number): Promise<StepOutcome> {
    const played = this.asFound && !this.arrangedBeyondSite() ? this.played?.ports.get(portId) : undefined;
    if (this.asFound && !this.arrangedBeyondSite() && !played)
      return this.skip({
        verdict: 'INCONCLUSIVE',
        reason: this.asFound.unreadable ?? `harness bug: port ${portId} was not played in this scenario`,
      });
    const bins = [
      played ? (played.before?.selected_bin ?? null) : (this.arranged.get(portId)?.selected_bin ?? null),
    ];
    if (this.streamProblem) return this.skip(this.streamProblem);
    if (!this.stream && this.eventsBefore === undefined)
      return this.skip({
        verdict: 'INCONCLUSIVE',
        reason: 'neither a rig (GET /events) nor the Log Publisher (--log-publisher) to read the lines from',
      });
    const published = await this.expectNothingPublished(portId, bins, ms);
    if (published) return published;
    if (this.eventsBefore !== undefined)
      this.log(
        `GET /events, read again ${ms} ms after the answer: nothing about port ${this.portOnTarget(portId)}`,
      );
    return undefined;
  }

  /**
   * On the stream: a line after the call's mark that reports a state the scenario arranged, no line before the mark
   * (since the scenario's first reset) having reported it: the arrangement's, published late, not the call's.
   */
  private lateArrangementOnStream(listener: LogListener, mark: Mark): (line: LogLine) => boolean {
    if (this.streamFrom === undefined) return () => false;
    const before = listener.linesSince(this.streamFrom, (line) => line.seq <= mark.seq).lines;
    return lateArrangementReport(this.arrangedLately(), before, { reports: this.arrangementReports });
  }

  /** What this scenario and those of the last timeouts.log_ms arranged: the reports that may still come late. */
  private *arrangedLately(): Generator<Arranged> {
    // gathered only when lateArrangementReport asks: never against a rig that publishes nothing late
    yield* recentlyArranged.within(this.logExpectMs);
    yield* this.arrangedOnTarget();
  }

  /**
   * The states the rig gave ports in this scenario, by the target's port ids (a worker's port set maps them): what its
   * reset restored them to (read right after it), then what the scenario arranged. A rig may publish either a moment
   * after it answered.
   */
  private arrangedOnTarget(): Arranged[] {
    // as found, the declared states were played by ports of the site, not arranged: no report of them can come
    if (this.asFound && !this.arrangedBeyondSite()) return [];
    return [
      ...[...(this.arranger.restored?.() ?? [])].map(([port, state]): Arranged => [port, state, 'restored']),
      ...[...this.arranged].map(([portId, state]): Arranged => [this.portOnTarget(portId), state]),
    ];
  }

  /**
   * The kinds of report of an arrangement that may come after the call, and are excused there: with a rig, those the
   * pre-flight learned it publishes late (rig-reports.ts: none for a rig that publishes nothing, or publishes before
   * its request answers); arranged through the Task Interface or by an operator, the controller's own lines, any kind.
   */
  get arrangementReports(): ReadonlySet<RigReportKind> {
    return lateReports;
  }

  /**
   * Nothing on the Log Publisher for the port within the quiet window (at least `atLeastMs`), when there is a stream
   * to read.
   */
  private async expectStreamQuiet(
    port: number,
    bins: readonly (number | null)[],
    atLeastMs = 0,
  ): Promise<StepOutcome> {
    if (this.streamProblem) return this.skip(this.streamProblem);
    if (!this.stream) return undefined;
    const { listener, mark, config } = this.stream;
    const known = bins.filter((bin): bin is number => bin !== null);
    const judged = await expectQuiet(
      listener,
      mark,
      port,
      known,
      this.answeredAt,
      { ...config, quietMs: Math.max(config.quietMs, atLeastMs) },
      this.lateArrangementOnStream(listener, mark),
    );
    if (isUnreachable(judged)) return this.skip(judged);
    if (judged.kind === 'differs')
      throw new AssertionError(this.withEarlierCall(judged.message, port, judged.lines));
    this.log(judged.evidence);
    return undefined;
  }

  /**
   * A "published after a fault" failure about `port`, with the earlier scenario's call when the line may be its, and
   * the rig's arrangement it may report later than excused (`lines`: those that broke it).
   */
  private withEarlierCall(message: string, port: number, lines: readonly string[] = []): string {
    const notes = [
      earlierCallNote(this.earlierCall, port, this.answeredAt, this.logExpectMs),
      // only a rig's reports: arranged through the Task Interface, the lines are the controller's own
      this.target.rigUrl === undefined
        ? undefined
        : lateReportNote(
            lines,
            recentlyArranged.olderThan(this.logExpectMs),
            this.arrangementReports,
            this.logExpectMs,
          ),
    ].filter((note) => note !== undefined);
    return [message, ...notes].join('; ');
  }

  /**
   * After input that is not a call, a valid cancel is answered as the port stands: with a rig, as arranged; as
   * found, the fault the order of checks predicts for the port as read right before it (a probe).
   */
  async expectStillAnswered(portId: number, binId: number, encoding: Encoding): Promise<StepOutcome> {
    if (this.asFound && !this.arrangedBeyondSite()) {
      const played = this.played?.ports.get(portId);
      if (!played)
        return this.skip({
          verdict: 'INCONCLUSIVE',
          reason: this.asFound.unreadable ?? `harness bug: port ${portId} was not played in this scenario`,
        });
      const now = await this.asFound.read(played.port);
      if (now !== null && 'reason' in now) return this.skip({ verdict: 'INCONCLUSIVE', reason: now.reason });
      const bin = probeBin(now, played.port, this.validBin(portId, binId));
      const predicted = bin === undefined ? undefined : predictProbe(now, played.port, bin);
      if (bin === undefined || !predicted)
        return this.skip({
          verdict: 'INCONCLUSIVE',
          reason: `port ${played.port} now stands so that a valid cancel could succeed (${describeFound(now)})`,
        });
      const result = await callTask(
        this.target,
        'case_cancel',
        { port_id: played.port, bin_id: bin },
        encoding,
        {
          label: `case_cancel in ${encoding}, a valid call after the input`,
          record: (e) => this.record(e),
        },
      );
      this.lastCall = result;
      expectAnswer(result, predicted, `a valid cancel of bin ${bin} on port ${played.port} as found`);
      return undefined;
    }
    const arranged = this.arranged.get(portId);
    if (arranged === undefined)
      throw new Error(`harness bug: port ${portId} was not arranged in this scenario`);
    const predicted = checkPort(arranged, portId, binId);
    await this.send('case_cancel', { port_id: portId, bin_id: binId }, encoding, {});
    expectAnswer(this.requireCall(), predicted, `a valid cancel of bin ${binId} on port ${portId}`);
    return undefined;
  }

  private notShown(portId: number, view: { readonly unreadable: readonly (keyof PortState)[] }): string {
    const onTarget = this.portOnTarget(portId);
    return `${view.unreadable.join(' and ')} not compared: the Task Interface does not show ${view.unreadable.length > 1 ? 'them' : 'it'} (a rig does)${onTarget === portId ? '' : ` (read on port ${onTarget}, which plays port ${portId})`}`;
  }

  /** The port as arranged, with some fields changed: what a successful cancel leaves behind. */
  arrangedWith(portId: number, change: Partial<PortState>): PortState {
    const arranged = this.arranged.get(portId);
    if (!arranged) throw new Error(`harness bug: port ${portId} was not arranged as an existing port`);
    return { ...arranged, ...change };
  }

  /** Some fields of the port read back as expected (the rest are another requirement's business). */
  async expectPortFields(portId: number, expected: Partial<PortState>, why: string): Promise<StepOutcome> {
    if (this.asFound && !this.arrangedBeyondSite())
      return this.skip({ verdict: 'INCONCLUSIVE', reason: `${why}: ${NEEDS_ERROR_FLAG}` });
    const view = await viewPort(this.arranger, portId);
    if (isUnreachable(view)) return this.skip(view);
    const fields = Object.keys(expected) as (keyof PortState)[];
    const unreadable = view.exists ? fields.filter((f) => view.unreadable.includes(f)) : [];
    const readable = fields.filter((f) => !unreadable.includes(f));
    const actual = view.exists ? pick(view.fields, readable) : undefined;
    expectFields(portId, actual, pick(expected, readable), why);
    if (unreadable.length > 0) {
      // What can be read agrees; what the step is about cannot be read: never a pass.
      return this.skip({
        verdict: 'INCONCLUSIVE',
        reason: `port ${portId}: ${unreadable.join(' and ')} cannot be read without a rig (the Task Interface does not show ${unreadable.length > 1 ? 'them' : 'it'}); ${readable.length > 0 ? `${readable.join(', ')} read as expected` : 'nothing else to compare'}`,
      });
    }
    return undefined;
  }

  /**
   * The controller published the line a successful cancel publishes: in GET /events with a rig, on the Log
   * Publisher when there is one (both when both are there); INCONCLUSIVE, saying what was verified, with neither.
   */
  async expectPublished(portId: number, binId: number, why: string): Promise<StepOutcome> {
    const line = cancelledLine(this.portOnTarget(portId), this.binOnTarget(binId));
    // judged by difference as found, the call was a probe: nothing succeeded, so no line is owed
    if (this.difference)
      return this.skip({
        verdict: 'INCONCLUSIVE',
        reason: `the answer was right (judged by difference on port ${this.difference.port} as found, no cancel succeeded); ${line} on the Log Publisher needs a successful cancel`,
      });
    // awaited here, whatever comes of it: the scenario's end does not wait for it again
    const owed = this.owed.indexOf(line);
    if (owed >= 0) this.owed.splice(owed, 1);
    // once a line was awaited in vain, the rig is read once: the target does not publish what it should
    const events = this.target.rigUrl
      ? await eventsShowing(
          (fresh) => this.arranger.events({ fresh }),
          line,
          this.eventsBefore ?? 0,
          lateLines.inVain ? 0 : this.logExpectMs,
        )
      : undefined;
    if (
      events !== undefined &&
      !isUnreachable(events) &&
      !events.slice(this.eventsBefore ?? 0).includes(line)
    )
      lateLines.gaveUp();
    if (events !== undefined && !isUnreachable(events)) {
      expectEventAfter(events, this.eventsBefore ?? 0, line, why);
      // [decided] one line: any other about the port or its bin tells a WMS of another move; the cancel request's
      // documented signal (CR) aside
      const others =
        this.eventsBefore === undefined
          ? []
          : withoutCancelSignals(
              this.callLinesFor(events, this.portOnTarget(portId), [this.binOnTarget(binId)]).filter(
                (seen) => seen !== line,
              ),
              [line],
              (seen) => seen,
            );
      if (others.length > 0)
        throw new AssertionError(
          `${why}: the controller published ${others.map((seen) => JSON.stringify(seen)).join(', ')} besides ${line} after the call (the rig's GET /events); a successful cancel publishes that one line`,
        );
    }
    if (this.streamProblem) return this.skip(this.streamProblem);
    if (this.stream) {
      const { listener, mark } = this.stream;
      const judged = await expectLine(listener, mark, line, this.stream.config, {
        port: this.portOnTarget(portId),
        bins: [this.binOnTarget(binId)],
        excused: this.lateArrangementOnStream(listener, mark),
      });
      if (isUnreachable(judged)) return this.skip(judged);
      if (judged.kind === 'differs') throw new AssertionError(`${why}: ${judged.message}`);
      this.log(judged.evidence);
      return undefined;
    }
    if (events !== undefined && !isUnreachable(events)) return undefined;
    return this.skip({
      verdict: 'INCONCLUSIVE',
      reason: `the answer was right; ${line} on the Log Publisher could not be observed: no rig and no Log Publisher (give --log-publisher=HOST:PORT)`,
    });
  }
}

/** The parameter faults: an answer that is one of them refuses the value as written. */
const PARAMETER_FAULTS: readonly number[] = [
  FAULT.PORT_ID_MISSING,
  FAULT.PORT_ID_INVALID,
  FAULT.BIN_ID_INVALID,
];

function expectNoContractProblem(result: CallResult, what: string): void {
  if (result.problems.length > 0)
    throw new AssertionError(`${what}: the answer breaks the contract: ${result.problems.join('; ')}`);
  if (!result.answer) throw new AssertionError(`${what}: ${describeTransport(result.exchange)}`);
}

/** The answer is the one expected (an answer the oracle predicts), in a conforming envelope. */
function expectAnswer(result: CallResult, expected: Expected, what: string): void {
  expectNoContractProblem(result, what);
  const answer = result.answer as NonNullable<CallResult['answer']>;
  if (!meets(expected, answer))
    throw new AssertionError(
      `${what}: expected ${describeExpected(expected)}, got ${describeAnswer(answer)}`,
    );
}

function pick(state: Partial<PortState>, keys: readonly (keyof PortState)[]): Partial<PortState> {
  return Object.fromEntries(keys.filter((k) => k in state).map((k) => [k, state[k]])) as Partial<PortState>;
}

/**
 * A port_id as found, after the numbers were mapped: a number must be a port the run may use; a literal is
 * rewritten for the port that plays the scenario's (literal-ids.ts) and must not be readable as another.
 */
function portOnSite(value: ParamValue, play: SitePlay): { value: ParamValue } | { reason: string } {
  if (typeof value === 'number') {
    // An integer outside the range that a controller storing it in 16 or 32 bits reads as a scenario's port wraps
    // onto the port that plays it instead (65540 = 2^16 + 4 is sent as 2^16 + P); no reading may be off limits.
    const sent = numberOnto(value, 'port_id', play.port);
    for (const port of paramReadings(sent, 'port_id')) {
      const why = play.offLimits(port);
      if (!why) continue;
      return port === sent
        ? { reason: `the call names port ${port}, which is ${why}: not sent` }
        : {
            reason: `the port_id ${sent} could be read as port ${port} by a controller that keeps it in 16 or 32 bits, and port ${port} is ${why}: not sent`,
          };
    }
    return { value: sent };
  }
  if (Array.isArray(value)) {
    const each: ParamValue[] = [];
    for (const item of value as readonly ParamValue[]) {
      const onSite = portOnSite(item, play);
      if ('reason' in onSite) return onSite;
      each.push(onSite.value);
    }
    return { value: each };
  }
  const literal = (text: string, wrap: (text: string) => ParamValue) => {
    const onSite = portLiteralOnSite(text, play);
    return 'reason' in onSite ? onSite : { value: wrap(onSite.text) };
  };
  if (typeof value === 'string') return literal(value, (text) => text);
  if (typeof value === 'object' && value !== null) {
    if ('rawJson' in value && typeof value.rawJson === 'string')
      return literal(value.rawJson, (rawJson) => ({ rawJson }));
    if ('rawXml' in value && typeof value.rawXml === 'string') {
      const onSite = markupOnSite(value.rawXml, play);
      return 'reason' in onSite ? onSite : { value: { rawXml: onSite.text } };
    }
    // Any other object is sent as JSON: it is not rewritten, only refused when it could be read as a port the run may not use.
    const onSite = portLiteralOnSite(JSON.stringify(value), { ...play, port: () => undefined });
    return 'reason' in onSite ? onSite : { value };
  }
  return { value };
}

setWorldConstructor(HarnessWorld);
