// Writes the Allure results the formatter hands it, one file after the other, off cucumber's main thread.
// Creating a file is the slow part (a new inode; on this project's machines up to a millisecond when many were
// just deleted), so an attachment whose bytes were already written in this run is a hard link to that file,
// not a new inode. Plain CommonJS: it runs without the tsx loader.
'use strict';
const { createHash } = require('node:crypto');
const { linkSync, mkdirSync, renameSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { parentPort, workerData } = require('node:worker_threads');

const dir = workerData.resultsDir;
/** sha256 of an attachment's bytes → the file that has them. */
const written = new Map();
let made = false;
let failure;

function write(name, content) {
  if (!made) {
    mkdirSync(dir, { recursive: true });
    made = true;
  }
  // Written aside and renamed, so a reader never sees half a file.
  const file = path.join(dir, name);
  writeFileSync(`${file}.tmp`, content);
  renameSync(`${file}.tmp`, file);
}

function attach(name, content) {
  const key = createHash('sha256').update(content).digest('base64');
  const same = written.get(key);
  if (same !== undefined) {
    try {
      linkSync(same, path.join(dir, name));
      return;
    } catch {
      // no hard links here (or the first copy is gone): write the bytes again
    }
  }
  write(name, content);
  written.set(key, path.join(dir, name));
}

parentPort.on('message', (job) => {
  if (job.kind === 'flush') {
    parentPort.postMessage({ kind: 'flushed', error: failure });
    return;
  }
  if (failure !== undefined) return; // the first failure is the one reported
  try {
    if (job.kind === 'attachment') attach(job.name, job.content);
    else write(job.name, job.content);
  } catch (error) {
    failure = `${job.name}: ${error?.message ? error.message : String(error)}`;
  }
});
