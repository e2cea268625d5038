// The scenario's world: the target, how to arrange it, the calls made and what they answered.
import { openSync, writeSync } from 'node:fs';
import { type IWorldOptions, setWorldConstructor, World } from '@cucumber/cucumber';
import {
  describeTransport,
  expectEventAmong,
  expectFault,
  expectFields,
  expectPort,
  expectRefused,
  expectSuccess,
  expectTransport,
} from '../checks/expect.ts';
import { renderExchange } from '../report/evidence.ts';
import { SKIP_REASON_MEDIA_TYPE } from '../report/messages.ts';
import { type RunConfig, readRigToken, readRunConfig } from '../run-config.ts';
import { inRange } from '../spec.ts';
import {
  type Arranger,
  isUnreachable,
  NO_RIG,
  NoArranger,
  RigArranger,
  type Unreachable,
  viewPort,
} from '../target/arrange.ts';
import type { Body } from '../target/bodies.ts';
import { callTask, failureKind, type RawRequest, sendRaw } from '../target/client.ts';
import type { RequestForm } from '../target/codec.ts';
import type { ClientForm } from '../target/forms.ts';
import { type Operator, TerminalOperator } from '../target/operator.ts';
import { buildParams, type ParamSpec } from '../target/params.ts';
import { RigClient } from '../target/rig.ts';
import { TaskArranger } from '../target/task-arranger.ts';
import type { CallResult, Encoding, Exchange, ParamValue, PortState, TargetConfig } from '../target/types.ts';

export type StepOutcome = 'skipped' | undefined;

const run: RunConfig = readRunConfig();
/** The exchange log, opened once per process (not once an exchange). */
let exchangeLog: number | undefined;

let terminalOperator: Operator | undefined;

