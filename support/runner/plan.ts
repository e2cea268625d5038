// Stage 1, the options: the command line, the target profile, the requirements the suite must trace to and the
// expectation file; then what follows from them for this run (the call deadline, the seed).
import { randomInt } from 'node:crypto';
import path from 'node:path';
import type { Encoding } from '../model.ts';
import {
  checkCertifyOptions,
  DEFAULT_TIMEOUT_MS,
  type HarnessOptions,
  parseOptions,
  USAGE,
} from '../options.ts';
import { type LoadedProfile, loadProfile } from '../profile/profile.ts';
import { type Expectation, loadExpectations } from '../report/verdicts-expect.ts';
import {
  loadRequirements,
  type Requirement,
  scanRequirementTags,
  traceabilityProblems,
} from '../report/verdicts-requirements.ts';
import { FEATURES_DIR, PROJECT_ROOT, REQUIREMENTS_FILE } from './paths.ts';
import { RunError } from './run-error.ts';
import { planWorkers, type WorkerPlan } from './workers.ts';

export interface RunPlan {
  readonly options: HarnessOptions;
  readonly loaded?: LoadedProfile;
  readonly requirements: readonly Requirement[];
  /** --expect: the target's known failures. */
  readonly expectations?: readonly Expectation[];
  /** The cucumber workers (--parallel, or its default on the embedded emulator) and what each keeps to. */
  readonly workers: WorkerPlan;
}

/** The plan of the run the command line asks for; undefined when it asks only for the usage (printed). */
export async function planRun(argv: readonly string[]): Promise<RunPlan | undefined> {
  const options = parseOptions(argv);
  if (options.help) {
    console.log(USAGE);
    return undefined;
  }
  const loaded = options.targetProfile ? await loadProfile(options.targetProfile) : undefined;
  if (options.certify) checkCertifyOptions(options, loaded !== undefined);
  const workers = planWorkers(options, loaded);

  const requirements = await loadRequirements(REQUIREMENTS_FILE);
  const untraceable = traceabilityProblems(requirements, await scanRequirementTags(FEATURES_DIR));
  if (untraceable.length > 0) {
    throw new RunError(
      `the suite does not trace to its requirements (${path.relative(PROJECT_ROOT, REQUIREMENTS_FILE)}):\n  ${untraceable.join('\n  ')}`,
    );
  }
  const expectations = options.expect
    ? await loadExpectations(options.expect, new Set(requirements.map((r) => r.id)))
    : undefined;
  return { options, loaded, requirements, expectations, workers };
}

export interface RunSettings {
  /** The deadline of one call: --timeout, else the profile's, else the default. */
  readonly timeoutMs: number;
  /** fast-check's seed: --seed, else a new one (printed, to replay the run). */
  readonly seed: number;
  readonly encodings: readonly Encoding[];
}

function encodingsOf(choice: HarnessOptions['encoding']): Encoding[] {
  if (choice === 'xml') return ['XML'];
  if (choice === 'json') return ['JSON'];
  return ['XML', 'JSON'];
}

/** The run's deadline, seed and encodings; warns of an --interactive run that nobody can answer. */
export function settleRun({ options, loaded }: RunPlan): RunSettings {
  if (options.interactive && !process.stdin.isTTY)
    console.warn(
      'harness: --interactive: standard input is not a terminal; scenarios that need an operator are INCONCLUSIVE',
    );
  if (options.interactive && !loaded?.profile.capabilities.operator)
    console.warn(
      'harness: --interactive: the profile declares no operator (capabilities.operator); nobody will be asked',
    );
  if (options.operatorCommand && !loaded?.profile.capabilities.operator)
    console.warn(
      'harness: --operator-command: the profile declares no operator (capabilities.operator); the command will not be run',
    );
  return {
    timeoutMs: options.timeoutMs ?? loaded?.profile.timeouts?.call_ms ?? DEFAULT_TIMEOUT_MS,
    seed: options.seed ?? randomInt(0, 2 ** 31 - 1),
    encodings: encodingsOf(options.encoding),
  };
}
