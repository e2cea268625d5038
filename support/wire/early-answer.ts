// A request with a large body sent again so that an answer the server gives before it has read the body is read.
//
// A server may answer a body it refuses (413 over its limit) as soon as the headers are in, and close the connection
// with the rest unread: the kernel then resets it. undici parses what arrived only once the socket's 'readable' event
// runs, a tick later; when the answer and the reset arrive together (a busy harness reads them in one go), the reset
// destroys the socket first and the answer is never parsed: "closed without an answer". Here the socket is read in
// flowing mode, where each piece reaches us in the same tick it is read, before the reset that follows it; and the
// body stops being written as soon as any answer arrives (RFC 9112 9.3: a client that sees a final answer before it
// has sent the whole body stops sending it).
import net from 'node:net';
import { Readable } from 'node:stream';
import tls from 'node:tls';
import { type TlsConnectOptions, tlsSocketOptions } from './tls.ts';

/** An answer as the exchange reads it: undici's, or one read here. */
export interface EarlyAnswer {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Readable;
}

export interface EarlyRequest {
  readonly url: URL;
  readonly method: string;
  /** Sent as given (names in lower case); host, content-length or transfer-encoding and connection are added. */
  readonly headers: Readonly<Record<string, string>>;
  /** None: a request without content (no Content-Length, no chunks). */
  readonly body: Buffer | undefined;
  readonly chunked: boolean;
  /**
   * How long an answer to the headers alone is awaited before the body goes (HEADERS_ANSWER_MS unless given): 0 for a
   * target whose answers are all read here (exchange.ts, an interim 100 nobody asked for).
   */
  readonly headersFirstMs?: number;
  readonly trust: TlsConnectOptions;
  /** Aborts the exchange (the exchange's one deadline). */
  readonly signal: {
    readonly aborted: boolean;
    readonly reason: unknown;
    once(event: 'abort', listener: () => void): unknown;
  };
  readonly maxResponseBytes: number;
}

const PIECE = 64 * 1024;
const HEAD_MAX = 64 * 1024;

/**
 * What the bytes so far say when they cannot begin an HTTP answer: an error that the exchange describes as bytes
 * that are not HTTP (undici's parser error codes start HPE_). Undefined while they may still be one.
 */
export function notHttp(bytes: Buffer): Error | undefined {
  const start = bytes.toString('latin1', 0, 9); // "HTTP/1.1 "
  if ('HTTP/1.1 '.startsWith(start) || 'HTTP/1.0 '.startsWith(start)) return undefined;
  return Object.assign(new Error(`Expected HTTP/, got ${JSON.stringify(start)}`), {
    code: 'HPE_INVALID_CONSTANT',
  });
}

/** The error the exchange describes: a reset or a close before any answer, as undici's would read. */
function noAnswer(cause: Error | undefined): Error {
  if (cause) return cause;
  return Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
}

