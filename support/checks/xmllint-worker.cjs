// One long-lived worker thread that runs xmllint (libxml2 compiled to wasm) again and again. xmllint-wasm's own
// validateXML starts a new worker and compiles the wasm for every call (~50 ms); here the wasm is compiled once
// and each run only instantiates it (~1 ms). Plain CommonJS: it runs in a worker without the tsx loader.
//
// The next run is made ready while this thread waits: its module is instantiated (a fresh 16 MiB memory and a
// fresh instance) as soon as the previous run ends, and held until a job comes. The job then only fills in the
// run's arguments and files, which the emscripten runtime reads when it starts: the arguments array it was
// given (by reference) and `inputFiles` in preRun. Validation waits on the harness's critical path (a request
// before it is sent, an answer before it is judged): the instantiation, about a third of a run, now is not.
'use strict';
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');

const packageDir = path.dirname(require.resolve('xmllint-wasm'));
// The package's worker script: its factory, plus a listener for its own tagged messages, which we never send.
const xmllint = require(path.join(packageDir, 'xmllint-node.js'));
const compiled = new WebAssembly.Module(fs.readFileSync(path.join(packageDir, 'xmllint.wasm')));

/**
 * A run of xmllint, instantiated and waiting for its job. `start(job)` gives it its arguments and files and lets
 * it run; it resolves with what xmllint printed and how it exited.
 */
function prepare(initialMemory, maxMemory, memory) {
  const args = [];
  const output = { stdout: '', stderr: '' };
  let exited;
  const done = new Promise((resolve) => {
    exited = resolve;
  });
  let settled = false;
  const finish = (exitCode) => {
    if (settled) return;
    settled = true;
    exited({ exitCode, stdout: output.stdout, stderr: output.stderr });
  };
  let release;
  const instantiated = new Promise((resolve) => {
    release = resolve;
  });
  const moduleArg = {
    arguments: args, // read when main runs: filled in by start()
    inputFiles: [], // read in preRun, once the instance is given: replaced by start()
    print: (text) => {
      output.stdout += `${text}\n`;
    },
    printErr: (text) => {
      output.stderr += `${text}\n`;
    },
    onExit: finish,
    onAbort: (reason) => {
      output.stderr += `WASM abort: ${reason}\n`;
      finish(-1);
    },
    wasmMemory: memory,
    instantiateWasm: (imports, receive) => {
      WebAssembly.instantiate(compiled, imports).then(
        (instance) => release(() => receive(instance, compiled)),
        (error) => {
          output.stderr += `${error?.message ? error.message : String(error)}\n`;
          release(() => finish(-1));
        },
      );
      return {};
    },
  };
  xmllint(moduleArg).catch((error) => {
    output.stderr += `${error?.message ? error.message : String(error)}\n`;
    finish(-1);
  });
  return {
    initialMemory,
    maxMemory,
    memory,
    async start(job) {
      args.push(...job.args);
      moduleArg.inputFiles = job.inputFiles;
      (await instantiated)();
      return done;
    },
  };
}

/**
 * The memory of a run that has ended, zeroed for the next: a C program expects its memory zeroed, and a new
 * 16 MiB memory a run made V8 collect garbage every few runs (a third of a run's time in a profile).
 */
function reuse(memory) {
  new Uint8Array(memory.buffer).fill(0);
  return memory;
}

/** The run made ready for the next job, for the memory the last job asked for. */
let ready;

async function run(job) {
  const fits = (run) => run.initialMemory === job.initialMemory && run.maxMemory === job.maxMemory;
  const next =
    ready !== undefined && fits(ready)
      ? ready
      : prepare(
          job.initialMemory,
          job.maxMemory,
          new WebAssembly.Memory({ initial: job.initialMemory, maximum: job.maxMemory }),
        );
  ready = undefined;
  const result = await next.start(job);
  parentPort.postMessage({ id: job.id, ...result });
  // After the answer is on its way: zeroing the memory and starting the next runtime take a few ms.
  await new Promise((resolve) => setImmediate(resolve));
  ready = prepare(job.initialMemory, job.maxMemory, reuse(next.memory));
}

// One job at a time: each run has its own emscripten runtime (exit status, file system), started in turn.
let chain = Promise.resolve();
parentPort.on('message', (job) => {
  if (job?.kind !== 'harness-xmllint') return;
  chain = chain.then(() => run(job));
});
