// The one reader of cucumber's message stream (messages.ndjson): its envelopes as @cucumber/messages types,
// joined by @cucumber/query, into one record per scenario run (retried attempts left out). The runner's verdicts
// (verdicts.ts) and the selftest both read the stream through it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type Envelope,
  getWorstTestStepResult,
  type TestCaseFinished,
  type TestStepResultStatus,
  TimeConversion,
} from '@cucumber/messages';
import { type Lineage, Query } from '@cucumber/query';
import { type ScenarioPlace, scenarioPlace } from './place.ts';
import type { VerdictRecord } from './verdicts.ts';

/** cucumber's status of a step, and of a scenario (its worst step, in cucumber's own order). */
export type ScenarioStatus = `${TestStepResultStatus}`;

/** The media type of the skip a step records: JSON, a Skip (its verdict and reason as data). */
export const SKIP_MEDIA_TYPE = 'application/x.harness-skip+json';

/** The media type of the verdict the After hook attaches to every scenario: JSON, a VerdictAttachment. */
export const VERDICT_MEDIA_TYPE = 'application/x.harness-verdict+json';

/** Why a step skipped its scenario: a precondition not reached, never a pass. */
export interface Skip {
  readonly verdict: 'NOT APPLICABLE' | 'INCONCLUSIVE';
  readonly reason: string;
}

/** The verdict attachment: the scenario's verdict, and its place as the Before hook found it. */
export interface VerdictAttachment extends VerdictRecord {
  readonly place: ScenarioPlace;
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

export interface ScenarioResult extends ScenarioPlace {
  readonly name: string;
  readonly feature: string;
  readonly tags: readonly string[];
  /** cucumber's status: its worst step's (SKIPPED for a scenario a step skipped). */
  readonly status: ScenarioStatus;
  /** The worst step's message: the failure, for a FAILED scenario. */
  readonly message?: string;
  /** What a step recorded when it skipped the scenario. */
  readonly skip?: Skip;
  /** The verdict the After hook attached (none when the hook did not run). */
  readonly verdict?: VerdictRecord;
  readonly attempt: number;
  readonly durationMs: number;
  readonly steps: readonly { readonly text: string; readonly status: ScenarioStatus }[];
  /** The Examples row's values by column (what Allure shows as parameters). */
  readonly parameters: readonly { readonly name: string; readonly value: string }[];
}

export interface RunResult {
  readonly started: boolean;
  readonly finished: boolean;
  readonly success: boolean;
  readonly scenarios: readonly ScenarioResult[];
}

/** A message stream that is not cucumber's, one JSON envelope a line: cut short, or written by two runs at once. */
export class MessageStreamError extends Error {}

function readVerdictAttachment(body: string): VerdictAttachment {
  try {
    const value = JSON.parse(body) as VerdictAttachment;
    if (typeof value?.verdict === 'string') return value;
  } catch {}
  throw new MessageStreamError(`a verdict attachment is not one (${body.slice(0, 80)})`);
}

function parametersOf(lineage: Lineage | undefined): ScenarioResult['parameters'] {
  const row = lineage?.example;
  if (row === undefined) return [];
  const names = lineage?.examples?.tableHeader?.cells.map((cell) => cell.value) ?? [];
  return row.cells.map((cell, i) => ({ name: names[i] ?? `arg${i}`, value: cell.value }));
}

function scenarioOf(query: Query, finished: TestCaseFinished): ScenarioResult {
  const started = query.findTestCaseStartedBy(finished);
  if (started === undefined) throw new MessageStreamError('a scenario finished that never started');
  const pickle = query.findPickleBy(started);
  if (pickle === undefined) throw new MessageStreamError('a scenario ran whose pickle is not in the stream');
  const lineage = query.findLineageBy(pickle);
  const stepResults = query.findTestStepFinishedAndTestStepBy(started);
  let skip: Skip | undefined;
  let verdict: VerdictAttachment | undefined;
  for (const [stepFinished] of stepResults) {
    for (const attachment of query.findAttachmentsBy(stepFinished)) {
      if (attachment.mediaType === SKIP_MEDIA_TYPE) skip = readSkip(attachment.body) ?? skip;
      else if (attachment.mediaType === VERDICT_MEDIA_TYPE) verdict = readVerdictAttachment(attachment.body);
    }
  }
  // No step finished: cucumber's own result of such a scenario is PASSED.
  const worst =
    stepResults.length > 0 ? getWorstTestStepResult(stepResults.map(([f]) => f.testStepResult)) : undefined;
  const status = new Map<string, ScenarioStatus>(
    stepResults.map(([f, step]) => [step.id, f.testStepResult.status]),
  );
  const steps = (query.findTestCaseBy(started)?.testSteps ?? [])
    .filter((step) => step.pickleStepId !== undefined)
    .map((step) => ({
      text: query.findPickleStepBy(step)?.text ?? '',
      status: status.get(step.id) ?? 'UNKNOWN',
    }));
  const duration = query.findTestCaseDurationBy(finished);
  const { place, ...record } = verdict ?? { place: undefined };
  const where =
    place ??
    (lineage?.gherkinDocument
      ? scenarioPlace(pickle, lineage.gherkinDocument)
      : { uri: pickle.uri, line: 0 });
  return {
    uri: where.uri,
    line: where.line,
    name: pickle.name,
    feature: lineage?.feature?.name ?? '',
    tags: pickle.tags.map((t) => t.name),
    status: worst?.status ?? 'PASSED',
    message: worst?.message,
    skip,
    verdict: verdict === undefined ? undefined : (record as VerdictRecord),
    attempt: started.attempt,
    durationMs: duration ? Math.max(0, Math.round(TimeConversion.durationToMilliseconds(duration))) : 0,
    steps,
    parameters: parametersOf(lineage),
  };
}

/** Reads cucumber's message stream; throws MessageStreamError, in one line, for one that is not whole. */
export function parseMessages(ndjson: string): RunResult {
  const query = new Query();
  const lines = ndjson.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const text = lines[index] as string;
    if (text.trim() === '') continue;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch (error) {
      throw new MessageStreamError(`line ${index + 1} is not JSON (${(error as Error).message})`);
    }
    try {
      query.update(envelope);
    } catch (error) {
      throw new MessageStreamError(`line ${index + 1} is not a message (${(error as Error).message})`);
    }
  }
  let scenarios: ScenarioResult[];
  try {
    scenarios = query.findAllTestCaseFinished().map((finished) => scenarioOf(query, finished));
  } catch (error) {
    if (error instanceof MessageStreamError) throw error;
    throw new MessageStreamError(`its messages do not hold together (${(error as Error).message})`);
  }
  const finished = query.findTestRunFinished();
  return {
    started: query.findTestRunStarted() !== undefined,
    finished: finished !== undefined,
    success: finished?.success ?? false,
    scenarios,
  };
}

/** The run as its message stream tells it; undefined when there is none. Throws MessageStreamError, in one line. */
export async function readRunResult(file: string): Promise<RunResult | undefined> {
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
    return parseMessages(text);
  } catch (error) {
    if (!(error instanceof MessageStreamError)) throw error;
    throw new MessageStreamError(
      `the message stream ${where} cannot be read: ${error.message}; was another run writing to the same reports directory?`,
    );
  }
}
