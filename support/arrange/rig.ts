// The rig control API (docs/rig-control.md): arranging and reading a target's ports.
//
// Each call verifies the documented status and throws a one-line RigError otherwise. The token
// goes only into the Authorization header: it never reaches a recorded exchange or a message.

import { RIG_REPORT_KINDS, type RigReportKind } from '../log-publisher/listener.ts';
import { CASE_STATES, type Exchange, PORT_MODES, PORT_TYPES, type PortState } from '../model.ts';
import { forgetAtNewRun } from '../run-scope.ts';
import { httpExchange } from '../wire/exchange.ts';

export interface RigOptions {
  readonly token?: string;
  readonly timeoutMs: number;
  readonly record?: (exchange: Exchange) => void;
}

/** The rig did not do what rig-control.md fixes, or could not be reached; one line, no token. */
export class RigError extends Error {
  override readonly name = 'RigError';
  constructor(
    message: string,
    /** The HTTP status the rig answered, when it answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

const MAX_RIG_RESPONSE_BYTES = 1024 * 1024;
const FIELDS = ['type', 'mode', 'selected_bin', 'case_state', 'case_error'] as const;

export class RigClient {
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly opts: RigOptions,
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  /** POST /reset → 204: the configured ports again, and no events. */
  async reset(): Promise<void> {
    await this.send('POST', '/reset', undefined, [204]);
  }

  /** GET /ports/{id} → 200 with a PortState, or 404 (undefined): the port does not exist. */
  async getPort(portId: number): Promise<PortState | undefined> {
    const path = portPath(portId);
    const { status, body, shown } = await this.send('GET', path, undefined, [200, 404]);
    if (status === 404) return undefined;
    const value = parseJson(body, shown, `rig GET ${path}`);
    const problems = portStateProblems(value);
    if (problems.length > 0) {
      throw new RigError(
        this.mask(`rig GET ${path} answered a PortState that breaks rig-control.md: ${problems.join('; ')}`),
        status,
      );
    }
    const state = value as PortState;
    return {
      type: state.type,
      mode: state.mode,
      selected_bin: state.selected_bin,
      case_state: state.case_state,
      case_error: state.case_error,
    };
  }

  /** PUT /ports/{id} → 204: the port exists with exactly this state. */
  async putPort(portId: number, state: PortState): Promise<void> {
    const problems = portStateProblems(state);
    if (problems.length > 0)
      throw new RigError(`harness bug: PortState for port ${portId}: ${problems.join('; ')}`);
    await this.send('PUT', portPath(portId), JSON.stringify(state), [204]);
  }

  /** DELETE /ports/{id} → 204: the port no longer exists (also when it never did). */
  async deletePort(portId: number): Promise<void> {
    await this.send('DELETE', portPath(portId), undefined, [204]);
  }

  /** GET /events → 200: the Log Publisher lines since the last reset, oldest first. */
  async events(): Promise<string[]> {
    const { body, shown } = await this.send('GET', '/events', undefined, [200]);
    const value = parseJson(body, shown, 'rig GET /events');
    const segments = (value as { segments?: unknown } | null)?.segments;
    if (!Array.isArray(segments) || !segments.every((s) => typeof s === 'string')) {
      throw new RigError(
        `rig GET /events answered ${snippet(shown)}, expected {"segments": [<string>, ...]}`,
        200,
      );
    }
    return segments;
  }

  /**
   * GET /reports → 200 with `{"reports": [...], "before_answer": <boolean>}`: which Log Publisher lines the rig's own
   * requests publish, and whether each is published before its request answers
   * (rig-control.md, an optional endpoint; rig-reports.ts). Undefined when the rig has no such endpoint or answers
   * something that is not such a declaration: the harness then looks for itself. 401 is the token's, said as it is.
   */
  async declaredReports(): Promise<RigDeclaration | undefined> {
    let answer: { body: string };
    try {
      answer = await this.send('GET', '/reports', undefined, [200]);
    } catch (error) {
      const status = error instanceof RigError ? error.status : undefined;
      if (status === undefined || status === 401) throw error;
      return undefined;
    }
    try {
      return readDeclaration(JSON.parse(answer.body));
    } catch {
      return undefined;
    }
  }

  /**
   * POST /batch → 200: the steps in one request, answered in order with nothing in between (rig-control.md, an
   * optional endpoint). The fixed contract does not say how a rig without it answers an unknown request, so any
   * error status but 401 (the token, which every endpoint would refuse alike) is read as "not this way": the
   * caller then sends the steps one by one, and each step's own endpoint gives the verdict. 403, 404, 405 and 501
   * say the rig has no such endpoint: not asked again. Any other (400: a rig that has it refuses a whole batch for
   * one bad step; a 5xx) refuses this batch only. Each result is held to what its own endpoint answers. More steps
   * than the contract allows in one batch (MAX_BATCH_STEPS) are not sent as one: undefined, as for a refused batch.
   */
  async batch(steps: readonly RigStep[]): Promise<RigResult[] | undefined> {
    if (steps.length === 0) return [];
    if (steps.length > MAX_BATCH_STEPS || batching.get(this.base) === false) return undefined;
    const body = JSON.stringify({ steps: steps.map(stepBody) });
    let answer: { body: string; shown: string };
    try {
      answer = await this.send('POST', '/batch', body, [200]);
    } catch (error) {
      const status = error instanceof RigError ? error.status : undefined;
      // no answer, the token refused, or a 200 that could not be read whole: the rig's problem, said as it is
      if (status === undefined || status === 401 || status < 400) throw error;
      if (NO_BATCH_ENDPOINT.includes(status)) batching.set(this.base, false);
      return undefined;
    }
    const { body: text, shown } = answer;
    batching.set(this.base, true);
    const value = parseJson(text, shown, 'rig POST /batch');
    const results = (value as { results?: unknown } | null)?.results;
    if (!Array.isArray(results) || results.length !== steps.length) {
      throw new RigError(
        this.mask(
          `rig POST /batch answered ${snippet(shown)}, expected {"results": [...]} with one result for each of its ${steps.length} steps`,
        ),
        200,
      );
    }
    return steps.map((step, i) => this.result(step, results[i], i));
  }

  /** One result of a batch, as its own endpoint would have answered it. */
  private result(step: RigStep, value: unknown, i: number): RigResult {
    // the words of a failure are made only when there is one (stepWords): a fuzz loop reads thousands of results
    const result = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
    const status = result.status;
    const expected =
      step.op === 'get' ? GET_STATUSES : step.op === 'events' ? EVENTS_STATUSES : DONE_STATUSES;
    if (typeof status !== 'number' || !expected.includes(status)) {
      throw new RigError(
        this.mask(
          `${stepWords(step, i)} answered ${snippet(JSON.stringify(value) ?? 'nothing')}, expected the status ${expected.join(' or ')}`,
        ),
        200,
      );
    }
    if (step.op === 'get') {
      if (status === 404) return { op: 'get', state: undefined };
      if (!isPortState(result.state))
        throw new RigError(
          this.mask(
            `${stepWords(step, i)} answered a PortState that breaks rig-control.md: ${portStateProblems(result.state).join('; ')}`,
          ),
          200,
        );
      const state = result.state;
      return {
        op: 'get',
        state: {
          type: state.type,
          mode: state.mode,
          selected_bin: state.selected_bin,
          case_state: state.case_state,
          case_error: state.case_error,
        },
      };
    }
    if (step.op === 'events') {
      const segments = result.segments;
      if (!Array.isArray(segments) || !segments.every((s) => typeof s === 'string'))
        throw new RigError(
          this.mask(
            `${stepWords(step, i)} answered ${snippet(JSON.stringify(value))}, expected {"status": 200, "segments": [<string>, ...]}`,
          ),
          200,
        );
      return { op: 'events', segments };
    }
    return { op: step.op };
  }

  /**
   * The steps in order, their results in order: one step by its own endpoint (it says plainly what it is), more
   * in one POST /batch where the rig takes it, otherwise one request each.
   */
  async steps(steps: readonly RigStep[]): Promise<RigResult[]> {
    return (steps.length > 1 ? await this.batch(steps) : undefined) ?? (await this.oneByOne(steps));
  }

  /** The steps of a batch sent one request each, as before POST /batch: the same results, in the same order. */
  async oneByOne(steps: readonly RigStep[]): Promise<RigResult[]> {
    const results: RigResult[] = [];
    for (const step of steps) {
      switch (step.op) {
        case 'reset':
          await this.reset();
          results.push({ op: 'reset' });
          break;
        case 'put':
          await this.putPort(step.portId, step.state);
          results.push({ op: 'put' });
          break;
        case 'delete':
          await this.deletePort(step.portId);
          results.push({ op: 'delete' });
          break;
        case 'get':
          results.push({ op: 'get', state: await this.getPort(step.portId) });
          break;
        case 'events':
          results.push({ op: 'events', segments: await this.events() });
          break;
      }
    }
    return results;
  }

  /** Whether this rig took a POST /batch; undefined until one was sent. */
  takesBatches(): boolean | undefined {
    return batching.get(this.base);
  }

  /** A message with the token masked: values quoted from an answer may hold whatever the rig echoed. */
  private mask(text: string): string {
    const token = this.opts.token;
    return token ? maskToken(text, token) : text;
  }

  private async send(
    method: string,
    path: string,
    body: string | undefined,
    expected: readonly number[],
  ): Promise<{ status: number; body: string; shown: string }> {
    const token = this.opts.token;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const { exchange } = await httpExchange({
      label: `rig ${method} ${path}`,
      method,
      url: `${this.base}${path}`,
      headers,
      body: body === undefined ? undefined : Buffer.from(body, 'utf8'),
      evidenceBody: body ?? '',
      timeoutMs: this.opts.timeoutMs,
      maxResponseBytes: MAX_RIG_RESPONSE_BYTES,
    });
    // A rig that echoes the token must not leak it: the evidence and every message get a masked copy. The
    // answer itself is read unmasked (a short token may well occur in an answer by chance: "t" in "segments").
    const clean = token ? scrubExchange(exchange, token) : exchange;
    this.opts.record?.(clean);
    const what = `rig ${method} ${path}`;
    if (!clean.response) throw new RigError(`${what}: ${clean.error ?? 'no answer'}`);
    if (clean.error) throw new RigError(`${what}: ${clean.error}`, clean.response.status);
    const status = clean.response.status;
    if (!expected.includes(status)) {
      const hint = status === 401 || status === 403 ? ' (is the rig token right?)' : '';
      const answered = clean.response.body.trim() === '' ? '' : `: ${snippet(clean.response.body)}`;
      throw new RigError(
        `${what} answered ${status}${answered}${hint}, expected ${expected.join(' or ')}`,
        status,
      );
    }
    return { status, body: exchange.response?.body ?? '', shown: clean.response.body };
  }
}

/** One step of POST /batch: what one of the other endpoints does. */
export type RigStep =
  | { readonly op: 'reset' }
  | { readonly op: 'put'; readonly portId: number; readonly state: PortState }
  | { readonly op: 'delete'; readonly portId: number }
  | { readonly op: 'get'; readonly portId: number }
  | { readonly op: 'events' };

/** A step's result: a port read (undefined: it does not exist), the Log Publisher lines, or done. */
export type RigResult =
  | { readonly op: 'reset' | 'put' | 'delete' }
  | { readonly op: 'get'; readonly state: PortState | undefined }
  | { readonly op: 'events'; readonly segments: string[] };

/** An arrangement as a step: the port with exactly this state (a PUT), or (null) taken away (a DELETE). */
export function arrangementStep(portId: number, state: PortState | null): RigStep {
  return state === null ? { op: 'delete', portId } : { op: 'put', portId, state: { ...state } };
}

/** A read of one port, as a step. */
export type GetStep = Extract<RigStep, { readonly op: 'get' }>;

/**
 * What each of `reads` (steps among `steps`, the very objects) found, in their order: the port and its state, null
 * where it does not exist. `results` answer `steps` one by one; a read without a result is left out.
 */
export function portsRead(
  reads: readonly GetStep[],
  steps: readonly RigStep[],
  results: readonly RigResult[],
): [number, PortState | null][] {
  const found: [number, PortState | null][] = [];
  for (const read of reads) {
    const result = results[steps.indexOf(read)];
    if (result?.op === 'get') found.push([read.portId, result.state ?? null]);
  }
  return found;
}

/** The largest POST /batch the rig contract allows (docs/rig-control.md). */
export const MAX_BATCH_STEPS = 256;

/** By base URL: whether the rig took a POST /batch (false: it has none, NO_BATCH_ENDPOINT). Asked once a run. */
const batching = new Map<string, boolean>();
/** What a rig without POST /batch may answer it: no endpoint there, not asked again this run. */
const NO_BATCH_ENDPOINT: readonly number[] = [403, 404, 405, 501];
// Another run of the process may find another rig at the same address.
forgetAtNewRun(() => batching.clear());

/** A step the harness would send wrong throws here, before anything is sent (a harness bug, in one line). */
export function checkStep(step: RigStep): void {
  if (step.op === 'put' && !isPortState(step.state))
    throw new RigError(
      `harness bug: PortState for port ${step.portId}: ${portStateProblems(step.state).join('; ')}`,
    );
  if ('portId' in step) portPath(step.portId);
}

function stepBody(step: RigStep): Record<string, unknown> {
  checkStep(step);
  switch (step.op) {
    case 'put':
      return { op: 'put', port_id: step.portId, state: step.state };
    case 'delete':
    case 'get':
      return { op: step.op, port_id: step.portId };
    default:
      return { op: step.op };
  }
}

/** The endpoint a step stands for, in words. */
export function describeStep(step: RigStep): string {
  switch (step.op) {
    case 'reset':
      return 'POST /reset';
    case 'events':
      return 'GET /events';
    case 'put':
      return `PUT /ports/${step.portId}`;
    case 'delete':
      return `DELETE /ports/${step.portId}`;
    case 'get':
      return `GET /ports/${step.portId}`;
  }
}

const GET_STATUSES: readonly number[] = [200, 404];
const EVENTS_STATUSES: readonly number[] = [200];
const DONE_STATUSES: readonly number[] = [204];

/** Whether `value` is a PortState of rig-control.md (portStateProblems empty), without a word of why not. */
export function isPortState(value: unknown): value is PortState {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const state = value as Record<string, unknown>;
  return (
    PORT_TYPES.includes(state.type as PortState['type']) &&
    PORT_MODES.includes(state.mode as PortState['mode']) &&
    CASE_STATES.includes(state.case_state as PortState['case_state']) &&
    'selected_bin' in state &&
    isSelectedBin(state.selected_bin) &&
    typeof state.case_error === 'boolean'
  );
}

/** A PortState's selected_bin: an integer 1-4000000, or null. */
function isSelectedBin(bin: unknown): boolean {
  return bin === null || (Number.isInteger(bin) && (bin as number) >= 1 && (bin as number) <= 4_000_000);
}

/** Every way `value` is not a PortState of rig-control.md; empty when it is one. Unknown extra fields are ignored. */
export function portStateProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['not a JSON object'];
  const state = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of FIELDS) if (!(field in state)) problems.push(`"${field}" is missing`);
  const oneOf = (field: string, allowed: readonly string[]) => {
    if (field in state && !allowed.includes(state[field] as string)) {
      problems.push(`"${field}" is ${JSON.stringify(state[field])}, not one of ${allowed.join(', ')}`);
    }
  };
  oneOf('type', PORT_TYPES);
  oneOf('mode', PORT_MODES);
  oneOf('case_state', CASE_STATES);
  if ('selected_bin' in state && !isSelectedBin(state.selected_bin)) {
    problems.push(
      `"selected_bin" is ${JSON.stringify(state.selected_bin)}, expected an integer 1-4000000 or null`,
    );
  }
  if ('case_error' in state && typeof state.case_error !== 'boolean') {
    problems.push(`"case_error" is ${JSON.stringify(state.case_error)}, expected true or false`);
  }
  return problems;
}

