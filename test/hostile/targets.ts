// Small hostile targets on loopback, and a fake rig, for running the harness against a controller that
// misbehaves at the transport level. Every target answers the preflight (a GET, a POST that is not a call, and a
// case_cancel without parameters) like a plain controller and misbehaves only on the Task Interface calls the
// scenarios make, each in one way, in the order given.

import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { CALL_PROBE } from '../../support/wire/preflight.ts';

/** What a hostile target does with one POST. It owns the socket from then on. */
export interface Behaviour {
  readonly name: string;
  /** What the harness should say about it: a pattern its failure message must match. */
  readonly said: RegExp;
  act(socket: Socket, target: HostileTarget): void;
}

export interface HostileTarget {
  readonly port: number;
  readonly taskUrl: string;
  /** The behaviours served, in order, one per POST (the last repeats). */
  readonly served: string[];
  /** Bytes the target managed to hand to the kernel for the 50 MiB answer before the client stopped reading. */
  hugeBytesWritten: number;
  /** Bytes written one at a time by the drip behaviours. */
  dripBytesWritten: number;
  /** Later timers to cancel on close. */
  readonly timers: Set<NodeJS.Timeout>;
  close(): Promise<void>;
}

const MIB = 1024 * 1024;
export const HUGE_ANSWER_BYTES = 50 * MIB;

function later(target: HostileTarget, ms: number, work: () => void): void {
  const timer = setTimeout(() => {
    target.timers.delete(timer);
    work();
  }, ms);
  target.timers.add(timer);
}

function every(target: HostileTarget, ms: number, work: () => boolean): void {
  const timer = setInterval(() => {
    if (!work()) {
      clearInterval(timer);
      target.timers.delete(timer);
    }
  }, ms);
  target.timers.add(timer);
}

const FAULT_XML =
  '<?xml version="1.0" encoding="UTF-8"?>\n<response>\n  <fault>\n    <code>1099</code>\n  </fault>\n</response>\n';

/** Holds the connection and never answers. */
export const hangs: Behaviour = {
  name: 'accepts the call and never answers',
  said: /no answer within \d+ ms/,
  act: () => {},
};