/** Sends the request on a new connection, reading as it sends; resolves with the first final answer, or rejects. */
export function sendReadingEarly(request: EarlyRequest): Promise<EarlyAnswer> {
  return new Promise<EarlyAnswer>((resolve, reject) => {
    const { url } = request;
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const socket: net.Socket =
      url.protocol === 'https:'
        ? tls.connect(tlsSocketOptions(host, port, request.trust))
        : net.connect({ host, port });
    let received = Buffer.alloc(0);
    let answered = false; // some answer bytes are in: stop sending the body
    let settled = false;
    /** After more bytes (nothing), or once the connection is over: closed (null) or failed (the error). */
    const finish = (ended?: Error | null) => {
      if (settled) return;
      const closed = ended !== undefined;
      const parsed = parseAnswer(received, request.maxResponseBytes, closed, request.method);
      const broken = parsed === undefined ? notHttp(received) : undefined;
      if (parsed === undefined && !closed && broken === undefined) return; // not whole yet
      settled = true;
      socket.destroy();
      if (parsed !== undefined) resolve(parsed);
      else reject(broken ?? noAnswer(ended ?? undefined));
    };
    const abort = () => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(request.signal.reason);
    };
    if (request.signal.aborted) {
      abort();
      return;
    }
    request.signal.once('abort', abort);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // an interim answer (100 Continue) asks for the body: only a final one stops it
      if (!answered) answered = finalAnswerBegun(received);
      if (received.length > HEAD_MAX + request.maxResponseBytes) return finish(new Error('answer too large'));
      finish();
    });
    socket.on('end', () => finish(null));
    socket.on('close', () => finish(null));
    socket.on('error', (error: Error) => finish(error));
    const connected = url.protocol === 'https:' ? 'secureConnect' : 'connect';
    socket.once(connected, () => {
      const headers: Record<string, string> = {
        host: url.host,
        ...request.headers,
        ...(request.body === undefined
          ? {}
          : request.chunked
            ? { 'transfer-encoding': 'chunked' }
            : { 'content-length': String(request.body.length) }),
        connection: 'close',
      };
      const head = `${request.method} ${url.pathname}${url.search} HTTP/1.1\r\n${Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('')}\r\n`;
      socket.write(head);
      const body = request.body;
      if (body !== undefined) void writeBody(socket, { ...request, body }, () => answered || settled);
    });
  });
}

/** How long an answer to the headers alone is awaited before the body goes (as a client that sent Expect waits). */
const HEADERS_ANSWER_MS = 100;

/**
 * Resolves after `ms`, or as soon as `answered` says a final answer has begun or the socket is gone. An interim
 * answer (a 100 nobody asked for) does not end the wait: a server that sends one at once and refuses on the headers a
 * moment later would otherwise get the body it is about to leave unread, and reset on it.
 */
function answerOrTimeout(socket: net.Socket, ms: number, answered: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', done);
      resolve();
    };
    const onData = () => {
      if (answered()) done();
    };
    const timer = setTimeout(done, ms);
    socket.on('data', onData);
    socket.once('close', done);
  });
}

/**
 * The body in pieces, each once the socket has taken the last and the socket has been read (a write after the
 * server's reset fails and takes the unread answer with it); stops when `stop` says an answer is in. A server that
 * answers on the headers alone gets no body at all.
 */
async function writeBody(
  socket: net.Socket,
  request: EarlyRequest & { readonly body: Buffer },
  stop: () => boolean,
): Promise<void> {
  const { body, chunked } = request;
  const wait = request.headersFirstMs ?? HEADERS_ANSWER_MS;
  if (wait > 0) await answerOrTimeout(socket, wait, stop);
  for (let at = 0; at < body.length; at += PIECE) {
    await new Promise<void>((resolve) => setImmediate(resolve)); // what has arrived is read before the next write
    if (stop() || socket.destroyed) return;
    const piece = body.subarray(at, at + PIECE);
    const framed = chunked
      ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')])
      : piece;
    if (!socket.write(framed)) {
      const drained = await new Promise<boolean>((resolve) => {
        const onDrain = () => done(true);
        const onGone = () => done(false);
        // an interim answer (100 Continue) is no reason to stop: only what stop() says is
        const onData = () => {
          if (stop()) done(false);
        };
        const done = (ok: boolean) => {
          socket.off('drain', onDrain);
          socket.off('close', onGone);
          socket.off('data', onData);
          resolve(ok);
        };
        socket.once('drain', onDrain);
        socket.once('close', onGone);
        socket.on('data', onData);
      });
      if (!drained) return;
    }
  }
  if (chunked && !stop() && !socket.destroyed) socket.write('0\r\n\r\n');
}

