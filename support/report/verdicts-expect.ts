// Known deviations (--expect=FILE): a target's known failures, each with its reason. A listed scenario that
// fails is an expected failure and does not gate; one that passes is reported, so that the file stays true.
import { readFile } from 'node:fs/promises';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { Encoding } from '../model.ts';
import { describeSchemaErrors } from '../profile/profile.ts';
import { placeOf, type ScenarioVerdict } from './verdicts.ts';

export interface Expectation {
  /** `features/errors.feature:74`, as the run prints it: one scenario (an Examples row for an outline). */
  readonly scenario?: string;
  /** Every scenario tagged @req:<requirement> (in one encoding when `encoding` is given). */
  readonly requirement?: string;
  readonly encoding?: Encoding;
  readonly reason: string;
}

/** The expectation file cannot be used: one line per problem, each naming the key. Exit 2. */
export class ExpectationError extends Error {}

const SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['expected_failures'],
  properties: {
    $comment: { type: 'string' },
    expected_failures: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['reason'],
        properties: {
          $comment: { type: 'string' },
          scenario: { type: 'string', pattern: '^[^:]+\\.feature:[1-9][0-9]*$' },
          requirement: { type: 'string', minLength: 1 },
          encoding: { enum: ['XML', 'JSON'] },
          reason: { type: 'string', minLength: 1 },
        },
      },
    },
  },
} as const;

// Compiled when an expectations file is first read (about 80 ms of CPU; most runs have none).
let compiled: ValidateFunction | undefined;
function validator(): ValidateFunction {
  compiled ??= new Ajv2020({ allErrors: true, strict: true, verbose: true }).compile(SCHEMA);
  return compiled;
}

/** Checks an expectation file's content; `known` are the requirement ids of features/requirements.json. */
export function checkExpectations(file: string, value: unknown, known: ReadonlySet<string>): Expectation[] {
  const validate = validator();
  if (!validate(value)) {
    const lines = describeSchemaErrors(validate.errors ?? []);
    throw new ExpectationError(lines.map((l) => `expectation file ${file}: ${l}`).join('\n'));
  }
  const entries = (value as { expected_failures: Expectation[] }).expected_failures;
  const problems: string[] = [];
  entries.forEach((entry, i) => {
    const key = `expected_failures[${i}]`;
    if ((entry.scenario === undefined) === (entry.requirement === undefined))
      problems.push(`${key}: give scenario or requirement, one of them`);
    if (entry.requirement !== undefined && !known.has(entry.requirement))
      problems.push(`${key}.requirement: ${entry.requirement} is not in features/requirements.json`);
    if (entry.encoding !== undefined && entry.scenario !== undefined)
      problems.push(`${key}.encoding: goes with requirement (a scenario has its own encoding)`);
  });
  if (problems.length > 0)
    throw new ExpectationError(problems.map((p) => `expectation file ${file}: ${p}`).join('\n'));
  return entries;
}

export async function loadExpectations(file: string, known: ReadonlySet<string>): Promise<Expectation[]> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ExpectationError(
      `expectation file ${file}: ${code === 'ENOENT' ? 'no such file' : code ? `cannot be read (${code})` : `not JSON: ${(error as Error).message}`}`,
    );
  }
  return checkExpectations(file, value, known);
}

/** The expectation that covers this scenario, if any. */
export function expectationFor(
  expectations: readonly Expectation[],
  scenario: {
    readonly uri: string;
    readonly line: number;
    readonly requirements: readonly string[];
    readonly encoding?: Encoding;
  },
): Expectation | undefined {
  const place = placeOf(scenario);
  return expectations.find((e) =>
    e.scenario !== undefined
      ? e.scenario === place
      : e.requirement !== undefined &&
        scenario.requirements.includes(e.requirement) &&
        (e.encoding === undefined || e.encoding === scenario.encoding),
  );
}

function describeExpectation(e: Expectation): string {
  return e.scenario ?? `requirement ${e.requirement}${e.encoding ? ` in ${e.encoding}` : ''}`;
}

/** What no longer holds: entries that matched no scenario of the run, and expected failures that passed. */
export function staleExpectations(
  expectations: readonly Expectation[],
  scenarios: readonly ScenarioVerdict[],
): string[] {
  const lines: string[] = [];
  for (const e of expectations) {
    const covered = scenarios.filter((s) => expectationFor([e], s) === e);
    if (covered.length === 0) {
      lines.push(`${describeExpectation(e)}: matches no scenario of this run`);
      continue;
    }
    const passed = covered.filter((s) => s.verdict === 'PASSED');
    if (passed.length > 0 && passed.length === covered.length) {
      lines.push(`${describeExpectation(e)}: expected to fail ("${e.reason}"), now passes`);
    } else {
      for (const s of passed)
        lines.push(`${placeOf(s)} (${describeExpectation(e)}): expected to fail ("${e.reason}"), now passes`);
    }
  }
  return lines;
}
