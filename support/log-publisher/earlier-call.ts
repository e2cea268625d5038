// A line that a fault's scenario finds published after its call may be the scenario before's, published late: a
// controller that publishes from a task of its own does it a moment after it answered, and by then the next
// scenario may have begun (GET /events holds what was emitted since its reset; the stream, what came after its
// mark), or a later one. The harness cannot tell which call a line is from: the failure stays where it was found
// (the controller did publish after a fault), and its reason names the last earlier call on the port, so that
// whoever reads it knows that another requirement may be the one broken.

import { type Arranged, mayReport, type RigReportKind } from './listener.ts';

/** The last scenario that called the Task Interface on a port: what a failure after it may name. */
export interface EarlierCall {
  /** The scenario's name. */
  readonly scenario: string;
  /** The ports (on the target) its calls named. */
  readonly ports: ReadonlySet<number>;
  /** When its last call was answered (performance.now()). */
  readonly answeredAt: number;
  /** Its last answer, in words ("fault 1149"). */
  readonly answer: string;
}

/**
 * The sentence a "published after a fault" failure about `port` adds, when the earlier scenario called that port
 * and was answered no more than `lateMs` (how late a line may come, timeouts.log_ms) before this call's answer;
 * undefined otherwise.
 */
export function earlierCallNote(
  earlier: EarlierCall | undefined,
  port: number,
  answeredAt: number,
  lateMs: number,
): string | undefined {
  if (!earlier?.ports.has(port)) return undefined;
  const before = answeredAt - earlier.answeredAt;
  if (before < 0 || before > lateMs) return undefined;
  return `it may instead be a line of an earlier call on port ${port}, published late: the last one, in the scenario before this one ("${earlier.scenario}"), was answered (${earlier.answer}) ${before.toFixed(1)} ms before this call; such a line breaks that call's requirement, not this scenario's`;
}

/**
 * The sentence a "published after a fault" failure adds when one of its `lines` reads as the rig's report (of a kind
 * it publishes late) of an arrangement older than `lateMs` (timeouts.log_ms), which is therefore not excused: a rig
 * whose reports lag further behind than that makes such failures, and the way out is a longer timeouts.log_ms.
 * `older`: the arrangements kept beyond the window, newest first (RecentArrangements.olderThan). Undefined when none
 * fits.
 */
export function lateReportNote(
  lines: readonly string[],
  older: readonly { readonly ago: number; readonly entry: Arranged }[],
  reports: ReadonlySet<RigReportKind>,
  lateMs: number,
): string | undefined {
  if (reports.size === 0) return undefined;
  for (const line of lines) {
    const fits = older.find(({ entry }) => mayReport(entry, line, reports));
    if (fits)
      return `${JSON.stringify(line)} also reads as the rig's report of its arrangement of port ${fits.entry[0]} ${(fits.ago / 1000).toFixed(1)} s before, later than timeouts.log_ms (${lateMs} ms) excuses: if the rig publishes its arrangements that late, give the target profile a longer timeouts.log_ms`;
  }
  return undefined;
}
