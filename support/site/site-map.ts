// The site as the harness found it, with no rig: which ports exist and how each stands, read only through the
// Task Interface's read methods (getportstatus, case_getstate). Discovery writes it before the first scenario;
// every scenario of the run plays on it (docs/spec/as-found.md).
import type { CaseState, PortMode, PortType } from '../model.ts';

/** A port as the read methods show it. The AutoCase error flag is never shown, so it is not here. */
export interface FoundPort {
  readonly port_id: number;
  readonly type: PortType;
  readonly mode: PortMode;
  readonly selected_bin: number | null;
  /** case_getstate's case_state; only on AutoCase ports. */
  readonly case_state?: CaseState;
}

/** Which port ids discovery read: a scanned range (--ports=1-30,1990-2000 gives several), or the list a profile names. */
export type SiteSource =
  | { readonly kind: 'range'; readonly from: number; readonly to: number }
  | { readonly kind: 'ranges'; readonly ranges: readonly { readonly from: number; readonly to: number }[] }
  | { readonly kind: 'profile'; readonly ports: readonly number[] };

export interface SiteMap {
  readonly source: SiteSource;
  /** Ports that answered getportstatus (and case_getstate where AutoCase), in port_id order. */
  readonly ports: readonly FoundPort[];
  /** Port ids that answered 1000 to getportstatus: they do not exist. */
  readonly absent: readonly number[];
  /** Port ids the profile keeps out of the run (ports in production use): never called. */
  readonly excluded: readonly number[];
  /**
   * Set when the read methods answered in a shape the harness does not understand, or not at all: the run goes
   * on with what needs no site, and every scenario that needs one says this. ports and absent are then empty.
   */
  readonly unreadable?: string;
  /**
   * Ports whose answers the harness could not read, when too few to stop discovery (a port in a state the read
   * methods answer oddly): neither in ports nor in absent, so no scenario plays on them.
   */
  readonly unread?: readonly { readonly port_id: number; readonly reason: string }[];
  /** When the site was read (ISO 8601) and how long it took. */
  readonly readAt: string;
  readonly ms: number;
}

/**
 * Whether the run may read and call this port at all: the ports discovery reads are the only ones the harness uses
 * (as-found.md: "the ports it may use: those the profile lists, or, with no profile, a range it scans"), less the
 * excluded ones. An id outside them is treated as an excluded one: never read, never called.
 */
export function inSource(source: SiteSource, id: number): boolean {
  if (source.kind === 'range') return id >= source.from && id <= source.to;
  if (source.kind === 'ranges') return source.ranges.some((r) => id >= r.from && id <= r.to);
  return source.ports.includes(id);
}

/** Why the run may not use a port the source leaves out, in words: the same for every scenario and property. */
export function outsideSource(source: SiteSource): string {
  if (source.kind === 'profile')
    return 'not among the ports the profile lists, the only ones this run may use';
  const ranges = source.kind === 'range' ? [source] : source.ranges;
  const list = ranges.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(', ');
  return `outside the ports this run reads (${list}), the only ones it may use`;
}
