// One HTTP exchange with a target through undici, recorded as evidence exactly as it went over the wire. It never
// throws for what the target does: `exchange.error` says it. Redirects are never followed. The whole exchange
// has one deadline (a Deadline, which undici takes as its abort signal), since undici's own timeouts fire at about
// 1 s granularity.

import diagnostics_channel from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { Agent, Client, request } from 'undici';
import { BoundedMap } from '../bounded-map.ts';
import type { Encoding, Exchange } from '../model.ts';
import { answerCharset, decodeText } from './charsets.ts';
import { undoContentCoding } from './content-coding.ts';
import { type EarlyAnswer, type EarlyRequest, sendReadingEarly } from './early-answer.ts';
import { describeFailure, type Failure, type FailureContext } from './failures.ts';
import { redact } from './request-evidence.ts';
import { type TlsConnectOptions, tlsTrust, trustOptions } from './tls.ts';

const CONNECT_TIMEOUT_MS = 5_000;
/**
 * A body this large may still be going out when the server answers it (a refusal before reading it) and closes: a
 * reset before the answer is then sent again, reading as it sends (wire/early-answer.ts).
 */
const EARLY_ANSWER_BODY_BYTES = 64 * 1024;

let agent: Agent | undefined;
/** The trust the agent was made with (wire/tls.ts): another one makes another agent. */
let agentTrust: TlsConnectOptions | undefined;

/**
 * Whether a request went out on a connection that had carried one before (kept alive): undici publishes the request
 * it makes, synchronously inside request(), and the socket it writes its headers on. RFC 9112 9.3.1 lets a server
 * close such a connection at any time, so a request on it may meet the close unread; one on a new connection may not.
 */
interface Reuse {
  reused: boolean;
}
/** The exchange whose request() is being called right now (set and cleared around the synchronous call). */
let sending: Reuse | undefined;
const reuseOf = new WeakMap<object, Reuse>();
/** The sockets that have carried a request's headers. */
const carried = new WeakSet<object>();
diagnostics_channel.subscribe('undici:request:create', (message) => {
  if (sending !== undefined) reuseOf.set((message as { request: object }).request, sending);
});
diagnostics_channel.subscribe('undici:client:sendHeaders', (message) => {
  const { request: sent, socket } = message as { request: object; socket: object };
  const reuse = reuseOf.get(sent);
  if (reuse !== undefined) reuse.reused = carried.has(socket);
  carried.add(socket);
});

/**
 * The origins that send an interim `100 Continue` nobody asked for (the harness sends no Expect). RFC 9110 15.2 lets a
 * server send one and asks a client to read past it; undici closes the connection on it instead (its
 * lib/dispatcher/client-h1.js: "bad response"). Every exchange with such an origin goes through the harness's own
 * client (wire/early-answer.ts, a connection each), which skips interim answers. Found by the pre-flight's probe
 * (probeInterimAnswers), or by the first exchange that meets one; kept in the environment for cucumber's workers.
 */
const INTERIM_ENV = 'HARNESS_INTERIM_CONTINUE';
const interimOrigins = new Set((process.env[INTERIM_ENV] ?? '').split(' ').filter(Boolean));

/** From now on, `origin`'s exchanges go through the harness's own client (exported for the tests). */
export function markInterim(origin: string): void {
  interimOrigins.add(origin);
  process.env[INTERIM_ENV] = [...interimOrigins].join(' ');
}

/** Whether exchanges with `url`'s origin are read by the harness's own client (an interim 100 nobody asked for). */
export function readsInterimAnswers(url: string): boolean {
  return interimOrigins.has(new URL(url).origin);
}

/** undici's error for an interim 100 it did not ask for (it destroys the socket with it). */
function isUnaskedContinue(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.message === 'bad response' &&
    (error as { code?: unknown }).code === 'UND_ERR_SOCKET'
  );
}

/** Methods that change nothing more when sent twice (RFC 9110 9.2.2): sent again after an unasked 100. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

function connectOptions(trust: TlsConnectOptions) {
  return {
    timeout: CONNECT_TIMEOUT_MS,
    ...trustOptions(trust),
  };
}

function dispatcher(): Agent {
  const trust = tlsTrust().connect;
  if (agent !== undefined && agentTrust !== trust) void closeClient();
  agentTrust = trust;
  if (agent !== undefined) return agent;
  // headersTimeout/bodyTimeout off: the AbortSignal is the one deadline
  agent = new Agent({
    keepAliveTimeout: 4_000,
    connect: connectOptions(trust),
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  return agent;
}

/** Closes every kept-alive connection; the next call opens a new agent. */
export async function closeClient(): Promise<void> {
  const closing = agent;
  agent = undefined;
  await closing?.close();
}

