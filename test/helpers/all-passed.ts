// The end-to-end tests that run the whole suite against a conforming controller: every scenario of the run in `dir`
// PASSED, and the run exited 0 (the tail of its output in the message when not).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ScriptRun } from './run-script.ts';

export interface RunVerdicts {
  readonly counts: Readonly<Record<string, number>>;
  readonly scenarios: readonly { scenario: string; name: string; verdict: string; reason?: string }[];
}

/** The run's verdicts.json, every scenario in it PASSED and the run's exit code 0; the verdicts. */
export async function expectAllPassed(dir: string, run: ScriptRun): Promise<RunVerdicts> {
  const verdicts = JSON.parse(await readFile(path.join(dir, 'verdicts.json'), 'utf8')) as RunVerdicts;
  const notPassed = verdicts.scenarios
    .filter((s) => s.verdict !== 'PASSED')
    .map((s) => `${s.verdict} ${s.scenario} ${s.name}: ${s.reason ?? ''}`);
  assert.deepEqual(notPassed, [], run.output.slice(-4000));
  assert.equal(run.code, 0, run.output.slice(-4000));
  return verdicts;
}
