// The run's reports, written in a worker thread: reports-formatter.ts forwards every envelope cucumber emits as
// one line of JSON, in batches, and this thread writes them
// - to messages.ndjson as they came (what the runner reads the verdicts from),
// - through @cucumber/html-formatter to cucumber.html, as cucumber's html formatter does,
// - through allure-cucumberjs's reporter to allure-results/, as it does on cucumber's main thread.
// Plain ESM, started without the tsx loader. On cucumber's main thread these took some 2 s of a 10 s suite.
//
// Creating a file is the slow part: a new inode, and on ext4 without a journal (this project's machines) the
// allocator steps over every inode freed in the last seconds, so a run that follows the deletion of the last
// run's 2,800 files paid up to a millisecond a file (docs/bench.md). Two things keep inodes from being freed and
// made again:
// - an attachment whose bytes this run already wrote is a hard link to that file;
// - the runner moves the last run's results aside (recycleDirOf in verdicts-allure.ts), and each file
//   this run writes takes one of those files over (renamed, then overwritten) instead of a new inode. What is
//   left of them when the run ends is deleted. allure-results/ itself only ever holds this run's files.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  closeSync,
  createWriteStream,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { setPriority } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { CucumberHtmlStream } from '@cucumber/html-formatter';
import AllureCucumberReporter from 'allure-cucumberjs/reporter';
import { overwrite, writeAll } from './overwrite.mjs';

/**
 * The files of the last run that can be taken over: one name per inode (the other names of a hard-linked
 * file are removed first, which frees nothing), so that overwriting one never changes another.
 */
function recyclable(dir) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const seen = new Set();
  const files = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      const stat = lstatSync(file);
      if (!stat.isFile()) continue;
      if (seen.has(stat.ino)) {
        unlinkSync(file);
        continue;
      }
      seen.add(stat.ino);
      files.push(file);
    } catch {
      // gone meanwhile: nothing to take over
    }
  }
  return files;
}

/**
 * Writes content over an old file, moved to its new name (its inode, not a new one). False when the old file
 * is gone (nothing was written).
 */
function takeOver(old, file, content) {
  try {
    renameSync(old, file);
  } catch {
    return false;
  }
  overwrite(file, content);
  return true;
}

class FileWriter {
  /** sha256 of an attachment's bytes → the file that has them. */
  #written = new Map();
  #made = false;
  #recycleDir;
  /** Files of the last run not yet taken over; read when the first file is written. */
  #recycle;

  /** recycleDir: the last run's results, moved aside by the runner; undefined for none. */
  constructor(dir, recycleDir) {
    this.dir = dir;
    this.#recycleDir = recycleDir;
  }

  #write(name, content) {
    if (!this.#made) {
      mkdirSync(this.dir, { recursive: true });
      this.#recycle = this.#recycleDir === undefined ? [] : recyclable(this.#recycleDir);
      this.#made = true;
    }
    // Straight under its name: nothing reads allure-results/ before the run ends (and a run that stops early
    // has no valid report). No truncation to zero and no rename onto an existing name either: ext4 answers
    // both by writing the file out at once (auto_da_alloc), which cost more than the rest of the write.
    const file = path.join(this.dir, name);
    const old = this.#recycle.pop();
    if (old === undefined || !takeOver(old, file, content)) writeFileSync(file, content);
    return file;
  }

  /** Deletes what is left of the last run's results. */
  finish() {
    if (this.#recycleDir !== undefined) rmSync(this.#recycleDir, { recursive: true, force: true });
  }

  writeAttachment(name, content) {
    const key = createHash('sha256').update(content).digest('base64');
    const same = this.#written.get(key);
    if (same !== undefined) {
      try {
        linkSync(same, path.join(this.dir, name));
        return;
      } catch {
        // no hard links here (or the first copy is gone): write the bytes again
      }
    }
    this.#written.set(key, this.#write(name, content));
  }

  writeAttachmentFromPath() {
    throw new Error('the harness attaches content, never files');
  }

  writeEnvironmentInfo(info) {
    const lines = Object.entries(info).map(([key, value]) => `${key}=${value ?? ''}`);
    this.#write('environment.properties', lines.join('\n'));
  }

  writeCategoriesDefinitions(categories) {
    this.#write('categories.json', JSON.stringify(categories));
  }

  writeGroup(result) {
    this.#write(`${result.uuid}-container.json`, JSON.stringify(result));
  }

  writeResult(result) {
    this.#write(`${result.uuid}-result.json`, JSON.stringify(result));
  }

  writeGlobals(name, info) {
    this.#write(name, JSON.stringify(info));
  }
}

