// The run's reports, written off cucumber's main thread (reports-worker.mjs): messages.ndjson, cucumber.html and
// allure-results/.
//
// On the main thread they held every scenario up: the html formatter, the message formatter's writes and
// allure-cucumberjs's reporter with its 2,800 small files a run took about a quarter of the suite's time
// (docs/bench.md). Here the main thread turns each envelope into its line of JSON (messages.ndjson's line) and
// forwards the lines once a tick; the worker writes them, and feeds them to the html and Allure writers. Its
// finished() waits for the last byte, so the reports are complete when cucumber ends. A crash mid-run loses the
// reports: the runner then says cucumber stopped before the end of the run. The worker is the one the runner
// started ahead of cucumber, when there is one (reports-thread.ts); its first message says what to write (init).
//
// Which reports: formatOptions.harnessReports = { messages?: path, html?: path, allure?: boolean }, the Allure
// results going to formatOptions.resultsDir as allure-cucumberjs's own formatter does.
import type { Worker } from 'node:worker_threads';
import { Formatter, type IFormatterOptions } from '@cucumber/cucumber';
import type * as messages from '@cucumber/messages';
import { adoptReportsWorker, type StartedWorker } from './reports-thread.ts';

/** How long envelopes wait on the main thread at most before they go to the worker. */
const SEND_EVERY_MS = 100;
/** ... unless this much JSON is waiting. */
const SEND_AT_CHARS = 1024 * 1024;
/** Waiting for the last file past this is a stuck disk, not a slow one. */
const FINISH_TIMEOUT_MS = 120_000;

/** The reports the worker writes. */
export interface ReportOutputs {
  /** messages.ndjson: every envelope, one JSON line each. */
  readonly messages?: string;
  /** cucumber.html */
  readonly html?: string;
  /** allure-results/ in formatOptions.resultsDir */
  readonly allure?: boolean;
}

type Message =
  | {
      readonly kind: 'init';
      readonly outputs: ReportOutputs;
      readonly parsedArgvOptions: unknown;
      readonly beforeHooks: readonly HookRef[];
      readonly afterHooks: readonly HookRef[];
    }
  | { readonly kind: 'lines'; readonly text: string }
  | { readonly kind: 'globalError'; readonly name: string; readonly message: string; readonly stack?: string }
  | { readonly kind: 'finish' };

interface HookRef {
  readonly id: string;
  readonly name?: string;
}

interface TestRunHook {
  code: unknown;
}

type HookCode = (this: unknown, ...args: unknown[]) => unknown;

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

export default class HarnessReportsFormatter extends Formatter {
  private readonly started: StartedWorker;
  private pending: string[] = [];
  private pendingChars = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: IFormatterOptions) {
    super(options);
    const library = options.supportCodeLibrary;
    const hooks = (definitions: readonly { id: string; name?: string }[]) =>
      definitions.map(({ id, name }) => ({ id, name }));
    const formatOptions = options.parsedArgvOptions as { harnessReports?: ReportOutputs };
    const outputs = formatOptions.harnessReports ?? {};
    // the worker started ahead of this run in this process, or a new one (--parallel's cucumber process)
    this.started = adoptReportsWorker();
    try {
      this.post({
        kind: 'init',
        outputs,
        parsedArgvOptions: options.parsedArgvOptions,
        beforeHooks: hooks(library.beforeTestCaseHookDefinitions),
        afterHooks: hooks(library.afterTestCaseHookDefinitions),
      });
    } catch (error) {
      void this.started.worker.terminate();
      throw new Error(
        `the reports formatter runs in a worker thread: its formatOptions must be plain data (${(error as Error).message})`,
      );
    }
    this.reportTestRunHookErrors(library.beforeTestRunHookDefinitions, 'BeforeAll hook');
    this.reportTestRunHookErrors(library.afterTestRunHookDefinitions, 'AfterAll hook');
    options.eventBroadcaster.on('envelope', (envelope: messages.Envelope) => {
      const line = JSON.stringify(envelope);
      this.pending.push(line);
      this.pendingChars += line.length;
      // A message wakes the worker's thread and costs the main thread a copy: one every SEND_EVERY_MS, or
      // sooner when much is waiting, rather than one a tick (some 3,000 a suite).
      if (this.pendingChars >= SEND_AT_CHARS) this.send();
      else if (this.timer === undefined) {
        this.timer = setTimeout(() => this.send(), SEND_EVERY_MS);
        this.timer.unref();
      }
    });
  }

  private get worker(): Worker {
    return this.started.worker;
  }

  private post(message: Message): void {
    this.worker.postMessage(message);
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    this.post({ kind: 'lines', text: `${this.pending.join('\n')}\n` });
    this.pending = [];
    this.pendingChars = 0;
  }

  /** As allure-cucumberjs does on the main thread: a failing BeforeAll/AfterAll hook is a global error in Allure. */
  private reportTestRunHookErrors(hooks: readonly TestRunHook[], name: string): void {
    const report = (error: unknown) => {
      const failure = error instanceof Error ? error : new Error(String(error));
      this.post({ kind: 'globalError', name, message: failure.message, stack: failure.stack });
    };
    for (const hook of hooks) {
      const original = hook.code as HookCode;
      hook.code =
        original.length > 0
          ? function (this: unknown, ...args: unknown[]) {
              const callback = args[args.length - 1] as (error?: unknown, result?: unknown) => void;
              return original.apply(this, [
                ...args.slice(0, -1),
                (error?: unknown, result?: unknown) => {
                  if (error) report(error);
                  callback(error, result);
                },
              ]);
            }
          : function (this: unknown, ...args: unknown[]) {
              try {
                const result = original.apply(this, args);
                if (isPromiseLike(result)) {
                  return Promise.resolve(result).catch((error: unknown) => {
                    report(error);
                    throw error;
                  });
                }
                return result;
              } catch (error) {
                report(error);
                throw error;
              }
            };
    }
  }

  override async finished(): Promise<void> {
    this.send();
    const worker = this.worker;
    try {
      const error = await new Promise<string | undefined>((resolve) => {
        if (this.started.exited) {
          resolve(this.started.failure ?? 'the reports worker stopped before it had written every file');
          return;
        }
        const timer = setTimeout(
          () => resolve(`the reports were not all written within ${FINISH_TIMEOUT_MS / 1000} s`),
          FINISH_TIMEOUT_MS,
        );
        worker.once('message', (answer: { kind: 'finished'; error?: string }) => {
          clearTimeout(timer);
          resolve(answer.error);
        });
        worker.once('exit', () => {
          clearTimeout(timer);
          resolve(this.started.failure ?? 'the reports worker stopped before it had written every file');
        });
        this.post({ kind: 'finish' });
      });
      const failure = this.started.failure ?? error;
      if (failure !== undefined) throw new Error(`reports: ${failure}`);
    } finally {
      await worker.terminate();
      await super.finished();
    }
  }
}
