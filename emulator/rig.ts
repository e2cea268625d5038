// The rig control API (docs/rig-control.md): arrange the site's state, read the Log Publisher lines.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { APPLICATION_JSON, pathOf, readBody, send } from './http.ts';
import { FieldError, readPortState } from './site.ts';
import type { SiteStore } from './store.ts';
import type { PortState } from './types.ts';
import { PORT_ID_MAX, PORT_ID_MIN } from './types.ts';

export const RIG_PATH = '/rig/v1';
const RIG_BODY_LIMIT = 64 * 1024;

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): number {
  send(response, status, APPLICATION_JSON, JSON.stringify(body), headers);
  return status;
}

function sendError(
  response: ServerResponse,
  status: number,
  error: string,
  headers: Record<string, string> = {},
): number {
  return sendJson(response, status, { error }, headers);
}

function sendNoContent(response: ServerResponse): number {
  response.writeHead(204, { 'Cache-Control': 'no-store' });
  response.end();
  return 204;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The token's digest, made once a token rather than once a request (the token of a server does not change). */
const tokenDigests = new Map<string, Buffer>();

/** Compares the Authorization header with the token in constant time (both hashed to the same length first). */
function authorized(request: IncomingMessage, token: string): boolean {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer[ \t]+(.*)$/i.exec(header);
  const given = match?.[1]?.trim() ?? '';
  let expected = tokenDigests.get(token);
  if (expected === undefined) {
    if (tokenDigests.size >= 64) tokenDigests.clear(); // bounded, whatever a process starts
    expected = digest(token);
    tokenDigests.set(token, expected);
  }
  const equal = timingSafeEqual(digest(given), expected);
  return match !== null && equal;
}

function methodNotAllowed(response: ServerResponse, allow: string): number {
  return sendError(response, 405, `method not allowed here; allowed: ${allow}`, { Allow: allow });
}

/** The port_id of a rig path: digits only, 1-2000. */
function pathPortId(text: string): number | undefined {
  if (!/^[0-9]{1,10}$/.test(text)) return undefined;
  const portId = Number(text);
  return portId >= PORT_ID_MIN && portId <= PORT_ID_MAX ? portId : undefined;
}

/** Strict UTF-8 (a malformed byte throws); decode() without `stream` keeps no state from one body to the next. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A rig request's JSON body, or the status already answered: 0 when the client went away, 413 past
 * RIG_BODY_LIMIT, 400 for a body that is not UTF-8 JSON.
 */
async function readJson(
  request: IncomingMessage,
  response: ServerResponse,
): Promise<{ readonly document: unknown } | number> {
  const read = await readBody(request, RIG_BODY_LIMIT);
  if (read.kind === 'aborted') return 0;
  if (read.kind === 'too-large') return sendError(response, 413, `body over ${RIG_BODY_LIMIT} bytes`);
  try {
    return { document: JSON.parse(UTF8.decode(read.body)) };
  } catch (error) {
    return sendError(
      response,
      400,
      `malformed JSON body: ${error instanceof Error ? error.message : 'not UTF-8'}`,
    );
  }
}

async function putPort(request: IncomingMessage, response: ServerResponse, store: SiteStore, portId: number) {
  const body = await readJson(request, response);
  if (typeof body === 'number') return body;
  const { document } = body;
  try {
    store.putPort(portId, readPortState(document, '', true));
  } catch (error) {
    if (error instanceof FieldError) return sendError(response, 400, error.message);
    throw error;
  }
  return sendNoContent(response);
}

/** At most this many steps in one POST /batch. */
export const BATCH_STEPS_MAX = 256;

type BatchStep =
  | { readonly op: 'reset' }
  | { readonly op: 'put'; readonly portId: number; readonly state: PortState }
  | { readonly op: 'delete'; readonly portId: number }
  | { readonly op: 'get'; readonly portId: number }
  | { readonly op: 'events' };

const STEP_FIELDS: Record<string, readonly string[]> = {
  reset: ['op'],
  put: ['op', 'port_id', 'state'],
  delete: ['op', 'port_id'],
  get: ['op', 'port_id'],
  events: ['op'],
};

/** One step of a batch, read as strictly as its own endpoint reads its request; throws FieldError. */
function readStep(value: unknown, at: string): BatchStep {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new FieldError(at, 'is not a JSON object');
  const step = value as Record<string, unknown>;
  const op = step.op;
  const fields = typeof op === 'string' && Object.hasOwn(STEP_FIELDS, op) ? STEP_FIELDS[op] : undefined;
  if (fields === undefined)
    throw new FieldError(
      `${at}.op`,
      `is ${JSON.stringify(op)}, not one of ${Object.keys(STEP_FIELDS).join(', ')}`,
    );
  const unknown = Object.keys(step).find((name) => !fields.includes(name));
  if (unknown !== undefined) throw new FieldError(`${at}.${unknown}`, `is not a field of a ${op} step`);
  if (op === 'reset' || op === 'events') return { op };
  const portId = typeof step.port_id === 'number' ? pathPortId(String(step.port_id)) : undefined;
  if (portId === undefined)
    throw new FieldError(`${at}.port_id`, `must be an integer ${PORT_ID_MIN}-${PORT_ID_MAX}`);
  if (op === 'put') return { op, portId, state: readPortState(step.state, `${at}.state`, true) };
  return { op: op as 'delete' | 'get', portId };
}

/**
 * POST /batch: several rig requests in one, each step answered as its own endpoint answers it, in order, with no
 * other request in between; a step that its endpoint would refuse (400) refuses the whole batch, and nothing changes.
 */
async function batch(request: IncomingMessage, response: ServerResponse, store: SiteStore): Promise<number> {
  const body = await readJson(request, response);
  if (typeof body === 'number') return body;
  const { document } = body;
  let steps: BatchStep[];
  try {
    if (typeof document !== 'object' || document === null || Array.isArray(document))
      throw new FieldError('(body)', 'is not a JSON object');
    const unknown = Object.keys(document).find((name) => name !== 'steps');
    if (unknown !== undefined) throw new FieldError(unknown, 'is not a field of a batch');
    const list = (document as { steps?: unknown }).steps;
    if (!Array.isArray(list)) throw new FieldError('steps', 'is missing or not a list');
    if (list.length > BATCH_STEPS_MAX)
      throw new FieldError('steps', `holds more than ${BATCH_STEPS_MAX} steps`);
    steps = list.map((step, i) => readStep(step, `steps[${i}]`));
  } catch (error) {
    if (error instanceof FieldError) return sendError(response, 400, error.message);
    throw error;
  }
  const results = steps.map((step) => {
    switch (step.op) {
      case 'reset':
        store.reset();
        return { status: 204 };
      case 'put':
        store.putPort(step.portId, step.state);
        return { status: 204 };
      case 'delete':
        store.deletePort(step.portId);
        return { status: 204 };
      case 'get': {
        const port = store.port(step.portId);
        // copies: a later step may change the port or publish, and the answer is written after the last step
        return port === undefined ? { status: 404 } : { status: 200, state: { ...port } };
      }
      default:
        return { status: 200, segments: [...store.events()] };
    }
  });
  return sendJson(response, 200, { results });
}

/** Answers one rig request; resolves to the status sent (0 when the client went away). */
export async function handleRig(
  request: IncomingMessage,
  response: ServerResponse,
  store: SiteStore,
  token: string | undefined,
): Promise<number> {
  if (token !== undefined && !authorized(request, token)) {
    return sendError(response, 401, 'rig control needs Authorization: Bearer <token>', {
      'WWW-Authenticate': 'Bearer realm="rig"',
    });
  }
  const path = pathOf(request).slice(RIG_PATH.length);
  const verb = request.method ?? '';
  if (path === '/reset') {
    if (verb !== 'POST') return methodNotAllowed(response, 'POST');
    const read = await readBody(request, RIG_BODY_LIMIT);
    if (read.kind === 'aborted') return 0;
    if (read.kind === 'too-large') return sendError(response, 413, `body over ${RIG_BODY_LIMIT} bytes`);
    store.reset();
    return sendNoContent(response);
  }
  if (path === '/batch') {
    if (verb !== 'POST') return methodNotAllowed(response, 'POST');
    return batch(request, response, store);
  }
  if (path === '/events') {
    if (verb !== 'GET') return methodNotAllowed(response, 'GET');
    return sendJson(response, 200, { segments: store.events() });
  }
  if (path === '/reports') {
    // what this rig's own requests publish on the Log Publisher (an optional endpoint): a PUT that moves the AutoCase
    // state publishes its AC line, in the same synchronous step as the change (SiteStore.putPort), so before the PUT
    // answers; a DELETE and a reset publish nothing. A line after a call is therefore always the controller's.
    if (verb !== 'GET') return methodNotAllowed(response, 'GET');
    return sendJson(response, 200, { reports: ['state'], before_answer: true });
  }
  const portPath = /^\/ports\/([^/]*)$/.exec(path);
  if (portPath !== null) {
    if (verb !== 'GET' && verb !== 'PUT' && verb !== 'DELETE')
      return methodNotAllowed(response, 'GET, PUT, DELETE');
    const portId = pathPortId(portPath[1] ?? '');
    if (portId === undefined) {
      return sendError(response, 400, `port_id in the path must be an integer ${PORT_ID_MIN}-${PORT_ID_MAX}`);
    }
    if (verb === 'GET') {
      const port = store.port(portId);
      return port === undefined
        ? sendError(response, 404, `port ${portId} does not exist`)
        : sendJson(response, 200, port);
    }
    if (verb === 'DELETE') {
      store.deletePort(portId);
      return sendNoContent(response);
    }
    return putPort(request, response, store, portId);
  }
  return sendError(response, 404, `no rig endpoint ${path === '' ? '/' : path}`);
}
