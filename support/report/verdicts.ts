// The verdicts of docs/architecture.md: PASSED, FAILED, NOT APPLICABLE, INCONCLUSIVE. One function decides a
// scenario's verdict (in the cucumber process, which attaches it to the scenario's messages); the runner reads
// the message stream back into one record per scenario for the console, JUnit, Allure and certification.
import type { Encoding } from '../model.ts';
import { parseMessages, readRunResult, type ScenarioResult, type Skip } from './messages.ts';

export { MessageStreamError, VERDICT_MEDIA_TYPE } from './messages.ts';
export { placeOf } from './place.ts';

export type Verdict = 'PASSED' | 'FAILED' | 'NOT APPLICABLE' | 'INCONCLUSIVE';
export const VERDICTS: readonly Verdict[] = ['PASSED', 'FAILED', 'NOT APPLICABLE', 'INCONCLUSIVE'];

export interface VerdictRecord {
  readonly verdict: Verdict;
  /** Why, in one line: the failure's first line, or the reason a precondition was not reached. */
  readonly reason?: string;
  /** A FAILED scenario the expectation file lists: its reason there. It does not gate. */
  readonly expected?: string;
  /** A PASSED scenario the expectation file says fails: the file is no longer true. */
  readonly stale?: string;
}

/** What a scenario's run says, for deciding its verdict. */
export interface Outcome {
  /** cucumber's worst step status: PASSED, FAILED, SKIPPED, UNDEFINED, ... */
  readonly status: string;
  /** The failing step's message. */
  readonly message?: string;
  /** What a step recorded when it skipped the scenario. */
  readonly skip?: Skip;
  /** A call of the scenario that the target did not answer in time. */
  readonly timeout?: string;
  /**
   * A call of the scenario whose answer the harness could not read, through nothing the documents forbid the target
   * (an interim 100 nobody asked for, met before the harness knew the target sends it).
   */
  readonly unread?: string;
}

function firstLine(text: string | undefined): string | undefined {
  const line = text?.split('\n').find((l) => l.trim() !== '');
  return line?.trim();
}

/** The one rule: a scenario passes only when every step passed; a precondition not reached never passes. */
export function decideVerdict(outcome: Outcome, expectedReason?: string): VerdictRecord {
  const { status } = outcome;
  if (status === 'PASSED') {
    return expectedReason === undefined
      ? { verdict: 'PASSED' }
      : { verdict: 'PASSED', stale: expectedReason };
  }
  if (status === 'SKIPPED') {
    const skip = outcome.skip;
    return skip
      ? { verdict: skip.verdict, reason: skip.reason }
      : { verdict: 'INCONCLUSIVE', reason: 'skipped without a reason' };
  }
  if (status === 'FAILED' && outcome.timeout !== undefined) {
    return { verdict: 'INCONCLUSIVE', reason: `the target timed out: ${outcome.timeout}` };
  }
  if (status === 'FAILED' && outcome.unread !== undefined) {
    return { verdict: 'INCONCLUSIVE', reason: `the harness could not read the answer: ${outcome.unread}` };
  }
  const reason =
    status === 'FAILED'
      ? (firstLine(outcome.message) ?? 'failed')
      : `${status.toLowerCase()} step${outcome.message ? `: ${firstLine(outcome.message)}` : ''}`;
  return expectedReason === undefined
    ? { verdict: 'FAILED', reason }
    : { verdict: 'FAILED', reason, expected: expectedReason };
}

/** The verdict as one line: `INCONCLUSIVE: reason`, `FAILED (expected: why): reason`. */
export function verdictLine(record: VerdictRecord): string {
  const head =
    record.expected === undefined ? record.verdict : `${record.verdict} (expected: ${record.expected})`;
  return record.reason === undefined ? head : `${head}: ${record.reason}`;
}

/** The encoding a scenario runs in: its Examples tag, else the one its name ends with. */
export function encodingOf(tags: readonly string[], name: string): Encoding | undefined {
  if (tags.includes('@xml')) return 'XML';
  if (tags.includes('@json')) return 'JSON';
  const inName = /\b(XML|JSON)\)\s*$/.exec(name)?.[1];
  return inName as Encoding | undefined;
}

export function requirementsOf(tags: readonly string[]): string[] {
  return [...new Set(tags.filter((t) => t.startsWith('@req:')).map((t) => t.slice('@req:'.length)))];
}

export interface ScenarioVerdict extends VerdictRecord {
  readonly uri: string;
  readonly line: number;
  readonly name: string;
  readonly feature: string;
  readonly tags: readonly string[];
  readonly encoding?: Encoding;
  readonly requirements: readonly string[];
  /** cucumber's own status (SKIPPED for NOT APPLICABLE and INCONCLUSIVE). */
  readonly status: string;
  /** The failing step's whole message. */
  readonly message?: string;
  readonly durationMs: number;
  readonly steps: readonly { readonly text: string; readonly status: string }[];
  /** The Examples row's values by column (what Allure shows as parameters). */
  readonly parameters: readonly { readonly name: string; readonly value: string }[];
  readonly attempt: number;
}

export interface RunVerdicts {
  readonly started: boolean;
  readonly finished: boolean;
  readonly scenarios: readonly ScenarioVerdict[];
}

/** A scenario of the stream with its verdict: the one attached, else decided here (the After hook did not run). */
function withVerdict(scenario: ScenarioResult): ScenarioVerdict {
  const { verdict, reason, expected, stale } =
    scenario.verdict ??
    decideVerdict({ status: scenario.status, message: scenario.message, skip: scenario.skip });
  return {
    verdict,
    reason,
    expected,
    stale,
    uri: scenario.uri,
    line: scenario.line,
    name: scenario.name,
    feature: scenario.feature,
    tags: scenario.tags,
    encoding: encodingOf(scenario.tags, scenario.name),
    requirements: requirementsOf(scenario.tags),
    status: scenario.status,
    message: scenario.message,
    durationMs: scenario.durationMs,
    steps: scenario.steps,
    parameters: scenario.parameters,
    attempt: scenario.attempt,
  };
}

/** Reads cucumber's message stream into one verdict per scenario run (retried attempts left out). */
export function readVerdicts(ndjson: string): RunVerdicts {
  const { started, finished, scenarios } = parseMessages(ndjson);
  return { started, finished, scenarios: scenarios.map(withVerdict) };
}

/** The run's verdicts; undefined when there is no message stream. Throws MessageStreamError, in one line. */
export async function readVerdictsFile(file: string): Promise<RunVerdicts | undefined> {
  const run = await readRunResult(file);
  return run && { started: run.started, finished: run.finished, scenarios: run.scenarios.map(withVerdict) };
}

export type VerdictCounts = Record<Verdict, number> & { readonly total: number; readonly expected: number };

export function countVerdicts(scenarios: readonly VerdictRecord[]): VerdictCounts {
  const counts = { PASSED: 0, FAILED: 0, 'NOT APPLICABLE': 0, INCONCLUSIVE: 0, total: 0, expected: 0 };
  for (const s of scenarios) {
    counts[s.verdict]++;
    counts.total++;
    if (s.expected !== undefined) counts.expected++;
  }
  return counts;
}

/** A FAILED that the expectation file does not explain: what makes the exit code 1. */
export function gates(scenario: VerdictRecord): boolean {
  return scenario.verdict === 'FAILED' && scenario.expected === undefined;
}
