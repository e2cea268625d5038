// A conforming controller from another vendor, for tests: a proxy on 127.0.0.1 in front of the emulator that words
// its Task Interface answers otherwise, each way within what docs/spec allows (docs/conforming-variants.md), and
// passes the rig through unchanged. The harness must judge it exactly as it judges the emulator.

import {
  createServer,
  request as forward,
  Agent as HttpAgent,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';

export const TASK_PATH = '/api/v2/task';
export const RIG_PATH = '/rig/v1';
/** [decided] A body over 1 MiB is refused. */
const BODY_LIMIT = 1024 * 1024;

/** How the answers are worded; each member leaves the emulator's wording when left out. */
export interface Variants {
  /** The XML declaration put in place of the emulator's. */
  readonly xmlDeclaration?: string;
  /** Whitespace between elements: none at all, or indented with this unit. */
  readonly xmlLayout?: 'compact' | { readonly indent: string };
  /** CRLF line ends in XML answers. */
  readonly crlf?: boolean;
  /** `<params></params>` for `<params/>` (every empty element written as a pair of tags). */
  readonly emptyAsPair?: boolean;
  /** The Content-Type of XML answers, of JSON answers. */
  readonly xmlContentType?: string;
  readonly jsonContentType?: string;
  /** JSON answers pretty-printed with this indent (CRLF too when crlf), their keys in reverse order. */
  readonly jsonIndent?: number;
  readonly jsonReversedKeys?: boolean;
  /** Transfer-Encoding: chunked, the body in two chunks, instead of Content-Length. */
  readonly chunked?: boolean;
  /** `Connection: close` on every answer, and the socket closed after it. */
  readonly connectionClose?: boolean;
  /** An idle kept-alive socket is destroyed after this many ms, without a Keep-Alive header announcing it. */
  readonly idleCloseMs?: number;
  /** Server, Date and Cache-Control of another vendor's stack. */
  readonly extraHeaders?: boolean;
  /** The short explanation of a refusal: plain text, JSON or HTML; several take turns. */
  readonly refusalBody?: RefusalStyle | readonly RefusalStyle[];
  /** Another fitting 4xx where the spec lets the status be chosen "as fits". */
  readonly refusalStatuses?: boolean;
  /** A body declared over 1 MiB is answered 413 as soon as its headers are in, then the connection closed. */
  readonly earlyOversize?: boolean;
  /** Every answer held back by 30-50 ms (`every`: only every n-th task answer, to keep a run short). */
  readonly slow?: { readonly every: number };
}

/** Tabs and CRLF, the fullest declaration, pairs of tags, JSON pretty and reordered, chunked, a short keep-alive. */
export const WORDED_AND_CHUNKED: Variants = {
  xmlDeclaration: "<?xml version='1.0' encoding='utf-8' standalone='yes'?>",
  xmlLayout: { indent: '\t' },
  crlf: true,
  emptyAsPair: true,
  xmlContentType: 'application/xml;charset=UTF-8',
  jsonContentType: 'Application/JSON',
  jsonIndent: 2,
  jsonReversedKeys: true,
  chunked: true,
  extraHeaders: true,
  idleCloseMs: 20,
  refusalBody: 'json',
  refusalStatuses: true,
};

export type RefusalStyle = 'text' | 'json' | 'html';

export interface ConformingProxy {
  readonly taskUrl: string;
  readonly rigUrl: string;
  /** Task Interface answers given, refusals included. */
  readonly answered: () => number;
  /** Sockets the proxy closed itself while idle (idleCloseMs). */
  readonly idleClosed: () => number;
  close(): Promise<void>;
}

/** Starts the proxy in front of the server at `upstream` (an origin, `http://127.0.0.1:PORT`). */
export async function startConformingProxy(upstream: string, variants: Variants): Promise<ConformingProxy> {
  // A connection of its own for each request upstream: the proxy's own keep-alive races would read as the harness's.
  const agent = new HttpAgent({ keepAlive: false });
  const idleTimers = new Map<Socket, NodeJS.Timeout>();
  let answered = 0;
  let idleClosed = 0;
  const server = createServer((request, response) => {
    const socket = request.socket;
    clearTimeout(idleTimers.get(socket));
    idleTimers.delete(socket);
    if (variants.idleCloseMs !== undefined) {
      response.on('finish', () => {
        if (socket.destroyed) return;
        const timer = setTimeout(() => {
          idleTimers.delete(socket);
          if (socket.destroyed) return; // the client closed it first
          idleClosed++;
          socket.destroy();
        }, variants.idleCloseMs);
        timer.unref();
        idleTimers.set(socket, timer);
      });
    }
    const path = new URL(request.url ?? '/', 'http://proxy').pathname;
    if (path === RIG_PATH || path.startsWith(`${RIG_PATH}/`)) {
      passThrough(upstream, agent, request, response);
      return;
    }
    answered++;
    if (variants.earlyOversize && Number(request.headers['content-length']) > BODY_LIMIT) {
      refuseEarly(response, variants, answered);
      return;
    }
    void reword(upstream, agent, request, response, variants, answered);
  });
  // Node's own idle close would announce itself (Keep-Alive: timeout=N) and so spare the client the race.
  server.keepAliveTimeout = variants.idleCloseMs === undefined ? 5_000 : 0;
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const origin = `http://127.0.0.1:${port}`;
  return {
    taskUrl: `${origin}${TASK_PATH}`,
    rigUrl: `${origin}${RIG_PATH}`,
    answered: () => answered,
    idleClosed: () => idleClosed,
    close: async () => {
      for (const timer of idleTimers.values()) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

interface Upstream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** The request's whole body, or undefined when it is over the limit (then read to its end and dropped). */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    request.on('error', () => resolve(undefined));
  });
}

/** The request with `body`, to the emulator; its whole answer. */
function ask(upstream: string, agent: HttpAgent, request: IncomingMessage, body: Buffer): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const headers: IncomingHttpHeaders = { ...request.headers, 'content-length': String(body.length) };
    delete headers.connection;
    delete headers['keep-alive'];
    delete headers['transfer-encoding'];
    delete headers.expect;
    const out = forward(
      new URL(request.url ?? '/', upstream),
      { method: request.method, headers, agent },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () =>
          resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }),
        );
        answer.on('error', reject);
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

