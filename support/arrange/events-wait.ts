// A controller may publish a moment after it answers (from another task); the rig's GET /events then shows the line
// a moment later too (rig-control.md: the lines the controller emitted since the reset). Reading it again until the
// line is there, within the same deadline the stream gets (timeouts.log_ms), keeps the harness from calling late
// "missing".
import { forgetAtNewRun } from '../run-scope.ts';
import { isUnreachable, type Unreachable } from './arrange.ts';

/**
 * Whether a scenario's line was once awaited in vain in this run: the target does not publish what it should, and
 * the waits that only keep a late line in its own scenario are not made again, nor GET /events read again for an
 * expected line, so a deviating target stays quick to judge (the stream still waits its deadline). Kept for the
 * scenarios (world.ts); a fuzz session keeps its own.
 */
let awaitedInVain = false;
/**
 * Whether the stream once failed to bring a line in time: its waits at a scenario's end are not made again. Kept
 * apart from the above when there is a rig: a stream that is slow to deliver to this client, or that closed, says
 * nothing of whether the controller publishes (GET /events does), and must not stop the rig's waits that keep a
 * late line in its own scenario.
 */
let streamAwaitedInVain = false;
forgetAtNewRun(() => {
  awaitedInVain = false;
  streamAwaitedInVain = false;
});

export const lateLines = {
  get inVain(): boolean {
    return awaitedInVain;
  },
  gaveUp(): void {
    awaitedInVain = true;
  },
  get streamInVain(): boolean {
    return streamAwaitedInVain;
  },
  streamGaveUp(): void {
    streamAwaitedInVain = true;
  },
};

/** Between two readings of GET /events. */
export const EVENTS_POLL_MS = 25;

/**
 * Reads the events until `line` is among those after the first `since`, or the deadline passed: the last reading.
 * The first reading may be one already made (fresh false); at most timeoutMs / pauseMs + 1 readings.
 */
export async function eventsShowing(
  read: (fresh: boolean) => Promise<readonly string[] | Unreachable>,
  line: string,
  since: number,
  timeoutMs: number,
  pauseMs = EVENTS_POLL_MS,
): Promise<readonly string[] | Unreachable> {
  const deadline = performance.now() + Math.max(0, timeoutMs);
  const most = Math.ceil(Math.max(0, timeoutMs) / Math.max(1, pauseMs)) + 1;
  let events = await read(false);
  for (let i = 1; i < most; i++) {
    if (isUnreachable(events) || events.slice(since).includes(line)) return events;
    const left = deadline - performance.now();
    if (left <= 0) return events;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pauseMs, left)));
    events = await read(true);
  }
  return events;
}
