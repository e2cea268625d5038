// The Log Publisher as the scenarios of one cucumber process see it: one connection, opened on first use and
// closed after the run, and the two judgments the scenarios make of it (docs/certification.md): an expected line
// arrives within a deadline, and nothing is published for a port within a quiet window after a fault.
import type { Unreachable } from '../arrange/arrange.ts';
import { withoutCancelSignals } from '../spec.ts';
import { concernsPort, describeLines, type LogLine, LogListener, type Mark } from './listener.ts';
import { tlsDial } from './tls-dial.ts';

/** Where the stream is, and how long to wait on it (what the runner hands every cucumber process). */
export interface LogPublisherConfig {
  readonly host: string;
  readonly port: number;
  /** Over TLS (tls://HOST:PORT), trusted as the run's certificates are (wire/tls.ts). */
  readonly tls?: boolean;
  /** How long an expected line may take to arrive after the call (profile timeouts.log_ms). */
  readonly expectMs: number;
  /** How long after a fault nothing may arrive for its port (profile timeouts.log_quiet_ms). */
  readonly quietMs: number;
}

export const DEFAULT_LOG_EXPECT_MS = 2_000;
/** Without a rig the stream is the only witness: a controller may publish a moment after it answers. */
export const DEFAULT_LOG_QUIET_MS = 200;
/** With a rig, GET /events is the witness; the stream is read as far as it has arrived when the port is read back. */
export const DEFAULT_LOG_QUIET_MS_WITH_RIG = 0;

let opened: Promise<LogListener | Unreachable> | undefined;

/**
 * How many times a run connects again to a Log Publisher that closed its connection (one that closes idle clients,
 * or restarts): bounded, so that one that closes every connection at once does not cost a connection a scenario.
 */
export const MAX_RECONNECTS = 20;
let reconnects = 0;
/** What the last connection made again followed, for the first scenario that uses it to say (takeReconnection). */
let reconnection: string | undefined;

function connect(config: LogPublisherConfig): Promise<LogListener | Unreachable> {
  return LogListener.connect({
    host: config.host,
    port: config.port,
    dial: config.tls ? tlsDial : undefined,
  }).catch(
    (error: Error): Unreachable => ({
      verdict: 'INCONCLUSIVE',
      reason: `the Log Publisher could not be read: ${error.message}`,
    }),
  );
}

/**
 * The process's connection to the Log Publisher (opened once), or why there is none. With `renew` (at the start of a
 * scenario, before it takes any mark on the stream), a connection the Log Publisher closed is made again, at most
 * MAX_RECONNECTS times a run: the scenarios after it are judged on the stream again. A scenario whose connection
 * closes while it runs stays INCONCLUSIVE for what it needed of the stream (its marks are that connection's).
 */
export async function logStream(
  config: LogPublisherConfig,
  options: { readonly renew?: boolean } = {},
): Promise<LogListener | Unreachable> {
  opened ??= connect(config);
  const current = await opened;
  // a connection that closed, or a connection made again that failed (a Log Publisher restarting): tried again
  const gone =
    current instanceof LogListener ? current.closed?.reason : reconnects > 0 ? current.reason : undefined;
  if (!options.renew || gone === undefined || reconnects >= MAX_RECONNECTS) return current;
  reconnects++;
  reconnection = `the Log Publisher had closed the connection (${gone}); connected again (${reconnects} of at most ${MAX_RECONNECTS} a run): lines published while it was closed were not seen`;
  opened = connect(config);
  return opened;
}

/** What the last reconnection followed, once: the scenario that first uses the new connection says it. */
export function takeReconnection(): string | undefined {
  const note = reconnection;
  reconnection = undefined;
  return note;
}

export async function closeLogStream(): Promise<void> {
  const listener = await opened;
  opened = undefined;
  reconnects = 0;
  reconnection = undefined;
  if (listener instanceof LogListener) await listener.close();
}

/** The outcome of looking at the stream after a call: what to say, and whether it agrees. */
export type StreamJudgment =
  | { readonly kind: 'agrees'; readonly evidence: string }
  | {
      readonly kind: 'differs';
      readonly message: string;
      /** The lines that broke it, as published (for a note on where they may come from). */
      readonly lines?: readonly string[];
    }
  | Unreachable;

