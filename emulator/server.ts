// The transport: one listener for POST /api/v2/task and, unless switched off, the rig under /rig/v1.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { encodeJsonAnswer, parseJsonCall } from './codec-json.ts';
import { encodeXmlAnswer, parseXmlCall } from './codec-xml.ts';
import { isKnownMethod, knownMethods } from './decide.ts';
import type { DeviationName, Deviations } from './deviations.ts';
import {
  APPLICATION_JSON,
  APPLICATION_XML,
  type BodyRead,
  ignore,
  oneLine,
  type Prepared,
  pathOf,
  prepare,
  readBodyThen,
  sendPrepared,
  sendText,
  TEXT_PLAIN,
} from './http.ts';
import {
  type RecordedCall,
  type RecordedInput,
  type RecordFunction,
  recordedAnswer,
  samePorts,
} from './record.ts';
import { handleRig, RIG_PATH } from './rig.ts';
import type { SiteStore } from './store.ts';
import { HANDSHAKE_TIMEOUT_MS, handshakeFailure, remoteOf, type TlsPem } from './tls.ts';
import type { Answer, Call, Encoding, ParamValue, PortState } from './types.ts';
import {
  classifyContentType,
  type DeclaredType,
  type NotACall,
  type ParsedCall,
  sniffEncoding,
} from './wire.ts';

export const TASK_PATH = '/api/v2/task';
/** The largest body read; one byte more answers 413. */
export const BODY_LIMIT = 1024 * 1024;
/** With the oversize-accepted deviation: bodies are read up to this instead. */
const OVERSIZE_BODY_LIMIT = 64 * 1024 * 1024;

/** The largest task body read: 1 MiB, or what a deviation puts in its place. */
function bodyLimit(deviations: Deviations): number {
  if (deviations.has('oversize-accepted')) return OVERSIZE_BODY_LIMIT;
  if (deviations.has('body-limit-1536k')) return BODY_LIMIT + BODY_LIMIT / 2;
  if (deviations.has('body-limit-1000000')) return 1_000_000;
  return BODY_LIMIT;
}

export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** How long a refused CONNECT's connection stays open for the client to read the 405 before it is closed. */
const CONNECT_LINGER_MS = 1_000;

export interface ServerOptions {
  readonly store: SiteStore;
  readonly deviations: Deviations;
  /** false: no rig endpoints at all (404). */
  readonly rig: boolean;
  /** When set, every rig request needs Authorization: Bearer <rigToken>. */
  readonly rigToken?: string;
  /** One line per request; undefined for none. */
  readonly log?: (line: string) => void;
  /** One entry per request, in the order they are answered (emulator/record.ts); undefined for none. */
  readonly record?: RecordFunction;
  /** HTTPS with this certificate and key, checked (emulator/tls.ts); plain HTTP without. */
  readonly tls?: TlsPem;
}

/**
 * What one request came to, filled in as it is handled, only when the emulator keeps a record: without one
 * no such object exists and the request's path is the same as ever.
 */
interface Seen {
  /** The call decided, if the input was one. */
  call?: Extract<RecordedInput, { kind: 'call' }>;
  /** The method of input that is not a call because the method is unknown. */
  method?: string;
  encoding?: Encoding;
  /** The application answer sent (after any deviation of the wire), if one was. */
  answer?: Answer;
  /** Whether the call's decision changed the site. */
  changed?: boolean;
  /** A rig request: the site and the count of published lines before it. */
  rig?: { readonly ports: ReadonlyMap<number, PortState>; readonly published: number };
}

/** Answers kept ready: more than the fault codes and successes any decision gives, in both encodings. */
const PREPARED_MAX = 256;

/** invalid-op-http-409: the faults whose vendor text calls the operation invalid (1149, 1153) travel with 409. */
const INVALID_OPERATION_CODES: readonly number[] = [1149, 1153];

/** What one request came to, as its log line (without the time). */
type Outcome = string;