function portPath(portId: number): string {
  if (!Number.isInteger(portId) || portId < 1 || portId > 2000) {
    throw new RigError(`harness bug: the rig addresses ports 1-2000, not ${portId}`);
  }
  return `/ports/${portId}`;
}

/** body as the rig sent it; shown, the same with the token masked, for the message. */
function parseJson(body: string, shown: string, what: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new RigError(`${what} answered ${snippet(shown)}, which is not JSON`, 200);
  }
}

/** A batch step in the words of a failure. */
function stepWords(step: RigStep, i: number): string {
  return `rig POST /batch: steps[${i}] (${describeStep(step)})`;
}

function snippet(body: string): string {
  const line = body.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

function maskToken(text: string, token: string): string {
  return text.split(token).join('***');
}

/** Whether any text of the exchange holds the token. */
function mentions(exchange: Exchange, token: string): boolean {
  const { request, response } = exchange;
  return (
    request.url.includes(token) ||
    request.body.includes(token) ||
    headersMention(request.headers, token) ||
    (exchange.error?.includes(token) ?? false) ||
    (response !== undefined && (response.body.includes(token) || headersMention(response.headers, token)))
  );
}

/** A module function, not a closure made at each exchange (tsx names each closure it makes: exchange.ts). */
function headersMention(headers: Readonly<Record<string, string>>, token: string): boolean {
  for (const name in headers) if ((headers[name] as string).includes(token)) return true;
  return false;
}

function scrubExchange(exchange: Exchange, token: string): Exchange {
  // nearly always the token is nowhere (its header is redacted before it is recorded): the exchange as it is
  if (!mentions(exchange, token)) return exchange;
  const scrub = (text: string) => maskToken(text, token);
  const scrubHeaders = (headers: Readonly<Record<string, string>>) =>
    Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, scrub(v)]));
  return {
    ...exchange,
    request: {
      ...exchange.request,
      url: scrub(exchange.request.url),
      headers: scrubHeaders(exchange.request.headers),
      body: scrub(exchange.request.body),
    },
    ...(exchange.response
      ? {
          response: {
            ...exchange.response,
            headers: scrubHeaders(exchange.response.headers),
            body: scrub(exchange.response.body),
          },
        }
      : {}),
    ...(exchange.error === undefined ? {} : { error: scrub(exchange.error) }),
  };
}

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
