// `npm test`: one run of the harness (support/runner/main.ts), a pipeline of named stages (support/runner/):
//   options (plan.ts) → trust (tls.ts) → target (target.ts) → pre-flight (preflight.ts) → discovery (discovery.ts)
//   → cucumber (cucumber.ts) → verdicts (verdicts.ts, summary.ts) → reports (reports.ts) → certification.
// Exit codes: 0 nothing FAILED, 1 a scenario FAILED (or the target is not certified), 2 the run could not be made.
import { runHarness } from './runner/main.ts';

runHarness(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