/** A parameter as the log shows it: short, one line, never a deep walk of a JSON value. */
function describeParam(param: ParamValue | undefined): string {
  if (param === undefined) return '-';
  let text: string;
  if (param.encoding === 'XML') {
    text = param.elements.map((element) => JSON.stringify(element.text.slice(0, 30))).join('+');
  } else {
    const value = param.value;
    if (typeof value === 'string') text = JSON.stringify(value.slice(0, 30));
    else if (typeof value === 'object' && value !== null)
      text = Array.isArray(value) ? '[array]' : '{object}';
    else text = String(value);
  }
  const compact = /^"[+-]?[0-9]+"$/.test(text) ? text.slice(1, -1) : text;
  return compact.length > 24 ? `${compact.slice(0, 21)}...` : compact;
}

function describeParams(call: Call): string {
  return `port_id=${describeParam(call.params?.get('port_id'))} bin_id=${describeParam(call.params?.get('bin_id'))}`;
}

function describeAnswer(answer: Answer): string {
  return answer.kind === 'fault' ? `fault ${answer.code}` : 'success';
}

function parseCall(
  encoding: Encoding,
  body: Buffer,
  charset: string | undefined,
  deviations: Deviations,
): ParsedCall {
  return encoding === 'XML' ? parseXmlCall(body, charset, deviations) : parseJsonCall(body, deviations);
}

export class TaskEndpoint {
  readonly #options: ServerOptions;
  /** Answers made once, by encoding and answer (fault code, or success without parameters). */
  readonly #prepared = new Map<string, Prepared>();

  constructor(options: ServerOptions) {
    this.#options = options;
  }

