// The properties on a site as found (docs/spec/as-found.md): no rig, so the harness sends only reads and
// probes. A probe is a case_cancel that the order of checks answers with a fault given the port as read, whatever
// the AutoCase error flag (never shown); a call that could succeed is a change and is never sent. This file knows
// the site map discovery read and generates calls on it that are probes. Pure: no I/O.
import fc from 'fast-check';
import type { CaseState, Encoding } from '../model.ts';
import { predictProbe } from '../site/as-found.ts';
import { numberOnto, wrappedOnto } from '../site/literal-ids.ts';
import { type FoundPort, inSource, outsideSource, type SiteMap } from '../site/site-map.ts';
import { BIN_ID, PORT_ID } from '../spec.ts';
import {
  binaryEdges,
  binIdInRange,
  type Form,
  isLiteral,
  type LiteralCall,
  literalForms,
  portIdInRange,
  type SentCall,
  written,
} from './arbitraries.ts';
import { checkParams, type Expected, readParam, type Sent } from './oracle.ts';

/** A call in the documented ranges, on a port of the site as found. */
export interface FoundCall {
  readonly port_id: number;
  readonly bin_id: number;
}

/** A port on which no bin makes case_cancel succeed: absent, or not an OPEN AutoCase port with a bin and an active case. */
export function neverCancellable(port: FoundPort | null): boolean {
  if (port === null || port.selected_bin === null) return true;
  return predictProbe(port, 0, port.selected_bin) !== undefined;
}

/** [doc] The AutoCase operations' states in order: extraction EREQ, ERSO, ECMP; insertion IREQ ... ICMP. */
const CASE_PROGRESSIONS: readonly (readonly CaseState[])[] = [
  ['EREQ', 'ERSO', 'ECMP'],
  ['IREQ', 'IRTR', 'ICRC', 'ICIN', 'ICMP'],
];

/**
 * Whether `after` is `before` with its AutoCase operation moved on by itself (one or more steps of its documented
 * order, nothing else changed): what the hardware does on a live site, never what a fault or a cancel does (a
 * cancel leaves NOOP).
 */
export function movedOnByItself(before: FoundPort | null, after: FoundPort | null): boolean {
  if (before === null || after === null || before.type !== 'AC' || after.type !== 'AC') return false;
  if (before.mode !== after.mode || before.selected_bin !== after.selected_bin) return false;
  const from = before.case_state;
  const to = after.case_state;
  if (from === undefined || to === undefined || from === to) return false;
  return CASE_PROGRESSIONS.some((order) => {
    const i = order.indexOf(from);
    return i >= 0 && order.indexOf(to) > i;
  });
}

/** The prediction for a call as found: the fault it must get, or why it is not sent. */
export type FoundPrediction =
  | {
      readonly expected: Expected;
      /** The port the call addresses, when port_id is a valid id: it is read before and after. */
      readonly port?: number;
    }
  | { readonly change: string };

/** port_id as an id in the range, when it is one (whatever bin_id is). */
export function addressedPort(port_id: Sent, encoding: Encoding): number | undefined {
  const reading = readParam(port_id, encoding);
  if (reading.kind !== 'integer' || reading.value < PORT_ID.min || reading.value > PORT_ID.max)
    return undefined;
  return reading.value;
}

/** The site map as the properties use it: ports known to exist (with how they stand), known not to, or unknown. */
export class FoundSite {
  /** Why the site could not be read, when it could not: then nothing is known of any port. */
  readonly unreadable?: string;
  /** Found AutoCase ports, other found ports and absent ids, excluded ones left out, in id order. */
  readonly autocase: readonly number[];
  readonly others: readonly number[];
  readonly absent: readonly number[];
  /** Every known id (found or absent, not excluded), in order. */
  readonly known: readonly number[];
  /** The selected bins of the found ports. */
  readonly selectedBins: readonly number[];
  private readonly ports = new Map<number, FoundPort | null>();
  private readonly excludedIds: ReadonlySet<number>;

