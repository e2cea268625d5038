// xmllint (libxml2 compiled to wasm) in one long-lived worker thread: xmllint-worker.cjs.
//
// xmllint-wasm's validateXML starts a worker and compiles the wasm on every call: ~70 ms, and
// ~220 ms under tsx because its worker inherits the tsx loader. xmllint-worker.cjs compiles the
// wasm once and runs xmllint per job (~5 ms); it is started without the loader (plain CommonJS).
// Should it ever fail to run, xmllint() falls back to validateXML, which gives the same output.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { validateXML } from 'xmllint-wasm';

export interface XmllintFile {
  readonly fileName: string;
  readonly contents: string | Uint8Array;
}

/** What one xmllint run printed, and how it exited (negative: the wasm itself failed). */
export interface XmllintResult {
  readonly id: number;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

const WORKER_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'xmllint-worker.cjs');
const PAGES_PER_MIB = 16;
const DEFAULT_MAX_MEMORY_MIB = 256;
const JOB_TIMEOUT_MS = 60_000;

/**
 * Validates `xml` against `schema` and returns xmllint's stderr: per file `<name> validates`,
 * `<name> fails to validate`, or `<name>:<line>: <error>` lines.
 */
export async function xmllint(xml: readonly XmllintFile[], schema: XmllintFile): Promise<string> {
  if (mode === 'persistent') {
    try {
      const result = await runXmllint(schema, xml);
      if (result.exitCode >= 0) return result.stderr;
      throw new Error(result.stderr.trim());
    } catch {
      mode = 'library'; // a worker that cannot run xmllint once will not later
    }
  }
  return runWithLibrary(xml, schema);
}

/** Which way xmllint runs: the long-lived worker, or xmllint-wasm's own worker per call. */
export function xmllintMode(): 'persistent' | 'library' {
  return mode;
}

/** Tests compare both ways: force one. */
export function setXmllintMode(next: 'persistent' | 'library'): void {
  mode = next;
}

let mode: 'persistent' | 'library' = 'persistent';

interface Waiting {
  readonly resolve: (result: XmllintResult) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

let worker: Worker | undefined;
let nextId = 1;
const waiting = new Map<number, Waiting>();

function failAll(error: Error): void {
  for (const entry of waiting.values()) {
    clearTimeout(entry.timer);
    entry.reject(error);
  }
  waiting.clear();
  worker = undefined;
}

function getWorker(): Worker {
  if (worker) return worker;
  const started = new Worker(WORKER_FILE, { execArgv: [] }); // no tsx loader: the worker is plain CommonJS
  started.on('message', (result: XmllintResult) => {
    const entry = waiting.get(result.id);
    waiting.delete(result.id);
    if (entry) {
      clearTimeout(entry.timer);
      entry.resolve(result);
    }
    if (waiting.size === 0) started.unref(); // idle: never what keeps the process alive
  });
  started.on('error', (error) => failAll(error));
  started.on('exit', (code) => {
    if (worker === started) failAll(new Error(`the xmllint worker stopped (exit ${code})`));
  });
  started.unref(); // after the listeners: attaching them refs the worker again
  worker = started;
  return started;
}

/** One xmllint run in the long-lived worker: `--schema <schema> --noout <files...>`. */
export function runXmllint(
  schema: XmllintFile,
  files: readonly XmllintFile[],
  maxMemoryMiB = DEFAULT_MAX_MEMORY_MIB,
): Promise<XmllintResult> {
  const id = nextId++;
  const current = getWorker();
  current.ref(); // a job is pending: its answer must arrive before the process may end
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error(`xmllint gave no verdict within ${JOB_TIMEOUT_MS} ms`));
      if (worker === current) worker = undefined;
      void current.terminate();
    }, JOB_TIMEOUT_MS);
    timer.unref();
    waiting.set(id, { resolve, reject, timer });
    current.postMessage({
      kind: 'harness-xmllint',
      id,
      inputFiles: [...files, schema],
      args: ['--nonet', '--schema', schema.fileName, '--noout', ...files.map((f) => f.fileName)],
      initialMemory: 16 * PAGES_PER_MIB,
      maxMemory: maxMemoryMiB * PAGES_PER_MIB,
    });
  });
}

/** Stops the worker (the process may end without it: it is unref'd while idle). */
export async function closeXmllint(): Promise<void> {
  const current = worker;
  if (!current) return;
  failAll(new Error('the xmllint worker was closed'));
  await current.terminate();
}

async function runWithLibrary(xml: readonly XmllintFile[], schema: XmllintFile): Promise<string> {
  try {
    const result = await validateXML({
      xml,
      schema: [schema],
      maxMemoryPages: DEFAULT_MAX_MEMORY_MIB * PAGES_PER_MIB,
      modifyArguments: (args) => ['--nonet', ...args],
    });
    return result.rawOutput;
  } catch (error) {
    // an unusual exit code rejects, with xmllint's stderr as the message: still a verdict per file
    return error instanceof Error ? error.message : String(error);
  }
}