  #has(name: DeviationName): boolean {
    return this.#options.deviations.has(name);
  }

  /** Sends an application answer (success or 1xxx fault) in the encoding of the request. */
  #sendAnswer(response: ServerResponse, encoding: Encoding, decided: Answer, seen?: Seen): number {
    const answer: Answer =
      decided.kind === 'fault' && this.#has('code-out-of-range')
        ? { kind: 'fault', code: decided.code % 1000 }
        : decided;
    if (seen !== undefined) seen.answer = answer;
    // A fault or a success without parameters is the same bytes every time it is sent (the deviations are fixed
    // at the start): made once. An answer with parameters is made each time.
    const key =
      answer.kind === 'fault'
        ? `${encoding} ${answer.code}`
        : answer.params.length === 0
          ? `${encoding} success`
          : undefined;
    let prepared = key === undefined ? undefined : this.#prepared.get(key);
    if (prepared === undefined) {
      prepared = this.#prepare(encoding, answer);
      if (key !== undefined && this.#prepared.size < PREPARED_MAX) this.#prepared.set(key, prepared);
    }
    sendPrepared(response, prepared);
    return prepared.status;
  }

  /** The answer's status, headers and bytes in the encoding of the request, after any deviation of the wire. */
  #prepare(encoding: Encoding, answer: Answer): Prepared {
    const answerEncoding: Encoding = encoding === 'JSON' && this.#has('json-answered-xml') ? 'XML' : encoding;
    const body =
      answerEncoding === 'XML'
        ? encodeXmlAnswer(answer, this.#options.deviations)
        : encodeJsonAnswer(answer, this.#options.deviations);
    const contentType = this.#has('content-type-text-plain')
      ? TEXT_PLAIN
      : answerEncoding === 'XML'
        ? APPLICATION_XML
        : APPLICATION_JSON;
    const status =
      answer.kind !== 'fault'
        ? 200
        : this.#has('fault-http-400')
          ? 400
          : this.#has('invalid-op-http-409') && INVALID_OPERATION_CODES.includes(answer.code)
            ? 409
            : 200;
    return prepare(status, contentType, body);
  }

  /** Answers a body that is not a call: 4xx and a short explanation, unless a deviation misbehaves here. */
  #refuse(response: ServerResponse, encoding: Encoding, refusal: NotACall, seen?: Seen): Outcome {
    const { kind, reason } = refusal;
    if (kind === 'malformed' && encoding === 'XML' && this.#has('drop-on-malformed')) {
      response.socket?.destroy();
      return `POST ${TASK_PATH} -> connection dropped (${reason})`;
    }
    if (kind === 'malformed' && this.#has('malformed-200')) {
      const status = this.#sendAnswer(response, encoding, { kind: 'fault', code: 1003 }, seen);
      return `POST ${TASK_PATH} -> ${status} fault 1003 (${reason})`;
    }
    if (kind === 'crash') {
      sendText(response, 500, 'internal error');
      return `POST ${TASK_PATH} -> 500 (${reason})`;
    }
    if (kind === 'doctype' && this.#has('doctype-500')) {
      sendText(response, 500, 'internal error');
      return `POST ${TASK_PATH} -> 500 (${reason})`;
    }
    const status = kind === 'charset' ? 415 : kind === 'malformed' && this.#has('malformed-422') ? 422 : 400;
    return this.#sendRefusal(response, status, reason);
  }

  #sendRefusal(
    response: ServerResponse,
    status: number,
    reason: string,
    headers: Record<string, string> = {},
  ): Outcome {
    sendText(response, status, this.#has('refusal-empty') ? '' : reason, headers);
    return `${response.req.method} ${TASK_PATH} -> ${status} ${oneLine(reason)}`;
  }

  /**
   * Answers one request to the task path. Returns what it came to when that is known at once (a refusal before
   * the body); otherwise undefined, and `done` gets it once the body is in and answered, or `failed` the error of
   * a bug. No promise: the body's listeners carry the request on. `seen`, when given, is filled in for the record.
   */
  handle(
    request: IncomingMessage,
    response: ServerResponse,
    done: (outcome: Outcome) => void,
    failed: (error: unknown) => void,
    seen?: Seen,
  ): Outcome | undefined {
    if (request.method !== 'POST') {
      if (request.method === 'GET' && this.#has('get-answered')) {
        sendText(response, 200, 'AutoStore Task Interface');
        return `GET ${TASK_PATH} -> 200`;
      }
      return this.#sendRefusal(response, 405, `${request.method} is not allowed on ${TASK_PATH}; use POST`, {
        Allow: 'POST',
      });
    }
    const contentEncoding = request.headers['content-encoding']?.trim().toLowerCase();
    if (contentEncoding !== undefined && contentEncoding !== '' && contentEncoding !== 'identity') {
      const reason = `Content-Encoding ${contentEncoding} is not supported; send the body uncompressed`;
      return this.#sendRefusal(response, 415, reason);
    }
    const declared = classifyContentType(request.headers['content-type']);
    if (
      declared.kind === 'unsupported' ||
      (declared.kind === 'sniff' && declared.textPlain && this.#has('refuse-text-plain-request'))
    ) {
      const mediaType = declared.kind === 'unsupported' ? declared.mediaType : 'text/plain';
      const reason = `Content-Type ${mediaType} is not supported; send application/xml, text/xml, application/json or text/plain`;
      return this.#sendRefusal(response, 415, reason);
    }
    // oversize-chunked-accepted: only a Content-Length over the limit is refused; a chunked body is read whole
    const limit =
      request.headers['content-length'] === undefined && this.#has('oversize-chunked-accepted')
        ? OVERSIZE_BODY_LIMIT
        : bodyLimit(this.#options.deviations);
    readBodyThen(request, limit, (read) => {
      let outcome: Outcome;
      try {
        outcome = this.#withBody(response, declared, limit, read, seen);
      } catch (error) {
        failed(error);
        return;
      }
      done(outcome);
    });
    return undefined;
  }

  /** The rest of a task request once its body is read (or is not coming). */
  #withBody(
    response: ServerResponse,
    declared: Exclude<DeclaredType, { readonly kind: 'unsupported' }>,
    limit: number,
    read: BodyRead,
    seen: Seen | undefined,
  ): Outcome {
    if (read.kind === 'aborted') return `POST ${TASK_PATH} -> client went away`;
    if (read.kind === 'too-large') return this.#sendRefusal(response, 413, `the body is over ${limit} bytes`);
    const encoding = declared.kind === 'declared' ? declared.encoding : sniffEncoding(read.body);
    if (encoding === undefined) {
      return this.#sendRefusal(
        response,
        400,
        'the body is neither XML (starting with <) nor JSON (starting with {)',
      );
    }
    if (seen !== undefined) seen.encoding = encoding;
    const parsed = parseCall(encoding, read.body, declared.charset, this.#options.deviations);
    if (!parsed.ok) return this.#refuse(response, encoding, parsed.notACall, seen);
    return this.#answer(response, parsed.call, seen);
  }

  /** What the log line says of a call. */
  #describe(call: Call): string {
    const method = /^[A-Za-z0-9_]{1,40}$/.test(call.method)
      ? call.method
      : JSON.stringify(call.method).slice(0, 42);
    return `${method} ${describeParams(call)} ${call.encoding}`;
  }

  #answer(response: ServerResponse, received: Call, seen?: Seen): Outcome {
    // method-name-any-case: the name looked up without regard to case, as a case-insensitive dispatch table does
    const call = this.#has('method-name-any-case')
      ? { ...received, method: received.method.toLowerCase() }
      : received;
    // Without a log (--quiet, a load target) the line is never read: not built either.
    const what = this.#options.log === undefined ? '' : this.#describe(call);
    if (!isKnownMethod(call.method)) {
      if (seen !== undefined) seen.method = call.method.slice(0, 60);
      // params-before-method: port_id, which every port method takes, is checked before the method is looked up
      if (this.#has('params-before-method') && call.params?.get('port_id') === undefined) {
        this.#sendAnswer(response, call.encoding, { kind: 'fault', code: 1003 }, seen);
        return `${what} -> fault 1003 (unknown method, no port_id)`;
      }
      if (this.#has('unknown-method-fault')) {
        this.#sendAnswer(response, call.encoding, { kind: 'fault', code: 1000 }, seen);
        return `${what} -> fault 1000 (unknown method)`;
      }
      const quoted = JSON.stringify(call.method).slice(0, 60);
      return this.#sendRefusal(
        response,
        this.#has('unknown-method-404') ? 404 : 400,
        `unknown method ${quoted}; known: ${knownMethods().join(', ')}`,
      );
    }
    // Decide and commit synchronously: no await between reading the state and writing it.
    const store = this.#options.store;
    let answer: Answer;
    if (seen === undefined) {
      answer = store.apply(call, this.#options.deviations);
    } else {
      const ports = store.state.ports;
      const published = store.publishedCount;
      answer = store.apply(call, this.#options.deviations);
      seen.changed = !samePorts(ports, store.state.ports) || store.publishedCount !== published;
      seen.call = {
        kind: 'call',
        method: call.method,
        encoding: call.encoding,
        params: describeParams(call),
      };
    }
    const status = this.#sendAnswer(response, call.encoding, answer, seen);
    return `${what} -> ${status === 200 ? '' : `${status} `}${describeAnswer(answer)}`;
  }
}

