// Pure helpers of the benchmark: order statistics of a few samples, ratios, and how a budget is judged.

/** The median, minimum and maximum of the measured runs (the warm-up is not among them). */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
  /** Every measured value, in the order measured. */
  readonly samples: readonly number[];
}

function sorted(values: readonly number[]): number[] {
  if (values.length === 0) throw new RangeError('no samples');
  for (const value of values) {
    if (!Number.isFinite(value)) throw new RangeError(`not a finite sample: ${value}`);
  }
  return [...values].sort((a, b) => a - b);
}

/** The middle value; the mean of the two middle values for an even count. */
export function median(values: readonly number[]): number {
  const s = sorted(values);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * The p-th percentile (0 to 100) by the nearest-rank method: the smallest sample with at least p% of the
 * samples at or below it. p = 0 gives the minimum, p = 100 the maximum.
 */
export function percentile(values: readonly number[], p: number): number {
  return percentiles(values, [p])[0] as number;
}

/** Several percentiles of the same samples, sorting them once. */
export function percentiles(values: readonly number[], ps: readonly number[]): number[] {
  for (const p of ps) {
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is not 0 to 100`);
  }
  const s = sorted(values);
  return ps.map((p) => s[Math.max(1, Math.ceil((p / 100) * s.length)) - 1] as number);
}

export function summarise(values: readonly number[]): Summary {
  const s = sorted(values);
  return {
    median: median(s),
    min: s[0] as number,
    max: s[s.length - 1] as number,
    runs: values.length,
    samples: [...values],
  };
}

/** a / b, and undefined when b is not a positive number (a ratio over nothing is no figure). */
export function ratio(a: number, b: number): number | undefined {
  return b > 0 && Number.isFinite(a) && Number.isFinite(b) ? a / b : undefined;
}

/** A budget: the figure must be at most (≤) or at least (≥) the limit. */
export interface Budget {
  readonly name: string;
  readonly figure: string;
  readonly limit: number;
  readonly direction: 'at-most' | 'at-least';
  readonly unit: string;
}

export interface Judged extends Budget {
  /** The median measured; undefined when it could not be measured (which misses the budget). */
  readonly value: number | undefined;
  readonly met: boolean;
  /**
   * What the same run measured beside the figure, to read a verdict by: the bare server's own p99 beside the
   * emulator's, the requests a fuzz call makes. Words and figures; never part of the verdict.
   */
  readonly beside?: string;
}

export function judge(budget: Budget, value: number | undefined, beside?: string): Judged {
  const met =
    value !== undefined &&
    Number.isFinite(value) &&
    (budget.direction === 'at-most' ? value <= budget.limit : value >= budget.limit);
  return beside === undefined ? { ...budget, value, met } : { ...budget, value, met, beside };
}

/** Rounds for the report: 3 significant digits, never more than 3 decimals. */
export function round(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const digits = Math.max(0, Math.min(3, 2 - Math.floor(Math.log10(Math.abs(value)))));
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
