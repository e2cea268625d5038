// The thread that calls xmllint-wasm's validateXML, its one public entry point. validateXML starts a worker of its
// own for every call, and that worker takes this thread's Node options: this thread is started without the tsx
// loader (xmllint.ts), so the worker does not load tsx again on every call (about 130 ms a call under tsx, 50 ms
// without). Plain CommonJS, so that it needs no loader itself. Calls run side by side, each in its own worker.
'use strict';
const { parentPort } = require('node:worker_threads');
const { validateXML } = require('xmllint-wasm');

parentPort.on('message', (job) => {
  if (job?.kind !== 'harness-xmllint') return;
  validateXML({
    xml: job.files,
    schema: [job.schema],
    maxMemoryPages: job.maxMemoryPages,
    modifyArguments: (args) => ['--nonet', ...args],
  })
    .then(
      (result) => ({ id: job.id, output: result.rawOutput }),
      // an exit code other than valid or invalid rejects, with xmllint's stderr as the message: still a verdict
      // per file, read as such
      (error) => ({ id: job.id, output: error instanceof Error ? error.message : String(error) }),
    )
    .then((answer) => parentPort.postMessage(answer));
});
