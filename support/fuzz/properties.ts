// The four properties of case_cancel the @fuzz scenarios check, each a generator, the requests its values
// send (validated in one batch before the runs) and one run against a session.
import type fc from 'fast-check';
import type { Encoding } from '../model.ts';
import { FAULT } from '../spec.ts';
import type { PlannedCall } from '../wire/task-call.ts';
import {
  cancellable,
  type LiteralCall,
  literalBounds,
  literalCall,
  refusedBounds,
  refusedCall,
  type SentCall,
  SITE_CALL_BOUNDS,
  type SiteCall,
  siteCall,
} from './arbitraries.ts';
import {
  addressedPort,
  type FoundCall,
  type FoundSite,
  foundCall,
  foundCallBounds,
  foundLiteralBounds,
  foundLiteralCall,
  foundRefusedBounds,
  refusedPorts,
  wrapsOntoChoice,
} from './as-found.ts';
import { checkParams, readParam } from './oracle.ts';
import {
  runSequence,
  SEQUENCE_BOUNDS,
  type Sequence,
  sequence,
  sequenceCalls,
  sequenceOpening,
} from './sequences.ts';
import { cancelRequest, type FuzzSession, type Opening } from './session.ts';

export interface FuzzProperty<T> {
  /** Short and stable: it names the property in --fuzz-path and seeds its generator. */
  readonly id: string;
  readonly title: string;
  /** Without a rig, and without a site as found to play on (asFound), the property cannot run (INCONCLUSIVE). */
  readonly needsRig: boolean;
  /** What is missing when it cannot run, in the words of the INCONCLUSIVE reason. */
  readonly missing?: string;
  /**
   * Without a rig: the property on the site as discovery read it (docs/spec/as-found.md), sending only reads
   * and probes; or what is missing for it, in words.
   */
  asFound?(site: FoundSite): FuzzProperty<unknown> | string;
  readonly defaultRuns: number;
  /** The one answer the property means to get nearly every time (so that the self-diagnosis does not flag it). */
  intended?(hasRig: boolean): string | undefined;
  /** `replay`: what replayHint gave for a counterexample, when one is being replayed. */
  arbitrary(encoding: Encoding, replay?: string): fc.Arbitrary<T>;
  /** Besides seed and path, what fast-check needs to rebuild a counterexample (model runs: the commands' replayPath). */
  replayHint?(value: T): string | undefined;
  /** Always run first: the bounds. */
  examples(encoding: Encoding): readonly T[];
  /** Every request a value can send, so that they are validated in one batch before they are sent. */
  plan(value: T, encoding: Encoding): PlannedCall[];
  /** As found: the ports a value reads, read ahead of the runs together (their first reading is the property's). */
  reads?(value: T, encoding: Encoding): readonly number[];
  /**
   * With a rig: how a run of this value opens (session.open), when the run opens so and ends with a read-back marked
   * last. The run before may then send it ahead, with its own last read-back (one request fewer a run).
   */
  opening?(value: T): Opening;
  run(value: T, session: FuzzSession): Promise<void>;
}

/** The reads a call on this port makes as found, so that they are validated in the batch too. */
function readRequests(portId: number): PlannedCall[] {
  return ['getportstatus', 'case_getstate'].map((method) => ({
    method,
    params: { port_id: portId },
    encoding: 'XML' as const,
  }));
}

/** Why a property that plays on known ports cannot, on this site. */
function noKnownPort(site: FoundSite): string | undefined {
  if (site.unreadable !== undefined) return `the site could not be read as found (${site.unreadable})`;
  if (site.known.length === 0) return 'no port read as found that may be called (every one read is excluded)';
  return undefined;
}

const TITLE_IN_RANGE = 'any port_id and bin_id in the documented ranges on a randomly arranged site';

/**
 * As found: a call in the ranges on a known port (or id known not to exist), never on an excluded or unread one,
 * always a probe given the port as read right before it; the port reads back unchanged after it.
 */
function inRangeAsFound(site: FoundSite): FuzzProperty<FoundCall> | string {
  const missing = noKnownPort(site);
  if (missing) return missing;
  return {
    id: 'in-range-as-found',
    title: `${TITLE_IN_RANGE}, as found: probes on the ports read`,
    needsRig: false,
    defaultRuns: 100,
    arbitrary: () => foundCall(site),
    examples: () => foundCallBounds(site),
    plan: (value, encoding) => [
      cancelRequest(value.port_id, value.bin_id, encoding),
      ...readRequests(value.port_id),
    ],
    run: (value, session) => session.probe(site, value.port_id, value.bin_id),
  };
}

export const IN_RANGE: FuzzProperty<SiteCall> = {
  id: 'in-range',
  title: TITLE_IN_RANGE,
  needsRig: true,
  missing:
    'a rig to arrange random ports (--rig=URL), or the site read as found to probe it: this run read none',
  asFound: inRangeAsFound,
  defaultRuns: 100,
  arbitrary: () => siteCall,
  examples: () => SITE_CALL_BOUNDS,
  plan: (value, encoding) => [cancelRequest(value.port_id, value.bin_id, encoding)],
  opening: (value) => ({ judgeEvents: false, ports: value.site }),
  async run(value, session) {
    await session.open({ judgeEvents: false, ports: value.site });
    await session.cancel(value.port_id, value.bin_id);
    await session.expectPort(value.port_id, { last: true });
  },
};

const PARAMETER_CODES: readonly number[] = [
  FAULT.PORT_ID_MISSING,
  FAULT.PORT_ID_INVALID,
  FAULT.BIN_ID_INVALID,
];

