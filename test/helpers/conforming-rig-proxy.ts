// Another vendor's controller and rig, written against the same documents as the emulator, in front of the
// embedded emulator (docs/certification.md, "Another vendor's controller and rig"): its rig may lack POST /batch,
// writes a PortState's fields in another order with other whitespace, words its 400s otherwise and answers GET
// /events from a Log Publisher that publishes a call's lines a moment after the answer (conforming-log-publisher.ts).
// Test-only, on 127.0.0.1. The Task Interface is the emulator's own: only what it publishes goes through here.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { type RunningEmulator, startEmulator } from '../../emulator/index.ts';
import { ConformingLogPublisher, type StreamVariant } from './conforming-log-publisher.ts';

export interface RigVariant {
  /** 'steps': POST /batch served step by step; a status: the rig has no /batch and answers that. */
  readonly batch: 'steps' | 404 | 405 | 501;
  /** GET /ports/{id} with the fields in another order, other whitespace and line ends. */
  readonly reorderedPortState: boolean;
  /** A 400's `error` worded otherwise. */
  readonly rewordedErrors: boolean;
}

export interface ConformingController {
  readonly emulator: RunningEmulator;
  readonly stream: ConformingLogPublisher;
  /** --target */
  readonly taskUrl: string;
  /** --rig */
  readonly rigUrl: string;
  /** --log-publisher */
  readonly logAddress: string;
  readonly token: string;
  /** Requests answered by this rig, by `VERB path` (what the test can show was exercised). */
  readonly seen: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

const BATCH_STEPS_MAX = 256;
const BODY_MAX = 64 * 1024;

export interface ControllerOptions {
  readonly rig: RigVariant;
  readonly stream: StreamVariant;
  /** The emulator's deviations (for the test that a deviating controller is still caught behind the doubles). */
  readonly deviate?: readonly string[];
}

export async function startConformingController(options: ControllerOptions): Promise<ConformingController> {
  const token = 'conforming-rig-token';
  const stream = await ConformingLogPublisher.start(options.stream);
  /** Lines of emulator.events() already handed to the stream. */
  let known = 0;
  let emulator: RunningEmulator | undefined;
  emulator = await startEmulator({
    port: 0,
    logPort: 0,
    quiet: true,
    rigToken: token,
    deviate: options.deviate,
    // A call's lines go out late, as a controller's publishing task sends them; a rig request's lines are the rig's.
    record: (recorded) => {
      if (recorded.input.kind === 'rig' || emulator === undefined) return;
      const events = emulator.events();
      stream.publishOthers();
      stream.publish(events.slice(known), true);
      known = events.length;
    },
  });
  const upstream = emulator;
  const rigBase = new URL(upstream.rigUrl as string);
  const seen = new Map<string, number>();
  let queue: Promise<unknown> = Promise.resolve();

  /** One rig request upstream; the lines it published go out at once, as the rig's. */
  const forward = async (
    method: string,
    path: string,
    authorization: string | undefined,
    body?: string,
  ): Promise<{ status: number; text: string }> => {
    const answer = await request(`${rigBase.origin}${rigBase.pathname}${path}`, {
      method: method as 'GET',
      headers: {
        ...(authorization === undefined ? {} : { authorization }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body,
    });
    const text = await answer.body.text();
    if (method === 'POST' && path === '/reset' && answer.statusCode === 204) {
      known = 0;
      stream.reset();
    }
    if (method === 'PUT' && answer.statusCode === 204) {
      const state = JSON.parse(body ?? '{}') as { selected_bin?: number | null };
      stream.arranged(Number(path.split('/').at(-1)), state.selected_bin ?? null);
    }
    // a port the rig removed does not exist: no controller publishes its AutoCase moving
    if (method === 'DELETE' && answer.statusCode === 204)
      stream.arranged(Number(path.split('/').at(-1)), null);
    const events = upstream.events();
    stream.publish(events.slice(known), false);
    known = events.length;
    return { status: answer.statusCode, text };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, body: string): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').slice(rigBase.pathname.length);
    const key = `${method} ${path.replace(/\/\d+$/, '/{port_id}')}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    const authorization = req.headers.authorization;
    if (method === 'POST' && path === '/batch') {
      if (options.rig.batch !== 'steps') return noBatch(res, options.rig.batch);
      return batch(res, body, authorization);
    }
    if (method === 'GET' && path === '/reports') {
      // its own declaration, not the emulator's: a PUT's line waits behind a call's line still due (the stream's one
      // queue), so it may come after the PUT answered (before_answer false). Declaring the emulator's "before the
      // answer" was false of it, and a late report of an earlier run's PUT then failed the fuzz sequences (seed
      // 718313447, 1 in about 20 runs).
      const checked = await forward('GET', '/events', authorization);
      if (checked.status !== 200) return pass(res, checked);
      return sendJson(res, 200, { reports: ['state'], before_answer: false });
    }
    if (method === 'GET' && path === '/events') {
      // the token is the upstream rig's to judge; the lines are this controller's
      const checked = await forward('GET', '/events', authorization);
      if (checked.status !== 200) return pass(res, checked);
      return sendJson(res, 200, { segments: stream.published() });
    }
    const answer = await forward(method, path, authorization, method === 'PUT' ? body : undefined);
    if (answer.status === 400 && options.rig.rewordedErrors) return reworded(res, answer.text);
    if (method === 'GET' && answer.status === 200 && options.rig.reorderedPortState)
      return sendRaw(res, 200, reorder(JSON.parse(answer.text) as Record<string, unknown>));
    return pass(res, answer);
  };

  /** POST /batch served by running each step against the rig's own endpoints, nothing in between. */
  const batch = async (res: ServerResponse, body: string, authorization: string | undefined) => {
    let steps: unknown;
    try {
      steps = (JSON.parse(body) as { steps?: unknown }).steps;
    } catch {
      return sendJson(res, 400, { error: 'the batch body is not JSON' });
    }
    if (!Array.isArray(steps) || steps.length === 0 || steps.length > BATCH_STEPS_MAX)
      return sendJson(res, 400, { error: `steps: 1 to ${BATCH_STEPS_MAX} of them` });
    const results: unknown[] = [];
    for (const step of steps as { op?: string; port_id?: number; state?: unknown }[]) {
      const at = `/ports/${step.port_id}`;
      const answer =
        step.op === 'reset'
          ? await forward('POST', '/reset', authorization)
          : step.op === 'put'
            ? await forward('PUT', at, authorization, JSON.stringify(step.state))
            : step.op === 'delete'
              ? await forward('DELETE', at, authorization)
              : step.op === 'get'
                ? await forward('GET', at, authorization)
                : step.op === 'events'
                  ? await forward('GET', '/events', authorization)
                  : { status: 400, text: JSON.stringify({ error: `unknown op ${String(step.op)}` }) };
      // the contract's 400 runs no step; the harness never sends one, so running up to it is enough here
      if (answer.status === 401 || answer.status === 400) return pass(res, answer);
      if (step.op === 'events') results.push({ status: 200, segments: [...stream.published()] });
      else if (step.op === 'get' && answer.status === 200)
        results.push({ status: 200, state: JSON.parse(answer.text) as unknown });
      else results.push({ status: answer.status });
    }
    return sendJson(res, 200, { results });
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_MAX) chunks.push(chunk);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      // one rig request at a time, so that the lines each publishes are its own
      queue = queue
        .then(() => handle(req, res, body))
        .catch((error: unknown) => {
          if (!res.headersSent) sendJson(res, 502, { error: String(error) });
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    emulator: upstream,
    stream,
    taskUrl: upstream.taskUrl,
    rigUrl: `http://127.0.0.1:${port}${rigBase.pathname}`,
    logAddress: `127.0.0.1:${stream.port}`,
    token,
    seen,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stream.close();
      await upstream.close();
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendRaw(res, status, JSON.stringify(body));
}

function sendRaw(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(text);
}

function pass(res: ServerResponse, answer: { status: number; text: string }): void {
  if (answer.status === 204) {
    res.writeHead(204).end();
    return;
  }
  sendRaw(res, answer.status, answer.text);
}

/** A rig that predates /batch: each status answered the way such a server would. */
function noBatch(res: ServerResponse, status: 404 | 405 | 501): void {
  if (status === 405) res.writeHead(405, { allow: 'GET, PUT, DELETE', 'content-type': 'text/plain' });
  else if (status === 501) res.writeHead(501, { 'content-type': 'text/html' });
  else res.writeHead(404, { 'content-type': 'application/json' });
  res.end(status === 501 ? '<h1>Not Implemented</h1>' : status === 404 ? '{"error":"no such endpoint"}' : '');
}

function reworded(res: ServerResponse, text: string): void {
  const original = (JSON.parse(text) as { error?: string }).error ?? '';
  sendJson(res, 400, { error: `Request rejected (${original.length} characters of detail withheld)` });
}

/** The PortState with its fields last to first, a space before each colon, tabs and CRLF. */
function reorder(state: Record<string, unknown>): string {
  const fields = Object.keys(state)
    .reverse()
    .map((key) => `\t${JSON.stringify(key)} : ${JSON.stringify(state[key])}`);
  return `{\r\n${fields.join(' ,\r\n')}\r\n}\r\n`;
}
