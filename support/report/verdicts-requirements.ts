// Traceability: the requirement table (features/requirements.json), which scenarios cover each requirement
// (@req:ID tags), and each requirement's verdict per encoding. A requirement no scenario covers, or a tag
// naming a requirement the table does not have, makes the suite unusable for a run.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Encoding } from '../model.ts';
import type { ScenarioVerdict, Verdict } from './verdicts.ts';

export interface Requirement {
  readonly id: string;
  readonly source: string;
  readonly text: string;
}

export async function loadRequirements(file: string): Promise<Requirement[]> {
  const value = JSON.parse(await readFile(file, 'utf8')) as { requirements?: Requirement[] };
  if (!Array.isArray(value.requirements)) throw new Error(`${file}: no "requirements" list`);
  return value.requirements;
}

export interface RequirementTag {
  readonly id: string;
  readonly file: string;
  readonly line: number;
}

async function featureFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await featureFiles(full)));
    else if (entry.name.endsWith('.feature')) files.push(full);
  }
  return files;
}

/** Every @req: tag on a tag line of the feature files under `dir` (comments and step text are not tags). */
export async function scanRequirementTags(dir: string, root = path.dirname(dir)): Promise<RequirementTag[]> {
  const tags: RequirementTag[] = [];
  for (const file of await featureFiles(dir)) {
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines.forEach((text, i) => {
      const trimmed = text.trim();
      if (!trimmed.startsWith('@')) return;
      for (const match of trimmed.replace(/\s#.*$/, '').matchAll(/@req:(\S+)/g)) {
        tags.push({ id: match[1] as string, file: path.relative(root, file), line: i + 1 });
      }
    });
  }
  return tags;
}

/** One line per requirement no scenario covers and per tag that names no requirement; empty when traceable. */
export function traceabilityProblems(
  requirements: readonly Requirement[],
  tags: readonly RequirementTag[],
): string[] {
  const known = new Set(requirements.map((r) => r.id));
  const covered = new Set(tags.map((t) => t.id));
  const problems: string[] = [];
  for (const r of requirements)
    if (!covered.has(r.id)) problems.push(`requirement ${r.id} (${r.source}) is covered by no scenario`);
  for (const t of tags)
    if (!known.has(t.id)) problems.push(`${t.file}:${t.line}: @req:${t.id} names no requirement`);
  return problems;
}

export interface RequirementRow extends Requirement {
  /** The verdict per encoding; undefined when no scenario of the run covers it in that encoding. */
  readonly verdicts: Readonly<Record<Encoding, Verdict | undefined>>;
  /** true when one of the FAILED verdicts is expected (--expect). */
  readonly expected: boolean;
  readonly scenarios: number;
}

/** How much a verdict weighs when a requirement's scenarios disagree: a failure or a gap outweighs a pass. */
const WEIGHT: Readonly<Record<Verdict, number>> = {
  'NOT APPLICABLE': 0,
  PASSED: 1,
  INCONCLUSIVE: 2,
  FAILED: 3,
};

function worst(verdicts: readonly Verdict[]): Verdict | undefined {
  return verdicts.reduce<Verdict | undefined>(
    (w, v) => (w === undefined || WEIGHT[v] > WEIGHT[w] ? v : w),
    undefined,
  );
}

/** The requirement × encoding matrix; a scenario without an encoding counts for both. */
export function requirementMatrix(
  requirements: readonly Requirement[],
  scenarios: readonly ScenarioVerdict[],
): RequirementRow[] {
  return requirements.map((r) => {
    const covering = scenarios.filter((s) => s.requirements.includes(r.id));
    const inEncoding = (encoding: Encoding) =>
      worst(
        covering.filter((s) => s.encoding === undefined || s.encoding === encoding).map((s) => s.verdict),
      );
    return {
      ...r,
      verdicts: { XML: inEncoding('XML'), JSON: inEncoding('JSON') },
      expected: covering.some((s) => s.verdict === 'FAILED' && s.expected !== undefined),
      scenarios: covering.length,
    };
  });
}
