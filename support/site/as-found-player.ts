// Playing a scenario on a site as found (docs/spec/as-found.md): the ports a scenario declares are not arranged;
// right before the scenario's first call, each is played by a port of the site that already stands as the
// verdict needs, read again just then. Only reads and probes are sent: a case_cancel that the order of checks
// answers with a fault given the port as read, or input that is not a call.
import type { Expected } from '../fuzz/oracle.ts';
import type { Encoding, Exchange, ParamValue, PortState, TargetConfig } from '../model.ts';
import { PORT_ID } from '../spec.ts';
import {
  addressedPort,
  type CallReading,
  describeNeed,
  describeSource,
  fits,
  focusOf,
  missingReason,
  NEEDS_ERROR_FLAG,
  type Need,
  needOf,
  predictProbe,
  prefers,
  readCall,
  type ScenarioInfo,
} from './as-found.ts';
import { describeFound, isReadProblem, readPort, samePort } from './read-port.ts';
import { type FoundPort, inSource, outsideSource, type SiteMap } from './site-map.ts';

/** A declared port and the port of the site that plays it, as read right before the call. */
export interface Played {
  readonly declared: number;
  readonly port: number;
  readonly before: FoundPort | null;
  readonly need: Need;
}

/** What the scenario's first call is, as far as playing it needs to know. */
export type CallShape =
  | {
      readonly kind: 'cancel';
      readonly params: Readonly<Record<string, ParamValue>> | undefined;
      readonly encoding: Encoding;
      /** Sent in a client form other than the vendor sample's. */
      readonly form: boolean;
    }
  | { readonly kind: 'not-a-call' };

/**
 * A call that would need the error flag, but is about how a value or a request is written: judged by difference
 * (the same answer as the plain call, and not the parameter's fault) on the port its own ids name.
 */
export interface DifferencePlan {
  readonly port: number;
  readonly bin: number;
  readonly predicted: Expected;
  /** Whether the plain call differs from the scenario's call (false for a bound written plainly). */
  readonly comparePlain: boolean;
}

export type Plan =
  | {
      readonly kind: 'played';
      readonly ports: ReadonlyMap<number, Played>;
      /** Scenario bin ids and the bins sent in their place. */
      readonly bins: ReadonlyMap<number, number>;
      readonly difference?: DifferencePlan;
      readonly notes: readonly string[];
    }
  | { readonly kind: 'unreachable'; readonly reason: string; readonly needsErrorFlag: boolean };

/** What the site is known to be, for this process: the discovery map, updated by every read since. */
const known = new Map<number, FoundPort | null>();
let knownFrom: SiteMap | undefined;

function learn(site: SiteMap): void {
  if (knownFrom === site) return;
  knownFrom = site;
  known.clear();
  for (const id of site.absent) known.set(id, null);
  for (const port of site.ports) known.set(port.port_id, port);
}

/** How many times a plan is made again when a port read right before the call has moved since. */
const PLAN_ATTEMPTS = 3;

export class AsFoundPlayer {
  private readonly excluded: ReadonlySet<number>;

  /**
   * `own`: with --parallel on a shared target, the port set of this worker (the profile's parallel.port_sets):
   * no port outside it is ever read, probed or played.
   */
  constructor(
    private readonly target: TargetConfig,
    private readonly site: SiteMap,
    private readonly record: (exchange: Exchange) => void,
    private readonly own?: ReadonlySet<number>,
  ) {
    learn(site);
    this.excluded = new Set(site.excluded);
  }

  /**
   * Why this player may not read or call a port, or undefined when it may. Only the ports discovery reads may be
   * used (the profile's list, --ports, the range scanned): a port outside them is treated as an excluded one.
   */
  offLimits(port: number): string | undefined {
    if (this.own && !this.own.has(port))
      return "outside this worker's port set (the profile's parallel.port_sets, with --parallel)";
    if (this.excluded.has(port)) return 'excluded by the profile';
    if (!inSource(this.site.source, port)) return outsideSource(this.site.source);
    return undefined;
  }

  get unreadable(): string | undefined {
    return this.site.unreadable === undefined
      ? undefined
      : `the site could not be read: ${this.site.unreadable}`;
  }

  /** Reads a port now (getportstatus, case_getstate) and remembers it. */
  async read(port: number): Promise<FoundPort | null | { reason: string }> {
    const offLimits = this.offLimits(port);
    if (offLimits) return { reason: `harness bug: port ${port} was to be read, but it is ${offLimits}` };
    const found = await readPort(this.target, port, { record: this.record, label: 'as found' });
    if (isReadProblem(found)) return { reason: found.reason };
    known.set(port, found);
    return found;
  }

