// A line that a fault's scenario finds published after its call may be the scenario before's, published late: a
// controller that publishes from a task of its own does it a moment after it answered, and by then the next
// scenario may have begun (GET /events holds what was emitted since its reset; the stream, what came after its
// mark), or a later one. The harness cannot tell which call a line is from: the failure stays where it was found
// (the controller did publish after a fault), and its reason names the last earlier call on the port, so that
// whoever reads it knows that another requirement may be the one broken.

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
