// What a person or a port's own hardware does at a port of a controller without a rig: put the AutoCase into an
// error, move its case on, change the port's mode or bin. In process only (RunningEmulator.operate): a real
// controller offers no HTTP way to do it, and neither does the emulator with its rig off. It goes through the
// rig's own path (SiteStore.putPort), so a change of the case state is published on the Log Publisher and in
// events() exactly as a rig PUT is.

import { FieldError, readPortState } from './site.ts';
import type { SiteStore } from './store.ts';
import { PORT_ID_MAX, PORT_ID_MIN, type PortState } from './types.ts';

/** What can change at a port: everything but its type (a port is built as what it is). */
export type PortChange = Partial<Pick<PortState, 'mode' | 'selected_bin' | 'case_state' | 'case_error'>>;

const CHANGEABLE: readonly string[] = ['mode', 'selected_bin', 'case_state', 'case_error'];

/** A change that cannot be made at that port, or is not a change: one line naming the port and the field. */
export class PortOperationError extends Error {
  override readonly name = 'PortOperationError';
}

/** Applies `change` to an existing port and returns the port as it now stands. Throws PortOperationError. */
export function operatePort(store: SiteStore, portId: number, change: PortChange): PortState {
  if (!Number.isInteger(portId) || portId < PORT_ID_MIN || portId > PORT_ID_MAX)
    throw new PortOperationError(`port_id must be an integer ${PORT_ID_MIN}-${PORT_ID_MAX}, not ${portId}`);
  if (typeof change !== 'object' || change === null || Array.isArray(change))
    throw new PortOperationError(`port ${portId}: the change must be an object of ${CHANGEABLE.join(', ')}`);
  const unknown = Object.keys(change).find((key) => !CHANGEABLE.includes(key));
  if (unknown !== undefined)
    throw new PortOperationError(
      unknown === 'type'
        ? `port ${portId}: type: a port's type does not change at the port`
        : `port ${portId}: ${unknown}: unknown field (${CHANGEABLE.join(', ')})`,
    );
  const current = store.port(portId);
  if (current === undefined) throw new PortOperationError(`port ${portId} does not exist`);
  let next: PortState;
  try {
    next = readPortState({ ...current, ...change }, '', true);
  } catch (error) {
    if (error instanceof FieldError) throw new PortOperationError(`port ${portId}: ${error.message}`);
    throw error;
  }
  if (next.type !== 'AC' && (next.case_state !== 'NOOP' || next.case_error))
    throw new PortOperationError(
      `port ${portId} is a ${next.type} port: it has no AutoCase (case_state NOOP, case_error false only)`,
    );
  store.putPort(portId, next);
  return next;
}
