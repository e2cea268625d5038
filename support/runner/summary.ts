// Stage 6, the verdicts on the console: counts per verdict, the reasons grouped, the expected failures and the
// expectations no longer true, each failure with the command that re-runs it, and the requirements.
import { countVerdicts, gates, placeOf, type ScenarioVerdict, type Verdict } from '../report/verdicts.ts';
import type { RequirementRow } from '../report/verdicts-requirements.ts';

/** The console shows the most frequent reasons; verdicts.json, JUnit and Allure have every scenario's. */
const MAX_REASONS = 12;

function listed(places: readonly string[], max = 8): string {
  const shown = places.slice(0, max).join(', ');
  return places.length > max ? `${shown} and ${places.length - max} more` : shown;
}

/** The console summary: counts per verdict, the reasons grouped, each failure with its re-run command. */
export function summarise(
  scenarios: readonly ScenarioVerdict[],
  matrix: readonly RequirementRow[],
  stale: readonly string[],
  rerunPrefix: string,
): void {
  for (const verdict of ['NOT APPLICABLE', 'INCONCLUSIVE'] as const) {
    const these = scenarios.filter((s) => s.verdict === verdict);
    if (these.length === 0) continue;
    const byReason = new Map<string, string[]>();
    for (const s of these)
      byReason.set(s.reason ?? '', [...(byReason.get(s.reason ?? '') ?? []), placeOf(s)]);
    const groups = [...byReason].sort((a, b) => b[1].length - a[1].length);
    console.log(`\n${these.length} scenario(s) ${verdict}, by reason:`);
    for (const [reason, places] of groups.slice(0, MAX_REASONS))
      console.log(`  - ${verdict}: ${reason}\n      ${listed(places)}`);
    if (groups.length > MAX_REASONS)
      console.log(
        `  - and ${groups.length - MAX_REASONS} more reasons: every scenario's is in verdicts.json`,
      );
  }
  const expected = scenarios.filter((s) => s.verdict === 'FAILED' && s.expected !== undefined);
  if (expected.length > 0) {
    console.log(`\n${expected.length} expected failure(s) (--expect), not gating:`);
    for (const s of expected)
      console.log(`  - ${placeOf(s)} ${s.name}: ${s.reason} (expected: ${s.expected})`);
  }
  if (stale.length > 0) {
    console.log(`\n${stale.length} expectation(s) no longer true: update the expectation file`);
    for (const line of stale) console.log(`  - ${line}`);
  }
  const failed = scenarios.filter(gates);
  if (failed.length > 0) {
    console.log(`\n${failed.length} scenario(s) FAILED; re-run one with:`);
    for (const s of failed) console.log(`  - ${s.name}: ${s.reason}\n    ${rerunPrefix} ${placeOf(s)}`);
  }
  const notPassed = matrix.filter((r) =>
    Object.values(r.verdicts).some((v) => v !== undefined && v !== 'PASSED' && v !== 'NOT APPLICABLE'),
  );
  const run = matrix.filter((r) => r.scenarios > 0);
  console.log(
    `\nrequirements: ${run.length - notPassed.length} of the ${run.length} this run covers PASSED in every encoding${
      notPassed.length > 0
        ? `; not passed: ${notPassed
            .map(
              (r) =>
                `${r.id} (${Object.entries(r.verdicts)
                  .filter(([, v]) => v !== undefined)
                  .map(([e, v]) => `${e} ${v}`)
                  .join(', ')})`,
            )
            .join(', ')}`
        : ''
    }`,
  );
  const counts = countVerdicts(scenarios);
  const parts = (['PASSED', 'FAILED', 'NOT APPLICABLE', 'INCONCLUSIVE'] as Verdict[]).map(
    (v) => `${counts[v]} ${v}`,
  );
  console.log(
    `\n${counts.total} scenarios: ${parts.join(', ')}${counts.expected > 0 ? ` (${counts.expected} of the FAILED expected)` : ''}`,
  );
  // In cucumber's words (skipped: NOT APPLICABLE and INCONCLUSIVE), for scripts that read its summary.
  console.log(
    `scenarios: ${counts.PASSED} passed, ${counts.FAILED} failed, ${counts['NOT APPLICABLE'] + counts.INCONCLUSIVE} skipped`,
  );
}
