// A scripted operator (--operator-command=CMD, or operator.command in the profile): the vendor's own program does
// at the rig what a person would, and answers as a person at the terminal does. Run without a shell, once per
// request, in a process group of its own; the request on its standard input (one JSON object) and in
// HARNESS_OPERATOR_* variables; the answer on its standard output (docs/certification.md, "A scripted operator").
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { LoadedProfile } from '../profile/profile.ts';
import { type Operator, type OperatorReply, type OperatorRequest, parseOperatorAnswer } from './operator.ts';

/** The most a command may print on standard output: an answer is one word. Beyond it: no answer, group killed. */
export const OPERATOR_STDOUT_LIMIT = 4096;
/** The end of its standard error kept (the rest is read and dropped): a reason shows the last of it. */
export const OPERATOR_STDERR_KEPT = 4096;
/** How much of standard error a reason shows, at most (characters). */
const REASON_TAIL = 300;

/** The command, its working directory, and where it was given (for the reasons). */
export interface OperatorCommand {
  readonly argv: readonly string[];
  readonly cwd: string;
  /** `--operator-command`, or `operator.command in <profile file>`. */
  readonly from: string;
}

/** The version of the request a command reads; a change that breaks a command gets a new one. */
export const OPERATOR_PROTOCOL_VERSION = 1;

/** A command line that cannot be split. */
export class CommandLineError extends Error {}

/**
 * Splits a command line into its words as a plain shell would, without a shell: words are separated by blanks;
 * '...' keeps everything inside as it is; "..." too, except that \" and \\ stand for " and \; outside quotes a
 * backslash keeps the next character. Nothing is expanded: $VAR, ~, *, |, > and ; are characters like any other.
 */
export function splitCommandLine(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= text.length) throw new CommandLineError('it ends with a backslash that escapes nothing');
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new CommandLineError(`a ${quote} quote is not closed`);
  if (inWord) words.push(word);
  if (words.length === 0) throw new CommandLineError('no command in it');
  return words;
}

/**
 * The operator command of the run: --operator-command (run in the directory the harness was started in), else,
 * unless --interactive asks for the terminal, the profile's operator.command (run in the profile's directory).
 */
export function operatorCommandFor(
  flag: readonly string[] | undefined,
  interactive: boolean,
  loaded: LoadedProfile | undefined,
  cwd: string = process.cwd(),
): OperatorCommand | undefined {
  if (flag !== undefined) return { argv: flag, cwd, from: '--operator-command' };
  const fromProfile = loaded?.profile.operator?.command;
  if (interactive || loaded === undefined || fromProfile === undefined) return undefined;
  return {
    argv: fromProfile,
    cwd: path.dirname(path.resolve(cwd, loaded.file)),
    from: `operator.command in ${loaded.file}`,
  };
}

/**
 * Process groups of commands still running. They are in a session of their own, so a Ctrl-C at the terminal does
 * not reach them: while one runs, this process kills them on its way out (a signal, or its exit).
 */
const running = new Set<number>();
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let exitHookInstalled = false;

function onSignal(signal: NodeJS.Signals): void {
  for (const pid of [...running]) killGroup(pid);
  // Nobody else listens: end as the signal would have ended this process without us.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function watchSignals(on: boolean): void {
  for (const signal of SIGNALS) {
    if (on) process.on(signal, onSignal);
    else process.off(signal, onSignal);
  }
}

function track(pid: number): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const pid of [...running]) killGroup(pid);
    });
  }
  if (running.size === 0) watchSignals(true);
  running.add(pid);
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  if (running.delete(pid) && running.size === 0) watchSignals(false);
  try {
    if (process.platform === 'win32') process.kill(pid, 'SIGKILL');
    else process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is gone already.
  }
}

/** The environment the command gets: this process's, without the harness's own variables, and the request. */
function commandEnvironment(base: NodeJS.ProcessEnv, request: OperatorRequest): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(base)) if (!name.startsWith('HARNESS_')) env[name] = value;
  const { wanted } = request;
  return {
    ...env,
    HARNESS_OPERATOR_PROTOCOL: String(OPERATOR_PROTOCOL_VERSION),
    HARNESS_OPERATOR_PORT: String(request.port),
    HARNESS_OPERATOR_BIN: wanted.selected_bin === null ? '' : String(wanted.selected_bin),
    HARNESS_OPERATOR_TYPE: wanted.type,
    HARNESS_OPERATOR_MODE: wanted.mode,
    HARNESS_OPERATOR_CASE_STATE: wanted.case_state,
    HARNESS_OPERATOR_CASE_ERROR: String(wanted.case_error),
    HARNESS_OPERATOR_INSTRUCTION: request.instruction,
  };
}

