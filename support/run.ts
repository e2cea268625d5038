// `npm test`: one run of the harness, its exit code the process's. The pipeline of stages and the exit codes are
// runHarness's (support/runner/main.ts).
import { runHarness } from './runner/main.ts';

runHarness(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
