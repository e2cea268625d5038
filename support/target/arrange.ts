// Bringing a target into a scenario's precondition, and reading its state back, by whatever means it offers.
import type { RigClient } from './rig.ts';
import type { PortState } from './types.ts';

/** Why a precondition could not be reached, in the verdict words of ARCHITECTURE.md. */
export interface Unreachable {
  readonly verdict: 'NOT APPLICABLE' | 'INCONCLUSIVE';
  readonly reason: string;
}

/** What a target's port looks like from outside: its state, "no such port", or that it cannot be read. */
export type PortReading =
  | { readonly exists: true; readonly state: PortState }
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

const NO_RIG =
  'the target has no rig to arrange or read port state (give --rig=URL of a rig that implements rig-control.md)';

/** A target reached only through the Task Interface, with nothing yet to arrange it by. */
export class NoArranger implements Arranger {
  async reset(): Promise<void> {}

  async port(): Promise<Unreachable> {
    return { verdict: 'INCONCLUSIVE', reason: NO_RIG };
  }

  async noPort(): Promise<Unreachable> {
    return { verdict: 'INCONCLUSIVE', reason: NO_RIG };
  }

  async read(): Promise<Unreachable> {
    return { verdict: 'INCONCLUSIVE', reason: NO_RIG };
  }

  async events(): Promise<Unreachable> {
    return { verdict: 'INCONCLUSIVE', reason: NO_RIG };
  }
}

export function isUnreachable(value: unknown): value is Unreachable {
  return typeof value === 'object' && value !== null && 'verdict' in value && 'reason' in value;
}
