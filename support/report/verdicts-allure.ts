// The harness's verdicts in allure-results/: allure-cucumberjs writes cucumber's statuses (a NOT APPLICABLE or
// INCONCLUSIVE scenario is just "skipped" there); after the run each result gets its verdict as its status
// message and a label, and categories.json groups them. INCONCLUSIVE is Allure's "unknown" status: the result
// could not be decided. An expected failure is "skipped", as in junit.xml.
import { readFileSync, writeFileSync } from 'node:fs';
import { readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type ScenarioVerdict, verdictLine } from './verdicts.ts';

interface AllureResult {
  fullName?: string;
  status?: string;
  statusDetails?: { message?: string; trace?: string };
  labels?: { name: string; value: string }[];
  parameters?: { name: string; value: string }[];
}

export const ALLURE_CATEGORIES = [
  { name: 'Failed: the target differs from the specification', matchedStatuses: ['failed'] },
  {
    name: 'Inconclusive: a precondition could not be reached, or the target timed out',
    matchedStatuses: ['unknown'],
    messageRegex: 'INCONCLUSIVE[\\s\\S]*',
  },
  {
    name: 'Not applicable: the profile declares the capability absent',
    matchedStatuses: ['skipped'],
    messageRegex: 'NOT APPLICABLE[\\s\\S]*',
  },
  {
    name: 'Expected failures: known deviations (--expect)',
    matchedStatuses: ['skipped'],
    messageRegex: 'FAILED \\(expected[\\s\\S]*',
  },
];

function keyOf(fullNameTail: string, parameters: readonly { name: string; value: string }[]): string {
  return `${fullNameTail}\n${JSON.stringify(parameters.map((p) => [p.name, p.value]))}`;
}

const STATUS: Readonly<Record<string, string>> = {
  PASSED: 'passed',
  FAILED: 'failed',
  'NOT APPLICABLE': 'skipped',
  INCONCLUSIVE: 'unknown',
};

async function writeAtomically(file: string, content: string): Promise<void> {
  await writeFile(`${file}.tmp`, content);
  await rename(`${file}.tmp`, file);
}

/** Gives every result in `dir` its scenario's verdict; returns how many results it annotated. */
export async function annotateAllureResults(
  dir: string,
  scenarios: readonly ScenarioVerdict[],
): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  const byKey = new Map<string, ScenarioVerdict>();
  for (const s of scenarios) byKey.set(keyOf(`${s.uri}#${s.name}`, s.parameters), s);
  let annotated = 0;
  for (const name of names.filter((n) => n.endsWith('-result.json'))) {
    const file = path.join(dir, name);
    const result = JSON.parse(readFileSync(file, 'utf8')) as AllureResult;
    const tail = result.fullName?.replace(/^[^:]*:(?=features\/|[^#]*\.feature#)/, '') ?? '';
    const scenario = byKey.get(keyOf(tail, result.parameters ?? []));
    if (!scenario) continue;
    const line = verdictLine(scenario);
    result.status = scenario.expected !== undefined ? 'skipped' : (STATUS[scenario.verdict] ?? result.status);
    if (scenario.verdict !== 'PASSED' || scenario.stale !== undefined) {
      const stale = scenario.stale
        ? `expected to fail (${scenario.stale}), now passes: update the expectation file`
        : '';
      result.statusDetails = {
        ...result.statusDetails,
        message: scenario.verdict === 'PASSED' ? stale : line,
      };
    }
    result.labels = [
      ...(result.labels ?? []).filter((l) => l.name !== 'verdict'),
      { name: 'verdict', value: scenario.expected !== undefined ? 'FAILED (expected)' : scenario.verdict },
      { name: 'tag', value: scenario.verdict },
    ];
    // Synchronously: after the run nothing else waits on this process, and nothing reads the results before
    // the runner ends.
    writeFileSync(file, JSON.stringify(result));
    annotated++;
  }
  await writeAtomically(path.join(dir, 'categories.json'), JSON.stringify(ALLURE_CATEGORIES, null, 2));
  return annotated;
}
