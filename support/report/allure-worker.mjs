// allure-cucumberjs's reporter, run in a worker thread: allure-formatter.ts forwards the envelopes it reads,
// this thread turns them into allure-results/ exactly as the reporter does on cucumber's main thread, and
// writes the files. Plain ESM, started without the tsx loader.
//
// Creating a file is the slow part (a new inode: on this project's machines up to a millisecond when many
// were just deleted), so an attachment whose bytes this run already wrote is a hard link to that file.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { linkSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import AllureCucumberReporter from 'allure-cucumberjs/reporter';

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
    // Written aside and renamed, so a reader never sees half a file.
    const file = path.join(this.dir, name);
    writeFileSync(`${file}.tmp`, content);
    renameSync(`${file}.tmp`, file);
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
    this.#write(name, content);
    this.#written.set(key, path.join(this.dir, name));
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

const { parsedArgvOptions, beforeHooks, afterHooks } = workerData;
const envelopes = new EventEmitter();
const reporter = new AllureCucumberReporter({
  parsedArgvOptions: {
    ...parsedArgvOptions,
    writer: new FileWriter(parsedArgvOptions.resultsDir ?? 'allure-results'),
  },
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

let failure;
function describe(error) {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

parentPort.on('message', (message) => {
  try {
    if (message.kind === 'envelopes') {
      for (const envelope of message.envelopes) envelopes.emit('envelope', envelope);
    } else if (message.kind === 'globalError') {
      const error = new Error(message.message);
      error.stack = message.stack;
      reporter.emitTestRunHookGlobalError(message.name, error);
    } else if (message.kind === 'finish') {
      parentPort.postMessage({ kind: 'finished', error: failure });
    }
  } catch (error) {
    failure ??= describe(error); // the first failure is the one reported; later files are still written
  }
});
