// Harness runs made in session processes (test/helpers/harness-session.ts), each of which makes runs one after
// another, instead of a process a run: the self-check's deviation runs are mostly start-up. A session is kept for at
// most RUNS_A_SESSION runs, then replaced; one run at a time each; a run that does not end within its deadline, or
// a session that ends during a run, is an error that names it.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIBXML2_PRELOAD, PROJECT_ROOT } from '../../support/runner/paths.ts';
import type { SessionAnswer, SessionRequest } from './harness-session.ts';

export const SESSION_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'harness-session.ts');
/** Runs a session makes before it is replaced: a bound on whatever one run might leave behind in memory. */
export const RUNS_A_SESSION = 40;
/** The longest a run may take in a session before the session is killed and the run fails. */
export const RUN_DEADLINE_MS = 10 * 60_000;
/** The end of a session's own output kept for an error (what it printed outside any run). */
const KEPT_OUTPUT = 4_000;

interface Session {
  readonly child: ChildProcess;
  runs: number;
  /** What the session printed outside its runs (its last KEPT_OUTPUT characters). */
  output: string;
  /** The run in flight, settled by its answer, the session's end, or its deadline. */
  pending?: {
    readonly id: number;
    readonly resolve: (answer: SessionAnswer) => void;
    readonly reject: (error: Error) => void;
  };
  ended: boolean;
}

export interface SessionRun {
  readonly code: number;
  readonly output: string;
  /** The session's resident memory after the run, in bytes. */
  readonly rss: number;
}

export class HarnessSessions {
  private readonly idle: Session[] = [];
  private readonly all = new Set<Session>();
  private nextId = 1;
  /** Sessions started so far, and the most memory one held after a run. */
  started = 0;
  maxRss = 0;

  constructor(
    private readonly runsASession = RUNS_A_SESSION,
    private readonly deadlineMs = RUN_DEADLINE_MS,
  ) {}

  /** One harness run (`npm test` with these arguments), with this environment: its exit code and output. */
  async run(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<SessionRun> {
    const session = this.idle.pop() ?? this.start();
    const id = this.nextId++;
    const request: SessionRequest = { id, argv, env: definedOnly(env) };
    const answer = await new Promise<SessionAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        session.child.kill('SIGKILL');
        reject(
          new Error(
            `a harness run in a session did not end within ${this.deadlineMs / 1000} s: ${argv.join(' ')}`,
          ),
        );
      }, this.deadlineMs);
      session.pending = {
        id,
        resolve: (a) => {
          clearTimeout(timer);
          resolve(a);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      session.child.send(request);
    });
    session.pending = undefined;
    session.runs++;
    this.maxRss = Math.max(this.maxRss, answer.rss);
    if (session.runs >= this.runsASession) this.stop(session);
    else this.idle.push(session);
    return { code: answer.code, output: answer.output, rss: answer.rss };
  }

  /** Ends every session (each finishes the run it is making, if any). */
  close(): void {
    for (const session of this.all) this.stop(session);
  }

  private start(): Session {
    const child = spawn(process.execPath, [...LIBXML2_PRELOAD, '--import', 'tsx', SESSION_ENTRY], {
      cwd: PROJECT_ROOT,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.started++;
    const session: Session = { child, runs: 0, output: '', ended: false };
    this.all.add(session);
    const keep = (chunk: Buffer) => {
      session.output = (session.output + chunk.toString()).slice(-KEPT_OUTPUT);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('message', (answer: SessionAnswer) => {
      if (session.pending?.id === answer.id) session.pending.resolve(answer);
    });
    const ended = (why: string) => {
      if (session.ended) return;
      session.ended = true;
      this.all.delete(session);
      const at = this.idle.indexOf(session);
      if (at >= 0) this.idle.splice(at, 1);
      session.pending?.reject(
        new Error(
          `a harness session ended during a run (${why})${session.output ? `:\n${session.output}` : ''}`,
        ),
      );
    };
    child.on('error', (error) => ended(error.message));
    child.on('exit', (code, signal) => ended(signal ? `signal ${signal}` : `exit ${code}`));
    return session;
  }

  private stop(session: Session): void {
    this.all.delete(session);
    if (session.child.connected) session.child.disconnect();
  }
}

/** The environment as a session takes it: no variable without a value. */
function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}