  constructor(readonly map: SiteMap) {
    this.excludedIds = new Set(map.excluded);
    this.unreadable = map.unreadable;
    const usable = (id: number) => this.offLimits(id) === undefined;
    if (map.unreadable === undefined) {
      for (const port of map.ports) if (usable(port.port_id)) this.ports.set(port.port_id, port);
      for (const id of map.absent) if (usable(id) && !this.ports.has(id)) this.ports.set(id, null);
    }
    const ids = [...this.ports.keys()].sort((a, b) => a - b);
    this.known = ids;
    this.autocase = ids.filter((id) => this.ports.get(id)?.type === 'AC');
    this.others = ids.filter((id) => {
      const port = this.ports.get(id);
      return port !== null && port !== undefined && port.type !== 'AC';
    });
    this.absent = ids.filter((id) => this.ports.get(id) === null);
    this.selectedBins = [
      ...new Set(
        ids.flatMap((id) => {
          const bin = this.ports.get(id)?.selected_bin;
          return bin === null || bin === undefined ? [] : [bin];
        }),
      ),
    ].sort((a, b) => a - b);
  }

  /** How the port stood when the site was read; null: it does not exist; undefined: unknown or excluded. */
  port(id: number): FoundPort | null | undefined {
    return this.ports.get(id);
  }

  isExcluded(id: number): boolean {
    return this.excludedIds.has(id);
  }

  /**
   * Why no call may name this port id, or undefined when one may: only the ports discovery reads may be used (the
   * profile's list, --ports, the range scanned), less the excluded ones.
   */
  offLimits(id: number): string | undefined {
    if (id < PORT_ID.min || id > PORT_ID.max) return `port ${id} is outside ${PORT_ID.min}-${PORT_ID.max}`;
    if (this.excludedIds.has(id)) return `port ${id} is excluded from the run: it is never called`;
    if (!inSource(this.map.source, id)) return `port ${id} is ${outsideSource(this.map.source)}`;
    return undefined;
  }

  /** The known id nearest to `id` (the lower on a tie); undefined when no id is known. */
  nearestKnown(id: number): number | undefined {
    return this.known.length === 0 ? undefined : nearestOf(this.known, id);
  }

  /** What a conforming controller answers to this call on the site as read, or why the call is not sent. */
  predict(port_id: Sent, bin_id: Sent, encoding: Encoding): FoundPrediction {
    const addressed = addressedPort(port_id, encoding);
    const offLimits = addressed === undefined ? undefined : this.offLimits(addressed);
    if (offLimits) return { change: offLimits };
    const params = checkParams(readParam(port_id, encoding), readParam(bin_id, encoding));
    if ('expected' in params) return { expected: params.expected, port: addressed };
    return this.predictPort(this.ports.get(params.port_id), params.port_id, params.bin_id);
  }

  /** The same for a valid call, on the port as read (undefined: not read). */
  predictPort(port: FoundPort | null | undefined, port_id: number, bin_id: number): FoundPrediction {
    const offLimits = this.offLimits(port_id);
    if (offLimits) return { change: offLimits };
    if (port === undefined) return { change: `port ${port_id} was not read: a cancel on it could succeed` };
    const expected = predictProbe(port, port_id, bin_id);
    if (expected === undefined) {
      return {
        change: `port ${port_id} is an OPEN AutoCase port with bin ${bin_id} selected and its case ${port?.case_state ?? 'unread'}: the cancel could succeed (the error flag is not shown)`,
      };
    }
    return { expected, port: port_id };
  }
}

// --- the calls --------------------------------------------------------------------------------------------

/**
 * Ids by binary width (1, 2-3, 4-7, ... 1024-2047), one group each: drawing a group first and then an id in it
 * gives a port whose id is wide as often as the many narrow ones (a site's ports sit mostly at small ids, and a
 * bit width in the target shows on the few wide ones).
 */
function byWidth(ids: readonly number[]): fc.Arbitrary<number> {
  const groups = new Map<number, number[]>();
  for (const id of ids) {
    const width = Math.floor(Math.log2(id));
    groups.set(width, [...(groups.get(width) ?? []), id]);
  }
  return fc.oneof(...[...groups.values()].map((group) => fc.constantFrom(...group)));
}

/**
 * A known port id: AutoCase ports most often, other found ports, absent ids, and anywhere in the range (the
 * bounds and binary widths often, as idIn does) moved to the nearest known id. Found ports are drawn by the width
 * of their id first. The site must know one id.
 */
