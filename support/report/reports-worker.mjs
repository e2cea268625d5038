// The run's reports, written in a worker thread: reports-formatter.ts forwards every envelope cucumber emits as
// one line of JSON, in batches, and this thread writes them
// - to messages.ndjson as they came (what the runner reads the verdicts from),
// - through @cucumber/html-formatter to cucumber.html, as cucumber's html formatter does,
// - through allure-cucumberjs's reporter to allure-results/, as it does on cucumber's main thread.
// Plain ESM, started without the tsx loader. On cucumber's main thread these took some 2 s of a 10 s suite.
// The thread may start before cucumber has loaded (reports-thread.ts): it loads the modules its workerData
// names at once, and learns the run's outputs from the formatter's first message (init).
//
// An attachment whose bytes this run already wrote (an Examples table, a verdict) is a hard link to that file
// rather than a new copy: a third fewer files to make (docs/bench.md).
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  closeSync,
  createWriteStream,
  linkSync,
  mkdirSync,
  openSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { setPriority } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { parentPort, workerData } from 'node:worker_threads';

/** The whole of bytes at the file's position, however many writes it takes. */
function writeAll(fd, bytes) {
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
}

/** Two Allure containers of the same scenarios (children) under the same name: one container can hold both. */
function sameGroup(a, b) {
  return (
    a.name === b.name &&
    a.children.length === b.children.length &&
    a.children.every((child, i) => child === b.children[i])
  );
}

class FileWriter {
  /** sha256 of an attachment's bytes → the file that has them. */
  #written = new Map();
  #made = false;

  constructor(dir) {
    this.dir = dir;
  }

  #write(name, content) {
    if (!this.#made) {
      mkdirSync(this.dir, { recursive: true });
      this.#made = true;
    }
    // Straight under its name: nothing reads allure-results/ before the run ends (and a run that stops early
    // has no valid report).
    const file = path.join(this.dir, name);
    writeFileSync(file, content);
    return file;
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

  /**
   * allure-js-commons writes a container a fixture: a scenario's Before hook and its After hook in two files, one
   * after the other, for the same scenario. The first is held until the next: when that one is for the same
   * scenarios under the same name, both fixtures go into one container (the report shows the same set-up and
   * tear-down), one file fewer a scenario (docs/bench.md).
   */
  #heldGroup;

  writeGroup(result) {
    const held = this.#heldGroup;
    this.#heldGroup = undefined;
    if (held !== undefined && sameGroup(held, result)) {
      this.#writeGroupFile({
        ...held,
        befores: [...held.befores, ...result.befores],
        afters: [...held.afters, ...result.afters],
      });
      return;
    }
    if (held !== undefined) this.#writeGroupFile(held);
    this.#heldGroup = result;
  }

  /** Writes the container still held, if any (at the end of the run). */
  flushGroups() {
    const held = this.#heldGroup;
    this.#heldGroup = undefined;
    if (held !== undefined) this.#writeGroupFile(held);
  }

  #writeGroupFile(group) {
    this.#write(`${group.uuid}-container.json`, JSON.stringify(group));
  }

  writeResult(result) {
    this.#write(`${result.uuid}-result.json`, JSON.stringify(result));
  }

  writeGlobals(name, info) {
    this.#write(name, JSON.stringify(info));
  }
}

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

/**
 * What the run will want, told when the thread starts (it may start before cucumber has loaded, so that loading
 * these modules overlaps the run's own start-up): a hint only, the init message says what is written.
 */
const preload = workerData?.preload ?? {};
const htmlModule = () => import('@cucumber/html-formatter');
const allureModule = () => import('allure-cucumberjs/reporter');
// Started now, awaited at init; a failure here is init's failure (a floating rejection is caught here).
const preloaded = {
  html: preload.html ? htmlModule() : undefined,
  allure: preload.allure ? allureModule() : undefined,
};
preloaded.html?.catch(() => {});
preloaded.allure?.catch(() => {});

/** What allure-js-commons calls cucumber's main thread when no --parallel worker runs a scenario. */
const MAIN_THREAD = `pid-${process.pid}-worker-main`;

/** The first thing that went wrong: finished() fails the run with it. */
let failure;
function describe(error) {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** messages.ndjson: the lines as they came, one write a batch. */
let messagesFd;
/** cucumber.html, as cucumber's html formatter makes it. */
let html;
/** allure-results/, as allure-cucumberjs makes it. */
let allure;

/** The run's reports, from the init message the formatter sends first (reports-formatter.ts). */
async function init({ outputs, parsedArgvOptions, beforeHooks, afterHooks }) {
  if (outputs.messages !== undefined) messagesFd = openSync(outputs.messages, 'w');
  if (outputs.html !== undefined) {
    // loaded only for a run that writes it: the selftest's runs write messages.ndjson alone
    const { CucumberHtmlStream } = await (preloaded.html ?? htmlModule());
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
  if (outputs.allure) {
    const { default: AllureCucumberReporter } = await (preloaded.allure ?? allureModule());
    const writer = new FileWriter(parsedArgvOptions.resultsDir ?? 'allure-results');
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
}

/**
 * The harness's own attachments (a scenario's verdict, a step's skip: application/x.harness-*) are for the runner,
 * which reads them from messages.ndjson; in allure-results/ they would be a raw JSON file a scenario. Allure
 * gets the verdict from verdicts.json after the run, as its status message and a label (verdicts-allure.ts).
 */
const HARNESS_MEDIA_TYPE = 'application/x.harness-';

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
    if (allure !== undefined && !envelope.attachment?.mediaType?.startsWith(HARNESS_MEDIA_TYPE)) {
      const started = envelope.testCaseStarted;
      // Allure's thread label falls back to the thread the reporter runs on: name cucumber's main thread instead.
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
  if (allure !== undefined) attempt(() => allure.writer.flushGroups());
  if (html !== undefined) {
    try {
      html.stream.end();
      await finished(html.file);
    } catch (error) {
      failure ??= describe(error);
    }
  }
}

/** What a message asks; the messages are handled one after the other, in the order they came. */
async function handle(message) {
  if (message.kind === 'init') {
    try {
      await init(message);
    } catch (error) {
      failure ??= describe(error);
    }
  } else if (message.kind === 'lines') {
    attempt(() => receive(message.text));
  } else if (message.kind === 'globalError') {
    const error = new Error(message.message);
    error.stack = message.stack;
    if (allure !== undefined) attempt(() => allure.reporter.emitTestRunHookGlobalError(message.name, error));
  } else if (message.kind === 'finish') {
    await finish();
    parentPort.postMessage({ kind: 'finished', error: failure });
  }
}

// One listener from the start, so that no message is dropped while init awaits its modules.
let chain = Promise.resolve();
parentPort.on('message', (message) => {
  chain = chain
    .then(() => handle(message))
    .catch((error) => {
      failure ??= describe(error);
    });
});
