// Playing a scenario on a site as found (docs/spec/as-found.md): the ports a scenario declares are not arranged;
// right before the scenario's first call, each is played by a port of the site that already stands as the
// verdict needs, read again just then. Only reads and probes are sent: a case_cancel that the order of checks
// answers with a fault given the port as read, or input that is not a call.
import { checkParams, type Expected } from '../fuzz/oracle.ts';
import type { Encoding, Exchange, ParamValue, PortState, TargetConfig } from '../model.ts';
import { BIN_ID, PORT_ID } from '../spec.ts';
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
  writtenAround,
} from './as-found.ts';
import { describeWritten } from './literal-ids.ts';
import { describeFound, isReadProblem, readPort, samePort } from './read-port.ts';
import { type FoundPort, inSource, outsideSource, type SiteMap } from './site-map.ts';

/** A declared port and the port of the site that plays it, as read right before the call. */
export interface Played {
  readonly declared: number;
  readonly port: number;
  readonly before: FoundPort | null;
  readonly need: Need;
}

/** A case_cancel as the scenario sends it. */
interface CancelShape {
  readonly kind: 'cancel';
  readonly params: Readonly<Record<string, ParamValue>> | undefined;
  readonly encoding: Encoding;
  /** Sent in a client form other than the vendor sample's. */
  readonly form: boolean;
}

/** What the scenario's first call is, as far as playing it needs to know. */
export type CallShape = CancelShape | { readonly kind: 'not-a-call' };

/**
 * A call that would need the error flag, but is about how a value or a request is written: judged by difference
 * (the same answer as the plain call, and not the parameter's fault). Played where the answer depends on both ids
 * read, an OPEN AutoCase port idle on a bin (1152 for that port and bin, another code for any other), when the
 * site has one; a literal form of port_id or bin_id is judged nowhere else. Otherwise on a port where the call is
 * a probe (byDifference).
 */
export interface DifferencePlan {
  readonly port: number;
  readonly bin: number;
  readonly predicted: Expected;
  /** Whether the plain call differs from the scenario's call (false for a bound written plainly). */
  readonly comparePlain: boolean;
  /**
   * The literals the scenario writes for port_id and bin_id (`written`), and what is sent in their place: the same
   * form around `port` and `bin` (`sent`). By the parameter's name.
   */
  readonly literals: ReadonlyMap<string, { readonly written: ParamValue; readonly sent: ParamValue }>;
  /**
   * A bound judged through the check after it (boundThroughBin): the call as written is predicted a parameter fault
   * of the next parameter, which is then the right answer, not a refusal of the value.
   */
  readonly throughNextCheck?: boolean;
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

  /** How a port the run may use stood when last read (null: it does not exist); undefined when never read. */
  known(port: number): FoundPort | null | undefined {
    return this.offLimits(port) === undefined && known.has(port) ? (known.get(port) ?? null) : undefined;
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
      if (reading.variant || reading.bound) return this.byDifference(call as CancelShape, reading);
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
          reason: `${missingReason(need, this.site)}${this.own ? WITHIN_OWN : ''}`,
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
   * Judged by difference on an OPEN AutoCase port idle on a bin where there is one (onIdlePort); a call that writes
   * only plain numbers, where there is none, on a port where the call as written is a probe: the port its own value
   * names when it may be used and the call is a probe there, else the lowest port of the site where it is (existing
   * ports first, the bounds last). A bound of port_id (1, 2000) is about that very id: only that port plays it.
   */
  private byDifference(call: CancelShape, reading: CallReading): Plan {
    const named = addressedPort(reading) as number;
    const bin = (reading.bin_id as { value: number }).value;
    const onIdle = this.onIdlePort(call, named, bin, reading);
    if (onIdle) return onIdle;
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
    if (port === undefined && portBound && !offLimits && !reading.variant)
      return this.boundThroughBin(named, bin);
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
            this.playedInstead(
              named,
              port,
              before,
              `on port ${named} as found (${describeFound(known.get(named) ?? null)}) a cancel of bin ${bin} could succeed`,
            ),
          ];
    return {
      kind: 'played',
      ports,
      bins: new Map(),
      difference: { port, bin, predicted, comparePlain: reading.variant, literals: new Map() },
      notes: [
        ...notes,
        `as found: judged by difference on port ${port} (${describeFound(before)}): a cancel of bin ${bin} there is answered ${predicted.kind === 'answer' && predicted.answer.kind === 'fault' ? `with fault ${predicted.answer.code}` : 'as predicted'} (${predicted.kind === 'answer' ? predicted.why : ''}), whatever the error flag`,
      ],
    };
  }

