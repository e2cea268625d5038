// The emulator's own record of what it was sent: one entry a request, given to the `record` option of
// startEmulator. It says what arrived (a call, input that is not a call, a rig request), how it was answered,
// and whether the site changed. Proof for the as-found mode (docs/spec/as-found.md): a run that sends only reads and
// probes leaves every entry unchanged. Nothing here runs unless a record function is given.

import type { Answer, Encoding, PortState } from './types.ts';

/** What arrived. */
export type RecordedInput =
  /** A well-formed call of a method the emulator knows. */
  | {
      readonly kind: 'call';
      readonly method: string;
      readonly encoding: Encoding;
      /** port_id and bin_id as the log line shows them, e.g. `port_id=4 bin_id=101337`. */
      readonly params: string;
    }
  /**
   * Input that is not a call: not well-formed, an unknown method (`method` then says which), another verb or
   * path, a body too large, an unsupported Content-Type, ... `what` is the one-line account the log shows.
   */
  | {
      readonly kind: 'not-a-call';
      readonly what: string;
      readonly method?: string;
      readonly encoding?: Encoding;
    }
  /** A request to the rig control API. */
  | { readonly kind: 'rig'; readonly verb: string; readonly path: string };

/** How it was answered. */
export type RecordedAnswer =
  /** An application answer in the body (HTTP status beside it). */
  | { readonly kind: 'success' }
  | { readonly kind: 'fault'; readonly code: number }
  /** An HTTP status with a short explanation: a refusal, or a rig answer. */
  | { readonly kind: 'http' }
  /** No answer: the connection was dropped, or the client went away first. */
  | { readonly kind: 'none' };

export interface RecordedCall {
  readonly input: RecordedInput;
  readonly answer: RecordedAnswer;
  /** The HTTP status sent; 0 when nothing was. */
  readonly status: number;
  /**
   * Whether the site changed: some port differs afterwards, or a Log Publisher line was published. For a call
   * this is measured around its decision and commit, one synchronous step; input that is not a call never
   * reaches the site (false); a rig request is measured around the whole request.
   */
  readonly changed: boolean;
}

export type RecordFunction = (call: RecordedCall) => void;

export function recordedAnswer(answer: Answer): RecordedAnswer {
  return answer.kind === 'fault' ? { kind: 'fault', code: answer.code } : { kind: 'success' };
}

function samePortState(a: PortState, b: PortState): boolean {
  return (
    a.type === b.type &&
    a.mode === b.mode &&
    a.selected_bin === b.selected_bin &&
    a.case_state === b.case_state &&
    a.case_error === b.case_error
  );
}

/** Two sites hold the same ports, each in the same state. The same map (a fault's decision) costs nothing. */
export function samePorts(
  before: ReadonlyMap<number, PortState>,
  after: ReadonlyMap<number, PortState>,
): boolean {
  if (before === after) return true;
  if (before.size !== after.size) return false;
  for (const [portId, port] of before) {
    const other = after.get(portId);
    if (other === undefined || !samePortState(port, other)) return false;
  }
  return true;
}

/** One entry as one line, for an assertion message or a log. */
export function describeRecorded(call: RecordedCall): string {
  const { input, answer, status } = call;
  const what =
    input.kind === 'call'
      ? `${input.method} ${input.params} ${input.encoding}`
      : input.kind === 'rig'
        ? `rig ${input.verb} ${input.path}`
        : `not a call (${input.what})`;
  const answered =
    answer.kind === 'success'
      ? `HTTP ${status} success`
      : answer.kind === 'fault'
        ? `HTTP ${status} fault ${answer.code}`
        : answer.kind === 'http'
          ? `HTTP ${status}`
          : 'no answer';
  return `${what} -> ${answered}${call.changed ? ', site CHANGED' : ''}`;
}
