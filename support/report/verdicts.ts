// The verdicts of docs/architecture.md: PASSED, FAILED, NOT APPLICABLE, INCONCLUSIVE. One function decides a
// scenario's verdict (in the cucumber process, which attaches it to the scenario's messages); the runner reads
// the message stream back into one record per scenario for the console, JUnit, Allure and certification.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Encoding } from '../target/types.ts';
import { readSkip, SKIP_MEDIA_TYPE, type Skip } from './messages.ts';

export type Verdict = 'PASSED' | 'FAILED' | 'NOT APPLICABLE' | 'INCONCLUSIVE';
export const VERDICTS: readonly Verdict[] = ['PASSED', 'FAILED', 'NOT APPLICABLE', 'INCONCLUSIVE'];

/** The media type of the verdict the cucumber process attaches to every scenario (JSON, a VerdictRecord). */
export const VERDICT_MEDIA_TYPE = 'application/x.harness-verdict+json';

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

// --- scenarios as the message stream tells them ---------------------------------------------------

interface Location {
  readonly line: number;
}

interface GherkinScenario {
  readonly id: string;
  readonly location: Location;
  readonly examples: readonly {
    readonly tableHeader?: { readonly cells: readonly { readonly value: string }[] };
    readonly tableBody: readonly {
      readonly id: string;
      readonly location: Location;
      readonly cells: readonly { readonly value: string }[];
    }[];
  }[];
}

interface GherkinDocument {
  readonly uri?: string;
  readonly feature?: {
    readonly name: string;
    readonly children: readonly {
      readonly scenario?: GherkinScenario;
      readonly rule?: { readonly children: readonly { readonly scenario?: GherkinScenario }[] };
    }[];
  };
}

interface Pickle {
  readonly id: string;
  readonly uri: string;
  readonly name: string;
  readonly astNodeIds: readonly string[];
  readonly tags: readonly { readonly name: string }[];
  readonly steps: readonly { readonly id: string; readonly text: string }[];
}

function scenariosOf(document: GherkinDocument): GherkinScenario[] {
  const scenarios: GherkinScenario[] = [];
  for (const child of document.feature?.children ?? []) {
    if (child.scenario) scenarios.push(child.scenario);
    for (const inner of child.rule?.children ?? []) if (inner.scenario) scenarios.push(inner.scenario);
  }
  return scenarios;
}

interface Place {
  readonly line: number;
  readonly parameters: readonly { readonly name: string; readonly value: string }[];
}

/** placesOf's answers: a hook asks for every scenario of a document, and the walk is the same each time. */
const placesOfDocument = new WeakMap<GherkinDocument, Map<string, Place>>();

/** Each AST node of a document (scenario, Examples row) with its line and, for a row, its values. */
function placesOf(document: GherkinDocument): Map<string, Place> {
  const known = placesOfDocument.get(document);
  if (known !== undefined) return known;
  const places = new Map<string, Place>();
  placesOfDocument.set(document, places);
  for (const scenario of scenariosOf(document)) {
    places.set(scenario.id, { line: scenario.location.line, parameters: [] });
    for (const examples of scenario.examples) {
      const names = examples.tableHeader?.cells.map((c) => c.value) ?? [];
      for (const row of examples.tableBody) {
        const parameters = row.cells.map((cell, i) => ({ name: names[i] ?? `arg${i}`, value: cell.value }));
        places.set(row.id, { line: row.location.line, parameters });
      }
    }
  }
  return places;
}

/** `features/x.feature:LINE` of a pickle: its Examples row for an outline, else its scenario. */
export function scenarioPlace(pickle: Pickle, document: GherkinDocument): { uri: string; line: number } {
  const places = placesOf(document);
  const last = pickle.astNodeIds[pickle.astNodeIds.length - 1] ?? '';
  return { uri: pickle.uri, line: places.get(last)?.line ?? 0 };
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

const SEVERITY = ['PASSED', 'SKIPPED', 'PENDING', 'UNDEFINED', 'AMBIGUOUS', 'FAILED', 'UNKNOWN'];

interface Timestamp {
  readonly seconds: number;
  readonly nanos: number;
}

const millis = (t: Timestamp | undefined) => (t ? t.seconds * 1000 + t.nanos / 1e6 : 0);

interface Envelope {
  gherkinDocument?: GherkinDocument;
  pickle?: Pickle;
  testCase?: {
    id: string;
    pickleId: string;
    testSteps: { id: string; pickleStepId?: string }[];
  };
  testCaseStarted?: { id: string; testCaseId: string; attempt: number; timestamp: Timestamp };
  testStepFinished?: {
    testCaseStartedId: string;
    testStepId: string;
    testStepResult: { status: string; message?: string };
  };
  attachment?: { testCaseStartedId?: string; body: string; mediaType: string };
  testCaseFinished?: { testCaseStartedId: string; willBeRetried: boolean; timestamp: Timestamp };
  testRunStarted?: unknown;
  testRunFinished?: unknown;
}

interface Running {
  pickleId: string;
  testCaseId: string;
  attempt: number;
  start: number;
  status: string;
  message?: string;
  skip?: Skip;
  verdict?: VerdictRecord;
  stepStatus: Map<string, string>;
}

/** A message stream that is not one JSON envelope a line: cut short, or written by two runs at once. */
export class MessageStreamError extends Error {}

function parseLine<T>(text: string, line: number): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new MessageStreamError(`line ${line} is not JSON (${(error as Error).message})`);
  }
}

