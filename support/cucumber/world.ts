// The scenario's world: the target, how to arrange it, the calls made and what they answered.
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
  NoArranger,
  RigArranger,
  type Unreachable,
} from '../target/arrange.ts';
import type { Body } from '../target/bodies.ts';
import { callTask, type RawRequest, sendRaw } from '../target/client.ts';
import type { RequestForm } from '../target/codec.ts';
import type { ClientForm } from '../target/forms.ts';
import { buildParams, type ParamSpec } from '../target/params.ts';
import { RigClient } from '../target/rig.ts';
import type { CallResult, Encoding, Exchange, ParamValue, PortState, TargetConfig } from '../target/types.ts';

export type StepOutcome = 'skipped' | undefined;

const run: RunConfig = readRunConfig();

export class HarnessWorld extends World {
  readonly run = run;
  readonly target: TargetConfig;
  readonly arranger: Arranger;
  /** What this scenario arranged, port by port (null: made not to exist), to tell "unchanged" from changed. */
  readonly arranged = new Map<number, PortState | null>();
  readonly exchanges: Exchange[] = [];
  lastCall?: CallResult;
  lastRaw?: Exchange;

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
    this.arranger = run.rigUrl
      ? new RigArranger(
          new RigClient(run.rigUrl, {
            token: rigToken,
            timeoutMs: run.timeoutMs,
            record: (e) => this.record(e),
          }),
        )
      : new NoArranger();
  }

  /** Every exchange is evidence: kept in order and attached to the scenario as it happens. */
  record(exchange: Exchange): void {
    this.exchanges.push(exchange);
    this.attach(renderExchange(exchange), {
      mediaType: 'text/plain',
      fileName: `exchange ${this.exchanges.length} - ${exchange.label.replaceAll('.', ' ')}.txt`,
    });
  }

  /** A precondition this target cannot reach: the scenario is skipped with the reason, never passed. */
  skip(unreachable: Unreachable): StepOutcome {
    const reason = `${unreachable.verdict}: ${unreachable.reason}`;
    this.attach(reason, { mediaType: SKIP_REASON_MEDIA_TYPE });
    this.log(reason);
    return 'skipped';
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
    this.lastCall = await callTask(this.target, method, params, encoding, {
      ...options,
      label: options.label ?? `${method} in ${encoding}`,
      record: (e) => this.record(e),
    });
    return this.lastCall;
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
    const reading = await this.arranger.read(portId);
    if (isUnreachable(reading)) return this.skip(reading);
    expectPort(portId, reading, expected, why);
    return undefined;
  }

  /** The port as arranged, with some fields changed: what a successful cancel leaves behind. */
  arrangedWith(portId: number, change: Partial<PortState>): PortState {
    const arranged = this.arranged.get(portId);
    if (!arranged) throw new Error(`harness bug: port ${portId} was not arranged as an existing port`);
    return { ...arranged, ...change };
  }

  /** Some fields of the port read back as expected (the rest are another requirement's business). */
  async expectPortFields(portId: number, expected: Partial<PortState>, why: string): Promise<StepOutcome> {
    const reading = await this.arranger.read(portId);
    if (isUnreachable(reading)) return this.skip(reading);
    const fields = Object.keys(expected) as (keyof PortState)[];
    const actual = reading.exists
      ? (Object.fromEntries(fields.map((f) => [f, reading.state[f]])) as Partial<PortState>)
      : undefined;
    expectFields(portId, actual, expected, why);
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

setWorldConstructor(HarnessWorld);
