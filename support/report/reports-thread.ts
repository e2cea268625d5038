// The thread that writes a run's reports (reports-worker.mjs), started by the formatter (reports-formatter.ts) or,
// when the scenarios run in the runner's process, by the runner ahead of cucumber: the worker's modules (the html
// formatter, allure-cucumberjs: a few hundred milliseconds) then load on another core while the runner starts
// the target and cucumber loads the support code, and it is ready for the first scenario's messages. Kept apart
// from the formatter so that the runner does not load cucumber to start it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const WORKER_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'reports-worker.mjs');

/** Which modules a worker started ahead of its run loads at once (a hint: the formatter's init message decides). */
export interface ReportsPreload {
  readonly html: boolean;
  readonly allure: boolean;
}

/** A reports worker, and how it ended if it did before the formatter listened. */
export interface StartedWorker {
  readonly worker: Worker;
  /** Its first error. */
  failure?: string;
  /** It ended (it only ends when it failed, or when the formatter's finished() ends it). */
  exited: boolean;
}

/** A worker that prestartReportsWorker started and no formatter has adopted yet. */
let prestarted: StartedWorker | undefined;

function startWorker(preload: ReportsPreload | undefined): StartedWorker {
  const worker = new Worker(WORKER_FILE, { execArgv: [], workerData: { preload } }); // no tsx loader: plain ESM
  const started: StartedWorker = { worker, exited: false };
  worker.on('error', (error) => {
    started.failure ??= error.message;
  });
  worker.once('exit', () => {
    started.exited = true;
  });
  return started;
}

/**
 * Starts the next run's reports worker now. The formatter cucumber makes in this process adopts it; one never
 * adopted is ended by discardPrestartedReportsWorker. It does not keep the process alive while it waits.
 */
export function prestartReportsWorker(preload: ReportsPreload): void {
  if (prestarted !== undefined) return;
  prestarted = startWorker(preload);
  prestarted.worker.unref();
}

/** Ends a worker that prestartReportsWorker started and no formatter adopted (the run ended before cucumber). */
export async function discardPrestartedReportsWorker(): Promise<void> {
  const unadopted = prestarted;
  prestarted = undefined;
  await unadopted?.worker.terminate();
}

/** The worker started ahead of this run in this process, or a new one (as in --parallel's cucumber process). */
export function adoptReportsWorker(): StartedWorker {
  const started = prestarted ?? startWorker(undefined);
  prestarted = undefined;
  started.worker.ref();
  return started;
}

/** Whether a worker waits to be adopted (for tests). */
export function reportsWorkerWaiting(): boolean {
  return prestarted !== undefined;
}
