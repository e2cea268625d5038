// How the harness talks HTTP to a target: Task Interface calls, raw robustness requests, a preflight.
//
// Every exchange is recorded as evidence exactly as it went over the wire, and every way it fails
// is said in words about what the target did. Redirects are never followed; the deadline of a
// whole exchange is an AbortSignal (undici's own timeouts fire at ~1 s granularity).

import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { validateRequest, validateResponse } from '../checks/schema.ts';
import {
  charsetOf,
  declaredXmlEncoding,
  decodeAnswer,
  encodeCall,
  mediaTypeFor,
  mediaTypeOf,
  type RequestForm,
} from './codec.ts';
import type { CallResult, Encoding, Exchange, ParamValue, TargetConfig } from './types.ts';

export interface CallOptions {
  /** Names the exchange in the evidence; default `<method> (<encoding>)`. */
  readonly label?: string;
  readonly form?: RequestForm;
  /** false for requests invalid in value on purpose: only the envelope schema is checked. */
  readonly strictRequest?: boolean;
  readonly record?: (exchange: Exchange) => void;
}

export interface RawRequest {
  /** HTTP verb; default POST. */
  readonly method?: string;
  /** A path on the task URL's origin, e.g. `/api/v2/other`. */
  readonly path?: string;
  /** A whole URL; default the task URL. */
  readonly url?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  readonly label?: string;
  readonly record?: (exchange: Exchange) => void;
}

/** What went wrong with an exchange, as a kind the verdict logic can branch on (timeout → INCONCLUSIVE). */
export type FailureKind =
  | 'timeout'
  | 'refused'
  | 'unreachable'
  | 'reset'
  | 'not-http'
  | 'too-large'
  | 'other';

const CONNECT_TIMEOUT_MS = 5_000;
const PREFLIGHT_TIMEOUT_MS = 3_000;
/** The part of a big request body kept in the evidence. */
const EVIDENCE_REQUEST_BYTES = 4 * 1024;

let agent: Agent | undefined;

