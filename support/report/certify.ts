// The certification bundle (--certify): reports/certification/<UTC stamp>/ with what a reviewer needs to trust
// a run: summary.md and summary.json (target identity, harness version and commit, schema hashes, seed, the
// requirement × encoding verdicts, counts), every exchange, junit.xml, cucumber's messages, the profile with
// its secrets redacted, and MANIFEST.sha256 over all of them (npm run verify-bundle checks it).
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { schemaHashes } from '../checks/schema.ts';
import type { CapabilityCheck } from '../profile/capabilities.ts';
import { type LoadedProfile, redactProfile, sha256 } from '../profile/profile.ts';
import { type HarnessIdentity, harnessIdentity } from './harness-identity.ts';
import { countVerdicts, placeOf, type ScenarioVerdict, type Verdict, verdictLine } from './verdicts.ts';
import type { RequirementRow } from './verdicts-requirements.ts';
import { MANIFEST, manifestOf } from './verify-bundle.ts';

/** The exit code of a run that is not certified (a FAILED, or an INCONCLUSIVE that blocks it). */
export const CERTIFICATION_EXIT = 1;
export const BUNDLE_FORMAT = 'autostore-conformance/certification/1';

export interface CertificationInput {
  /** reports/certification */
  readonly root: string;
  readonly started: Date;
  readonly finished: Date;
  readonly loaded: LoadedProfile;
  readonly target: {
    readonly taskUrl: string;
    readonly rigUrl?: string;
    /** How certificates were trusted (wire/tls.ts transportNote). */
    readonly transport?: { readonly tls: string; readonly ca?: string };
  };
  readonly seed: number;
  readonly fuzzRuns?: number;
  /** The command as given (our own flags only: no secret is ever one of them). */
  readonly command: string;
  readonly capabilityChecks: readonly CapabilityCheck[];
  readonly scenarios: readonly ScenarioVerdict[];
  readonly matrix: readonly RequirementRow[];
  readonly messagesFile: string;
  readonly exchangesFile: string;
  readonly junit: string;
  readonly projectRoot: string;
}

export interface Bundle {
  readonly dir: string;
  readonly certified: boolean;
  readonly blockers: readonly string[];
  readonly manifestSha256: string;
}

/** 2026-11-27T21:51:13.975Z → 20261127T215113Z */
export function utcStamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}

/** Why the run does not certify the target; empty when it does. */
export function certificationBlockers(
  scenarios: readonly ScenarioVerdict[],
  matrix: readonly RequirementRow[],
): string[] {
  const counts = countVerdicts(scenarios);
  const blockers: string[] = [];
  if (counts.FAILED > 0) blockers.push(`${counts.FAILED} scenario(s) FAILED`);
  if (counts.INCONCLUSIVE > 0)
    blockers.push(
      `${counts.INCONCLUSIVE} scenario(s) INCONCLUSIVE: an unverified requirement blocks certification`,
    );
  const uncovered = matrix.filter((r) => r.scenarios === 0).map((r) => r.id);
  if (uncovered.length > 0) blockers.push(`requirements without a verdict: ${uncovered.join(', ')}`);
  return blockers;
}

const cell = (v: Verdict | undefined, expected: boolean) =>
  v === undefined ? '—' : v === 'FAILED' && expected ? 'FAILED (expected)' : v;

const mdEscape = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function summaryMarkdown(summary: Summary): string {
  const { target, harness, counts } = summary;
  const lines = [
    `# Certification: ${target.identity.vendor}, ${target.identity.product}, ${target.identity.software_release}`,
    '',
    `**${summary.verdict}**${summary.blockers.length > 0 ? `: ${summary.blockers.join('; ')}` : ''}`,
    '',
    '| | |',
    '|---|---|',
    `| vendor | ${mdEscape(target.identity.vendor)} |`,
    `| product | ${mdEscape(target.identity.product)} |`,
    `| software release | ${mdEscape(target.identity.software_release)} |`,
    `| Task Interface | ${target.task_url} |`,
    `| rig | ${target.rig_url ?? 'none'} |`,
    ...(target.transport === undefined
      ? []
      : [
          `| TLS | ${target.transport.tls}${target.transport.ca ? `, authorities ${target.transport.ca}` : ''} |`,
        ]),
    `| profile | ${summary.profile.file} (sha256 of profile.json ${summary.profile.sha256}) |`,
    `| harness | ${harness.name} ${harness.version}, commit ${harness.commit}${harness.modified ? ' with a modified working tree' : ''} |`,
    `| seed | ${summary.seed}${summary.fuzz_runs === undefined ? '' : `, ${summary.fuzz_runs} runs per property`} |`,
    `| run | ${summary.started} to ${summary.finished} (${summary.duration_s} s) |`,
    `| command | \`${summary.command}\` |`,
    '',
    '## Counts',
    '',
    '| PASSED | FAILED | NOT APPLICABLE | INCONCLUSIVE | scenarios |',
    '|---|---|---|---|---|',
    `| ${counts.PASSED} | ${counts.FAILED} | ${counts['NOT APPLICABLE']} | ${counts.INCONCLUSIVE} | ${counts.total} |`,
    '',
    '## Declared capabilities, checked against the target before the run',
    '',
    ...summary.capability_checks.map(
      (c) => `- ${c.ok ? 'ok' : 'NOT AS DECLARED'}: \`${c.key}\`: ${mdEscape(c.detail)}`,
    ),
    '',
    '## Requirements',
    '',
    '| requirement | source | XML | JSON | scenarios | requirement text |',
    '|---|---|---|---|---|---|',
    ...summary.requirements.map(
      (r) =>
        `| ${r.id} | ${r.source} | ${cell(r.verdicts.XML, r.expected)} | ${cell(r.verdicts.JSON, r.expected)} | ${r.scenarios} | ${mdEscape(r.text)} |`,
    ),
    '',
    '## Scenarios that did not pass',
    '',
    ...(summary.scenarios.filter((s) => s.verdict !== 'PASSED').length === 0
      ? ['None.']
      : summary.scenarios
          .filter((s) => s.verdict !== 'PASSED')
          .map((s) => `- \`${s.scenario}\` ${mdEscape(s.name)}: ${mdEscape(verdictLine(s))}`)),
    '',
    '## Schemas (sha256)',
    '',
    '| file | sha256 |',
    '|---|---|',
    ...Object.entries(summary.schemas).map(([file, digest]) => `| ${file} | ${digest} |`),
    '',
    '## Files of this bundle',
    '',
    '- `summary.json`: this summary, machine-readable, with every scenario and its verdict',
    '- `exchanges.ndjson`: every exchange with the target, one JSON object a line, by scenario',
    '- `junit.xml`: the verdicts as JUnit',
    "- `messages.ndjson`: cucumber's message stream, each scenario's verdict attached",
    '- `profile.json`: the target profile, secrets replaced by ***',
    '- `MANIFEST.sha256`: sha256 of every file; check with `npm run verify-bundle -- <this directory>`',
    '',
  ];
  return lines.join('\n');
}

