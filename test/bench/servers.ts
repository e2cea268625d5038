// Starts the benchmark's servers in child processes (server-child.ts) and stops them, each step bounded in time.
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ChildRequest } from './server-child.ts';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'server-child.ts');
const START_TIMEOUT_MS = 30_000;
const ANSWER_TIMEOUT_MS = 5_000;
const STOP_TIMEOUT_MS = 5_000;

export interface Memory {
  /** Resident set size now, in bytes. */
  readonly rss: number;
  /** The most it has been resident, in bytes. */
  readonly maxRss: number;
  readonly heapUsed: number;
}

export interface ServerProcess {
  readonly kind: 'emulator' | 'bare';
  readonly taskUrl: string;
  readonly rigUrl?: string;
  readonly rigToken?: string;
  readonly pid: number;
  memory(): Promise<Memory>;
  /** CPU time it has used so far (user + system), in microseconds. */
  cpu(): Promise<number>;
  stop(): Promise<void>;
}

function waitFor<T extends ChildMessage['kind']>(
  child: ChildProcess,
  kind: T,
  timeoutMs: number,
): Promise<Extract<ChildMessage, { kind: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`no ${kind} from the server within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (message: ChildMessage) => {
      if (message.kind === kind) finish(undefined, message as Extract<ChildMessage, { kind: T }>);
      else if (message.kind === 'error') finish(new Error(`the server could not start: ${message.message}`));
    };
    const onExit = (code: number | null) =>
      finish(new Error(`the server exited (${code}) before its ${kind}`));
    function finish(error: Error | undefined, message?: Extract<ChildMessage, { kind: T }>): void {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(message as Extract<ChildMessage, { kind: T }>);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Starts the emulator (with a rig and its token) or a bare server answering `body` with `contentType`. */
export async function startServer(
  kind: 'emulator' | 'bare',
  constant?: { readonly body: string; readonly contentType: string },
): Promise<ServerProcess> {
  const rigToken = kind === 'emulator' ? randomBytes(18).toString('base64url') : undefined;
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (rigToken) env.BENCH_RIG_TOKEN = rigToken;
  if (constant) {
    env.BENCH_BODY = constant.body;
    env.BENCH_CONTENT_TYPE = constant.contentType;
  }
  const child = fork(CHILD, [kind], {
    execArgv: ['--import', 'tsx'],
    env,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  let ready: Extract<ChildMessage, { kind: 'ready' }>;
  try {
    ready = await waitFor(child, 'ready', START_TIMEOUT_MS);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    kind,
    taskUrl: ready.taskUrl,
    rigUrl: ready.rigUrl,
    rigToken,
    pid: child.pid as number,
    async memory() {
      const answer = waitFor(child, 'memory', ANSWER_TIMEOUT_MS);
      child.send({ kind: 'memory' } satisfies ChildRequest);
      const { rss, maxRss, heapUsed } = await answer;
      return { rss, maxRss, heapUsed };
    },
    async cpu() {
      const answer = waitFor(child, 'cpu', ANSWER_TIMEOUT_MS);
      child.send({ kind: 'cpu' } satisfies ChildRequest);
      const { user, system } = await answer;
      return user + system;
    },
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        if (child.connected) child.send({ kind: 'close' } satisfies ChildRequest);
        else child.kill('SIGTERM');
      });
      return stopping;
    },
  };
}
