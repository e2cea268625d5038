// Plain JavaScript, so that it loads in every thread without a TypeScript loader (a worker thread too).
// Preloaded (NODE_OPTIONS=--import) into every process of a harness run by test/secrets.test.ts: writes the
// rig token a process was given (HARNESS_RIG_TOKEN, set by the runner for its cucumber processes) to the file
// SECRETS_TEST_CAPTURE names, so that the test knows the random token of the embedded emulator and can look
// for it in every output. Prints nothing.
//
// A process or thread started with the token has it from the start. Without --parallel, cucumber runs in the
// runner's own process, which holds the token in process.env only while cucumber runs (and starts no thread
// after it set it): there it is looked for every few milliseconds until the process ends.

import { appendFileSync } from 'node:fs';

const file = process.env.SECRETS_TEST_CAPTURE;
const POLL_MS = 2;

if (file) {
  const seen = new Set();
  const capture = () => {
    const token = process.env.HARNESS_RIG_TOKEN;
    if (!token || seen.has(token)) return;
    seen.add(token);
    appendFileSync(file, `${token}\n`);
  };
  capture();
  // unref'd: it never keeps a process alive, and it ends with it
  setInterval(capture, POLL_MS).unref();
  process.once('exit', capture);
}