function passThrough(upstream: string, agent: HttpAgent, request: IncomingMessage, response: ServerResponse) {
  readBody(request, BODY_LIMIT)
    .then((body) => ask(upstream, agent, request, body ?? Buffer.alloc(0)))
    .then(
      (answer) => {
        const headers: Record<string, string> = {};
        for (const name of ['content-type', 'cache-control', 'www-authenticate', 'allow']) {
          const value = answer.headers[name];
          if (typeof value === 'string') headers[name] = value;
        }
        response.writeHead(answer.status, { ...headers, 'content-length': String(answer.body.length) });
        response.end(answer.body);
      },
      () => response.destroy(),
    );
}

async function reword(
  upstream: string,
  agent: HttpAgent,
  request: IncomingMessage,
  response: ServerResponse,
  variants: Variants,
  count: number,
): Promise<void> {
  // the proxy reads the body itself, so that a body over the limit never streams on to the emulator
  const sent = await readBody(request, BODY_LIMIT);
  let answer: Upstream;
  try {
    answer =
      sent === undefined
        ? { status: 413, headers: {}, body: Buffer.from(`the body is over ${BODY_LIMIT} bytes`) }
        : await ask(upstream, agent, request, sent);
  } catch {
    response.destroy();
    return;
  }
  const type = String(answer.headers['content-type'] ?? '');
  let status = answer.status;
  let contentType = type;
  let body = answer.body.toString('utf8');
  if (status === 200 && type.startsWith('application/xml')) {
    body = rewordXml(body, variants);
    contentType = variants.xmlContentType ?? type;
  } else if (status === 200 && type.startsWith('application/json')) {
    body = rewordJson(body, variants);
    contentType = variants.jsonContentType ?? type;
  } else if (status >= 400 && status < 500) {
    if (variants.refusalStatuses) status = fittingStatus(status, request, sent);
    [contentType, body] = explanation(body.trim(), refusalStyle(variants, count));
  }
  if (variants.slow && count % variants.slow.every === 0) {
    await new Promise((resolve) => setTimeout(resolve, 30 + (count % 21)));
  }
  send(response, status, contentType, Buffer.from(body, 'utf8'), variants, answer.headers.allow);
}

function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: Buffer,
  variants: Variants,
  allow?: string | string[],
): void {
  const headers: Record<string, string> = { 'Content-Type': contentType };
  if (typeof allow === 'string' && status === 405) headers.Allow = allow;
  if (variants.extraHeaders) {
    headers.Server = 'OtherVendor-TI/3.2';
    headers['Cache-Control'] = 'no-cache, no-store, must-revalidate';
    headers['X-Request-Id'] = '7f3a';
  } else {
    response.sendDate = false;
  }
  if (variants.connectionClose) headers.Connection = 'close';
  else if (variants.idleCloseMs !== undefined) headers.Connection = 'keep-alive'; // no Keep-Alive: timeout=N
  if (!variants.chunked) {
    response.writeHead(status, { ...headers, 'Content-Length': String(body.length) });
    response.end(body);
    return;
  }
  response.writeHead(status, headers);
  const half = Math.ceil(body.length / 2);
  response.write(body.subarray(0, half));
  response.end(body.subarray(half));
}