/** The body in pieces of 64 KiB, as a stream: undici sends a body of unknown length chunked. */
function chunksOf(body: Buffer): Readable {
  const pieces: Buffer[] = [];
  for (let at = 0; at < body.length; at += 64 * 1024) pieces.push(body.subarray(at, at + 64 * 1024));
  return Readable.from(pieces);
}

/** One HTTP exchange: what to send, its deadline and the cap on the answer's size. */
export interface ExchangeSpec {
  readonly label: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | undefined;
  /** The request body as the evidence shows it. */
  readonly evidenceBody: string;
  /** Sent with Transfer-Encoding: chunked and no Content-Length, as a client streaming its body sends it. */
  readonly chunked?: boolean;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** How to read the answer's bytes as text when its Content-Type names no charset. */
  readonly expect?: Encoding;
  /**
   * Sending it twice changes nothing on the target though its method is not idempotent (a body that is not a call):
   * it may be sent again after an interim 100 that undici would not read. Idempotent methods are anyway.
   */
  readonly repeatable?: boolean;
}

/** The exchange as evidence, with the answer's raw bytes and the charset they were read in. */
export interface ExchangeOutcome {
  readonly exchange: Exchange;
  readonly bytes?: Buffer;
  readonly charset?: string;
}

/**
 * The URLs exchanges went to, parsed once each: a run sends thousands of requests to a handful of URLs, and undici
 * takes the URL object as it is instead of parsing the string again. Nothing changes a URL once parsed here.
 */
const parsedUrls = new BoundedMap<string, URL>(256);

function parsedUrl(url: string): URL {
  let parsed = parsedUrls.get(url);
  if (parsed === undefined) {
    parsed = new URL(url);
    parsedUrls.set(url, parsed);
  }
  return parsed;
}