/** A refused call is refused by the parameter checks: anything else is a bug of its generator. */
function expectRefused(value: SentCall, session: FuzzSession): void {
  const params = checkParams(
    readParam(value.port_id, session.encoding),
    readParam(value.bin_id, session.encoding),
  );
  const code =
    'expected' in params && params.expected.kind === 'answer' && params.expected.answer.kind === 'fault';
  if (!code || !PARAMETER_CODES.includes(params.expected.answer.code)) {
    throw new Error(
      `harness bug: the generator of refused values made a valid call ${JSON.stringify(value)}`,
    );
  }
}

const TITLE_REFUSED = 'values outside the ranges and literals the specification refuses';

/**
 * As found: the same values, their valid port ids (and the ids damaged literals are built on) those of ports no
 * bin can cancel on, AutoCase ones first, never excluded ones. The parameter checks come first: no arrangement.
 */
function refusedAsFound(site: FoundSite): FuzzProperty<SentCall> | string {
  const ports = refusedPorts(site);
  if (!ports) return 'no port id that may be called: every one is excluded, or could be cancelled';
  return {
    id: 'refused-as-found',
    title: `${TITLE_REFUSED}, as found`,
    needsRig: false,
    defaultRuns: 150,
    // a refused port_id that wraps (in 16 or 32 bits) onto a valid id wraps onto one of these ports
    arbitrary: (encoding) =>
      refusedCall(encoding, ports.arbitrary).map((call) => ({
        ...call,
        port_id: wrapsOntoChoice(call.port_id, ports),
      })),
    examples: (encoding) =>
      foundRefusedBounds(refusedBounds(encoding), ports).map((call) => ({
        ...call,
        port_id: wrapsOntoChoice(call.port_id, ports),
      })),
    plan: (value, encoding) => [cancelRequest(value.port_id, value.bin_id, encoding)],
    reads(value, encoding) {
      const port = addressedPort(value.port_id, encoding);
      return port !== undefined && site.port(port) !== undefined ? [port] : [];
    },
    async run(value, session) {
      expectRefused(value, session);
      await session.probeRefused(site, value.port_id, value.bin_id);
    },
  };
}

export const REFUSED: FuzzProperty<SentCall> = {
  id: 'refused',
  title: TITLE_REFUSED,
  needsRig: false,
  asFound: refusedAsFound,
  defaultRuns: 150,
  arbitrary: (encoding) => refusedCall(encoding),
  examples: refusedBounds,
  plan: (value, encoding) => [cancelRequest(value.port_id, value.bin_id, encoding)],
  async run(value, session) {
    expectRefused(value, session);
    // The parameter checks come before the port lookup: no arrangement, the port need not exist.
    await session.cancel(value.port_id, value.bin_id);
  },
};

const TITLE_LITERALS = 'literal forms the specification accepts, meaning their value';

/**
 * As found, by difference (as-found.md, "Accepted without success"): on a port where the plain call is a probe,
 * the call in literal forms gets the same answer as the plain call, the oracle's, never the parameter's fault.
 */
function literalsAsFound(site: FoundSite): FuzzProperty<LiteralCall> | string {
  const missing = noKnownPort(site);
  if (missing) return missing;
  return {
    id: 'literals-as-found',
    title: `${TITLE_LITERALS}, as found: the same answer as the plain values`,
    needsRig: false,
    defaultRuns: 100,
    arbitrary: (encoding) => foundLiteralCall(site, encoding),
    examples: (encoding) => foundLiteralBounds(site, encoding),
    plan: (value, encoding) => [
      cancelRequest(value.port, value.bin, encoding),
      cancelRequest(value.port_id, value.bin_id, encoding),
      ...readRequests(value.port),
    ],
    reads: (value) => [value.port],
    run: (value, session) => session.probeLiteral(site, value),
  };
}

export const LITERALS: FuzzProperty<LiteralCall> = {
  id: 'literals',
  title: TITLE_LITERALS,
  // Without a rig a cancel with the values written could succeed: only the site as found tells which do not.
  needsRig: true,
  missing:
    'a rig to arrange the port the values mean (--rig=URL), or a site read as found to judge the forms by difference: this run read none',
  asFound: literalsAsFound,
  defaultRuns: 100,
  intended: (hasRig) => (hasRig ? 'success' : undefined),
  arbitrary: literalCall,
  examples: literalBounds,
  plan: (value, encoding) => [cancelRequest(value.port_id, value.bin_id, encoding)],
  async run(value, session) {
    // The port is arranged so that only the values written succeed: another port answers 1000 or its own code, another bin 1149.
    await session.reset();
    await session.arrange(value.port, cancellable(value.bin));
    await session.cancel(value.port_id, value.bin_id);
  },
};

export const SEQUENCES: FuzzProperty<Sequence> = {
  id: 'sequences',
  title: 'sequences of arranging ports, cancelling with matching or other ids and reading the ports back',
  needsRig: true,
  missing: 'the stateful sequences arrange ports: a rig (--rig=URL)',
  defaultRuns: 80,
  arbitrary: (_encoding, replay) => sequence(replay),
  replayHint: (value) => /replayPath="([^"]*)"/.exec(String(value.commands))?.[1],
  examples: () => SEQUENCE_BOUNDS,
  plan: (value, encoding) =>
    sequenceCalls(value).map((call) => cancelRequest(call.port_id, call.bin_id, encoding)),
  opening: sequenceOpening,
  run: runSequence,
};
