// Plain JavaScript, so that it loads in every thread without a TypeScript loader (a worker thread too).
// Preloaded (NODE_OPTIONS=--import) into every process of a harness run by test/secrets.test.ts: writes the
// rig token a process was given (HARNESS_RIG_TOKEN, set by the runner for its cucumber processes) to the file
// SECRETS_TEST_CAPTURE names, so that the test knows the random token of the embedded emulator and can look
// for it in every output. Prints nothing.

import { appendFileSync } from 'node:fs';

const file = process.env.SECRETS_TEST_CAPTURE;
const token = process.env.HARNESS_RIG_TOKEN;
if (file && token) appendFileSync(file, `${token}\n`);
