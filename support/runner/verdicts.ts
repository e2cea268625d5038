// Stage 6, the verdicts: the message stream read back into one verdict per scenario, set against the
// requirements and the expectation file; and the exit code they make.

import { OPERATOR_ABORTED } from '../arrange/operator.ts';
import { gates, readVerdictsFile, type ScenarioVerdict } from '../report/verdicts.ts';
import { staleExpectations } from '../report/verdicts-expect.ts';
import { type RequirementRow, requirementMatrix } from '../report/verdicts-requirements.ts';
import type { RunPlan } from './plan.ts';

export interface JudgedRun {
  readonly scenarios: readonly ScenarioVerdict[];
  /** cucumber ran to the end of the run. */
  readonly finished: boolean;
  readonly matrix: readonly RequirementRow[];
  /** Expectations (--expect) no longer true. */
  readonly stale: readonly string[];
}

/** The run's verdicts; undefined (said in one line) when cucumber did not start a run. */
export async function judgeRun(plan: RunPlan, messagesFile: string): Promise<JudgedRun | undefined> {
  const result = await readVerdictsFile(messagesFile);
  if (!result?.started) {
    // Cucumber stopped before running anything: a bad option or path is a run that could not be made.
    console.error('harness: cucumber did not start a run (see its message above)');
    return undefined;
  }
  const { scenarios } = result;
  return {
    scenarios,
    finished: result.finished,
    matrix: requirementMatrix(plan.requirements, scenarios),
    stale: plan.expectations ? staleExpectations(plan.expectations, scenarios) : [],
  };
}

/** 0 nothing FAILED, 1 a scenario FAILED, 2 the run itself was not done right (said in one line). */
export function exitCode(run: JudgedRun, cucumberCode: number): number {
  const { scenarios } = run;
  const aborted = scenarios.some((s) => s.reason === OPERATOR_ABORTED);
  // Cucumber fails a run for its scenarios, and also when a report could not be written or a BeforeAll or
  // AfterAll hook failed: with no scenario to blame, the run itself was not done right.
  const outsideScenarios =
    cucumberCode !== 0 && scenarios.every((s) => s.status === 'PASSED' || s.status === 'SKIPPED');
  const code = aborted || !run.finished || outsideScenarios ? 2 : scenarios.some(gates) ? 1 : 0;
  if (aborted) console.error(`harness: ${OPERATOR_ABORTED}`);
  else if (!run.finished) console.error('harness: cucumber stopped before the end of the run');
  else if (outsideScenarios)
    console.error(
      `harness: cucumber ended with exit code ${cucumberCode} though no scenario failed: a report or a BeforeAll/AfterAll hook failed (its message is above)`,
    );
  return code;
}
