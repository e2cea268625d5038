// Runs one property with fast-check: a seed derived from the run's seed, bounded in runs and time, the
// requests validated ahead in batches, and a failure kept with its path, its steps and its exchanges.
import fc from 'fast-check';
import { whenIdle } from '../idle.ts';
import type { Encoding, Exchange } from '../model.ts';
import { type PlannedCall, prevalidateCalls } from '../wire/task-call.ts';
import type { FuzzProperty } from './properties.ts';
import { CannotJudge, Disagreement, type FuzzSession, LateLines, type RunRecord } from './session.ts';

export interface CheckSettings {
  /** The run's seed (printed by the runner); each property and encoding derives its own from it. */
  readonly seed: number;
  /** Runs of the property; the property's default when left out. */
  readonly runs?: number;
  /** `<property>.<encoding>@<fast-check path>[@<replay hint>]`: replay one counterexample (other properties run as usual). */
  readonly path?: string;
  /** Stop starting runs (and shrinking) after this long; default from the runs. */
  readonly timeLimitMs?: number;
}

export interface Counterexample {
  /** What --fuzz-path takes to replay exactly this counterexample. */
  readonly path: string;
  /** The run (1-based, examples first) that first failed. */
  readonly foundAtRun: number;
  readonly shrinks: number;
  readonly steps: readonly string[];
  readonly exchanges: readonly Exchange[];
  readonly message: string;
}

export interface CheckOutcome {
  readonly key: string;
  readonly fastCheckSeed: number;
  readonly requestedRuns: number;
  /** Runs completed (up to and including the first failure). */
  readonly runs: number;
  readonly interrupted: boolean;
  readonly timeLimitMs: number;
  /** The path given was this property's: the runs replayed one counterexample. */
  readonly replayed: boolean;
  readonly elapsedMs: number;
  /** The requests validated ahead of their runs, in how many batches, and the time it took. */
  readonly validation: { readonly requests: number; readonly batches: number; readonly ms: number };
  readonly counterexample?: Counterexample;
  /** As found: the ports that read differently after the property than at its first call on them, one line each. */
  readonly changed: readonly string[];
}

/** A failed run: the disagreement, with the steps and exchanges of that run. */
class RunFailure extends Error {
  constructor(
    message: string,
    readonly record: RunRecord,
  ) {
    super(message);
  }
}

/** How many candidates of each shrink step have their requests validated together. */
const SHRINK_LOOKAHEAD = 64;

/**
 * Wraps an arbitrary so that, whenever fast-check asks for shrinks, the requests of the next candidates
 * are validated in one batch (the schema memo keeps the verdicts until callTask asks for them); and so that the runs
 * get the very values sampled ahead of them (RunsAhead) instead of generating them a second time.
 */
class PrevalidatingArbitrary<T> extends fc.Arbitrary<T> {
  /**
   * The values fc.sample drew, by their index among the generated ones (examples are not generated), while
   * RunsAhead samples; and how many values fc.check has generated. fc.sample and fc.check draw value i from the same
   * seed, the same independent random generator (a clone jumped i times) and the same bias: the same value, the
   * same shrinking context. A value is handed out once (a run may change a cloneable value, fast-check's commands).
   */
  private readonly sampled = new Map<
    number,
    { readonly bias: number | undefined; readonly value: fc.Value<T> }
  >();
  private sampling: number | undefined;
  private generated = 0;

  constructor(
    private readonly inner: fc.Arbitrary<T>,
    private readonly plan: (value: T) => PlannedCall[],
  ) {
    super();
  }
  /** fc.sample(this) in `draw` records what it generates, for fc.check to use. */
  sample<R>(draw: () => R): R {
    this.sampling = 0;
    try {
      return draw();
    } finally {
      this.sampling = undefined;
    }
  }
  generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<T> {
    if (this.sampling !== undefined) {
      const index = this.sampling++;
      const value = this.inner.generate(mrng, biasFactor);
      if (index >= this.generated) this.sampled.set(index, { bias: biasFactor, value });
      return value;
    }
    const index = this.generated++;
    const sampled = this.sampled.get(index);
    if (sampled === undefined) return this.inner.generate(mrng, biasFactor);
    this.sampled.delete(index);
    return sampled.bias === biasFactor ? sampled.value : this.inner.generate(mrng, biasFactor);
  }
  canShrinkWithoutContext(value: unknown): value is T {
    return this.inner.canShrinkWithoutContext(value);
  }
  shrink(value: T, context: unknown): fc.Stream<fc.Value<T>> {
    const stream = this.inner.shrink(value, context);
    const head: fc.Value<T>[] = [];
    while (head.length < SHRINK_LOOKAHEAD) {
      const next = stream.next();
      if (next.done) break;
      head.push(next.value);
    }
    // Started now, awaited by each callTask: an invalid request surfaces there as a harness bug.
    prevalidateCalls(head.flatMap((candidate) => this.plan(candidate.value_))).catch(() => {});
    return fc.Stream.of(...head).join(stream);
  }
}