/**
 * 413 on the headers alone, `Connection: close`: node:http closes the socket as soon as the answer is written,
 * with the rest of the body unread (a reset for the client that is still sending it).
 */
function refuseEarly(response: ServerResponse, variants: Variants, count: number): void {
  const [contentType, body] = explanation(
    `the body is over ${BODY_LIMIT} bytes`,
    refusalStyle(variants, count),
  );
  send(response, 413, contentType, Buffer.from(body, 'utf8'), { ...variants, connectionClose: true });
}

/** [decided] "400, 405, 404, 413 or 415, whichever fits": another that fits, where the status is not held to 400. */
function fittingStatus(status: number, request: IncomingMessage, body: Buffer | undefined): number {
  if (status === 405) return 404; // a router that knows only POST /api/v2/task finds nothing for GET
  if (status === 415) return 400; // a body it cannot read, whatever its type, is a bad request
  // text/plain that is neither XML nor JSON: a controller that sniffs no further refuses the type itself
  const plain = /^text\/plain\b/i.test(request.headers['content-type'] ?? '');
  if (status === 400 && plain && body !== undefined && !/^\s*[<{]/.test(body.toString('latin1'))) return 415;
  return status;
}

function refusalStyle(variants: Variants, count: number): RefusalStyle | undefined {
  const styles = variants.refusalBody;
  return typeof styles === 'string' || styles === undefined ? styles : styles[count % styles.length];
}

function explanation(reason: string, style: RefusalStyle | undefined): [string, string] {
  if (style === 'json') return ['application/json', `${JSON.stringify({ error: reason })}\n`];
  if (style === 'html') {
    const text = reason.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    return [
      'text/html; charset=UTF-8',
      `<!DOCTYPE html>\n<html><body><h1>Bad request</h1><p>${text}</p></body></html>\n`,
    ];
  }
  if (style === 'text') return ['text/plain', `Refused: ${reason}\r\n`];
  return ['text/plain; charset=utf-8', `${reason}\n`];
}

/** The emulator's XML answer, re-worded: the same elements and text, another declaration and layout. */
export function rewordXml(body: string, variants: Variants): string {
  const declaration = /^<\?xml[^?]*\?>/.exec(body)?.[0] ?? '';
  const tokens = body.slice(declaration.length).match(/<[^>]+>|[^<]+/g) ?? [];
  // the elements and their text only: the whitespace between elements is the layout's
  const parts = tokens.filter((token) => token.startsWith('<') || token.trim() !== '');
  const eol = variants.crlf ? '\r\n' : '\n';
  const layout = variants.xmlLayout ?? { indent: '  ' };
  let out = '';
  let depth = 0;
  for (let i = 0; i < parts.length; i++) {
    let part = parts[i] as string;
    if (variants.emptyAsPair && /^<[^/!?][^>]*\/>$/.test(part)) {
      const name = /^<([^\s/>]+)/.exec(part)?.[1] ?? '';
      part = `<${name}></${name}>`;
    }
    if (layout === 'compact') {
      out += part;
      continue;
    }
    const closing = part.startsWith('</');
    const opening = !closing && !part.endsWith('/>') && part.startsWith('<');
    const text = !part.startsWith('<');
    if (closing) depth--;
    // text stays on its element's line, and so does the element's end tag after it
    const inline = text || (closing && !(parts[i - 1] as string).startsWith('<'));
    const paired = /^<([^\s/>]+)><\/\1>$/.test(part);
    if (!inline) out += (out === '' ? '' : eol) + layout.indent.repeat(depth);
    out += part;
    if (opening && !paired) depth++;
  }
  const head = variants.xmlDeclaration ?? declaration;
  return layout === 'compact' ? `${head}${out}` : `${head}${eol}${out}${eol}`;
}

/** The emulator's JSON answer, re-worded: the same members, another layout and key order. */
export function rewordJson(body: string, variants: Variants): string {
  const value = variants.jsonReversedKeys ? reversed(JSON.parse(body)) : JSON.parse(body);
  const text = JSON.stringify(value, null, variants.jsonIndent);
  return variants.crlf && variants.jsonIndent !== undefined ? `${text.replace(/\n/g, '\r\n')}\r\n` : text;
}

function reversed(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const entries = Object.entries(value as Record<string, unknown>).reverse();
  return Object.fromEntries(entries.map(([key, inner]) => [key, reversed(inner)]));
}