/** The expected line arrives after the mark within the deadline. */
export async function expectLine(
  listener: LogListener,
  mark: Mark,
  line: string,
  config: LogPublisherConfig,
  /** The line is the only one about this port (or its bins) after the mark, late arrangement reports excused. */
  only?: {
    readonly port: number;
    readonly bins: readonly number[];
    readonly excused: (line: LogLine) => boolean;
  },
): Promise<StreamJudgment> {
  const outcome = await listener.waitFor((seen) => seen.text === line, {
    after: mark,
    timeoutMs: config.expectMs,
  });
  if (outcome.kind === 'found') {
    // once: a second copy that has come by now is a second state change to a WMS
    const { lines } = listener.linesSince(mark, (seen) => seen.text === line);
    if (lines.length > 1)
      return {
        kind: 'differs',
        message: `the Log Publisher showed ${line} ${lines.length} times after the call: ${describeLines(lines, mark).join(' | ')}; a successful cancel publishes it once`,
      };
    if (only) {
      // the cancel request's documented signal (CR) aside
      const others = withoutCancelSignals(
        listener.linesSince(
          mark,
          (seen) => seen.text !== line && concernsPort(seen, only.port, only.bins) && !only.excused(seen),
        ).lines,
        [line],
        (seen) => seen.text,
      );
      if (others.length > 0)
        return {
          kind: 'differs',
          message: `the Log Publisher showed ${describeLines(others, mark).join(' | ')} besides ${line} after the call; a successful cancel publishes that one line`,
        };
    }
    return {
      kind: 'agrees',
      evidence: `the Log Publisher showed ${line} ${outcome.afterMs.toFixed(1)} ms after the mark before the call`,
    };
  }
  if (outcome.kind === 'timeout')
    return { kind: 'differs', message: `the Log Publisher did not show ${line}: ${outcome.reason}` };
  return { verdict: 'INCONCLUSIVE', reason: `the Log Publisher could not be read: ${outcome.reason}` };
}

/** Nothing is published for the port (or its bins) after the mark, within the quiet window after `answeredAt`. */
export async function expectQuiet(
  listener: LogListener,
  mark: Mark,
  port: number,
  bins: readonly number[],
  answeredAt: number,
  config: LogPublisherConfig,
  /** Lines about the port that are not the call's (an arrangement's report that came late): not judged. */
  excused: (line: LogLine) => boolean = () => false,
): Promise<StreamJudgment> {
  const concerns = (seen: LogLine) => concernsPort(seen, port, bins) && !excused(seen);
  const left = Math.max(0, answeredAt + config.quietMs - performance.now());
  const outcome = left > 0 ? await listener.waitFor(concerns, { after: mark, timeoutMs: left }) : undefined;
  // Every line the controller wrote before it closed the connection came before the close (one TCP stream, in
  // order): a close once the window was over cost nothing of it, and is judged as if the stream were open. One that
  // came inside the window may have cost lines of it: INCONCLUSIVE.
  const closed = listener.closed;
  const gone: Unreachable | undefined =
    closed !== undefined && closed.at < answeredAt + config.quietMs
      ? { verdict: 'INCONCLUSIVE', reason: `the Log Publisher stream ended: ${closed.reason}` }
      : undefined;
  const { lines, missed } = listener.linesSince(mark, concerns);
  if (lines.length > 0 || outcome?.kind === 'found')
    return {
      kind: 'differs',
      message: `the controller published for port ${port} on the Log Publisher after the call: ${describeLines(lines, mark).join(' | ')}; a fault publishes nothing`,
      lines: lines.map((line) => line.text),
    };
  if (gone) return gone;
  if (missed > 0)
    return {
      verdict: 'INCONCLUSIVE',
      reason: `the Log Publisher sent more lines than are kept (${missed} dropped)`,
    };
  const all = listener.linesSince(mark).lines;
  const after =
    closed === undefined
      ? ''
      : `; the stream closed ${(closed.at - answeredAt).toFixed(1)} ms after the answer, once the window was over (${closed.reason}): read up to its close`;
  return {
    kind: 'agrees',
    evidence: `the Log Publisher showed nothing for port ${port} within ${config.quietMs} ms of the answer${all.length > 0 ? ` (other ports: ${describeLines(all, mark, 5).join(' | ')})` : ''}${after}`,
  };
}

/**
 * With a rig: the lines its arrangement published (GET /events since the reset) are on the stream before the call.
 * The rig answers on one connection and the stream delivers on another, so a line may come a moment after the rig's
 * answer (rig-control.md: the harness judges the lines after its call, never those of its arrangement). Finds them
 * in order among the lines after `from` (taken before the reset was sent), waiting for the rest within the deadline;
 * the mark after them is the call's. `missing`: the lines that did not come.
 */
export async function markAfterArrangement(
  listener: LogListener,
  from: Mark,
  arranged: readonly string[],
  timeoutMs: number,
): Promise<{ readonly mark: Mark; readonly missing: readonly string[] }> {
  const deadline = performance.now() + Math.max(0, timeoutMs);
  let found = 0;
  let after: Mark = from;
  for (const line of listener.linesSince(from).lines) {
    if (found === arranged.length) break;
    if (line.text === arranged[found]) {
      found++;
      after = { seq: line.seq, at: line.at };
    }
  }
  // at most one wait a line, each within what is left of the one deadline
  while (found < arranged.length) {
    const left = deadline - performance.now();
    if (left <= 0) break;
    const next = arranged[found];
    const outcome = await listener.waitFor((line) => line.text === next, { after, timeoutMs: left });
    if (outcome.kind !== 'found') break;
    found++;
    after = { seq: outcome.line.seq, at: outcome.line.at };
  }
  return { mark: listener.mark(), missing: arranged.slice(found) };
}