export function foundPortId(site: FoundSite): fc.Arbitrary<number> {
  const anywhere = portIdInRange.map((id) => site.nearestKnown(id) as number);
  const groups: fc.WeightedArbitrary<number>[] = [];
  if (site.autocase.length > 0) groups.push({ weight: 4, arbitrary: byWidth(site.autocase) });
  if (site.others.length > 0) groups.push({ weight: 2, arbitrary: byWidth(site.others) });
  if (site.absent.length > 0) groups.push({ weight: 1, arbitrary: fc.constantFrom(...site.absent) });
  groups.push({ weight: 2, arbitrary: anywhere });
  return fc.oneof(...groups);
}

/** The call with its bin moved off the port's selected bin when, as the site map has it, the call could succeed. */
export function probeCall(site: FoundSite, call: FoundCall): FoundCall {
  const port = site.port(call.port_id);
  if (port === undefined || port === null || predictProbe(port, call.port_id, call.bin_id)) return call;
  const bin = call.bin_id === BIN_ID.max ? call.bin_id - 1 : call.bin_id + 1;
  return { port_id: call.port_id, bin_id: bin };
}

type Aim = 'any' | 'edge' | 'selected' | 'elsewhere';

// Any bin most: a bug in a band of bins shows on any port, and only a wide spread of bins meets it.
const aim: fc.Arbitrary<Aim> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Aim>('any') },
  { weight: 2, arbitrary: fc.constant<Aim>('edge') },
  { weight: 2, arbitrary: fc.constant<Aim>('selected') },
  { weight: 1, arbitrary: fc.constant<Aim>('elsewhere') },
);

function clampBin(bin: number): number {
  return Math.min(BIN_ID.max, Math.max(BIN_ID.min, bin));
}

/**
 * A probe on a known port: any bin in the range mostly (the bounds and binary widths often), else the port's
 * selected bin (sometimes one next to it), else another port's selected bin; moved off the selected bin where the
 * call could succeed. Shrinks toward the site's first ports and bin 1.
 */
export function foundCall(site: FoundSite): fc.Arbitrary<FoundCall> {
  return fc
    .record({
      port_id: foundPortId(site),
      aim,
      bin: binIdInRange,
      edge: binaryEdges(BIN_ID),
      step: fc.oneof(
        { weight: 3, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.constantFrom(-1, 1) },
      ),
      other: fc.nat(),
    })
    .map(({ port_id, aim, bin, edge, step, other }) => {
      const selected = site.port(port_id)?.selected_bin ?? null;
      const elsewhere = site.selectedBins[other % Math.max(1, site.selectedBins.length)];
      let bin_id = bin;
      if (aim === 'edge') bin_id = edge;
      else if (aim === 'selected' && selected !== null) bin_id = clampBin(selected + step);
      else if (aim === 'elsewhere' && elsewhere !== undefined) bin_id = elsewhere;
      return probeCall(site, { port_id, bin_id });
    });
}

/** The bounds of both ranges, on the known ids nearest to 1 and 2000, as probes: always tried first. */
export function foundCallBounds(site: FoundSite): FoundCall[] {
  const low = site.nearestKnown(PORT_ID.min);
  const high = site.nearestKnown(PORT_ID.max);
  if (low === undefined || high === undefined) return [];
  const calls = [
    { port_id: low, bin_id: BIN_ID.min },
    { port_id: high, bin_id: BIN_ID.max },
    { port_id: low, bin_id: BIN_ID.max },
    { port_id: high, bin_id: BIN_ID.min },
  ].map((call) => probeCall(site, call));
  return calls.filter(
    (call, i) => calls.findIndex((c) => c.port_id === call.port_id && c.bin_id === call.bin_id) === i,
  );
}

/** A probe on a known port with port_id, bin_id or both written in a form the spec accepts. */
export function foundLiteralCall(site: FoundSite, encoding: Encoding): fc.Arbitrary<LiteralCall> {
  return fc
    .record({ call: foundCall(site), forms: literalForms(encoding) })
    .map(({ call, forms }) => ({
      port: call.port_id,
      bin: call.bin_id,
      port_id: written(call.port_id, forms[0]),
      bin_id: written(call.bin_id, forms[1]),
    }))
    .filter(isLiteral);
}

/** The bounds' probes in accepted forms (signs, leading zeros, whitespace; fractions and exponents in JSON). */
export function foundLiteralBounds(site: FoundSite, encoding: Encoding): LiteralCall[] {
  const forms: readonly [Form, Form][] =
    encoding === 'XML'
      ? [
          [(v) => ` +000${v} `, (v) => `+000000000000000000${v}`],
          [(v) => `\n000${v}\t`, (v) => ` ${v} `],
        ]
      : [
          [(v) => ` ${v}.0 `, (v) => `${v}E0`],
          [(v) => `${v}e0`, (v) => `${v}.000`],
        ];
  return foundCallBounds(site).map((call, i) => {
    const [portForm, binForm] = forms[i % forms.length] as [Form, Form];
    return {
      port: call.port_id,
      bin: call.bin_id,
      port_id: written(call.port_id, portForm),
      bin_id: written(call.bin_id, binForm),
    };
  });
}

