// An operator at hand: someone (or something) at the rig who causes what the Task Interface cannot, such as an
// AutoCase in error, and answers: done, not possible on this target, or abort the run. A person at the terminal
// (--interactive, here) or a command the vendor scripts (--operator-command, operator-command.ts).
import { createInterface } from 'node:readline';
import type { PortState } from '../model.ts';
import { forgetAtNewRun } from '../run-scope.ts';

/** confirm: done; not-applicable: the target cannot be brought there; closed: the input ended. */
export type OperatorAnswer = 'confirm' | 'not-applicable' | 'abort' | 'timeout' | 'closed';

/** No answer could be read (a command that failed, printed garbage or did not finish): why, in one line. */
export interface OperatorFailure {
  readonly failure: string;
}

export type OperatorReply = OperatorAnswer | OperatorFailure;

/** What the operator is asked to do. */
export interface OperatorRequest {
  /** In words, as the terminal shows it. */
  readonly instruction: string;
  /** The target's port (the one that plays the scenario's port). */
  readonly port: number;
  /** How the port must stand once done, the error flag included. */
  readonly wanted: PortState;
}

export interface Operator {
  /** Who is asked, for the evidence: "the operator at the terminal", "the operator command (...)". */
  readonly who?: string;
  /** Shows what to do and waits for the answer. */
  ask(request: OperatorRequest): Promise<OperatorReply>;
}

const ANSWERS: Readonly<Record<string, OperatorAnswer>> = {
  c: 'confirm',
  confirm: 'confirm',
  done: 'confirm',
  y: 'confirm',
  yes: 'confirm',
  n: 'not-applicable',
  na: 'not-applicable',
  'not-applicable': 'not-applicable',
  a: 'abort',
  abort: 'abort',
};

export function parseOperatorAnswer(line: string): OperatorAnswer | undefined {
  return ANSWERS[line.trim().toLowerCase()];
}

/** Asks on a terminal (or any pair of streams: the tests use PassThrough). */
export class TerminalOperator implements Operator {
  readonly who = 'the operator at the terminal';

  constructor(
    private readonly input: NodeJS.ReadableStream,
    private readonly output: NodeJS.WritableStream,
    private readonly timeoutMs: number,
  ) {}

  ask({ instruction }: OperatorRequest): Promise<OperatorAnswer> {
    const seconds = Math.round(this.timeoutMs / 1000);
    this.output.write(
      `\n--- operator ---------------------------------------------------------------\n` +
        `On the rig: ${instruction}\n` +
        `Then type c (done), n (not possible on this target) or a (abort the run), and Enter.\n` +
        `Waiting up to ${seconds} s.\n> `,
    );
    return new Promise((resolve) => {
      const lines = createInterface({ input: this.input, terminal: false });
      let settled = false;
      const finish = (answer: OperatorAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        lines.close();
        this.output.write(`(${answer})\n`);
        resolve(answer);
      };
      const timer = setTimeout(() => finish('timeout'), this.timeoutMs);
      lines.on('line', (line) => {
        const answer = parseOperatorAnswer(line);
        if (answer) finish(answer);
        else this.output.write('type c, n or a, then Enter\n> ');
      });
      lines.on('close', () => finish('closed'));
    });
  }
}

let aborted = false;
forgetAtNewRun(() => {
  aborted = false;
});

/** The operator aborted the run: every scenario after this one is INCONCLUSIVE without touching the target. */
export function markOperatorAbort(): void {
  aborted = true;
}

export function operatorAborted(): boolean {
  return aborted;
}

/** The reason every scenario gives once the operator has aborted; the runner looks for it to exit 2. */
export const OPERATOR_ABORTED = 'the operator aborted the run';