  /**
   * A bound of port_id that cannot be judged on its port (not read, or a cancel there could succeed), judged through
   * the check after it: with an invalid bin_id (0) the call is a fault whatever the port is, 1010 once port_id is
   * taken as valid and 1004 where the bound is refused (the order of checks, docs/spec/case_cancel.md). Nothing is
   * read or played: no cancel can succeed.
   */
  private boundThroughBin(named: number, bin: number): Plan {
    const invalid = BIN_ID.min - 1;
    const checked = checkParams({ kind: 'integer', value: named }, { kind: 'integer', value: invalid });
    if (!('expected' in checked))
      throw new Error(`harness bug: bin_id ${invalid} passed the parameter checks`);
    const found = known.has(named) ? describeFound(known.get(named) ?? null) : 'not read as found';
    return {
      kind: 'played',
      ports: new Map(),
      bins: new Map([[bin, invalid]]),
      difference: {
        port: named,
        bin: invalid,
        predicted: checked.expected,
        comparePlain: false,
        literals: new Map(),
        throughNextCheck: true,
      },
      notes: [
        `as found: port ${named} (${found}) cannot play the bound with bin ${bin} without a cancel that could succeed or a port read as it stands, so the bound is judged through the check after it: bin_id ${bin} is sent as ${invalid}, which the order of checks (@assumed) answers with fault 1010 once port_id ${named} is taken as valid, and 1004 where it is refused; no cancel can succeed`,
      ],
    };
  }

  /**
   * Judging by difference where the answer depends on both ids read: an OPEN AutoCase port with a bin selected
   * that no other port shows and no active operation, its own id and bin written in the scenario's forms. The
   * plain call answers 1152 there; a bin read as another answers 1149, a port read as another 1000 or that port's
   * code; all faults, so nothing can change. A bound stays as written (the port or bin must be that bound). The
   * plan, or undefined where no port fits and the call writes no literal (it is then played as byDifference says);
   * a literal form of port_id or bin_id is judged nowhere else: unreachable, nothing sent.
   */
  private onIdlePort(call: CancelShape, port: number, bin: number, reading: CallReading): Plan | undefined {
    const params = call.params ?? {};
    const forms = LITERAL_IDS.filter(
      (name) => params[name] !== undefined && typeof params[name] !== 'number',
    );
    const portBound = port === PORT_ID.min || port === PORT_ID.max;
    const binBound = bin === BIN_ID.min || bin === BIN_ID.max;
    const candidates = this.fitting(IDLE, port, new Set(), (id, found) => {
      if (found === null || found.selected_bin === null) return false;
      if (portBound && id !== port) return false;
      if (binBound && found.selected_bin !== bin) return false;
      // Another port that shows the same bin would answer a port read as it the same way.
      return ![...known].some(([other, p]) => other !== id && p?.selected_bin === found.selected_bin);
    });
    const suffix = this.own ? WITHIN_OWN : '';
    const named = (name: string) => `${name} ${describeWritten(params[name])}`;
    const unwritable = new Set<string>();
    for (const id of candidates) {
      const before = known.get(id) as FoundPort;
      const selected = before.selected_bin as number;
      const predicted = predictProbe(before, id, selected);
      if (!predicted) continue;
      const literals = new Map<string, { written: ParamValue; sent: ParamValue }>();
      for (const name of forms) {
        const written = params[name] as ParamValue;
        const sent = writtenAround(written, name === 'port_id' ? id : selected, call.encoding);
        if (sent !== undefined) literals.set(name, { written, sent });
      }
      if (literals.size < forms.length) {
        for (const name of forms) if (!literals.has(name)) unwritable.add(name);
        continue;
      }
      const rewritten = forms.map(
        (name) => `${named(name)} is sent as ${describeWritten(literals.get(name)?.sent)}`,
      );
      const why =
        id === port
          ? []
          : [
              this.playedInstead(
                port,
                id,
                before,
                `port ${port} as found (${describeFound(known.get(port) ?? null)}) is not an OPEN AutoCase port idle on a bin no other port shows`,
              ),
            ];
      return {
        kind: 'played',
        ports: new Map([[port, { declared: port, port: id, before, need: IDLE }]]),
        bins: new Map([[bin, selected]]),
        difference: { port: id, bin: selected, predicted, comparePlain: reading.variant, literals },
        notes: [
          ...why,
          `as found: judged by difference on port ${id} (${describeFound(before)}), where the answer depends on the ids read: a cancel of its bin ${selected} is answered with fault 1152 whatever the error flag, another bin with 1149, another port with 1000 or that port's own code; the scenario's port ${port} and bin ${bin} are played by port ${id} and bin ${selected}${rewritten.length > 0 ? `; ${rewritten.join(', ')}, the same form${rewritten.length > 1 ? 's' : ''} around those ids` : ''}`,
        ],
      };
    }
    if (forms.length === 0) return undefined;
    if (candidates.length > 0)
      return {
        kind: 'unreachable',
        reason: `${[...unwritable].map(named).join(' and ')} cannot be written in the same form around the port and bin of any ${describeIdle(portBound, binBound, port, bin)} ${describeSource(this.site)} on this site (port${candidates.length > 1 ? 's' : ''} ${[...candidates].sort((a, b) => a - b).join(', ')})${suffix}: a literal form of port_id or bin_id is judged by difference there, where a value read otherwise gets another answer`,
        needsErrorFlag: false,
      };
    return {
      kind: 'unreachable',
      reason: `no ${describeIdle(portBound, binBound, port, bin)} ${describeSource(this.site)} on this site${suffix}: a literal form of port_id or bin_id is judged by difference there, where a value read otherwise gets another answer`,
      needsErrorFlag: false,
    };
  }

