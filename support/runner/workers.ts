// How many cucumber workers run the suite (cucumber's own --parallel), and what each may touch: on the embedded
// emulator an emulator each; on any other target only a port set of the profile's each (parallel.port_sets), or
// one scenario at a time. Decided before anything starts; a combination that cannot be kept apart is one line.
import { type HarnessOptions, UsageError } from '../options.ts';
import type { LoadedProfile } from '../profile/profile.ts';
import { portIdsOf } from '../profile/profile.ts';
import { targetAddress } from './target.ts';

/**
 * --parallel when none is given, on the embedded emulator: none, the scenarios in cucumber's own process. Measured
 * on 2 cores at load 1 (docs/bench.md, "The suite across workers"): `npm test` took 4.7 to 5.2 s in one process
 * and 7.0 to 7.2 s with two workers, with 1.65 times the CPU; each worker loads the support code again, and a
 * scenario costs more CPU in a worker (its messages cross a pipe). --parallel N gives N workers, each with an
 * emulator of its own.
 */
export const DEFAULT_EMBEDDED_PARALLEL = 0;
/** Each worker is a process with its own emulator: more than this is a typo, not a faster run. */
export const MAX_PARALLEL = 32;

export interface WorkerPlan {
  /** cucumber's worker processes; 0: the scenarios run in cucumber's own process. */
  readonly workers: number;
  /** Added to cucumber's arguments: the default --parallel, when none was given. */
  readonly args: readonly string[];
  /** With a target other than the embedded emulator and several workers: the port ids each worker keeps to. */
  readonly portSets?: readonly (readonly number[])[];
}

/** The --parallel a command line gives cucumber (its last, as cucumber reads it), or undefined. */
export function requestedParallel(cucumberArgs: readonly string[]): number | undefined {
  let raw: string | undefined;
  let found = false;
  for (let i = 0; i < cucumberArgs.length; i++) {
    const arg = cucumberArgs[i] as string;
    if (arg === '--') break;
    if (arg === '--parallel') {
      found = true;
      raw = cucumberArgs[i + 1];
      i++;
    } else if (arg.startsWith('--parallel=')) {
      found = true;
      raw = arg.slice('--parallel='.length);
    }
  }
  if (!found) return undefined;
  if (raw === undefined) throw new UsageError('--parallel needs a number of workers');
  if (!/^\d+$/.test(raw)) throw new UsageError(`--parallel ${raw}: expected a whole number of workers`);
  const n = Number(raw);
  if (n > MAX_PARALLEL) throw new UsageError(`--parallel ${raw}: expected 0 to ${MAX_PARALLEL} workers`);
  return n;
}

/** Where the run's target is, as far as the workers care: the embedded emulator, or a target with or without a rig. */
export interface TargetKind {
  readonly embedded: boolean;
  readonly rig: boolean;
}

/** What the flags and the profile make the target, before it is opened (with openTarget's targetAddress). */
export function targetKind(options: HarnessOptions, loaded: LoadedProfile | undefined): TargetKind {
  const rig = options.rig !== undefined || loaded?.profile.capabilities.rig === true;
  return { embedded: targetAddress(options, loaded) === 'emulator', rig };
}

/**
 * A run of one scenario, as a failure's re-run command gives it (a feature path with its line, or the replay of
 * one counterexample): a second worker would only add its start-up.
 */
function oneScenario(options: HarnessOptions): boolean {
  return options.fuzzPath !== undefined || options.cucumberArgs.some((a) => /\.feature:\d+$/.test(a));
}

/** The workers of the run; throws a one-line UsageError for a combination whose workers could not be kept apart. */
export function planWorkers(
  options: HarnessOptions,
  loaded: LoadedProfile | undefined,
  kind: TargetKind = targetKind(options, loaded),
): WorkerPlan {
  const requested = requestedParallel(options.cucumberArgs);
  if (options.interactive && requested !== undefined)
    throw new UsageError('--interactive asks one operator at one terminal: it refuses --parallel');
  if (requested === undefined) {
    const workers =
      kind.embedded && !options.interactive && !oneScenario(options) ? DEFAULT_EMBEDDED_PARALLEL : 0;
    return { workers, args: workers > 0 ? ['--parallel', String(workers)] : [] };
  }
  if (requested <= 1 || kind.embedded) return { workers: requested, args: [] };
  const n = requested;
  if (kind.rig)
    throw new UsageError(
      `--parallel ${n}: a rig's POST /reset and GET /events are the whole target's (docs/rig-control.md), so workers on one rig would undo and read each other's scenarios whatever ports they keep to: run a target with a rig without --parallel`,
    );
  if (loaded?.profile.capabilities.task_interface_arrangement)
    throw new UsageError(
      `--parallel ${n}: arranging through the Task Interface uses an AutoCase port by the scenario's own id, so a worker cannot be kept to its port set: with capabilities.task_interface_arrangement, run without --parallel`,
    );
  const sets = loaded?.profile.parallel?.port_sets;
  if (sets === undefined)
    throw new UsageError(
      `--parallel ${n}: the workers would share this target's ports, and one scenario's reading or probe would meet another's; give the profile parallel.port_sets (one disjoint set of ports a worker), or run without --parallel`,
    );
  if (sets.length < n)
    throw new UsageError(
      `--parallel ${n}: the profile ${loaded?.file} names ${sets.length} port set${sets.length === 1 ? '' : 's'} (parallel.port_sets): one a worker is needed`,
    );
  return { workers: n, args: [], portSets: sets.slice(0, n).map((set) => portIdsOf(set)) };
}