/** Creates (does not start) the emulator's HTTP server, or its HTTPS server with `tls`. */
export function createEmulatorServer(options: ServerOptions): Server | HttpsServer {
  const task = new TaskEndpoint(options);
  const httpOptions = {
    headersTimeout: HEADERS_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: 1_000,
  };
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    route(request, response);
  };
  const server =
    options.tls === undefined
      ? createServer(httpOptions, handler)
      : createHttpsServer(
          {
            ...httpOptions,
            cert: options.tls.cert,
            key: options.tls.key,
            handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
          },
          handler,
        );
  if (options.tls !== undefined) {
    // A client that fails the handshake (plain HTTP on this port, a certificate it refuses) gets no answer: say why.
    server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
      options.log?.(`TLS ${remoteOf(socket)}: handshake failed: ${handshakeFailure(error)}`);
    });
  }

  const { record, store } = options;

  // No closure here is bound to a name: tsx gives every named one a helper call (__name) each time it is made.
  function route(request: IncomingMessage, response: ServerResponse): void {
    const started = options.log === undefined ? 0 : performance.now();
    const path = pathOf(request);
    const seen: Seen | undefined = record === undefined ? undefined : {};
    request.on('error', ignore);
    response.on('error', ignore);
    let line: string | undefined;
    try {
      // task-path-prefix: the handler is mounted on the path as a prefix (Express's app.use), so any path under it
      if (
        path === TASK_PATH ||
        (options.deviations.has('task-path-prefix') && path.startsWith(`${TASK_PATH}/`))
      ) {
        line = task.handle(
          request,
          response,
          (outcome) => finish(request, response, path, seen, started, outcome),
          (error) =>
            finish(request, response, path, seen, started, internalError(request, response, path, error)),
          seen,
        );
        if (line === undefined) return; // finished once the body is in
      } else if (options.rig && (path === RIG_PATH || path.startsWith(`${RIG_PATH}/`))) {
        if (seen !== undefined) seen.rig = { ports: store.state.ports, published: store.publishedCount };
        handleRig(request, response, options.store, options.rigToken).then(
          (status) =>
            finish(request, response, path, seen, started, `rig ${request.method} ${path} -> ${status}`),
          (error) =>
            finish(request, response, path, seen, started, internalError(request, response, path, error)),
        );
        return;
      } else {
        sendText(response, 404, `nothing at ${path.slice(0, 80)}; the Task Interface is POST ${TASK_PATH}`);
        line = `${request.method} ${path.slice(0, 80)} -> 404`;
      }
    } catch (error) {
      line = internalError(request, response, path, error);
    }
    finish(request, response, path, seen, started, line);
  }

  /** What a request came to: its log line and its record. */
  function finish(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    seen: Seen | undefined,
    started: number,
    line: string,
  ): void {
    options.log?.(`${line} (${(performance.now() - started).toFixed(1)} ms)`);
    if (record !== undefined && seen !== undefined) record(recorded(seen, line, request, path, response));
  }

  /** A bug, never an answer to any input: still answer (or cut the connection if the answer began), and keep serving. */
  function internalError(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    error: unknown,
  ): string {
    if (!response.headersSent) sendText(response, 500, 'internal error');
    else response.destroy();
    return `${request.method} ${path.slice(0, 80)} -> 500 internal error: ${error instanceof Error ? error.stack : String(error)}`;
  }

  function recorded(
    seen: Seen,
    line: string,
    request: IncomingMessage,
    path: string,
    response: ServerResponse,
  ): RecordedCall {
    const status = response.headersSent ? response.statusCode : 0;
    const answer: RecordedCall['answer'] =
      seen.answer !== undefined
        ? recordedAnswer(seen.answer)
        : status === 0
          ? { kind: 'none' }
          : { kind: 'http' };
    if (seen.rig !== undefined) {
      const changed =
        !samePorts(seen.rig.ports, store.state.ports) || store.publishedCount !== seen.rig.published;
      return { input: { kind: 'rig', verb: request.method ?? '', path }, answer, status, changed };
    }
    if (seen.call !== undefined) return { input: seen.call, answer, status, changed: seen.changed === true };
    const input: RecordedInput = {
      kind: 'not-a-call',
      what: oneLine(line),
      ...(seen.method === undefined ? {} : { method: seen.method }),
      ...(seen.encoding === undefined ? {} : { encoding: seen.encoding }),
    };
    // Input that is not a call never reaches the site (a deviation that processes it decides it as a call).
    return { input, answer, status, changed: false };
  }

  /** Input answered before any handler (CONNECT, a 413 before the body): not a call, nothing changed. */
  function recordRefusal(what: string, status: number): void {
    record?.({ input: { kind: 'not-a-call', what }, answer: { kind: 'http' }, status, changed: false });
  }

  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    const declared = Number(request.headers['content-length']);
    const limit = bodyLimit(options.deviations);
    if (pathOf(request) === TASK_PATH && Number.isFinite(declared) && declared > limit) {
      // The client waits for 100 Continue and has sent nothing: refuse, and close since no body follows.
      sendText(response, 413, `the body is over ${limit} bytes`, { Connection: 'close' });
      options.log?.(`POST ${TASK_PATH} -> 413 (Expect: 100-continue)`);
      recordRefusal(`POST ${TASK_PATH} -> 413 (Expect: 100-continue)`, 413);
      return;
    }
    response.writeContinue();
    server.emit('request', request, response);
  });

  // Without a listener Node closes a CONNECT's connection without a word: answer it like any other wrong verb.
  server.on('connect', (request: IncomingMessage, socket: Duplex) => {
    const path = pathOf(request).slice(0, 80);
    const explanation = `${oneLine(`CONNECT is not allowed on ${path}; the Task Interface is POST ${TASK_PATH}`)}\n`;
    socket.on('error', () => {});
    socket.resume(); // read and drop whatever follows, so that closing does not reset the answer away
    socket.end(
      `HTTP/1.1 405 Method Not Allowed\r\nAllow: POST\r\nContent-Type: ${TEXT_PLAIN}\r\n` +
        `Content-Length: ${Buffer.byteLength(explanation)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${explanation}`,
    );
    setTimeout(() => socket.destroy(), CONNECT_LINGER_MS).unref();
    options.log?.(`CONNECT ${path} -> 405`);
    recordRefusal(`CONNECT ${path} -> 405`, 405);
  });
  return server;
}
