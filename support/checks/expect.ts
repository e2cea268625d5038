// The assertions a scenario makes about an answer and a port, each failing with one line that says what differed.
import { AssertionError } from 'chai';
import type { PortReading } from '../arrange/arrange.ts';
import type { CallResult, Encoding, Exchange, PortState } from '../model.ts';
import { mediaTypeFor, mediaTypeOf } from '../wire/media-types.ts';

function fail(message: string): never {
  throw new AssertionError(message);
}

/** "HTTP 200, application/xml" — how the answer travelled, or why none came. */
export function describeTransport(exchange: Exchange): string {
  if (!exchange.response) return `no answer: ${exchange.error ?? 'unknown transport failure'}`;
  const type = exchange.response.headers['content-type'] ?? 'no Content-Type';
  return `HTTP ${exchange.response.status}, ${type}`;
}

function describeAnswer(result: CallResult): string {
  if (!result.exchange.response) return describeTransport(result.exchange);
  const answer = result.answer;
  const what =
    answer === undefined
      ? 'no readable answer'
      : answer.kind === 'fault'
        ? `fault ${answer.code}`
        : 'success';
  return `${what}; ${describeTransport(result.exchange)}`;
}

function contractProblems(result: CallResult): string {
  return result.problems.length === 0
    ? ''
    : `; the answer breaks the contract: ${result.problems.join('; ')}`;
}

export function expectFault(result: CallResult, code: number): void {
  const answer = result.answer;
  if (answer?.kind === 'fault' && answer.code === code && result.problems.length === 0) return;
  fail(`expected fault ${code}, got ${describeAnswer(result)}${contractProblems(result)}`);
}

export function expectSuccess(result: CallResult): void {
  if (result.answer?.kind === 'success' && result.problems.length === 0) return;
  fail(`expected success, got ${describeAnswer(result)}${contractProblems(result)}`);
}

/**
 * Input that is not a call: an HTTP 4xx with a short explanation (any text, any media type), never 2xx, never 5xx,
 * never a dropped connection.
 */
export function expectRefused(exchange: Exchange, statuses?: readonly number[]): void {
  const status = exchange.response?.status;
  const wanted = statuses ? `HTTP ${statuses.join(' or ')}` : 'an HTTP 4xx refusal';
  if (status !== undefined && status >= 400 && status < 500 && (!statuses || statuses.includes(status))) {
    if (exchange.response?.body.trim() === '')
      fail(`expected ${wanted} with a short explanation, got HTTP ${status} with an empty body`);
    return;
  }
  const body = exchange.response?.body.slice(0, 120).replace(/\s+/g, ' ');
  fail(`expected ${wanted}, got ${describeTransport(exchange)}${body ? ` (${body})` : ''}`);
}

/** [decided] An answer, fault or not, travels with HTTP 200 and the media type of its encoding. */
export function expectTransport(exchange: Exchange, encoding: Encoding): void {
  const expected = mediaTypeFor(encoding);
  const mediaType = mediaTypeOf(exchange.response?.headers['content-type']);
  if (exchange.response?.status === 200 && mediaType === expected) return;
  fail(`expected HTTP 200, ${expected}; got ${describeTransport(exchange)}`);
}

/** "AC OPEN, bin 101337 selected, case ERSO in error": a port state in words. */
export function describeState(state: PortState): string {
  const bin = state.selected_bin === null ? 'no bin selected' : `bin ${state.selected_bin} selected`;
  return `${state.type} ${state.mode}, ${bin}, case ${state.case_state} ${state.case_error ? 'in error' : 'without error'}`;
}

/** The port reads back exactly as expected; `why` names what the expectation stands for. */
export function expectPort(
  portId: number,
  reading: PortReading,
  expected: PortState | null,
  why: string,
): void {
  if (!('exists' in reading)) fail(`port ${portId} cannot be read back: ${reading.reason}`);
  if (expected === null) {
    if (reading.exists)
      fail(`expected port ${portId} not to exist (${why}), it reads ${describeState(reading.state)}`);
    return;
  }
  if (!reading.exists)
    fail(`expected port ${portId} to read ${describeState(expected)} (${why}), it does not exist`);
  expectFields(portId, reading.state, expected, why);
}

/** Some fields of a port; `actual` undefined when the port does not exist. */
export function expectFields(
  portId: number,
  actual: Partial<PortState> | undefined,
  expected: Partial<PortState>,
  why: string,
): void {
  if (actual === undefined) fail(`expected port ${portId} to exist (${why}), it does not`);
  const keys = Object.keys(expected) as (keyof PortState)[];
  const differs = keys.filter((key) => actual[key] !== expected[key]);
  if (differs.length === 0) return;
  const detail = differs.map(
    (key) => `${key} ${JSON.stringify(actual[key])} (expected ${JSON.stringify(expected[key])})`,
  );
  fail(`port ${portId} ${why}: ${detail.join(', ')}`);
}

/**
 * `line` among the rig's events from index `since` on (how many there were right before the call): a line of the
 * scenario's own arrangement, which a rig may publish (a PUT that moves the AutoCase state), never counts.
 */
export function expectEventAfter(events: readonly string[], since: number, line: string, why: string): void {
  const after = events.slice(since);
  const times = after.filter((seen) => seen === line).length;
  if (times > 1)
    fail(
      `expected the Log Publisher line ${line} (${why}) once after the call, the controller published it ${times} times: ${JSON.stringify(after)}`,
    );
  if (times === 1) return;
  const before = since > 0 ? `; before it: ${JSON.stringify(events.slice(0, since))}` : '';
  fail(
    `expected the Log Publisher line ${line} (${why}) after the call, the controller published ${JSON.stringify(after)}${before}`,
  );
}
