// A process that makes harness runs one after another, as `npm test` makes one (support/runner/main.ts), for the
// self-check's runs against the deviations: each pays for node, tsx, cucumber and the support code once a
// session instead of once a run. Started by test/helpers/harness-sessions.ts with an IPC channel; asked
// { id, argv, env }, it makes the run with that environment, its output captured, and answers { id, code, output }.
// support/run-scope.ts makes each run forget the last; a run that needs another load of the support code fails
// (exit 1, said in its output) rather than running with the wrong one.
import { replaceProcessEnv } from '../../support/runner/cucumber.ts';
import { runHarness } from '../../support/runner/main.ts';

export interface SessionRequest {
  readonly id: number;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

export interface SessionAnswer {
  readonly id: number;
  readonly code: number;
  readonly output: string;
  /** This process's resident memory after the run, in bytes. */
  readonly rss: number;
}

type Write = typeof process.stdout.write;

/** Everything the run writes to stdout and stderr, kept instead of written, until restored. */
function captureOutput(): { readonly text: () => string; readonly restore: () => void } {
  const chunks: string[] = [];
  const out = process.stdout.write;
  const err = process.stderr.write;
  const keep = ((chunk: string | Uint8Array, encoding?: unknown, done?: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    const callback = typeof encoding === 'function' ? encoding : done;
    if (typeof callback === 'function') process.nextTick(callback as () => void);
    return true;
  }) as Write;
  process.stdout.write = keep;
  process.stderr.write = keep;
  return {
    text: () => chunks.join(''),
    restore: () => {
      process.stdout.write = out;
      process.stderr.write = err;
    },
  };
}

let queue: Promise<void> = Promise.resolve();

async function serve(request: SessionRequest): Promise<void> {
  replaceProcessEnv(request.env);
  const output = captureOutput();
  let code: number;
  try {
    code = await runHarness(request.argv);
  } finally {
    output.restore();
  }
  const answer: SessionAnswer = {
    id: request.id,
    code,
    output: output.text(),
    rss: process.memoryUsage().rss,
  };
  process.send?.(answer);
}

if (!process.send) {
  console.error('harness-session: start it with an IPC channel (test/helpers/harness-sessions.ts)');
  process.exitCode = 2;
} else {
  process.on('message', (request: SessionRequest) => {
    // runHarness never throws; anything else that does ends the session, and its parent fails the run, naming it
    queue = queue
      .then(() => serve(request))
      .catch((error: unknown) => {
        console.error(`harness-session: ${(error as Error)?.stack ?? String(error)}`);
        process.exit(1);
      });
  });
  // The channel closes with the parent: nothing more to do.
  process.on('disconnect', () => {
    void queue.then(() => process.exit(0));
  });
}