/** Runs whose requests the first batch validates: every run of a default property. */
const FIRST_BATCH_RUNS = 200;

/**
 * Validates the requests of the runs ahead, known from the seed, in batches that double in size: one batch
 * (validated together, off the calls' path) for a default property, a few for a long one, and never all of a huge one up front.
 */
class RunsAhead<T> {
  private runs = 0;
  /** The values of the runs sampled so far, in the order fc.check runs them until a failure. */
  private values: readonly T[] = [];
  readonly validated = { requests: 0, batches: 0, ms: 0 };

  constructor(
    private readonly arbitrary: PrevalidatingArbitrary<T>,
    private readonly seed: number,
    private readonly examples: readonly T[],
    private readonly total: number,
    private readonly plan: (value: T) => PlannedCall[],
    /** As found: reads the ports of these values ahead, together (their answers are then validated in one go). */
    private readonly readAhead?: (values: readonly T[]) => Promise<void>,
  ) {}

  async before(run: number): Promise<void> {
    if (run < this.runs || this.runs >= this.total) return;
    const started = performance.now();
    const upTo = Math.min(this.total, Math.max(FIRST_BATCH_RUNS, this.runs * 2));
    // sample the arbitrary, not the property: sample() reads a property as an arbitrary and biases it differently
    const draw = () =>
      fc.sample(this.arbitrary, {
        seed: this.seed,
        numRuns: upTo,
        examples: [...this.examples],
      });
    const values = this.arbitrary.sample(draw);
    this.values = values;
    const calls = values.slice(this.runs).flatMap((value) => this.plan(value));
    // validated in the waits for the target's answers (support/idle.ts), in the order of the runs; a request whose
    // turn has not come when its run sends it is validated then, by callTask, which holds an invalid one a harness
    // bug. Those still queued when the property ends (a failure, the time limit) are dropped, not done in the waits of
    // the scenarios after it.
    for (const call of calls)
      whenIdle(() => {
        if (this.stopped) return;
        const begun = performance.now();
        this.validated.requests++;
        prevalidateCalls([call]).then(
          () => {
            this.validated.ms += performance.now() - begun;
          },
          () => {},
        );
      });
    await this.readAhead?.(values.slice(this.runs));
    this.runs = upTo;
    this.validated.batches++;
    this.validated.ms += performance.now() - started;
  }

  /** The property has ended: the validations still queued are not done. */
  stop(): void {
    this.stopped = true;
  }

  private stopped = false;

  /** The value of run `run` as sampled, if it was. */
  value(run: number): T | undefined {
    return run < this.values.length ? this.values[run] : undefined;
  }
}

/** FNV-1a: a stable 32-bit number for a property key. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (const char of text) {
    h ^= char.codePointAt(0) as number;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function propertyKey(property: { readonly id: string }, encoding: Encoding): string {
  return `${property.id}.${encoding.toLowerCase()}`;
}

/** Each property and encoding gets its own stream of values from the one seed of the run. */
export function deriveSeed(seed: number, key: string): number {
  return (seed ^ hash(key)) | 0;
}

export function defaultTimeLimitMs(runs: number): number {
  return Math.max(60_000, runs * 600);
}