/** Sends `spec` within its deadline. Never throws for what the target does; `exchange.error` says it. */
export async function httpExchange(spec: ExchangeSpec): Promise<ExchangeOutcome> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const target = parsedUrl(spec.url);
  const hostPort = `${target.hostname}:${target.port || (target.protocol === 'https:' ? '443' : '80')}`;
  const recordedHeaders = redact({
    host: target.host,
    // undici adds it, as it adds host and content-length; the harness's own client closes after each answer
    connection: interimOrigins.has(target.origin) ? 'close' : 'keep-alive',
    ...spec.headers,
    ...(spec.body === undefined
      ? {}
      : spec.chunked
        ? { 'transfer-encoding': 'chunked' }
        : { 'content-length': String(spec.body.length) }),
  });
  const requestEvidence = {
    method: spec.method,
    url: spec.url,
    headers: recordedHeaders,
    body: spec.evidenceBody,
  };
  // The deadline of the whole exchange, cleared when the exchange ends: AbortSignal.timeout's timer would outlive
  // the exchange by the whole deadline and abort a signal nobody listens to any more, for every call.
  const deadline = new Deadline();
  const timer = setTimeout(
    () => deadline.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    spec.timeoutMs,
  );
  timer.unref();
  try {
    return await exchangeWithin(spec, deadline, { startedAt, t0, target, hostPort, requestEvidence });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * An exchange's deadline as undici takes a signal: an EventEmitter with `aborted` and `reason` (undici's
 * api-request reads both, and listens for 'abort' once). An AbortController and its EventTarget cost several
 * times as much to make and to listen to, on every request (3 % of the client path's profile), for the same abort.
 */
class Deadline extends EventEmitter {
  aborted = false;
  reason: unknown;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}

interface ExchangeStart {
  readonly startedAt: string;
  readonly t0: number;
  readonly target: URL;
  readonly hostPort: string;
  readonly requestEvidence: Exchange['request'];
}

/**
 * The request through undici (an Agent's kept-alive connections, or a Client of its own), to the URL as parsed. The
 * functions of an exchange are module functions, not closures made at each exchange: tsx names every closure it
 * makes (keepNames), a property definition each, 5 µs an exchange in profiles.
 */
function sendThrough(spec: ExchangeSpec, url: URL, through: Agent | Client, signal: Deadline) {
  return request(url, {
    dispatcher: through,
    method: spec.method as 'POST',
    headers: { ...spec.headers },
    // a stream of unknown length goes chunked; a new one for each attempt (a stream is read once)
    body: spec.chunked && spec.body !== undefined ? chunksOf(spec.body) : spec.body,
    signal,
  });
}

/**
 * The request through the harness's own client, on a connection of its own, which reads an interim answer undici
 * would not and an answer that comes before the body has gone out (`early`: how long to wait for one first).
 */
function sendOwn(
  spec: ExchangeSpec,
  url: URL,
  signal: Deadline,
  early: Pick<EarlyRequest, 'headersFirstMs'> = {},
): Promise<EarlyAnswer> {
  return sendReadingEarly({
    url,
    method: spec.method,
    headers: spec.headers,
    body: spec.body,
    chunked: spec.chunked === true,
    trust: tlsTrust().connect,
    signal,
    maxResponseBytes: spec.maxResponseBytes,
    ...early,
  });
}

/** The exchange as evidence when no answer came. */
function failedExchange(spec: ExchangeSpec, start: ExchangeStart, failed: Failure): Exchange {
  return {
    label: spec.label,
    startedAt: start.startedAt,
    request: start.requestEvidence,
    error: failed.message,
    failure: failed.kind,
    ms: Math.round(performance.now() - start.t0),
  };
}

async function exchangeWithin(
  spec: ExchangeSpec,
  signal: Deadline,
  start: ExchangeStart,
): Promise<ExchangeOutcome> {
  const { target, hostPort } = start;
  const context = { hostPort, hostname: target.hostname, signal, timeoutMs: spec.timeoutMs };

  if (interimOrigins.has(target.origin)) {
    let answer: EarlyAnswer;
    try {
      answer = await sendOwn(spec, target, signal, { headersFirstMs: 0 });
    } catch (error) {
      const failed = describeFailure(error, context);
      return (
        (await resentWhenRefusedEarly(spec, start, context, failed)) ?? {
          exchange: failedExchange(spec, start, failed),
        }
      );
    }
    return readAnswer(spec, answer, start, signal, undefined);
  }

  const through = dispatcher();
  const reuse: Reuse = { reused: false };
  let answer: EarlyAnswer;
  try {
    let sent: ReturnType<typeof sendThrough>;
    sending = reuse;
    try {
      sent = sendThrough(spec, target, through, signal);
    } finally {
      sending = undefined;
    }
    answer = await sent;
  } catch (error) {
    const failed = describeFailure(error, context);
    if (isUnaskedContinue(error)) {
      // an interim 100 nobody asked for: from now on this origin's answers are read by the harness's own client
      markInterim(target.origin);
      const unasked = `the target sent an interim "100 Continue" that nobody asked for (the harness sends no Expect), and undici closed the connection on it`;
      if (!spec.repeatable && !IDEMPOTENT.has(spec.method.toUpperCase()))
        return {
          exchange: {
            ...failedExchange(spec, start, failed),
            error: `${unasked}: this call may have been processed and is not sent again; the target's answers are read by the harness's own client from now on (RFC 9110 15.2 lets a server send it)`,
            failure: 'unread-interim',
          },
        };
      return sentAgain(
        spec,
        start,
        context,
        `sent again by the harness's own client: ${unasked} (RFC 9110 15.2 lets a server send it)`,
        sendOwn(spec, target, signal, { headersFirstMs: 0 }),
      );
    }
    const early = await resentWhenRefusedEarly(spec, start, context, failed);
    if (early !== undefined) return early;
    // A server may close an idle kept-alive connection just as a call goes out on it (RFC 9112, 9.3.1), unread: the
    // call goes again, once, on a connection of its own, where a server that drops calls drops it too. A call that
    // went out on a new connection is never sent twice.
    if (failed.kind !== 'reset' || !reuse.reused) return { exchange: failedExchange(spec, start, failed) };
    const fresh = new Client(target.origin, {
      connect: connectOptions(tlsTrust().connect),
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    return sentAgain(
      spec,
      start,
      context,
      `sent again on a new connection: the first attempt went out on a kept-alive connection and met "${failed.message}" (a target may close an idle connection at any time)`,
      // closed once this answer's body has been read
      sendThrough(spec, target, fresh, signal).finally(() => void fresh.close()),
    );
  }
  return readAnswer(spec, answer, start, signal, undefined);
}

/** What an exchange's failures are described with (failures.ts), and its deadline. */
type ExchangeContext = FailureContext & { readonly signal: Deadline };

/**
 * The exchange once `attempt`, the request sent again, has an answer (read within the deadline) or has failed;
 * `resent` says why it was sent again, in the evidence either way.
 */
async function sentAgain(
  spec: ExchangeSpec,
  start: ExchangeStart,
  context: ExchangeContext,
  resent: string,
  attempt: Promise<EarlyAnswer>,
): Promise<ExchangeOutcome> {
  let answer: EarlyAnswer;
  try {
    answer = await attempt;
  } catch (again) {
    return { exchange: { ...failedExchange(spec, start, describeFailure(again, context)), resent } };
  }
  return readAnswer(spec, answer, start, context.signal, resent);
}

/**
 * A large body whose connection was reset or closed before any answer, sent once more on a connection of its own,
 * its headers first (the body only after a moment without a final answer), read as it goes and sent no further once
 * an answer is in; undefined for any other failure.
 *
 * A server may answer a large body it refuses before reading it, and close with the rest unread: the kernel then
 * resets the connection, and the answer is lost when the reset reaches the harness before it has read the answer
 * (undici parses a tick later) or when the server's kernel drops its unsent answer on that reset (RFC 9112 9.6 asks
 * a server for a lingering close; not every one does it). Sent the headers alone first, such a server answers and
 * closes with nothing unread. A target that answers nothing fails the same way again.
 */
async function resentWhenRefusedEarly(
  spec: ExchangeSpec,
  start: ExchangeStart,
  context: ExchangeContext,
  failed: Failure,
): Promise<ExchangeOutcome | undefined> {
  const body = spec.body;
  if (failed.kind !== 'reset' || body === undefined || body.length <= EARLY_ANSWER_BODY_BYTES)
    return undefined;
  return sentAgain(
    spec,
    start,
    context,
    `sent again on a new connection, its headers first and its body read while it went out: the first attempt met "${failed.message}" with its body of ${body.length} bytes going out (a server may answer a body it refuses before reading it, and close)`,
    sendOwn(spec, start.target, context.signal),
  );
}

/** The answer's body read within the deadline and the cap, and the exchange as evidence. */
async function readAnswer(
  spec: ExchangeSpec,
  answer: EarlyAnswer,
  { startedAt, t0, target, hostPort, requestEvidence }: ExchangeStart,
  signal: Deadline,
  resent: string | undefined,
): Promise<ExchangeOutcome> {
  const chunks: Buffer[] = [];
  let read = 0;
  let truncated = false;
  let error: Failure | undefined;
  // Listeners rather than `for await`: the same chunks, end, errors and cut-off, without an async iterator and
  // its promises on every call (a tenth of a round trip, docs/bench.md). The first of them to settle decides.
  const failure = await new Promise<unknown>((resolve) => {
    const body = answer.body;
    let settled = false;
    body.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (read + chunk.length > spec.maxResponseBytes) {
        chunks.push(chunk.subarray(0, spec.maxResponseBytes - read));
        read = spec.maxResponseBytes;
        truncated = true;
        settled = true;
        resolve(undefined);
        body.destroy(); // reading stops here
        return;
      }
      chunks.push(chunk);
      read += chunk.length;
    });
    body.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(undefined);
    });
    body.on('error', (cause: unknown) => {
      if (settled) return;
      settled = true;
      resolve(cause);
    });
    // closed with neither an end nor an error: what `for await` reports as a premature close. Every body closes
    // after its end: the error (and its stack trace, a sixth of this module's time in profiles) only when unsettled.
    body.on('close', () => {
      if (settled) return;
      settled = true;
      resolve(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    });
  });
  if (failure !== undefined) {
    error = describeFailure(failure, {
      hostPort,
      hostname: target.hostname,
      signal,
      timeoutMs: spec.timeoutMs,
      bodyBytes: read,
    });
  }
  if (truncated)
    error = {
      kind: 'too-large',
      message: `the answer exceeded ${spec.maxResponseBytes} bytes; reading stopped`,
    };
  const headers = flattenHeaders(answer.headers);
  let bytes: Buffer = Buffer.concat(chunks);
  if (headers['content-encoding'] !== undefined && error === undefined) {
    const decoded = undoContentCoding(bytes, headers['content-encoding'], spec.maxResponseBytes);
    if ('failure' in decoded) error = decoded.failure;
    else if (decoded.truncated) {
      truncated = true;
      error = {
        kind: 'too-large',
        message: `the answer, once its Content-Encoding (${headers['content-encoding']}) was undone, exceeded ${spec.maxResponseBytes} bytes; reading stopped`,
      };
    } else bytes = decoded.bytes;
  }
  const charset = answerCharset(bytes, headers['content-type'], spec.expect);
  const exchange: Exchange = {
    label: spec.label,
    startedAt,
    request: requestEvidence,
    response: {
      status: answer.statusCode,
      headers,
      body: decodeText(bytes, charset),
      truncated,
    },
    ...(error === undefined ? {} : { error: error.message, failure: error.kind }),
    ...(resent === undefined ? {} : { resent }),
    ms: Math.round(performance.now() - t0),
  };
  return { exchange, bytes, charset };
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
