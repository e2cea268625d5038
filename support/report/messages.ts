// Reads cucumber's message stream (reports/messages.ndjson) into one result per scenario run.
import { readFile } from 'node:fs/promises';

export type ScenarioStatus =
  | 'PASSED'
  | 'FAILED'
  | 'SKIPPED'
  | 'UNDEFINED'
  | 'PENDING'
  | 'AMBIGUOUS'
  | 'UNKNOWN';

export interface ScenarioResult {
  readonly name: string;
  readonly uri: string;
  /** The line that re-runs exactly this scenario (an Examples row for an outline). */
  readonly line: number;
  readonly tags: readonly string[];
  readonly status: ScenarioStatus;
  /** The first failing step's message, or the reason a step gave for skipping. */
  readonly message?: string;
  readonly attempt: number;
}

export interface RunResult {
  readonly started: boolean;
  readonly finished: boolean;
  readonly success: boolean;
  readonly scenarios: readonly ScenarioResult[];
}

interface Envelope {
  gherkinDocument?: {
    uri: string;
    feature?: {
      children: { scenario?: GherkinScenario; rule?: { children: { scenario?: GherkinScenario }[] } }[];
    };
  };
  pickle?: { id: string; uri: string; name: string; astNodeIds: string[]; tags: { name: string }[] };
  testCase?: { id: string; pickleId: string };
  testCaseStarted?: { id: string; testCaseId: string; attempt: number };
  testStepFinished?: {
    testCaseStartedId: string;
    testStepResult: { status: string; message?: string };
  };
  testCaseFinished?: { testCaseStartedId: string; willBeRetried: boolean };
  attachment?: { testCaseStartedId?: string; body: string; mediaType: string };
  testRunStarted?: unknown;
  testRunFinished?: { success: boolean };
}

interface GherkinScenario {
  id: string;
  location: { line: number };
  examples: { tableBody: { id: string; location: { line: number } }[] }[];
}

const SEVERITY: readonly ScenarioStatus[] = [
  'PASSED',
  'SKIPPED',
  'PENDING',
  'UNDEFINED',
  'AMBIGUOUS',
  'FAILED',
  'UNKNOWN',
];

/** The media type of the skip a step records: JSON, a Skip (its verdict and reason as data). */
export const SKIP_MEDIA_TYPE = 'application/x.harness-skip+json';

/** Why a step skipped its scenario: a precondition not reached, never a pass. */
export interface Skip {
  readonly verdict: 'NOT APPLICABLE' | 'INCONCLUSIVE';
  readonly reason: string;
}

/** A skip attachment's body, read back; undefined when it is not one. */
export function readSkip(body: string): Skip | undefined {
  try {
    const value = JSON.parse(body) as Partial<Skip>;
    if (
      (value.verdict === 'NOT APPLICABLE' || value.verdict === 'INCONCLUSIVE') &&
      typeof value.reason === 'string'
    )
      return { verdict: value.verdict, reason: value.reason };
  } catch {}
  return undefined;
}

export function parseMessages(ndjson: string): RunResult {
  const lines = new Map<string, number>();
  const pickles = new Map<string, NonNullable<Envelope['pickle']>>();
  const testCases = new Map<string, string>();
  const started = new Map<string, { pickleId: string; attempt: number }>();
  const status = new Map<string, { status: ScenarioStatus; message?: string }>();
  const finished: string[] = [];
  let runStarted = false;
  let runFinished: { success: boolean } | undefined;

  for (const text of ndjson.split('\n')) {
    if (text.trim() === '') continue;
    const envelope = JSON.parse(text) as Envelope;
    if (envelope.gherkinDocument) {
      for (const child of envelope.gherkinDocument.feature?.children ?? []) {
        const scenarios = child.rule ? child.rule.children.map((c) => c.scenario) : [child.scenario];
        for (const scenario of scenarios) {
          if (!scenario) continue;
          lines.set(scenario.id, scenario.location.line);
          for (const examples of scenario.examples) {
            for (const row of examples.tableBody) lines.set(row.id, row.location.line);
          }
        }
      }
    } else if (envelope.pickle) {
      pickles.set(envelope.pickle.id, envelope.pickle);
    } else if (envelope.testCase) {
      testCases.set(envelope.testCase.id, envelope.testCase.pickleId);
    } else if (envelope.testCaseStarted) {
      const pickleId = testCases.get(envelope.testCaseStarted.testCaseId) ?? '';
      started.set(envelope.testCaseStarted.id, { pickleId, attempt: envelope.testCaseStarted.attempt });
      status.set(envelope.testCaseStarted.id, { status: 'PASSED' });
    } else if (envelope.testStepFinished) {
      const { testCaseStartedId, testStepResult } = envelope.testStepFinished;
      const current = status.get(testCaseStartedId) ?? { status: 'PASSED' };
      const next = (testStepResult.status as ScenarioStatus) ?? 'UNKNOWN';
      if (SEVERITY.indexOf(next) > SEVERITY.indexOf(current.status)) {
        status.set(testCaseStartedId, {
          status: next,
          message: testStepResult.message ?? current.message,
        });
      }
    } else if (envelope.attachment?.mediaType === SKIP_MEDIA_TYPE && envelope.attachment.testCaseStartedId) {
      const current = status.get(envelope.attachment.testCaseStartedId);
      const skip = readSkip(envelope.attachment.body);
      if (current && skip)
        status.set(envelope.attachment.testCaseStartedId, {
          ...current,
          message: `${skip.verdict}: ${skip.reason}`,
        });
    } else if (envelope.testCaseFinished && !envelope.testCaseFinished.willBeRetried) {
      finished.push(envelope.testCaseFinished.testCaseStartedId);
    } else if (envelope.testRunStarted) {
      runStarted = true;
    } else if (envelope.testRunFinished) {
      runFinished = envelope.testRunFinished;
    }
  }

  const scenarios = finished.map((startedId): ScenarioResult => {
    const start = started.get(startedId);
    const pickle = pickles.get(start?.pickleId ?? '');
    const astIds = pickle?.astNodeIds ?? [];
    const lineId = astIds[astIds.length - 1] ?? '';
    const result = status.get(startedId) ?? { status: 'UNKNOWN' as const };
    return {
      name: pickle?.name ?? '(unknown scenario)',
      uri: pickle?.uri ?? '',
      line: lines.get(lineId) ?? 0,
      tags: pickle?.tags.map((t) => t.name) ?? [],
      status: result.status,
      message: result.message,
      attempt: start?.attempt ?? 0,
    };
  });
  return {
    started: runStarted,
    finished: runFinished !== undefined,
    success: runFinished?.success ?? false,
    scenarios,
  };
}

export async function readRunResult(file: string): Promise<RunResult | undefined> {
  try {
    return parseMessages(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