/** The operator at hand for this run, or why there is none (the reason a scenario that needs one gives). */
function operatorOf(config: RunConfig): Operator | string {
  const profile = config.profile;
  if (!profile?.capabilities.operator) return 'the profile declares none: capabilities.operator';
  if (!config.interactive) return 'the profile declares one: run with --interactive at a terminal';
  if (!process.stdin.isTTY) return '--interactive needs a terminal, and standard input is not one';
  terminalOperator ??= new TerminalOperator(process.stdin, process.stderr, profile.operatorMs);
  return terminalOperator;
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
  /** Why the scenario was skipped, when a step skipped it. */
  skipped?: Unreachable;
  /** Calls the target did not answer in time: a failure after one is INCONCLUSIVE, not FAILED. */
  readonly timeouts: string[] = [];

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
    if (failureKind(exchange) === 'timeout') this.timeouts.push(`${exchange.label}: ${exchange.error}`);
  }

  /** An exchange into the run's exchange log (certification evidence) only, not the scenario's report. */
  keep(exchange: Exchange): void {
    if (!run.exchangesFile) return;
    const scenario = this.place ? `${this.place.uri}:${this.place.line}` : undefined;
    // One write of one whole line to a file opened for appending: lines of parallel workers never mix.
    exchangeLog ??= openSync(run.exchangesFile, 'a');
    writeSync(exchangeLog, `${JSON.stringify({ scenario, name: this.place?.name, exchange })}\n`);
  }

  /** A precondition this target cannot reach: the scenario is skipped with the reason, never passed. */
  skip(unreachable: Unreachable): StepOutcome {
    const reason = `${unreachable.verdict}: ${unreachable.reason}`;
    this.skipped = unreachable;
    this.attach(reason, { mediaType: SKIP_REASON_MEDIA_TYPE });
    this.log(reason);
    return 'skipped';
  }

  /** The target's port that plays the scenario's port (a profile fixture may stand in for it). */
  portOnTarget(portId: number): number {
    return this.arranger.targetPort?.(portId) ?? portId;
  }

  async arrangePort(portId: number, state: PortState): Promise<StepOutcome> {
    const unreachable = await this.arranger.port(portId, state);
    if (unreachable) return this.skip(unreachable);
    this.arranged.set(portId, state);
    return undefined;
  }

  async arrangeNoPort(portId: number): Promise<StepOutcome> {
    const unreachable = await this.arranger.noPort(portId);
    if (unreachable) return this.skip(unreachable);
    this.arranged.set(portId, null);
    return undefined;
  }

  async call(
    method: string,
    params: Record<string, ParamValue> | undefined,
    encoding: Encoding,
    options: { form?: RequestForm; strictRequest?: boolean; label?: string } = {},
  ): Promise<CallResult> {
    this.lastCall = await callTask(this.target, method, this.onTarget(params), encoding, {
      ...options,
      label: options.label ?? `${method} in ${encoding}`,
      record: (e) => this.record(e),
    });
    return this.lastCall;
  }

  /** The parameters with the scenario's port ids replaced by the target ports that play them. */
  private onTarget(params: Record<string, ParamValue> | undefined): Record<string, ParamValue> | undefined {
    const portId = params?.port_id;
    if (params === undefined || portId === undefined) return params;
    const map = (value: ParamValue): ParamValue =>
      typeof value === 'number' ? this.portOnTarget(value) : Array.isArray(value) ? value.map(map) : value;
    const mapped = map(portId);
    return mapped === portId ? params : { ...params, port_id: mapped };
  }

  cancel(portId: number, binId: number, encoding: Encoding, form?: RequestForm): Promise<CallResult> {
    return this.call('case_cancel', { port_id: portId, bin_id: binId }, encoding, { form });
  }

  /** case_cancel with parameters as the feature wrote them; a request meant to be invalid skips the strict request schema. */
  sendCancel(
    encoding: Encoding,
    specs: readonly (readonly [string, ParamSpec])[],
    form?: RequestForm,
  ): Promise<CallResult> {
    const { params, strict } = buildParams(specs, encoding, inRange);
    return this.call('case_cancel', params, encoding, { form, strictRequest: strict });
  }

  cancelAs(portId: number, binId: number, encoding: Encoding, client: ClientForm): Promise<CallResult> {
    const params = client.binFirst ? { bin_id: binId, port_id: portId } : { port_id: portId, bin_id: binId };
    return this.call('case_cancel', params, encoding, {
      form: client.form,
      label: `case_cancel in ${encoding}, sent ${JSON.stringify(client.form)}`,
    });
  }

  /** A body that is not a call, with its content type, by a verb and to a path (the task URL by default). */
  sendBody(body: Body, label: string, request: { method?: string; path?: string } = {}): Promise<Exchange> {
    return this.sendRaw({
      ...request,
      body: body.body,
      headers: { 'content-type': body.contentType },
      label,
    });
  }

  async sendRaw(request: RawRequest): Promise<Exchange> {
    this.lastRaw = await sendRaw(this.target, { ...request, record: (e) => this.record(e) });
    return this.lastRaw;
  }

  private requireCall(): CallResult {
    if (!this.lastCall)
      throw new Error('harness bug: no call was made in this scenario before its answer was checked');
    return this.lastCall;
  }

  expectFault(code: number): void {
    expectFault(this.requireCall(), code);
  }

  expectSuccess(): void {
    expectSuccess(this.requireCall());
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

  /** The port reads back as arranged: the call changed nothing. */
  async expectPortUnchanged(portId: number): Promise<StepOutcome> {
    const arranged = this.arranged.get(portId);
    if (arranged === undefined)
      throw new Error(`harness bug: port ${portId} was not arranged in this scenario`);
    return this.expectPortReads(portId, arranged, 'after the call, compared with how it was arranged');
  }

  async expectPortReads(portId: number, expected: PortState | null, why: string): Promise<StepOutcome> {
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

  /** The Log Publisher lines since the reset include this one. */
  async expectEvent(line: string, why: string): Promise<StepOutcome> {
    const events = await this.arranger.events();
    if (isUnreachable(events)) return this.skip(events);
    expectEventAmong(events, line, why);
    return undefined;
  }
}

function pick(state: Partial<PortState>, keys: readonly (keyof PortState)[]): Partial<PortState> {
  return Object.fromEntries(keys.filter((k) => k in state).map((k) => [k, state[k]])) as Partial<PortState>;
}

setWorldConstructor(HarnessWorld);
