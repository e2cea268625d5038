// allure-cucumberjs's reporter, run in a worker thread: allure-formatter.ts forwards the envelopes it reads,
// this thread turns them into allure-results/ exactly as the reporter does on cucumber's main thread, and
// writes the files. Plain ESM, started without the tsx loader.
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
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import AllureCucumberReporter from 'allure-cucumberjs/reporter';

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
    // Written aside and renamed, so a reader never sees half a file.
    const file = path.join(this.dir, name);
    const old = this.#recycle.pop();
    if (old !== undefined) {
      try {
        renameSync(old, `${file}.tmp`); // the old inode, truncated by the write below
      } catch {
        // taken away meanwhile: a new file, then
      }
    }
    writeFileSync(`${file}.tmp`, content);
    renameSync(`${file}.tmp`, file);
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

const { parsedArgvOptions, beforeHooks, afterHooks, recycleDir } = workerData;
const envelopes = new EventEmitter();
const writer = new FileWriter(parsedArgvOptions.resultsDir ?? 'allure-results', recycleDir);
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
      try {
        writer.finish();
      } catch (error) {
        failure ??= describe(error);
      }
      parentPort.postMessage({ kind: 'finished', error: failure });
    }
  } catch (error) {
    failure ??= describe(error); // the first failure is the one reported; later files are still written
  }
});