  /**
   * Plays the declared ports for the scenario's first call. `scenario`: its name and tags, which say what it is
   * about (focusOf); without them every declared condition that decides the answer must stand as declared.
   */
  async plan(
    declared: ReadonlyMap<number, PortState | null>,
    call: CallShape,
    scenario?: ScenarioInfo,
  ): Promise<Plan> {
    if (this.site.unreadable !== undefined) return this.unplayed(call);
    for (let attempt = 1; ; attempt++) {
      const plan = this.choose(declared, call, scenario);
      if (plan.kind === 'unreachable') return plan;
      const moved = await this.readAgain(plan);
      if (moved === undefined) return plan;
      if (typeof moved !== 'string') return moved;
      if (attempt >= PLAN_ATTEMPTS)
        return {
          kind: 'unreachable',
          reason: `the ports this scenario needs kept moving while it was played (${moved}): not a failure of the controller`,
          needsErrorFlag: false,
        };
    }
  }

  /** With no readable site, only what needs no site is sent: parameter faults and input that is not a call. */
  private unplayed(call: CallShape): Plan {
    const reason = this.unreadable ?? 'the site could not be read';
    if (call.kind === 'cancel' && readCall(call.params, call.encoding, call.form).paramFault === undefined)
      return { kind: 'unreachable', reason, needsErrorFlag: false };
    return {
      kind: 'played',
      ports: new Map(),
      bins: new Map(),
      notes: [`${reason}; nothing about a port is judged`],
    };
  }

  private choose(
    declared: ReadonlyMap<number, PortState | null>,
    call: CallShape,
    scenario: ScenarioInfo | undefined,
  ): Plan {
    const reading = call.kind === 'cancel' ? readCall(call.params, call.encoding, call.form) : undefined;
    const addressed = reading ? addressedPort(reading) : undefined;
    const needs = new Map<number, Need>();
    for (const [portId, state] of declared)
      needs.set(
        portId,
        reading
          ? needOf(state, reading, portId === addressed, focusOf(scenario, state))
          : needOf(state, NOT_A_CALL, false),
      );
    const flagged = addressed === undefined ? undefined : needs.get(addressed);
    if (reading && flagged?.kind === 'error-flag') {
      if (reading.variant || reading.bound) return this.byDifference(reading);
      return { kind: 'unreachable', reason: NEEDS_ERROR_FLAG, needsErrorFlag: true };
    }
    const used = new Set<number>();
    const ports = new Map<number, Played>();
    const bins = new Map<number, number>();
    const notes: string[] = [];
    // The addressed port first: it has the narrowest need.
    const order = [...declared.keys()].sort((a, b) => (a === addressed ? -1 : b === addressed ? 1 : a - b));
    for (const portId of order) {
      const need = needs.get(portId) as Need;
      const port = this.find(need, portId, used);
      if (port === undefined)
        return {
          kind: 'unreachable',
          reason: `${missingReason(need, this.site)}${this.own ? " within this worker's port set (the profile's parallel.port_sets, with --parallel)" : ''}`,
          needsErrorFlag: false,
        };
      used.add(port);
      const before = known.get(port) ?? null;
      ports.set(portId, { declared: portId, port, before, need });
      notes.push(
        `as found: the scenario's port ${portId} is played by port ${port} (${describeFound(before)}); the verdict needs ${describeNeed(need)}`,
      );
      // Only a valid bin is played by the port's selected bin: an invalid one is the point of its scenario.
      const bin =
        reading?.paramFault === undefined && reading?.bin_id.kind === 'integer'
          ? reading.bin_id.value
          : undefined;
      if (need.kind === 'inactive' && bin !== undefined && before?.selected_bin != null) {
        bins.set(bin, before.selected_bin);
        notes.push(
          `as found: bin ${bin} of the scenario is port ${port}'s selected bin ${before.selected_bin}`,
        );
      }
    }
    return { kind: 'played', ports, bins, notes };
  }