export async function checkProperty<T>(
  property: FuzzProperty<T>,
  session: FuzzSession,
  settings: CheckSettings,
): Promise<CheckOutcome> {
  const encoding = session.encoding;
  const key = propertyKey(property, encoding);
  const fastCheckSeed = deriveSeed(settings.seed, key);
  const requestedRuns = settings.runs ?? property.defaultRuns;
  const timeLimitMs = settings.timeLimitMs ?? defaultTimeLimitMs(requestedRuns);
  // <key>@<fast-check path>[@<replay hint>]; a path for another property leaves this one alone
  const [pathKey, ownPath, hint] = settings.path?.split('@') ?? [];
  const replaying = pathKey === key && ownPath !== undefined;
  const plan = (value: T) => property.plan(value, encoding);
  const started = performance.now();

  // A harness or rig fault is not a counterexample: it stops the property instead of being shrunk.
  let fault: unknown;
  let inFlight: Promise<void> | undefined;
  let generated = 0;
  let shrinking = false;
  const arbitrary = new PrevalidatingArbitrary(
    property.arbitrary(encoding, replaying ? hint : undefined),
    plan,
  );
  const opening = session.hasRig ? property.opening : undefined;
  const reads = property.reads;
  const readAhead = reads
    ? (values: readonly T[]) => session.readAhead(values.flatMap((value) => reads(value, encoding)))
    : undefined;
  const ahead = new RunsAhead(
    arbitrary,
    fastCheckSeed,
    property.examples(encoding),
    requestedRuns,
    plan,
    readAhead,
  );
  const predicate = async (value: T): Promise<void> => {
    if (fault !== undefined) return;
    // Runs come in the order fc.sample gives them until the first failure; shrinks are the wrapper's business.
    if (!shrinking && !replaying) {
      await ahead.before(generated);
      // the next run's opening may go ahead with this run's last read-back (it is used only if it is the next's)
      const next = opening ? ahead.value(generated + 1) : undefined;
      session.prepareNext(next === undefined || !opening ? undefined : opening(next));
      generated++;
    } else session.prepareNext(undefined);
    // a run may change a cloneable value (fast-check's commands): the repeat below gets it as it was
    const pristine = fc.hasCloneMethod(value) ? fc.cloneIfNeeded(value) : value;
    let record = session.begin();
    const start = (run: T): Promise<void> => {
      const attempt = property.run(run, session);
      inFlight = attempt.then(
        () => {},
        () => {},
      );
      return attempt;
    };
    try {
      try {
        await start(value);
      } catch (error) {
        if (!(error instanceof LateLines)) throw error;
        // the first late line on this target: once it is in, the same run again, its lines awaited from now on
        await session.settleLate(error.missing);
        record = session.begin();
        await start(pristine);
      }
      session.endRun();
    } catch (error) {
      // as found, a port that moved since the site was read: the run is not sent, fast-check draws another
      if (fc.PreconditionFailure.isFailure(error)) throw error;
      if (!(error instanceof Disagreement)) {
        fault ??= error;
        return;
      }
      // the first failure: a rig that did not arrange the run as asked is no finding about the controller
      const misarranged = shrinking ? undefined : await session.misarranged().catch(() => undefined);
      if (misarranged !== undefined) {
        fault ??= new CannotJudge(misarranged, 'rig');
        return;
      }
      shrinking = true;
      throw new RunFailure(error.message, record);
    } finally {
      // the lines a run's successes publish a moment late are its own, never the next run's (it judges nothing)
      await session.settleRun().catch(() => undefined);
    }
  };
  const parameters: fc.Parameters<[T]> = {
    seed: fastCheckSeed,
    numRuns: requestedRuns,
    examples: property.examples(encoding).map((example): [T] => [example]),
    interruptAfterTimeLimit: timeLimitMs,
    markInterruptAsFailure: false,
    ...(replaying ? { path: ownPath } : {}),
  };
  const details = await fc.check(fc.asyncProperty(arbitrary, predicate), parameters);
  ahead.stop();
  await inFlight; // an interrupted run finishes its calls before the next scenario resets the rig
  await session.settleEnd().catch(() => undefined);
  if (fault !== undefined) throw fault;
  // as found, nothing the property sent may have changed a port it called (with a rig nothing was read: none)
  const changed = await session.changes();

  const outcome = {
    key,
    fastCheckSeed,
    requestedRuns,
    runs: details.numRuns,
    interrupted: details.interrupted,
    timeLimitMs,
    replayed: replaying,
    elapsedMs: performance.now() - started,
    validation: ahead.validated,
    changed,
  };
  // fast-check fails a property interrupted before any run ended, with no counterexample: that is no finding
  if (details.failed && details.counterexample === null) return { ...outcome, runs: 0, interrupted: true };
  if (!details.failed) return outcome;
  const error = details.errorInstance;
  const [counterexample] = details.counterexample ?? [];
  const replayHint = counterexample === undefined ? undefined : property.replayHint?.(counterexample);
  const record = error instanceof RunFailure ? error.record : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return {
    ...outcome,
    counterexample: {
      path: [key, details.counterexamplePath ?? '', ...(replayHint ? [replayHint] : [])].join('@'),
      foundAtRun: details.numRuns,
      shrinks: details.numShrinks,
      steps: record ? [...record.steps, message] : [message],
      exchanges: record?.exchanges ?? [],
      message,
    },
  };
}
