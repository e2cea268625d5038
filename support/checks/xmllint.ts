// xmllint (libxml2 compiled to wasm) through xmllint-wasm's public validateXML, called from one long-lived thread.
//
// validateXML starts a worker and compiles the wasm on every call, about 50 ms whatever the call validates, and
// about 130 ms under tsx, whose loader that worker inherits. So every call carries a whole batch of files
// (schema.ts), and calls are made from xmllint-worker.cjs, a thread started without the loader. Should that
// thread fail, validateXML is called from this one instead: the same output, slower under tsx.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { memoryPages, validateXML } from 'xmllint-wasm';

export interface XmllintFile {
  readonly fileName: string;
  readonly contents: string | Uint8Array;
}

const WORKER_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'xmllint-worker.cjs');
/** xmllint holds every file of a run in wasm memory; schema.ts keeps a run's files well under this. */
const MAX_MEMORY_PAGES = 256 * memoryPages.MiB;
const JOB_TIMEOUT_MS = 60_000;

/**
 * Validates `xml` against `schema` in one xmllint run and returns what it printed (stderr): per file
 * `<name> validates`, `<name> fails to validate`, or `<name>:<line>: <error>` lines.
 */
export async function xmllint(xml: readonly XmllintFile[], schema: XmllintFile): Promise<string> {
  if (mode === 'hosted') {
    try {
      return await runHosted(xml, schema);
    } catch {
      mode = 'direct'; // a thread that failed once is not trusted with a verdict again
    }
  }
  return runDirect(xml, schema);
}

/** Where validateXML is called from: the thread without the tsx loader, or this one. */
export function xmllintMode(): 'hosted' | 'direct' {
  return mode;
}

/** Tests compare both ways: force one. */
export function setXmllintMode(next: 'hosted' | 'direct'): void {
  mode = next;
}

let mode: 'hosted' | 'direct' = 'hosted';

async function runDirect(xml: readonly XmllintFile[], schema: XmllintFile): Promise<string> {
  try {
    const result = await validateXML({
      xml,
      schema: [schema],
      maxMemoryPages: MAX_MEMORY_PAGES,
      modifyArguments: (args) => ['--nonet', ...args],
    });
    return result.rawOutput;
  } catch (error) {
    // an exit code other than valid or invalid rejects, with xmllint's stderr as the message: still a verdict
    // per file, read as such
    return error instanceof Error ? error.message : String(error);
  }
}

// --- the hosting thread -----------------------------------------------------------------------

interface Waiting {
  readonly resolve: (output: string) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

let host: Worker | undefined;
let nextId = 1;
const waiting = new Map<number, Waiting>();

function failAll(error: Error): void {
  for (const entry of waiting.values()) {
    clearTimeout(entry.timer);
    entry.reject(error);
  }
  waiting.clear();
  host = undefined;
}

function hostThread(): Worker {
  if (host) return host;
  const started = new Worker(WORKER_FILE, { execArgv: [] }); // no tsx loader, for it nor for validateXML's workers
  started.on('message', (answer: { id: number; output: string }) => {
    const entry = waiting.get(answer.id);
    waiting.delete(answer.id);
    if (entry) {
      clearTimeout(entry.timer);
      entry.resolve(answer.output);
    }
    if (waiting.size === 0) started.unref(); // idle: never what keeps the process alive
  });
  started.on('error', (error) => failAll(error));
  started.on('exit', (code) => {
    if (host === started) failAll(new Error(`the xmllint thread stopped (exit ${code})`));
  });
  started.unref(); // after the listeners: attaching them refs the worker again
  host = started;
  return started;
}

function runHosted(files: readonly XmllintFile[], schema: XmllintFile): Promise<string> {
  const id = nextId++;
  const current = hostThread();
  current.ref(); // a run is pending: its answer must arrive before the process may end
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // every run still waiting is on the thread about to be ended: each is made again directly
      if (host === current) failAll(new Error(`xmllint gave no verdict within ${JOB_TIMEOUT_MS} ms`));
      void current.terminate();
    }, JOB_TIMEOUT_MS);
    timer.unref();
    waiting.set(id, { resolve, reject, timer });
    current.postMessage({ kind: 'harness-xmllint', id, files, schema, maxMemoryPages: MAX_MEMORY_PAGES });
  });
}
