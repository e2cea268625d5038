// Stage 8, with --certify: the evidence bundle, its verdict on the console, and the exit code it makes.
import path from 'node:path';
import type { CapabilityCheck } from '../profile/capabilities.ts';
import type { LoadedProfile } from '../profile/profile.ts';
import { CERTIFICATION_EXIT, writeCertification } from '../report/certify.ts';
import type { ReportsDir } from '../report/reports-dir.ts';
import { transportNote } from '../wire/tls.ts';
import { npmTestCommand } from './command.ts';
import { PROJECT_ROOT } from './paths.ts';
import type { RunPlan, RunSettings } from './plan.ts';
import type { ReportFiles } from './reports.ts';
import type { Target } from './target.ts';
import type { JudgedRun } from './verdicts.ts';

export interface CertificationInput {
  readonly plan: RunPlan & { readonly loaded: LoadedProfile };
  readonly settings: RunSettings;
  readonly target: Target;
  readonly reports: ReportsDir;
  readonly files: ReportFiles;
  readonly started: Date;
  readonly finished: Date;
  readonly capabilityChecks: readonly CapabilityCheck[];
  readonly run: JudgedRun;
  readonly junit: string;
}

/** Writes the bundle and says whether the target is certified; the exit code, at least `code`. */
export async function certify(input: CertificationInput, code: number): Promise<number> {
  const { plan, settings, target, run } = input;
  const bundle = await writeCertification({
    root: input.reports.certificationRoot,
    started: input.started,
    finished: input.finished,
    loaded: plan.loaded,
    target: {
      taskUrl: target.taskUrl,
      rigUrl: target.rigUrl,
      transport: transportNote([target.taskUrl, target.rigUrl]),
    },
    seed: settings.seed,
    fuzzRuns: plan.options.fuzzRuns,
    command: npmTestCommand(plan.options.ownArgs),
    capabilityChecks: input.capabilityChecks,
    scenarios: run.scenarios,
    matrix: run.matrix,
    messagesFile: input.files.messages,
    exchangesFile: input.files.exchanges,
    junit: input.junit,
    projectRoot: PROJECT_ROOT,
  });
  console.log(`\ncertification: ${bundle.certified ? 'CERTIFIED' : 'NOT CERTIFIED'}`);
  for (const blocker of bundle.blockers) console.log(`  - ${blocker}`);
  console.log(`bundle: ${path.relative(process.cwd(), bundle.dir) || bundle.dir}/`);
  console.log(
    `MANIFEST.sha256 sha256: ${bundle.manifestSha256} (check with: npm run verify-bundle -- ${path.relative(process.cwd(), bundle.dir)})`,
  );
  return bundle.certified ? code : Math.max(code, CERTIFICATION_EXIT);
}
