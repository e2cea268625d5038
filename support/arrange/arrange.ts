// Bringing a target into a scenario's precondition, and reading its state back, by whatever means it offers.

import type { PortState } from '../model.ts';
import type { RigClient } from './rig.ts';

/** Why a precondition could not be reached, in the verdict words of docs/architecture.md. */
export interface Unreachable {
  readonly verdict: 'NOT APPLICABLE' | 'INCONCLUSIVE';
  readonly reason: string;
}

/** What a target's port looks like from outside: its state, "no such port", or that it cannot be read. */
export type PortReading =
  | { readonly exists: true; readonly state: PortState }
  | { readonly exists: false }
  | Unreachable;

/**
 * What a target shows of a port when some fields cannot be read (the Task Interface never shows the AutoCase
 * error flag): the fields it shows, and the names of the ones it does not.
 */
export type PortView =
  | {
      readonly exists: true;
      readonly fields: Partial<PortState>;
      readonly unreadable: readonly (keyof PortState)[];
    }
  | { readonly exists: false }
  | Unreachable;

export interface Arranger {
  /** Forget what earlier scenarios did: back to the configured site, no events. */
  reset(): Promise<void>;
  /** The port exists with exactly this state. */
  port(portId: number, state: PortState): Promise<Unreachable | undefined>;
  /** The port does not exist. */
  noPort(portId: number): Promise<Unreachable | undefined>;
  read(portId: number): Promise<PortReading>;
  /** The Log Publisher lines since the reset, or why they cannot be read. */
  events(): Promise<readonly string[] | Unreachable>;
  /** The port as far as this arranger can read it (when it cannot read every field; see viewPort). */
  view?(portId: number): Promise<PortView>;
  /**
   * The target's port that plays the scenario's port `portId` (a fixture may stand in for it); the scenario's
   * own id when nothing stands in.
   */
  targetPort?(portId: number): number;
}

/** The port as the arranger can read it: every field from read(), or what view() shows. */
export async function viewPort(arranger: Arranger, portId: number): Promise<PortView> {
  if (arranger.view) return arranger.view(portId);
  const reading = await arranger.read(portId);
  if (isUnreachable(reading) || !reading.exists) return reading;
  return { exists: true, fields: reading.state, unreadable: [] };
}

/** A target with the rig control API (rig-control.md): everything can be arranged and read. */
export class RigArranger implements Arranger {
  constructor(private readonly rig: RigClient) {}

  reset(): Promise<void> {
    return this.rig.reset();
  }

  async port(portId: number, state: PortState): Promise<undefined> {
    await this.rig.putPort(portId, state);
    return undefined;
  }

  async noPort(portId: number): Promise<undefined> {
    await this.rig.deletePort(portId);
    return undefined;
  }

  async read(portId: number): Promise<PortReading> {
    const state = await this.rig.getPort(portId);
    return state === undefined ? { exists: false } : { exists: true, state };
  }

  events(): Promise<readonly string[]> {
    return this.rig.events();
  }
}

export const NO_RIG =
  'the target has no rig to arrange or read port state (give --rig=URL of a rig that implements rig-control.md, or a --target-profile that allows capabilities.task_interface_arrangement)';

/** A target with nothing to arrange it by: every precondition is INCONCLUSIVE, with the reason given. */
export class NoArranger implements Arranger {
  constructor(private readonly reason: string = NO_RIG) {}

  async reset(): Promise<void> {}

  async port(): Promise<Unreachable> {
    return { verdict: 'INCONCLUSIVE', reason: this.reason };
  }

  async noPort(): Promise<Unreachable> {
    return { verdict: 'INCONCLUSIVE', reason: this.reason };
  }

  async read(): Promise<Unreachable> {
    return { verdict: 'INCONCLUSIVE', reason: this.reason };
  }

  async events(): Promise<Unreachable> {
    return { verdict: 'INCONCLUSIVE', reason: this.reason };
  }
}

export function isUnreachable(value: unknown): value is Unreachable {
  return typeof value === 'object' && value !== null && 'verdict' in value && 'reason' in value;
}