  /**
   * Judged by difference on a port where the call as written is a probe: the port its own value names when it may
   * be used and the call is a probe there, else the lowest port of the site where it is (existing ports first, the
   * bounds last). A bound of port_id (1, 2000) is about that very id: only that port plays it.
   */
  private byDifference(reading: CallReading): Plan {
    const named = addressedPort(reading) as number;
    const bin = (reading.bin_id as { value: number }).value;
    const portBound = named === PORT_ID.min || named === PORT_ID.max;
    const offLimits = this.offLimits(named);
    const probeOn = (id: number) =>
      known.has(id) &&
      this.offLimits(id) === undefined &&
      predictProbe(known.get(id) ?? null, id, bin) !== undefined;
    // Elsewhere, an existing port before one that does not exist, and never a bound first: a form judged on port 1
    // or 2000 would also be a bound, and a controller that refuses the bound would seem to refuse the form.
    const bound = (id: number) => id === PORT_ID.min || id === PORT_ID.max;
    const ids = [...known.keys()].sort(
      (a, b) =>
        Number(bound(a)) - Number(bound(b)) ||
        Number(known.get(a) === null) - Number(known.get(b) === null) ||
        a - b,
    );
    const port = probeOn(named) ? named : portBound ? undefined : ids.find(probeOn);
    const elsewhere = portBound
      ? ''
      : `, and no port the run may use ${describeSource(this.site)} is one where a cancel of bin ${bin} is a fault whatever the error flag`;
    if (port === undefined) {
      if (offLimits)
        return {
          kind: 'unreachable',
          reason: `port ${named}, which this scenario's value names, is ${offLimits}${elsewhere}`,
          needsErrorFlag: false,
        };
      if (!known.has(named))
        return {
          kind: 'unreachable',
          reason: `port ${named}, which this scenario's value names, was not read as found${elsewhere}`,
          needsErrorFlag: false,
        };
      return {
        kind: 'unreachable',
        reason: `port ${named} as found (${describeFound(known.get(named) ?? null)}) could let a cancel of bin ${bin} succeed, so the form cannot be compared without changing the site${elsewhere}`,
        needsErrorFlag: true,
      };
    }
    const before = known.get(port) ?? null;
    const predicted = predictProbe(before, port, bin) as Expected;
    const ports = new Map<number, Played>();
    ports.set(named, { declared: named, port, before, need: { kind: 'error-flag' } });
    const notes =
      port === named
        ? []
        : [
            `as found: the scenario's port ${named} is played by port ${port} (${describeFound(before)}): ${
              offLimits
                ? `port ${named} is ${offLimits}`
                : known.has(named)
                  ? `on port ${named} as found (${describeFound(known.get(named) ?? null)}) a cancel of bin ${bin} could succeed`
                  : `port ${named} was not read as found`
            }`,
          ];
    return {
      kind: 'played',
      ports,
      bins: new Map(),
      difference: { port, bin, predicted, comparePlain: reading.variant },
      notes: [
        ...notes,
        `as found: judged by difference on port ${port} (${describeFound(before)}): a cancel of bin ${bin} there is answered ${predicted.kind === 'answer' && predicted.answer.kind === 'fault' ? `with fault ${predicted.answer.code}` : 'as predicted'} (${predicted.kind === 'answer' ? predicted.why : ''}), whatever the error flag`,
      ],
    };
  }

  /**
   * The scenario's own port id when it fits, else the lowest that does; never an excluded or used port. Where the
   * need leaves a choice, a port that also stands as declared comes first (prefers), by the same rule.
   */
  private find(need: Need, own: number, used: ReadonlySet<number>): number | undefined {
    const fitting = (id: number) =>
      !used.has(id) && this.offLimits(id) === undefined && fits(need, known.get(id) ?? null);
    const preferred = (id: number) => fitting(id) && prefers(need, known.get(id) ?? null);
    const ids = [...known.keys()].sort((a, b) => a - b);
    for (const wanted of [preferred, fitting]) {
      if (known.has(own) && wanted(own)) return own;
      const id = ids.find(wanted);
      if (id !== undefined) return id;
    }
    return undefined;
  }

  /**
   * Reads every port of the plan again, right before the call. Undefined when all stand as read; a description
   * when one moved (the plan is made again); an unreachable plan when a port cannot be read.
   */
  private async readAgain(plan: Extract<Plan, { kind: 'played' }>): Promise<string | Plan | undefined> {
    const moved: string[] = [];
    for (const played of plan.ports.values()) {
      const now = await this.read(played.port);
      if (now !== null && 'reason' in now)
        return {
          kind: 'unreachable',
          reason: `reading the site again: ${now.reason}`,
          needsErrorFlag: false,
        };
      if (!samePort(now, played.before))
        moved.push(`port ${played.port} read ${describeFound(played.before)}, now ${describeFound(now)}`);
    }
    return moved.length > 0 ? moved.join('; ') : undefined;
  }
}

/** Input that is not a call reads as no call at all: every declared port needs only to exist as declared. */
const NOT_A_CALL: CallReading = {
  port_id: { kind: 'missing' },
  bin_id: { kind: 'missing' },
  paramFault: 1003,
  variant: false,
  bound: false,
};