/** Reads cucumber's message stream into one verdict per scenario run (retried attempts left out). */
export function readVerdicts(ndjson: string): RunVerdicts {
  const documents = new Map<string, GherkinDocument>();
  const pickles = new Map<string, Pickle>();
  const testCases = new Map<string, NonNullable<Envelope['testCase']>>();
  const running = new Map<string, Running>();
  const scenarios: ScenarioVerdict[] = [];
  let started = false;
  let finished = false;

  const lines = ndjson.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const text = lines[index] as string;
    if (text.trim() === '') continue;
    const envelope = parseLine<Envelope>(text, index + 1);
    if (envelope.gherkinDocument?.uri) documents.set(envelope.gherkinDocument.uri, envelope.gherkinDocument);
    else if (envelope.pickle) pickles.set(envelope.pickle.id, envelope.pickle);
    else if (envelope.testCase) testCases.set(envelope.testCase.id, envelope.testCase);
    else if (envelope.testCaseStarted) {
      const s = envelope.testCaseStarted;
      running.set(s.id, {
        pickleId: testCases.get(s.testCaseId)?.pickleId ?? '',
        testCaseId: s.testCaseId,
        attempt: s.attempt,
        start: millis(s.timestamp),
        status: 'PASSED',
        stepStatus: new Map(),
      });
    } else if (envelope.testStepFinished) {
      const { testCaseStartedId, testStepId, testStepResult } = envelope.testStepFinished;
      const run = running.get(testCaseStartedId);
      if (!run) continue;
      run.stepStatus.set(testStepId, testStepResult.status);
      if (SEVERITY.indexOf(testStepResult.status) > SEVERITY.indexOf(run.status)) {
        run.status = testStepResult.status;
        run.message = testStepResult.message ?? run.message;
      }
    } else if (envelope.attachment?.testCaseStartedId) {
      const run = running.get(envelope.attachment.testCaseStartedId);
      if (!run) continue;
      if (envelope.attachment.mediaType === SKIP_MEDIA_TYPE) run.skip = readSkip(envelope.attachment.body);
      if (envelope.attachment.mediaType === VERDICT_MEDIA_TYPE)
        run.verdict = parseLine<VerdictRecord>(envelope.attachment.body, index + 1);
    } else if (envelope.testCaseFinished) {
      const { testCaseStartedId, willBeRetried, timestamp } = envelope.testCaseFinished;
      const run = running.get(testCaseStartedId);
      if (!run || willBeRetried) continue;
      const pickle = pickles.get(run.pickleId);
      const document = documents.get(pickle?.uri ?? '') ?? {};
      const places = placesOf(document);
      const last = pickle?.astNodeIds[pickle.astNodeIds.length - 1] ?? '';
      const place = places.get(last);
      const tags = pickle?.tags.map((t) => t.name) ?? [];
      const name = pickle?.name ?? '(unknown scenario)';
      const record =
        run.verdict ?? decideVerdict({ status: run.status, message: run.message, skip: run.skip });
      const stepText = new Map(pickle?.steps.map((s) => [s.id, s.text]) ?? []);
      const steps = (testCases.get(run.testCaseId)?.testSteps ?? [])
        .filter((s) => s.pickleStepId !== undefined)
        .map((s) => ({
          text: stepText.get(s.pickleStepId as string) ?? '',
          status: run.stepStatus.get(s.id) ?? 'UNKNOWN',
        }));
      scenarios.push({
        ...record,
        uri: pickle?.uri ?? '',
        line: place?.line ?? 0,
        name,
        feature: document.feature?.name ?? '',
        tags,
        encoding: encodingOf(tags, name),
        requirements: requirementsOf(tags),
        status: run.status,
        message: run.message,
        durationMs: Math.max(0, Math.round(millis(timestamp) - run.start)),
        steps,
        parameters: place?.parameters ?? [],
        attempt: run.attempt,
      });
    } else if (envelope.testRunStarted) started = true;
    else if (envelope.testRunFinished) finished = true;
  }
  return { started, finished, scenarios };
}

/** The run's verdicts; undefined when there is no message stream. Throws MessageStreamError, in one line. */
export async function readVerdictsFile(file: string): Promise<RunVerdicts | undefined> {
  const where = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new MessageStreamError(
      `the message stream ${where} cannot be read: ${code ?? (error as Error).message}`,
    );
  }
  try {
    return readVerdicts(text);
  } catch (error) {
    if (!(error instanceof MessageStreamError)) throw error;
    throw new MessageStreamError(
      `the message stream ${where} cannot be read: ${error.message}; was another run writing to the same reports directory?`,
    );
  }
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

/** `features/x.feature:12` */
export function placeOf(scenario: { readonly uri: string; readonly line: number }): string {
  return `${scenario.uri}:${scenario.line}`;
}