  /**
   * The evidence of a call judged by difference on another port than the one its value names: why the named port did
   * not play it (outside the ports the run may use, not read, or `unfit` as read).
   */
  private playedInstead(named: number, port: number, before: FoundPort | null, unfit: string): string {
    const offLimits = this.offLimits(named);
    const why = offLimits
      ? `port ${named} is ${offLimits}`
      : known.has(named)
        ? unfit
        : `port ${named} was not read as found`;
    return `as found: the scenario's port ${named} is played by port ${port} (${describeFound(before)}): ${why}`;
  }

  /**
   * The scenario's own port id when it fits, else the lowest that does; never an excluded or used port. Where the
   * need leaves a choice, a port that also stands as declared comes first (prefers), by the same rule.
   */
  private find(need: Need, own: number, used: ReadonlySet<number>): number | undefined {
    return this.fitting(need, own, used)[0];
  }

  /** Every port that fits the need (and `also`), in the order find takes them. */
  private fitting(
    need: Need,
    own: number,
    used: ReadonlySet<number>,
    also: (id: number, found: FoundPort | null) => boolean = () => true,
  ): number[] {
    const fitting = (id: number) =>
      !used.has(id) &&
      this.offLimits(id) === undefined &&
      fits(need, known.get(id) ?? null) &&
      also(id, known.get(id) ?? null);
    const preferred = (id: number) => fitting(id) && prefers(need, known.get(id) ?? null);
    const ids = [...known.keys()].sort((a, b) => a - b);
    const order = [...(known.has(own) ? [own] : []), ...ids.filter((id) => id !== own)];
    const first = order.filter(preferred);
    return [...first, ...order.filter((id) => fitting(id) && !first.includes(id))];
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

/** The ids a literal form can be written for, around the ids of the port that plays the call. */
const LITERAL_IDS = ['port_id', 'bin_id'] as const;

/** An OPEN AutoCase port with a bin selected and no active operation (NOOP first): 1152 for its own bin. */
const IDLE: Need = { kind: 'inactive', state: 'NOOP', exact: false };

const WITHIN_OWN = " within this worker's port set (the profile's parallel.port_sets, with --parallel)";

/** The port a literal form is judged on, in words, with the bound it must keep. */
function describeIdle(portBound: boolean, binBound: boolean, port: number, bin: number): string {
  const bound = [portBound ? `port ${port} itself` : '', binBound ? `bin ${bin} selected` : '']
    .filter(Boolean)
    .join(', ');
  return `OPEN AutoCase port with a bin selected that no other port shows and no active case operation${bound ? ` (${bound}, the bound the scenario names)` : ''}`;
}

/** Input that is not a call reads as no call at all: every declared port needs only to exist as declared. */
const NOT_A_CALL: CallReading = {
  port_id: { kind: 'missing' },
  bin_id: { kind: 'missing' },
  paramFault: 1003,
  variant: false,
  bound: false,
};