/** The id of a sorted, non-empty list nearest to `id` (the lower on a tie). */
function nearestOf(ids: readonly number[], id: number): number {
  let low = 0;
  let high = ids.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((ids[mid] as number) < id) low = mid + 1;
    else high = mid;
  }
  const above = ids[low] as number;
  const below = ids[low - 1];
  return below !== undefined && id - below <= above - id ? below : above;
}

/** Port ids to play on: an arbitrary over them, and the one of them nearest to a given id. */
export interface PortChoice {
  readonly arbitrary: fc.Arbitrary<number>;
  nearest(id: number): number;
}

/**
 * The port ids of refused calls (a valid port_id beside a refused bin_id, or the id a damaged port_id is built
 * on): known ports on which no bin makes a cancel succeed, so that even a controller that wrongly took the refused
 * value for a valid one could change nothing; AutoCase ones most often (as-found.md: any existing AutoCase port).
 * With no such port known (a site not read), any id the run may use (among the ports it reads, not excluded) that
 * is not known to be cancellable. Undefined when no id is left.
 */
export function refusedPorts(site: FoundSite): PortChoice | undefined {
  const safe = site.known.filter((id) => neverCancellable(site.port(id) ?? null));
  if (safe.length > 0) {
    const autocase = safe.filter((id) => site.port(id)?.type === 'AC');
    const anywhere = portIdInRange.map((id) => nearestOf(safe, id));
    return {
      arbitrary:
        autocase.length > 0
          ? fc.oneof(
              { weight: 3, arbitrary: fc.constantFrom(...autocase) },
              { weight: 1, arbitrary: anywhere },
            )
          : anywhere,
      nearest: (id) => nearestOf(safe, id),
    };
  }
  const allowed: number[] = [];
  for (let id = PORT_ID.min; id <= PORT_ID.max; id++)
    if (site.offLimits(id) === undefined && site.port(id) === undefined) allowed.push(id);
  if (allowed.length === 0) return undefined;
  return {
    arbitrary: portIdInRange.map((id) => nearestOf(allowed, id)),
    nearest: (id) => nearestOf(allowed, id),
  };
}

/**
 * A refused port_id that a controller keeping it in 16 or 32 bits would read as a valid id (65537 as port 1, a random
 * 2001-2^31 as whatever its low 16 bits say) written so that each such wrap is a port of the choice: the wrap moved
 * to the nearest one (2^16 + 1 becomes 2^16 + P). Numbers and integer literals; any other value as it is.
 */
export function wrapsOntoChoice(port_id: Sent, ports: PortChoice): Sent {
  if (typeof port_id === 'number') return numberOnto(port_id, 'port_id', (id) => ports.nearest(id));
  if (typeof port_id !== 'string') return port_id;
  const integer = /^(\s*[+-]?)([0-9]+)(\s*)$/.exec(port_id);
  if (integer === null) return port_id;
  const [, before = '', digits = '', after = ''] = integer;
  const value = BigInt(before.trim() === '-' ? `-${digits}` : digits);
  const moved = wrappedOnto(value, 'port_id', (id) => ports.nearest(id));
  if (moved === value) return port_id;
  const written = (moved < 0n ? -moved : moved).toString();
  return `${before}${written.padStart(digits.length, '0')}${after}`;
}

/** The refused bounds with their valid port ids (and the JSON string "1" of one) moved to ports of the choice. */
export function foundRefusedBounds(bounds: readonly SentCall[], ports: PortChoice): SentCall[] {
  return bounds.map((call) => {
    const id = call.port_id;
    if (typeof id === 'number' && id >= PORT_ID.min && id <= PORT_ID.max)
      return { ...call, port_id: ports.nearest(id) };
    const quoted = typeof id === 'string' ? /^"([0-9]+)"$/.exec(id) : null;
    if (quoted) return { ...call, port_id: `"${ports.nearest(Number(quoted[1]))}"` };
    return call;
  });
}