interface Summary {
  readonly format: string;
  readonly verdict: 'CERTIFIED' | 'NOT CERTIFIED';
  readonly blockers: readonly string[];
  readonly target: {
    readonly identity: LoadedProfile['profile']['identity'];
    readonly task_url: string;
    readonly rig_url?: string;
    readonly transport?: { readonly tls: string; readonly ca?: string };
  };
  readonly harness: HarnessIdentity;
  readonly node: string;
  readonly schemas: Record<string, string>;
  readonly seed: number;
  readonly fuzz_runs?: number;
  readonly started: string;
  readonly finished: string;
  readonly duration_s: number;
  readonly command: string;
  readonly profile: { readonly file: string; readonly sha256: string };
  readonly capability_checks: readonly CapabilityCheck[];
  readonly counts: ReturnType<typeof countVerdicts>;
  readonly requirements: readonly RequirementRow[];
  readonly scenarios: readonly {
    readonly scenario: string;
    readonly name: string;
    readonly encoding?: string;
    readonly requirements: readonly string[];
    readonly verdict: Verdict;
    readonly reason?: string;
  }[];
}

async function freshDir(root: string, stamp: string): Promise<string> {
  await mkdir(root, { recursive: true });
  for (let n = 1; ; n++) {
    const dir = path.join(root, n === 1 ? stamp : `${stamp}-${n}`);
    try {
      await mkdir(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

export async function writeCertification(input: CertificationInput): Promise<Bundle> {
  const dir = await freshDir(input.root, utcStamp(input.finished));
  const blockers = certificationBlockers(input.scenarios, input.matrix);
  const profileJson = `${JSON.stringify(redactProfile(input.loaded.profile), null, 2)}\n`;
  const summary: Summary = {
    format: BUNDLE_FORMAT,
    verdict: blockers.length === 0 ? 'CERTIFIED' : 'NOT CERTIFIED',
    blockers,
    target: {
      identity: input.loaded.profile.identity,
      task_url: input.target.taskUrl,
      ...(input.target.rigUrl ? { rig_url: input.target.rigUrl } : {}),
      ...(input.target.transport ? { transport: input.target.transport } : {}),
    },
    harness: await harnessIdentity(input.projectRoot),
    node: process.version,
    schemas: await schemaHashes(),
    seed: input.seed,
    ...(input.fuzzRuns === undefined ? {} : { fuzz_runs: input.fuzzRuns }),
    started: input.started.toISOString(),
    finished: input.finished.toISOString(),
    duration_s: Math.round((input.finished.getTime() - input.started.getTime()) / 100) / 10,
    command: input.command,
    profile: { file: input.loaded.file, sha256: sha256(profileJson) },
    capability_checks: input.capabilityChecks,
    counts: countVerdicts(input.scenarios),
    requirements: input.matrix,
    scenarios: input.scenarios.map((s) => ({
      scenario: placeOf(s),
      name: s.name,
      encoding: s.encoding,
      requirements: s.requirements,
      verdict: s.verdict,
      ...(s.reason === undefined ? {} : { reason: s.reason }),
      ...(s.expected === undefined ? {} : { expected: s.expected }),
    })),
  };
  await writeFile(path.join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  await writeFile(path.join(dir, 'summary.md'), summaryMarkdown(summary));
  await writeFile(path.join(dir, 'profile.json'), profileJson);
  await writeFile(path.join(dir, 'junit.xml'), input.junit);
  await copyFile(input.messagesFile, path.join(dir, 'messages.ndjson'));
  await copyFile(input.exchangesFile, path.join(dir, 'exchanges.ndjson'));
  const manifest = await manifestOf(dir);
  await writeFile(path.join(dir, MANIFEST), manifest);
  return { dir, certified: blockers.length === 0, blockers, manifestSha256: sha256(manifest) };
}
