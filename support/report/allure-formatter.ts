// The Allure formatter: allure-cucumberjs's reporter, run off cucumber's main thread (allure-worker.mjs).
//
// On the main thread the reporter and its writer held every scenario up: the stock writer fsyncs every
// result and attachment file (6 of the suite's 19 seconds here), and even without fsync, turning each
// envelope into Allure's model and creating some 2,800 small files a run took a third of the suite's time
// (docs/bench.md). Here the main thread only forwards, once a tick, the envelopes the reporter reads; the
// worker builds the same allure-results/ and finished() waits for its last file, so the results are complete
// when cucumber ends. A crash mid-run loses a report, not data.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Formatter, type IFormatterOptions } from '@cucumber/cucumber';
import type * as messages from '@cucumber/messages';
import { recycleDirOf } from './verdicts-allure.ts';

const WORKER_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'allure-worker.mjs');
/** Waiting for the last file past this is a stuck disk, not a slow one. */
const FINISH_TIMEOUT_MS = 120_000;

/** The envelopes allure-cucumberjs's reporter reads; the others (sources, step definitions...) stay here. */
const READ = [
  'gherkinDocument',
  'pickle',
  'testCase',
  'testCaseStarted',
  'testCaseFinished',
  'attachment',
  'testStepStarted',
  'testStepFinished',
  'testRunFinished',
] as const;

/** What allure-js-commons calls cucumber's main thread when no --parallel worker runs a scenario. */
const MAIN_THREAD = `pid-${process.pid}-worker-main`;

type Message =
  | { readonly kind: 'envelopes'; readonly envelopes: readonly messages.Envelope[] }
  | { readonly kind: 'globalError'; readonly name: string; readonly message: string; readonly stack?: string }
  | { readonly kind: 'finish' };

interface TestRunHook {
  code: unknown;
}

type HookCode = (this: unknown, ...args: unknown[]) => unknown;

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

export default class HarnessAllureFormatter extends Formatter {
  private readonly worker: Worker;
  private pending: messages.Envelope[] = [];
  private scheduled = false;
  private failure?: string;

  constructor(options: IFormatterOptions) {
    super(options);
    const library = options.supportCodeLibrary;
    const hooks = (definitions: readonly { id: string; name?: string }[]) =>
      definitions.map(({ id, name }) => ({ id, name }));
    const resultsDir = (options.parsedArgvOptions as { resultsDir?: string }).resultsDir ?? 'allure-results';
    const workerData = {
      parsedArgvOptions: options.parsedArgvOptions,
      recycleDir: recycleDirOf(resultsDir),
      beforeHooks: hooks(library.beforeTestCaseHookDefinitions),
      afterHooks: hooks(library.afterTestCaseHookDefinitions),
    };
    try {
      this.worker = new Worker(WORKER_FILE, { execArgv: [], workerData }); // no tsx loader: plain ESM
    } catch (error) {
      throw new Error(
        `the Allure formatter runs in a worker thread: its formatOptions must be plain data (${(error as Error).message})`,
      );
    }
    this.worker.on('error', (error) => {
      this.failure ??= error.message;
    });
    this.reportTestRunHookErrors(library.beforeTestRunHookDefinitions, 'BeforeAll hook');
    this.reportTestRunHookErrors(library.afterTestRunHookDefinitions, 'AfterAll hook');
    options.eventBroadcaster.on('envelope', (envelope: messages.Envelope) => {
      if (!READ.some((key) => envelope[key] !== undefined)) return;
      const started = envelope.testCaseStarted;
      // Allure's thread label falls back to the thread the reporter runs on: name this one, as before.
      this.pending.push(
        started && started.workerId === undefined
          ? { testCaseStarted: { ...started, workerId: MAIN_THREAD } }
          : envelope,
      );
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.send()); // one message for all the envelopes of a tick: a message wakes a thread
      }
    });
  }

  private post(message: Message): void {
    this.worker.postMessage(message);
  }

  private send(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    this.post({ kind: 'envelopes', envelopes: this.pending });
    this.pending = [];
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
        const timer = setTimeout(
          () => resolve(`the Allure results were not all written within ${FINISH_TIMEOUT_MS / 1000} s`),
          FINISH_TIMEOUT_MS,
        );
        worker.once('message', (answer: { kind: 'finished'; error?: string }) => {
          clearTimeout(timer);
          resolve(answer.error);
        });
        worker.once('exit', () => {
          clearTimeout(timer);
          resolve(this.failure ?? 'the Allure worker stopped before it had written every file');
        });
        this.post({ kind: 'finish' });
      });
      const failure = this.failure ?? error;
      if (failure !== undefined) throw new Error(`allure-results: ${failure}`);
    } finally {
      await worker.terminate();
      await super.finished();
    }
  }
}