function dispatcher(): Agent {
  // headersTimeout/bodyTimeout off: the AbortSignal is the one deadline
  agent ??= new Agent({
    keepAliveTimeout: 4_000,
    connect: { timeout: CONNECT_TIMEOUT_MS },
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

/**
 * One Task Interface call: encodes, validates the request (a request that fails is a harness bug and
 * throws), sends it within `target.timeoutMs`, records the exchange and lists every contract problem.
 */
export async function callTask(
  target: TargetConfig,
  method: string,
  params: Readonly<Record<string, ParamValue>> | undefined,
  encoding: Encoding,
  opts: CallOptions = {},
): Promise<CallResult> {
  const { body, contentType } = encodeCall(method, params, encoding, opts.form);
  await checkRequest(body, method, encoding, opts.strictRequest !== false);
  const { exchange, charset, bytes } = await httpExchange({
    label: opts.label ?? `${method} (${encoding})`,
    method: 'POST',
    url: target.taskUrl,
    headers: { 'content-type': contentType },
    body: requestBytes(body, encoding),
    evidenceBody: body,
    timeoutMs: target.timeoutMs,
    maxResponseBytes: target.maxResponseBytes,
    expect: encoding,
  });
  opts.record?.(exchange);
  const judged = await judge(exchange, method, encoding);
  if (charset === 'utf-8' && bytes && !exchange.error && !isUtf8(bytes)) {
    judged.problems.push('the answer is not valid UTF-8 (and declares no other charset)');
  }
  return { exchange, ...judged };
}

/** A call a fuzz loop is about to make: what prevalidateCalls encodes and checks. */
export interface PlannedCall {
  readonly method: string;
  readonly params: Readonly<Record<string, ParamValue>> | undefined;
  readonly encoding: Encoding;
  readonly form?: RequestForm;
  readonly strictRequest?: boolean;
}

/**
 * Validates many requests in one go (one xmllint run per schema instead of one per call), so that
 * the callTask of each finds its verdict memoised. Throws `harness bug: ...` for the first invalid one.
 */
export async function prevalidateCalls(calls: readonly PlannedCall[]): Promise<void> {
  await Promise.all(
    calls.map((call) => {
      const { body } = encodeCall(call.method, call.params, call.encoding, call.form);
      return checkRequest(body, call.method, call.encoding, call.strictRequest !== false);
    }),
  );
}

async function checkRequest(
  body: string,
  method: string,
  encoding: Encoding,
  strict: boolean,
): Promise<void> {
  const errors = await validateRequest(body, encoding, method, strict);
  if (errors.length > 0) {
    const schema = strict ? 'strict' : 'envelope';
    throw new Error(`harness bug: request ${method} (${encoding}, ${schema}) invalid: ${errors.join('; ')}`);
  }
}

async function judge(
  exchange: Exchange,
  method: string,
  encoding: Encoding,
): Promise<{ answer?: CallResult['answer']; problems: string[] }> {
  const response = exchange.response;
  if (!response) return { problems: [exchange.error ?? 'no answer'] };
  const problems: string[] = [];
  if (response.status !== 200) problems.push(`HTTP ${response.status}, expected 200`);
  const redirect = redirectNote(response.status, response.headers);
  if (redirect) problems.push(redirect);
  const expected = mediaTypeFor(encoding);
  const contentType = response.headers['content-type'];
  const mediaType = mediaTypeOf(contentType);
  if (mediaType === undefined) problems.push(`no Content-Type, expected ${expected}`);
  else if (mediaType !== expected) problems.push(`Content-Type ${contentType}, expected ${expected}`);
  // [decided] answers are UTF-8: a charset, when named, must say so.
  const charset = charsetOf(contentType);
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    problems.push(`Content-Type ${contentType} names the charset ${charset}, expected utf-8`);
  }
  if (exchange.error) return { problems: [...problems, exchange.error] }; // the body is incomplete
  // an error page (wrong status and wrong media type) is not an attempt at an answer: no decoding noise
  if (response.status !== 200 && mediaType !== expected) return { problems };
  const decoded = decodeAnswer(response.body, encoding);
  problems.push(...decoded.problems);
  if (decoded.parsed) {
    const file = encoding === 'XML' ? 'XSD' : 'JSON Schema';
    for (const error of await validateResponse(response.body, encoding, method))
      problems.push(`${file}: ${error}`);
  }
  return decoded.answer ? { answer: decoded.answer, problems } : { problems };
}

/** For a 3xx: where it pointed, and that the harness did not go there (it never follows redirects). */
function redirectNote(status: number, headers: Readonly<Record<string, string>>): string | undefined {
  if (status < 300 || status > 399) return undefined;
  const location = headers.location?.replace(/\s+/g, ' ').trim();
  if (!location) return 'a redirect without a Location, not followed';
  const shown = location.length > 200 ? `${location.slice(0, 197)}...` : location;
  return `a redirect to ${shown}, not followed`;
}

/** Sends exactly the request given (robustness scenarios: wrong verb, path, type, huge or broken bodies). */
export async function sendRaw(target: TargetConfig, raw: RawRequest): Promise<Exchange> {
  const url =
    raw.url ?? (raw.path !== undefined ? new URL(raw.path, target.taskUrl).toString() : target.taskUrl);
  const method = raw.method ?? 'POST';
  const bytes =
    raw.body === undefined
      ? undefined
      : typeof raw.body === 'string'
        ? Buffer.from(raw.body, 'utf8')
        : raw.body;
  const { exchange } = await httpExchange({
    label: raw.label ?? `${method} ${new URL(url).pathname}`,
    method,
    url,
    headers: raw.headers ?? {},
    body: bytes,
    evidenceBody: bytes === undefined ? '' : evidenceOf(bytes),
    timeoutMs: target.timeoutMs,
    maxResponseBytes: target.maxResponseBytes,
  });
  raw.record?.(exchange);
  return exchange;
}

/** A one-line cause when nothing answers HTTP at `url` (any HTTP status counts as answering), else undefined. */
export async function preflight(url: string, timeoutMs = PREFLIGHT_TIMEOUT_MS): Promise<string | undefined> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `not a URL: ${JSON.stringify(url)}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `not an HTTP URL: ${url}`;
  const { exchange } = await httpExchange({
    label: 'preflight',
    method: 'GET',
    url,
    headers: {},
    body: undefined,
    evidenceBody: '',
    timeoutMs,
    maxResponseBytes: 64 * 1024,
  });
  if (exchange.response) return undefined;
  return exchange.error ?? 'no answer';
}

/** The kind of failure an exchange's error describes; undefined when it completed. */
export function failureKind(exchange: Exchange): FailureKind | undefined {
  const error = exchange.error;
  if (error === undefined) return undefined;
  if (error.startsWith('no answer within') || error.includes('not complete within')) return 'timeout';
  if (error.startsWith('connection refused')) return 'refused';
  if (error.startsWith('host not found') || error.startsWith('no connection to')) return 'unreachable';
  if (error.startsWith('connection reset') || error.startsWith('connection closed')) return 'reset';
  if (error.startsWith('answered bytes that are not HTTP')) return 'not-http';
  if (error.startsWith('the answer exceeded')) return 'too-large';
  return 'other';
}

// --- the exchange itself ----------------------------------------------------------------------

/** @internal shared with rig.ts: one HTTP exchange, recorded. */
export interface ExchangeSpec {
  readonly label: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | undefined;
  /** The request body as the evidence shows it. */
  readonly evidenceBody: string;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** How to read the answer's bytes as text when its Content-Type names no charset. */
  readonly expect?: Encoding;
}

/** @internal shared with rig.ts. Never throws for what the target does; `exchange.error` says it. */
export async function httpExchange(
  spec: ExchangeSpec,
): Promise<{ exchange: Exchange; bytes?: Buffer; charset?: string }> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const target = new URL(spec.url);
  const hostPort = `${target.hostname}:${target.port || (target.protocol === 'https:' ? '443' : '80')}`;
  const recordedHeaders = redact({
    host: target.host,
    connection: 'keep-alive', // undici adds it, as it adds host and content-length
    ...spec.headers,
    ...(spec.body === undefined ? {} : { 'content-length': String(spec.body.length) }),
  });
  const requestEvidence = {
    method: spec.method,
    url: spec.url,
    headers: recordedHeaders,
    body: spec.evidenceBody,
  };
  // The deadline of the whole exchange, cleared when the exchange ends (AbortSignal.timeout's timer would
  // outlive it by the whole deadline, and abort a signal nobody listens to any more, for every call).
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    spec.timeoutMs,
  );
  timer.unref();
  try {
    return await exchangeWithin(spec, deadline.signal, { startedAt, t0, target, hostPort, requestEvidence });
  } finally {
    clearTimeout(timer);
  }
}

interface ExchangeStart {
  readonly startedAt: string;
  readonly t0: number;
  readonly target: URL;
  readonly hostPort: string;
  readonly requestEvidence: Exchange['request'];
}

async function exchangeWithin(
  spec: ExchangeSpec,
  signal: AbortSignal,
  { startedAt, t0, target, hostPort, requestEvidence }: ExchangeStart,
): Promise<{ exchange: Exchange; bytes?: Buffer; charset?: string }> {
  const elapsed = () => Math.round(performance.now() - t0);

  let answer: Awaited<ReturnType<typeof request>>;
  try {
    answer = await request(spec.url, {
      dispatcher: dispatcher(),
      method: spec.method as 'POST',
      headers: { ...spec.headers },
      body: spec.body,
      signal,
    });
  } catch (error) {
    const message = describeFailure(error, {
      hostPort,
      hostname: target.hostname,
      signal,
      timeoutMs: spec.timeoutMs,
    });
    return {
      exchange: { label: spec.label, startedAt, request: requestEvidence, error: message, ms: elapsed() },
    };
  }

  const chunks: Buffer[] = [];
  let read = 0;
  let truncated = false;
  let error: string | undefined;
  // Listeners rather than `for await`: the same chunks, end, errors and cut-off, without an async iterator
  // and its promises for every call (a tenth of a round trip, docs/bench.md).
  const failure = await new Promise<unknown>((resolve) => {
    const body = answer.body;
    let settled = false;
    const settle = (outcome: unknown) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    body.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (read + chunk.length > spec.maxResponseBytes) {
        chunks.push(chunk.subarray(0, spec.maxResponseBytes - read));
        read = spec.maxResponseBytes;
        truncated = true;
        settle(undefined);
        body.destroy(); // reading stops here
        return;
      }
      chunks.push(chunk);
      read += chunk.length;
    });
    body.on('end', () => settle(undefined));
    body.on('error', (cause: unknown) => settle(cause));
    // closed with neither an end nor an error: what `for await` reports as a premature close
    body.on('close', () =>
      settle(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' })),
    );
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
  if (truncated) error = `the answer exceeded ${spec.maxResponseBytes} bytes; reading stopped`;
  const bytes = Buffer.concat(chunks);
  const headers = flattenHeaders(answer.headers);
  const charset = charsetFor(bytes, headers['content-type'], spec.expect);
  const exchange: Exchange = {
    label: spec.label,
    startedAt,
    request: requestEvidence,
    response: {
      status: answer.statusCode,
      headers,
      body: decodeAs(bytes, charset),
      truncated,
    },
    ...(error === undefined ? {} : { error }),
    ms: elapsed(),
  };
  return { exchange, bytes, charset };
}

interface FailureContext {
  readonly hostPort: string;
  readonly hostname: string;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** Set once the status line and headers arrived. */
  readonly bodyBytes?: number;
}

/** The failure in words about what the target did. */
function describeFailure(error: unknown, ctx: FailureContext): string {
  const inBody = ctx.bodyBytes !== undefined;
  if (ctx.signal.aborted) {
    return inBody
      ? `the answer was not complete within ${ctx.timeoutMs} ms (${ctx.bodyBytes} bytes of the body read)`
      : `no answer within ${ctx.timeoutMs} ms`;
  }
  const codes = errorCodes(error);
  const has = (...wanted: string[]) => wanted.some((c) => codes.includes(c));
  if (codes.some((c) => c.startsWith('HPE_')) || (error as Error)?.name === 'HTTPParserError') {
    return `answered bytes that are not HTTP (${oneLine(error)})`;
  }
  if (has('ECONNREFUSED')) return `connection refused by ${ctx.hostPort}`;
  if (has('ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME')) return `host not found: ${ctx.hostname}`;
  if (has('UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH')) {
    return `no connection to ${ctx.hostPort} (${oneLine(error)})`;
  }
  if (has('ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH')) {
    return inBody
      ? `connection reset after ${ctx.bodyBytes} bytes of the answer`
      : `connection closed by ${ctx.hostPort} without an answer`;
  }
  return `request failed: ${oneLine(error)}`;
}

function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, ' ').trim();
}

/** The Authorization header never reaches the evidence. */
function redact(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] =
      name.toLowerCase() === 'authorization' ? (/^bearer\s/i.test(value) ? 'Bearer ***' : '***') : value;
  }
  return out;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

const LATIN1 = new Set(['iso-8859-1', 'latin1', 'latin-1', 'l1', 'us-ascii', 'ascii']);

/** How to read the answer's bytes: the Content-Type charset, else (XML) a BOM or the declaration, else UTF-8. */
function charsetFor(bytes: Buffer, contentType: string | undefined, expect: Encoding | undefined): string {
  const charset = charsetOf(contentType);
  if (charset !== undefined) return charset === 'utf8' ? 'utf-8' : charset;
  if (expect === 'XML' && !(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)) {
    const declared = declaredXmlEncoding(bytes.subarray(0, 200).toString('latin1'))?.toLowerCase();
    if (declared !== undefined) return declared === 'utf8' ? 'utf-8' : declared;
  }
  return 'utf-8';
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function decodeAs(bytes: Buffer, charset: string): string {
  if (LATIN1.has(charset)) return bytes.toString('latin1');
  if (charset === 'utf-8') return bytes.toString('utf8');
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return bytes.toString('utf8'); // a charset nobody knows: read it as UTF-8
  }
}

/** A request body declared ISO-8859-1 goes out in ISO-8859-1. */
function requestBytes(body: string, encoding: Encoding): Buffer {
  if (encoding === 'XML') {
    const declared = declaredXmlEncoding(body)?.toLowerCase();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the whole Latin-1 range is meant
    if (declared !== undefined && LATIN1.has(declared) && /^[\u0000-\u00ff]*$/.test(body)) {
      return Buffer.from(body, 'latin1');
    }
  }
  return Buffer.from(body, 'utf8');
}

/** Evidence of a raw body: all of a small one, the first 4 KiB of a big one with its full length. */
function evidenceOf(bytes: Buffer): string {
  const shown = bytes.subarray(0, EVIDENCE_REQUEST_BYTES);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(shown);
  } catch {
    // binary (or a UTF-8 sequence cut at 4 KiB): show it losslessly
    text =
      bytes.length > EVIDENCE_REQUEST_BYTES ? shown.toString('utf8') : `base64:${shown.toString('base64')}`;
  }
  if (bytes.length <= EVIDENCE_REQUEST_BYTES) return text;
  return `${text}\n[request body truncated in the evidence: first ${EVIDENCE_REQUEST_BYTES} of ${bytes.length} bytes shown]`;
}
