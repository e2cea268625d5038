// Sending one request and telling apart the three things that can happen: an HTTP answer, a dropped
// connection, or nothing within a deadline. Over undici for well-formed HTTP, over a raw socket otherwise.

import { connect } from 'node:net';
import { Agent } from 'undici';

/** What came back for one request. `status` is set only when a whole HTTP answer arrived. */
export interface Answered {
  readonly status?: number;
  readonly contentType?: string;
  readonly body?: string;
  /** Set when no complete answer came: the connection was dropped, or the deadline passed. */
  readonly failure?: string;
  readonly ms: number;
}

export interface HttpRequest {
  readonly method?: string;
  /** The path exactly as sent (no URL normalisation): `/api/v2/task`, `/api/v2/task/../task`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

/** A deadline for one request: far beyond any answer the emulator gives, even on a loaded machine. */
export const ANSWER_DEADLINE_MS = 20_000;

/** Characters kept of an answer's body: the emulator's explanations are one short line. */
const KEEP_BODY_CHARS = 2_000;

/**
 * An agent that reuses a connection only within 1 s of its last answer: far inside the server's 5 s, so that
 * a request never races the server closing an idle connection (which would look like a dropped one).
 */
export function newAgent(connections = 8): Agent {
  return new Agent({ connections, pipelining: 1, keepAliveTimeout: 1_000, keepAliveMaxTimeout: 1_000 });
}

function describeError(error: unknown): string {
  const err = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err?.code ?? err?.cause?.code ?? 'no code';
  return `${code}: ${err?.message ?? String(error)}`;
}

/** Sends one request through undici and reads the whole answer; never throws. */
export async function sendHttp(
  agent: Agent,
  origin: string,
  req: HttpRequest,
  keepChars = KEEP_BODY_CHARS,
): Promise<Answered> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const response = await agent.request({
      origin,
      method: (req.method ?? 'POST') as 'POST',
      path: req.path,
      headers: { ...req.headers },
      body: req.body,
      signal: AbortSignal.timeout(ANSWER_DEADLINE_MS),
    });
    const text = await response.body.text();
    const contentType = response.headers['content-type'];
    return {
      status: response.statusCode,
      contentType: Array.isArray(contentType) ? contentType.join(', ') : contentType,
      body: text.slice(0, keepChars),
      ms: ms(),
    };
  } catch (error) {
    return { failure: describeError(error), ms: ms() };
  }
}

/**
 * Writes raw bytes on a fresh connection and reads one HTTP answer: the status line, the headers and a body
 * of its Content-Length (or up to the close). Never throws; `failure` says what happened instead.
 */
export function sendRawBytes(
  port: number,
  bytes: Buffer,
  deadlineMs = ANSWER_DEADLINE_MS,
): Promise<Answered> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(bytes, () => {});
    });
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (answer: Answered): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(
      () => finish({ failure: `no complete answer within ${deadlineMs} ms`, ms: ms() }),
      deadlineMs,
    );
    const parse = (closed: boolean): void => {
      const headEnd = received.indexOf('\r\n\r\n');
      if (headEnd === -1) {
        if (closed) {
          const what = received.length === 0 ? 'closed without a byte' : 'closed inside the status line';
          finish({ failure: `connection ${what}`, ms: ms() });
        }
        return;
      }
      const head = received.subarray(0, headEnd).toString('latin1');
      const statusLine = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (statusLine === null) {
        finish({
          failure: `answered bytes that are not HTTP: ${JSON.stringify(head.slice(0, 40))}`,
          ms: ms(),
        });
        return;
      }
      const header = (name: string) =>
        new RegExp(`\r\n${name}:[ \t]*([^\r\n]*)`, 'i').exec(head)?.[1]?.trim() ?? undefined;
      const length = header('content-length');
      const chunked = /chunked/i.test(header('transfer-encoding') ?? '');
      const body = received.subarray(headEnd + 4);
      const status = Number(statusLine[1]);
      const complete =
        length !== undefined
          ? body.length >= Number(length)
          : chunked
            ? body.includes('0\r\n\r\n') // the last chunk (the emulator's answers carry a length)
            : closed;
      if (complete || (length === undefined && (status === 204 || status === 304))) {
        finish({
          status,
          contentType: header('content-type'),
          body: body.toString('utf8').slice(0, KEEP_BODY_CHARS),
          ms: ms(),
        });
      } else if (closed) {
        finish({ failure: `connection closed after ${body.length} of ${length} body bytes`, ms: ms() });
      }
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      parse(false);
    });
    socket.on('error', () => {}); // a reset after the answer is the server closing a refused connection
    socket.on('close', () => parse(true));
  });
}

/** Runs work over items, `width` at a time, in order of start; results in the order of items. */
export async function pool<T, R>(
  items: readonly T[],
  width: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, worker));
  return results;
}

/** A seeded pseudo-random generator (mulberry32): the same corpus on every run. */
export { seeded } from '../helpers/seeded.ts';

/** The whole site as the rig reads it back: every port 1-2000 and the Log Publisher lines. */
export async function rigSnapshot(agent: Agent, rigUrl: string, token: string): Promise<string> {
  const url = new URL(rigUrl);
  const headers = { authorization: `Bearer ${token}` };
  const portIds = Array.from({ length: 2000 }, (_, index) => index + 1);
  const ports = await pool(portIds, 16, async (portId) => {
    const response = await agent.request({
      origin: url.origin,
      method: 'GET',
      path: `${url.pathname}/ports/${portId}`,
      headers,
    });
    const body = await response.body.text();
    if (response.statusCode === 404) return undefined;
    if (response.statusCode !== 200)
      throw new Error(`rig GET /ports/${portId}: ${response.statusCode} ${body}`);
    return `${portId} ${body}`;
  });
  const events = await agent.request({
    origin: url.origin,
    method: 'GET',
    path: `${url.pathname}/events`,
    headers,
  });
  const eventsBody = await events.body.text();
  if (events.statusCode !== 200) throw new Error(`rig GET /events: ${events.statusCode} ${eventsBody}`);
  return [...ports.filter((line) => line !== undefined), `events ${eventsBody}`].join('\n');
}

/** The lines of two snapshots that differ, for a message. */
export function snapshotDiff(before: string, after: string): string[] {
  const was = new Set(before.split('\n'));
  const now = new Set(after.split('\n'));
  return [
    ...[...was].filter((line) => !now.has(line)).map((line) => `- ${line}`),
    ...[...now].filter((line) => !was.has(line)).map((line) => `+ ${line}`),
  ];
}