const { outputs, parsedArgvOptions, beforeHooks, afterHooks, recycleDir } = workerData;

/** The nice value of this thread (0 is normal, 19 the lowest priority). */
const REPORTS_NICE = 10;

// Background work: on Linux a thread has its own nice value, and this one yields to cucumber's thread and to a
// target on the same machine (the embedded emulator), whose answers the scenarios wait for. It catches up in
// their idle time; finished() waits for it at the end. Where the system refuses, it runs at normal priority.
try {
  setPriority(REPORTS_NICE);
} catch {
  // not allowed here: the reports are written all the same
}

/** What allure-js-commons calls cucumber's main thread when no --parallel worker runs a scenario. */
const MAIN_THREAD = `pid-${process.pid}-worker-main`;

/** The first thing that went wrong: finished() fails the run with it. */
let failure;
function describe(error) {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** messages.ndjson: the lines as they came, one write a batch. */
const messagesFd = outputs.messages === undefined ? undefined : openSync(outputs.messages, 'w');

/** cucumber.html, as cucumber's html formatter makes it. */
let html;
if (outputs.html !== undefined) {
  const stream = new CucumberHtmlStream();
  const file = createWriteStream(outputs.html);
  // A report that cannot be written is the run's failure (finished() reports it); the others go on.
  const failed = (error) => {
    failure ??= `${outputs.html}: ${error.message}`;
    html = undefined;
  };
  stream.on('error', failed);
  file.on('error', failed);
  stream.pipe(file);
  html = { stream, file };
}

/** allure-results/, as allure-cucumberjs makes it. */
let allure;
if (outputs.allure) {
  const writer = new FileWriter(parsedArgvOptions.resultsDir ?? 'allure-results', recycleDir);
  const envelopes = new EventEmitter();
  const reporter = new AllureCucumberReporter({
    parsedArgvOptions: { ...parsedArgvOptions, writer },
    eventBroadcaster: envelopes,
    supportCodeLibrary: {
      beforeTestCaseHookDefinitions: beforeHooks,
      afterTestCaseHookDefinitions: afterHooks,
      // the test run hooks stay on the main thread, which reports their failures here (globalError)
      beforeTestRunHookDefinitions: [],
      afterTestRunHookDefinitions: [],
    },
    log: () => {},
    cleanup: async () => {},
  });
  allure = { writer, envelopes, reporter };
}

/** Each report gets every envelope even when another one fails: the first failure is the one reported. */
function attempt(action) {
  try {
    action();
  } catch (error) {
    failure ??= describe(error);
  }
}

function receive(text) {
  if (messagesFd !== undefined) attempt(() => writeAll(messagesFd, Buffer.from(text, 'utf8')));
  if (html === undefined && allure === undefined) return;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const envelope = JSON.parse(line);
    if (html !== undefined) attempt(() => html.stream.write(envelope));
    if (allure !== undefined) {
      const started = envelope.testCaseStarted;
      // Allure's thread label falls back to the thread the reporter runs on: name cucumber's, as before.
      const forAllure =
        started && started.workerId === undefined
          ? { testCaseStarted: { ...started, workerId: MAIN_THREAD } }
          : envelope;
      attempt(() => allure.envelopes.emit('envelope', forAllure));
    }
  }
}

async function finish() {
  if (messagesFd !== undefined) attempt(() => closeSync(messagesFd));
  if (html !== undefined) {
    try {
      html.stream.end();
      await finished(html.file);
    } catch (error) {
      failure ??= describe(error);
    }
  }
  if (allure !== undefined) attempt(() => allure.writer.finish());
}

parentPort.on('message', (message) => {
  if (message.kind === 'lines') {
    attempt(() => receive(message.text));
  } else if (message.kind === 'globalError') {
    const error = new Error(message.message);
    error.stack = message.stack;
    if (allure !== undefined) attempt(() => allure.reporter.emitTestRunHookGlobalError(message.name, error));
  } else if (message.kind === 'finish') {
    void finish().then(() => parentPort.postMessage({ kind: 'finished', error: failure }));
  }
});
