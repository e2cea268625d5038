// One property's conversation with the target: arranging through the rig, calling, comparing every
// answer and read-back with the oracle, and keeping the current run's steps and exchanges as evidence.

import { inRange } from '../spec.ts';
import { type Arranger, isUnreachable, RigArranger } from '../target/arrange.ts';
import { callTask, type PlannedCall } from '../target/client.ts';
import { buildParams, type ParamSpec } from '../target/params.ts';
import { RigClient } from '../target/rig.ts';
import type { CallResult, Encoding, Exchange, ParamValue, PortState, TargetConfig } from '../target/types.ts';
import { describeAnswer, describeExpected, meets, type Sent, SiteModel } from './oracle.ts';

/** The target and the oracle disagree: a counterexample (fast-check shrinks it). Anything else thrown is a harness or rig fault. */
export class Disagreement extends Error {
  override readonly name = 'Disagreement';
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

/** The parameters of a case_cancel as sent, and whether the strict request schema must accept them. */
export function cancelRequest(
  port_id: Sent,
  bin_id: Sent,
  encoding: Encoding,
): PlannedCall & { readonly params: Record<string, ParamValue> } {
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

/** A parameter as the feature files write it ({param} in parameters.feature): a number, missing, "XML text" or 'raw JSON'. */
export function writtenParam(sent: Sent, encoding: Encoding): string {
  if (sent === undefined) return 'missing';
  if (typeof sent === 'number') return String(sent);
  const quote = encoding === 'XML' ? '"' : "'";
  return (
    quote + sent.replace(/[\n\t\r\\]/g, (c) => ESCAPES[c] as string).replaceAll(quote, `\\${quote}`) + quote
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

export interface RigAccess {
  readonly url: string;
  readonly token?: string;
}

export class FuzzSession {
  readonly hasRig: boolean;
  /** Answers of every case_cancel of the property, by kind: what the self-diagnosis looks at. */
  readonly answers = new Map<string, number>();
  calls = 0;
  /** Sees every exchange of every run as it happens (the tests compare two runs with it). */
  onExchange?: (exchange: Exchange) => void;
  private current = new RunRecord();
  private readonly arranger?: Arranger;

  constructor(
    private readonly target: TargetConfig,
    readonly encoding: Encoding,
    rig: RigAccess | undefined,
  ) {
    this.hasRig = rig !== undefined;
    if (rig) {
      // Its own rig client: the exchanges of thousands of runs go to the run record, not to the report.
      const client = new RigClient(rig.url, {
        token: rig.token,
        timeoutMs: target.timeoutMs,
        record: (e) => this.keep(e),
      });
      this.arranger = new RigArranger(client);
    }
  }

  private keep(exchange: Exchange): void {
    this.current.exchanges.push(exchange);
    this.onExchange?.(exchange);
  }

  /** A fresh record (and oracle model) for the next run. */
  begin(): RunRecord {
    this.current = new RunRecord();
    return this.current;
  }

  private get model(): SiteModel {
    return this.current.model;
  }

  private step(line: string): void {
    this.current.steps.push(line);
  }

  private rig(): Arranger {
    if (!this.arranger) throw new Error('harness bug: a property that needs a rig ran without one');
    return this.arranger;
  }

  /** Back to the configured site, no events: each run starts from the same place. */
  async reset(): Promise<void> {
    await this.rig().reset();
  }

  /** The port exists with exactly this state, or (null) does not exist. */
  async arrange(portId: number, state: PortState | null): Promise<void> {
    this.step(givenPort(portId, state));
    const unreachable =
      state === null ? await this.rig().noPort(portId) : await this.rig().port(portId, state);
    if (unreachable) throw new Error(`the rig could not arrange port ${portId}: ${unreachable.reason}`);
    this.model.arrange(portId, state);
  }

  /** One case_cancel, its answer held to the oracle's prediction. */
  async cancel(port_id: Sent, bin_id: Sent): Promise<void> {
    const encoding = this.encoding;
    const expected = this.model.cancel(port_id, bin_id, encoding);
    const written = `port_id ${writtenParam(port_id, encoding)} and bin_id ${writtenParam(bin_id, encoding)}`;
    this.step(`When the WMS sends case_cancel in ${encoding} with ${written}`);
    const { params, strictRequest } = cancelRequest(port_id, bin_id, encoding);
    const result = await callTask(this.target, 'case_cancel', params, encoding, {
      strictRequest,
      label: `case_cancel in ${encoding} with ${written}`,
      record: (e) => this.keep(e),
    });
    this.calls++;
    const kind = bucket(result);
    this.answers.set(kind, (this.answers.get(kind) ?? 0) + 1);
    if (result.problems.length > 0 || !result.answer || !meets(expected, result.answer)) {
      throw new Disagreement(
        `Then the controller answers ${describeResult(result)}; the specification predicts ${describeExpected(expected)}`,
      );
    }
    this.step(`Then the controller answers with ${describeAnswer(result.answer)}`);
  }

  /** The port reads back through the rig as the oracle's model says. */
  async expectPort(portId: number): Promise<void> {
    const expected = this.model.port(portId);
    if (expected === undefined) throw new Error(`harness bug: port ${portId} was never arranged in this run`);
    const reading = await this.rig().read(portId);
    if (isUnreachable(reading)) throw new Error(`the rig could not read port ${portId}: ${reading.reason}`);
    const actual = reading.exists ? reading.state : null;
    if (!samePort(actual, expected)) {
      throw new Disagreement(
        `Then port ${portId} reads back as ${describeState(actual)}; the specification says ${describeState(expected)}`,
      );
    }
    this.step(`Then port ${portId} reads back as ${describeState(actual)}`);
  }

  /** The Log Publisher lines since the reset are exactly the ones the oracle's model published. */
  async expectEvents(): Promise<void> {
    const events = await this.rig().events();
    if (isUnreachable(events)) throw new Error(`the rig could not read the events: ${events.reason}`);
    const expected = this.model.events;
    if (JSON.stringify(events) !== JSON.stringify(expected)) {
      throw new Disagreement(
        `Then the controller published ${JSON.stringify(events)}; the specification says ${JSON.stringify(expected)}`,
      );
    }
    this.step(`Then the controller published ${JSON.stringify(events)}`);
  }
}
