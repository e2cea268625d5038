// Every scenario starts from a known state, and scenarios that share a target never interleave.
import { Before, setDefaultTimeout, setParallelCanAssign } from '@cucumber/cucumber';
import { readRunConfig } from '../run-config.ts';
import type { HarnessWorld } from './world.ts';

const run = readRunConfig();

// A step makes a few calls, each bounded by the call deadline; cucumber's own timeout only catches a harness hang.
setDefaultTimeout(run.timeoutMs * 6 + 5000);

// All scenarios share the one target's state (a reset in one would undo another's arrangement), so with
// --parallel a worker only starts a scenario when no other is running.
setParallelCanAssign((_pickle, running) => running.length === 0);

Before(async function (this: HarnessWorld) {
  await this.arranger.reset();
});