/** The request as the command reads it on standard input: one JSON object on one line. */
export function operatorRequestJson(request: OperatorRequest, timeoutMs: number): string {
  return `${JSON.stringify({
    protocol: OPERATOR_PROTOCOL_VERSION,
    port: request.port,
    bin: request.wanted.selected_bin,
    wanted: request.wanted,
    instruction: request.instruction,
    timeout_s: Math.round(timeoutMs / 1000),
  })}\n`;
}

/** The end of standard error for a reason, or nothing when it printed none. */
function stderrTail(kept: Buffer): string {
  const text = kept.toString('utf8').trim();
  if (text === '') return '';
  const tail = text.length > REASON_TAIL ? `...${text.slice(-REASON_TAIL)}` : text;
  return `; its standard error ends: ${JSON.stringify(tail)}`;
}

export class CommandOperator implements Operator {
  readonly who: string;

  constructor(
    private readonly command: OperatorCommand,
    private readonly timeoutMs: number,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    if (command.argv.length === 0) throw new Error('harness bug: an operator command without a program');
    this.who = `the operator command (${command.from})`;
  }

  ask(request: OperatorRequest): Promise<OperatorReply> {
    const { argv, cwd } = this.command;
    const named = this.who;
    const [program, ...args] = argv as [string, ...string[]];
    return new Promise((resolve) => {
      let settled = false;
      let stdout = Buffer.alloc(0);
      let stderr = Buffer.alloc(0);
      const child = spawn(program, args, {
        cwd,
        env: commandEnvironment(this.env, request),
        stdio: ['pipe', 'pipe', 'pipe'],
        // Its own process group, so that a timeout ends everything it started, not only itself.
        detached: process.platform !== 'win32',
        windowsHide: true,
      });
      if (child.pid !== undefined) track(child.pid);
      const settle = (reply: OperatorReply) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        killGroup(child.pid);
        resolve(reply);
      };
      const timer = setTimeout(
        () =>
          settle({
            failure: `no answer from ${named} within ${Math.round(this.timeoutMs / 1000)} s (timeouts.operator_s): its process group was killed${stderrTail(stderr)}`,
          }),
        this.timeoutMs,
      );
      child.on('error', (error) =>
        settle({ failure: `${named} could not be started (${argv.join(' ')}): ${error.message}` }),
      );
      child.stdin.on('error', () => {
        // It need not read the request (EPIPE): the environment has it too.
      });
      child.stdin.end(operatorRequestJson(request, this.timeoutMs));
      child.stdout.on('data', (chunk: Buffer) => {
        if (settled) return;
        stdout = Buffer.concat([stdout, chunk]);
        if (stdout.length > OPERATOR_STDOUT_LIMIT)
          settle({
            failure: `${named} printed more than ${OPERATOR_STDOUT_LIMIT} bytes on standard output, where one answer is expected (confirm, not-applicable or abort): its process group was killed${stderrTail(stderr)}`,
          });
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr = Buffer.concat([stderr, chunk]);
        if (stderr.length > OPERATOR_STDERR_KEPT) stderr = stderr.subarray(-OPERATOR_STDERR_KEPT);
      });
      // Once it has exited, whatever it left running in its group is ended: their output would hold the answer.
      child.on('exit', () => killGroup(child.pid));
      child.on('close', (code, signal) => {
        if (signal !== null)
          return settle({ failure: `${named} was ended by ${signal}${stderrTail(stderr)}` });
        if (code !== 0) return settle({ failure: `${named} exited with code ${code}${stderrTail(stderr)}` });
        const text = stdout.toString('utf8').trim();
        const answer = /[\r\n]/.test(text) ? undefined : parseOperatorAnswer(text);
        if (answer) return settle(answer);
        return settle({
          failure:
            text === ''
              ? `${named} exited 0 without an answer on standard output (confirm, not-applicable or abort)${stderrTail(stderr)}`
              : `${named} answered ${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text)}, not one of confirm, not-applicable or abort${stderrTail(stderr)}`,
        });
      });
    });
  }
}
