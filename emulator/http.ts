// Small HTTP helpers shared by the task endpoint and the rig: bounded body reading and plain answers.

import type { IncomingMessage, ServerResponse } from 'node:http';

export type BodyRead =
  | { readonly kind: 'body'; readonly body: Buffer }
  | { readonly kind: 'too-large' }
  | { readonly kind: 'aborted' };

/** After a 413, what is still discarded (not kept) so the client can read the answer, before the socket is cut. */
const DISCARD_MAX_BYTES = 16 * 1024 * 1024;
const DISCARD_MAX_MS = 5_000;

/** Reads a body of at most limit bytes. Beyond it, stops keeping data and resolves too-large at once. */
export function readBody(request: IncomingMessage, limit: number): Promise<BodyRead> {
  return new Promise((resolve) => readBodyThen(request, limit, resolve));
}

/**
 * readBody without a promise: `then` is called once, with what readBody resolves to, as soon as it is known
 * (the task path's continuation, with no promise and no suspended async function a request).
 */
export function readBodyThen(request: IncomingMessage, limit: number, then: (read: BodyRead) => void): void {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    discardRest(request);
    then(TOO_LARGE);
    return;
  }
  // Once settled the listeners do nothing more: cheaper, on every request, than taking them off again.
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  request.on('data', (chunk: Buffer) => {
    if (settled) return;
    size += chunk.length;
    if (size > limit) {
      settled = true;
      chunks.length = 0;
      discardRest(request);
      then(TOO_LARGE);
      return;
    }
    chunks.push(chunk);
  });
  request.on('end', () => {
    if (settled) return;
    settled = true;
    // Node gives each chunk of a body in a buffer of its own (a copy): one chunk is the body as it is.
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
    then({ kind: 'body', body });
  });
  request.on('close', () => {
    if (settled) return;
    settled = true;
    then(ABORTED);
  });
  request.on('error', ignore);
}

const TOO_LARGE: BodyRead = { kind: 'too-large' };
const ABORTED: BodyRead = { kind: 'aborted' };

/** A listener that does nothing: an 'error' listener keeps an error from being thrown. */
export function ignore(): void {}

/**
 * Reads and drops the rest of a refused body, so the client finishes sending and reads the 413 instead of
 * meeting a reset; a client that sends more than DISCARD_MAX_BYTES or for longer than DISCARD_MAX_MS is cut off.
 */
function discardRest(request: IncomingMessage): void {
  if (request.complete) return;
  let discarded = 0;
  const cutOff = (): void => {
    request.socket.destroy();
  };
  const timer = setTimeout(cutOff, DISCARD_MAX_MS);
  timer.unref();
  request.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_MAX_BYTES) cutOff();
  });
  request.on('error', () => {});
  request.once('end', () => clearTimeout(timer));
  request.once('close', () => clearTimeout(timer));
  request.resume();
}

/** A whole answer made ready to send: its status, its headers and its bytes. */
export interface Prepared {
  readonly status: number;
  readonly head: Readonly<Record<string, string>>;
  readonly payload: Buffer;
}

/** Makes an answer ready to send, once; it can be sent any number of times (writeHead only reads the headers). */
export function prepare(
  status: number,
  contentType: string | undefined,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): Prepared {
  const payload = Buffer.from(body, 'utf8');
  // Built by assignment, not by spreading: the same names, order and values, without the slow object a
  // spread makes of it for writeHead to walk (a sixth of the time of a whole request).
  const head: Record<string, string> = {};
  if (contentType !== undefined) head['Content-Type'] = contentType;
  head['Content-Length'] = String(payload.length);
  head['Cache-Control'] = 'no-store';
  for (const name of Object.keys(headers)) head[name] = headers[name] as string;
  return { status, head, payload };
}

/** Sends a prepared answer. */
export function sendPrepared(response: ServerResponse, prepared: Prepared): void {
  response.writeHead(prepared.status, prepared.head);
  response.end(prepared.payload);
}

/** Sends a whole answer with its length. */
export function send(
  response: ServerResponse,
  status: number,
  contentType: string | undefined,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  sendPrepared(response, prepare(status, contentType, body, headers));
}

export const TEXT_PLAIN = 'text/plain; charset=utf-8';
export const APPLICATION_JSON = 'application/json; charset=utf-8';
export const APPLICATION_XML = 'application/xml; charset=utf-8';

/** A 4xx (or the one 5xx a deviation asks for) with a one-line text/plain explanation. */
export function sendText(
  response: ServerResponse,
  status: number,
  explanation: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  send(response, status, TEXT_PLAIN, `${oneLine(explanation)}\n`, headers);
}

/** An explanation as one short line: control characters become spaces, long text is cut. */
export function oneLine(text: string, max = 200): string {
  const flat = [...text]
    .map((char) => (char.charCodeAt(0) < 0x20 || char === '\u007f' ? ' ' : char))
    .join('');
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/** The path of a request target, without its query; an absolute-form target (via a proxy) loses its origin. */
export function pathOf(request: IncomingMessage): string {
  const raw = request.url ?? '';
  // Nearly every request names a plain path: no origin and no query, nothing to take off.
  if (!raw.includes('://') && !raw.includes('?') && !raw.includes('#')) return raw;
  const origin = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(raw);
  const target = origin === null ? raw : raw.slice(origin[0].length) || '/';
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}