/** Answers 200 with a 50 MiB body, as fast as the client reads it. */
export const answers50MiB: Behaviour = {
  name: 'answers 50 MiB',
  said: /the answer exceeded 1048576 bytes; reading stopped/,
  act: (socket, target) => {
    socket.write(
      `HTTP/1.1 200 OK\r\nContent-Type: application/xml; charset=utf-8\r\nContent-Length: ${HUGE_ANSWER_BYTES}\r\n\r\n`,
    );
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    chunk.write('<?xml version="1.0" encoding="UTF-8"?>\n<response>\n');
    const pump = (): void => {
      while (target.hugeBytesWritten < HUGE_ANSWER_BYTES && !socket.destroyed) {
        const size = Math.min(chunk.length, HUGE_ANSWER_BYTES - target.hugeBytesWritten);
        target.hugeBytesWritten += size;
        if (!socket.write(size === chunk.length ? chunk : chunk.subarray(0, size))) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
  },
};

/** Sends the status line, the headers and part of the body, then resets the connection. */
export const resetsMidBody: Behaviour = {
  name: 'resets the connection in the middle of the body',
  said: /connection reset after \d+ bytes of the answer/,
  act: (socket, target) => {
    socket.write(
      `HTTP/1.1 200 OK\r\nContent-Type: application/xml; charset=utf-8\r\nContent-Length: 4096\r\n\r\n`,
    );
    socket.write(FAULT_XML.slice(0, 40));
    later(target, 100, () => socket.resetAndDestroy());
  },
};

/** Answers bytes that are not HTTP at all. */
export const answersNotHttp: Behaviour = {
  name: 'answers bytes that are not HTTP',
  said: /answered bytes that are not HTTP/,
  act: (socket) => {
    socket.end('SSH-2.0-OpenSSH_9.6 not an HTTP server\r\n\u0000\u0001\u0002');
  },
};

/** Answers a redirect to another loopback server (which counts the requests that reach it). */
export function redirectsTo(location: string): Behaviour {
  return {
    name: 'answers a redirect',
    said: /HTTP 302, expected 200; a redirect to http:\/\/127\.0\.0\.1:\d+\/api\/v2\/task, not followed/,
    act: (socket) => {
      socket.end(
        `HTTP/1.1 302 Found\r\nLocation: ${location}\r\nContent-Type: text/html\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      );
    },
  };
}

/** Sends the headers, then the body one byte a second. */
export const dripsBody: Behaviour = {
  name: 'drips its body one byte a second',
  said: /the answer was not complete within \d+ ms \(\d+ bytes of the body read\)/,
  act: (socket, target) => {
    socket.write(
      `HTTP/1.1 200 OK\r\nContent-Type: application/xml; charset=utf-8\r\nContent-Length: ${FAULT_XML.length}\r\n\r\n`,
    );
    let sent = 0;
    every(target, 1000, () => {
      if (socket.destroyed || sent >= FAULT_XML.length) return false;
      socket.write(FAULT_XML.charAt(sent++));
      target.dripBytesWritten++;
      return true;
    });
  },
};

/** Sends the whole answer, status line first, one byte a second. */
export const dripsHeaders: Behaviour = {
  name: 'drips its status line and headers one byte a second',
  said: /no answer within \d+ ms/,
  act: (socket, target) => {
    const answer = `HTTP/1.1 200 OK\r\nContent-Type: application/xml; charset=utf-8\r\nContent-Length: ${FAULT_XML.length}\r\n\r\n${FAULT_XML}`;
    let sent = 0;
    every(target, 1000, () => {
      if (socket.destroyed || sent >= answer.length) return false;
      socket.write(answer.charAt(sent++));
      target.dripBytesWritten++;
      return true;
    });
  },
};

/** Reads the call and closes the connection without a byte. */
export const closesSilently: Behaviour = {
  name: 'closes the connection without answering',
  said: /connection closed by 127\.0\.0\.1:\d+ without an answer/,
  act: (socket) => {
    socket.end();
  },
};

interface ParsedRequest {
  readonly method: string;
  readonly bodyLength: number;
  readonly headerEnd: number;
}

function parseHead(buffer: Buffer): ParsedRequest | undefined {
  const end = buffer.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const head = buffer.subarray(0, end).toString('latin1');
  const method = head.slice(0, head.indexOf(' '));
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1];
  return { method, bodyLength: length === undefined ? 0 : Number(length), headerEnd: end + 4 };
}

const PREFLIGHT_ANSWER =
  'HTTP/1.1 405 Method Not Allowed\r\nAllow: POST\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n\r\nuse POST here\n';
/** The answer to a POST whose body is not a call (the pre-flight's probe): a plain refusal, the connection kept. */
const NOT_A_CALL_ANSWER =
  'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nnot a call\r\n';

const PROBE_FAULT = '<?xml version="1.0"?><response><fault><code>1003</code></fault></response>';
const CALL_PROBE_ANSWER = `HTTP/1.1 200 OK\r\nContent-Type: application/xml; charset=utf-8\r\nContent-Length: ${PROBE_FAULT.length}\r\n\r\n${PROBE_FAULT}`;

/**
 * Starts a target that answers every non-POST with a plain 405 (so the preflight passes) and meets the
 * n-th POST with behaviours[n] (the last one repeating). `silent` targets answer nothing at all, not even
 * the preflight.
 */
export async function startHostileTarget(
  behaviours: readonly Behaviour[],
  options: { silent?: boolean } = {},
): Promise<HostileTarget> {
  const sockets = new Set<Socket>();
  let posts = 0;
  let server: Server | undefined;
  const target: HostileTarget = {
    port: 0,
    taskUrl: '',
    served: [],
    hugeBytesWritten: 0,
    dripBytesWritten: 0,
    timers: new Set(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of target.timers) clearTimeout(timer);
        target.timers.clear();
        for (const socket of sockets) socket.destroy();
        server?.close(() => resolve());
      }),
  };
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (options.silent) return; // reads nothing, answers nothing
    let buffered = Buffer.alloc(0);
    let handedOver = false;
    socket.on('data', (chunk: Buffer) => {
      if (handedOver) return;
      buffered = Buffer.concat([buffered, chunk]);
      for (let request = parseHead(buffered); request; request = parseHead(buffered)) {
        if (buffered.length < request.headerEnd + request.bodyLength) return;
        const body = buffered.toString('latin1', request.headerEnd, request.headerEnd + request.bodyLength);
        buffered = buffered.subarray(request.headerEnd + request.bodyLength);
        if (request.method !== 'POST') {
          socket.write(PREFLIGHT_ANSWER);
          continue;
        }
        if (!body.includes('methodcall') && !body.includes('"method"')) {
          socket.write(NOT_A_CALL_ANSWER); // the pre-flight's POST that is not a call: refused as a plain server would
          continue;
        }
        if (body === CALL_PROBE) {
          socket.write(CALL_PROBE_ANSWER); // the pre-flight's case_cancel without parameters: 1003, as a controller would
          continue;
        }
        const behaviour = behaviours[Math.min(posts++, behaviours.length - 1)];
        if (behaviour === undefined) return;
        target.served.push(behaviour.name);
        handedOver = true;
        behaviour.act(socket, target);
        return;
      }
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(target, { port, taskUrl: `http://127.0.0.1:${port}/api/v2/task` });
  return target;
}

/** A loopback server that counts what reaches it (where a redirect points). */
export async function startCounter(): Promise<{ url: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server = createHttpServer((_request, response) => {
    hits++;
    response.writeHead(200, { 'content-type': 'application/xml' });
    response.end(FAULT_XML);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v2/task`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A loopback port nothing listens on (bound, then freed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface FakeRig {
  readonly url: string;
  /** Every request as `METHOD path`, and whether it carried the right token. */
  readonly requests: { line: string; authorised: boolean }[];
  close(): Promise<void>;
}

/**
 * The rig control API of rig-control.md at its simplest: ports in a map, no events. With a token, a request
 * without `Authorization: Bearer <token>` answers 401.
 */
export async function startFakeRig(token?: string): Promise<FakeRig> {
  const ports = new Map<string, string>();
  const requests: FakeRig['requests'] = [];
  const server = createHttpServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = (request.url ?? '').replace(/^\/rig\/v1/, '');
      const authorised = token === undefined || request.headers.authorization === `Bearer ${token}`;
      requests.push({ line: `${request.method} ${path}`, authorised });
      const answer = (status: number, body?: unknown) => {
        const text = body === undefined ? '' : JSON.stringify(body);
        response.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
        response.end(text);
      };
      if (!authorised) return answer(401, { error: 'rig control needs Authorization: Bearer <token>' });
      const port = /^\/ports\/(\d+)$/.exec(path)?.[1];
      if (request.method === 'POST' && path === '/reset') {
        ports.clear();
        return answer(204);
      }
      if (request.method === 'GET' && path === '/events') return answer(200, { segments: [] });
      if (port !== undefined && request.method === 'PUT') {
        ports.set(port, Buffer.concat(chunks).toString('utf8'));
        return answer(204);
      }
      if (port !== undefined && request.method === 'DELETE') {
        ports.delete(port);
        return answer(204);
      }
      if (port !== undefined && request.method === 'GET') {
        const state = ports.get(port);
        if (state === undefined) return answer(404, { error: `port ${port} does not exist` });
        response.writeHead(200, { 'content-type': 'application/json' });
        return response.end(state);
      }
      return answer(404, { error: `no rig endpoint ${path}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/rig/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A rig that refuses every request and echoes the Authorization header it got in its error (a careless rig). */
export async function startEchoingRig(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createHttpServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const body = JSON.stringify({
        error: `the credentials "${request.headers.authorization ?? ''}" are refused`,
      });
      response.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/rig/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