/** Whether `bytes` hold more than whole interim (1xx) answers: a final answer has begun. */
export function finalAnswerBegun(bytes: Buffer): boolean {
  let at = 0;
  while (at < bytes.length) {
    const start = bytes.toString('latin1', at, at + 10); // "HTTP/1.1 1": up to the status code's first digit
    if (start.length < 10) return !'HTTP/1.1 1'.startsWith(start) && !'HTTP/1.0 1'.startsWith(start);
    if (!/^HTTP\/1\.[01] 1$/.test(start)) return true;
    const end = bytes.indexOf('\r\n\r\n', at, 'latin1');
    if (end < 0) return false; // an interim answer's head, not whole yet
    at = end + 4;
  }
  return false;
}

/**
 * The first final answer in `bytes` (interim 1xx answers skipped), once its head and its body (by Content-Length,
 * chunked, or up to the close) are in; undefined while incomplete. `closed`: nothing more will come.
 */
export function parseAnswer(
  bytes: Buffer,
  maxBodyBytes: number,
  closed = false,
  method = 'POST',
): EarlyAnswer | undefined {
  let at = 0;
  for (;;) {
    const end = bytes.indexOf('\r\n\r\n', at, 'latin1');
    if (end < 0) return undefined;
    const lines = bytes.toString('latin1', at, end).split('\r\n');
    const status = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
    if (!status) return undefined;
    const statusCode = Number(status[1]);
    at = end + 4;
    if (statusCode >= 100 && statusCode < 200) continue;
    const headers: Record<string, string | string[] | undefined> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const had = headers[name];
      headers[name] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
    }
    // RFC 9112 6.3: no content after a HEAD, a 204 or a 304, whatever the headers say
    const none = method.toUpperCase() === 'HEAD' || statusCode === 204 || statusCode === 304;
    const body = none ? { bytes: Buffer.alloc(0), whole: true } : bodyOf(bytes.subarray(at), headers, closed);
    if (body === undefined) return undefined;
    return { statusCode, headers, body: bodyStream(body.bytes.subarray(0, maxBodyBytes + 1), body.whole) };
  }
}

/**
 * The body as a stream; one cut short by the close (fewer bytes than its Content-Length or its chunks said) errs
 * after its bytes, as undici's does, so that the exchange says the answer was cut.
 */
function bodyStream(bytes: Buffer, whole: boolean): Readable {
  if (whole) return Readable.from([bytes], { objectMode: false });
  const cut = new Readable({ read() {} });
  cut.push(bytes);
  setImmediate(() => cut.destroy(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })));
  return cut;
}

/**
 * The body after the head: whole, or (once the connection is closed) what came of it, `whole` false when its framing
 * said more; undefined while more may come. A chunk size that is not one ends it there, not whole.
 */
function bodyOf(
  rest: Buffer,
  headers: Record<string, string | string[] | undefined>,
  closed: boolean,
): { readonly bytes: Buffer; readonly whole: boolean } | undefined {
  const cut = (bytes: Buffer) => (closed ? { bytes, whole: false } : undefined);
  const encoding = String(headers['transfer-encoding'] ?? '').toLowerCase();
  if (encoding.includes('chunked')) {
    const pieces: Buffer[] = [];
    let at = 0;
    for (;;) {
      const line = rest.indexOf('\r\n', at, 'latin1');
      if (line < 0) return cut(Buffer.concat(pieces));
      const size = Number.parseInt(rest.toString('latin1', at, line).split(';')[0] ?? '', 16);
      if (!Number.isFinite(size)) return { bytes: Buffer.concat(pieces), whole: false };
      if (size === 0) return { bytes: Buffer.concat(pieces), whole: true };
      const start = line + 2;
      if (rest.length < start + size + 2) return cut(Buffer.concat([...pieces, rest.subarray(start)]));
      pieces.push(rest.subarray(start, start + size));
      at = start + size + 2;
    }
  }
  const length = headers['content-length'];
  if (typeof length === 'string' && /^\d+$/.test(length)) {
    const wanted = Number(length);
    if (rest.length >= wanted) return { bytes: rest.subarray(0, wanted), whole: true };
    return cut(rest);
  }
  return closed ? { bytes: rest, whole: true } : undefined; // framed by the close
}
