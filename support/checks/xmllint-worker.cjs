// One long-lived worker thread that runs xmllint (libxml2 compiled to wasm) again and again. xmllint-wasm's own
// validateXML starts a new worker and compiles the wasm for every call (~50 ms); here the wasm is compiled once
// and each run only instantiates it (~1 ms). Plain CommonJS: it runs in a worker without the tsx loader.
'use strict';
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');

const packageDir = path.dirname(require.resolve('xmllint-wasm'));
// The package's worker script: its factory, plus a listener for its own tagged messages, which we never send.
const xmllint = require(path.join(packageDir, 'xmllint-node.js'));
const compiled = new WebAssembly.Module(fs.readFileSync(path.join(packageDir, 'xmllint.wasm')));

function run(job) {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (exitCode) => {
      if (settled) return;
      settled = true;
      resolve({ id: job.id, exitCode, stdout, stderr });
    };
    xmllint({
      inputFiles: job.inputFiles,
      arguments: job.args,
      print: (text) => {
        stdout += `${text}\n`;
      },
      printErr: (text) => {
        stderr += `${text}\n`;
      },
      onExit: finish,
      onAbort: (reason) => {
        stderr += `WASM abort: ${reason}\n`;
        finish(-1);
      },
      wasmMemory: new WebAssembly.Memory({ initial: job.initialMemory, maximum: job.maxMemory }),
      instantiateWasm: (imports, receive) => {
        WebAssembly.instantiate(compiled, imports).then((instance) => receive(instance, compiled));
        return {};
      },
    }).catch((error) => {
      stderr += `${error?.message ? error.message : String(error)}\n`;
      finish(-1);
    });
  });
}

// One job at a time: the emscripten runtime keeps per-run globals (exit status, file system) in the factory.
let chain = Promise.resolve();
parentPort.on('message', (job) => {
  if (job?.kind !== 'harness-xmllint') return;
  chain = chain.then(() => run(job)).then((result) => parentPort.postMessage(result));
});
