// Whether a rig did what it was asked (docs/rig-control.md): after a PUT the port exists with exactly the state sent,
// after a DELETE it does not exist. A port that reads otherwise before the call is the rig's failing, or the hardware
// moving on by itself: never the controller's answer to a call, which could then not be judged against the
// precondition. The scenarios and the property runs say so (INCONCLUSIVE) rather than blame the controller.
import { describeState } from '../checks/expect.ts';
import type { PortState } from '../model.ts';
import { statesBefore } from '../spec.ts';

const FIELDS: readonly (keyof PortState)[] = ['type', 'mode', 'selected_bin', 'case_state', 'case_error'];

/**
 * Why port `portId`, read right after the rig arranged it as `asked` (null: taken away), is not what was asked, in
 * one clause; undefined when it is. `read` undefined: the port does not exist.
 */
export function notAsAsked(
  portId: number,
  asked: PortState | null,
  read: PortState | undefined,
): string | undefined {
  if (asked === null) {
    if (read === undefined) return undefined;
    return `the rig did not take port ${portId} away: after DELETE /ports/${portId} it still reads ${describeState(read)}`;
  }
  if (read === undefined)
    return `the rig did not arrange port ${portId}: after PUT /ports/${portId} (${describeState(asked)}) it does not exist`;
  const differs = FIELDS.filter((field) => read[field] !== asked[field]);
  if (differs.length === 0) return undefined;
  if (
    differs.length === 1 &&
    differs[0] === 'case_state' &&
    statesBefore(read.case_state).includes(asked.case_state)
  )
    return `port ${portId} moved on by itself from ${asked.case_state} to ${read.case_state} as soon as the rig arranged it (the hardware at work?), so the state the call needs did not hold`;
  const detail = differs
    .map((field) => `${field} ${JSON.stringify(read[field])} (sent ${JSON.stringify(asked[field])})`)
    .join(', ');
  return `the rig did not arrange port ${portId} as asked: after PUT /ports/${portId} it reads ${detail}`;
}

/** The reason a scenario or a property run cannot be judged, from the clauses of notAsAsked (at least one). */
export function misarranged(clauses: readonly string[]): string {
  return `${clauses.join('; ')}. The controller cannot be judged on a precondition that did not hold (docs/rig-control.md: a PUT leaves the port with exactly the state sent, a DELETE leaves none)`;
}
