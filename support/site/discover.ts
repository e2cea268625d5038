// Discovery: with no rig, the harness reads the site before the first scenario (docs/spec/as-found.md). getportstatus
// on every port of the range or of the profile's list, case_getstate on the AutoCase ones (readPort does both);
// only read methods, so it changes nothing on any controller.

import type { Exchange, TargetConfig } from '../model.ts';
import { prevalidateCalls } from '../wire/task-call.ts';
import { formatPortList, type PortRange, portsOf } from './port-list.ts';
import { isReadProblem, type ReadProblem, readPort } from './read-port.ts';
import type { FoundPort, SiteMap, SiteSource } from './site-map.ts';

/** A controller is an embedded box: enough calls in flight to hide network round trips, few enough not to queue on it. */
export const DISCOVERY_CONCURRENCY = 16;
/**
 * Problems after which discovery stops: a target that does not understand getportstatus, or does not answer it,
 * shows it on the first calls; there is no point sending it 2,000. Fewer than this are single odd ports.
 */
export const MAX_READ_PROBLEMS = 3;

export interface DiscoverOptions {
  /** Port ids never called (the profile's discovery.exclude_ports). */
  readonly excluded: readonly number[];
  readonly concurrency?: number;
  readonly maxProblems?: number;
  /** After each port read: how many of how many. */
  readonly onProgress?: (read: number, total: number) => void;
  readonly record?: (exchange: Exchange) => void;
}

/** The ranges a scan source covers. */
export function rangesOf(source: SiteSource): readonly PortRange[] {
  if (source.kind === 'range') return [{ from: source.from, to: source.to }];
  if (source.kind === 'ranges') return source.ranges;
  return source.ports.map((id) => ({ from: id, to: id }));
}

/** A scan of these ranges, as a SiteSource: one range as `range`, several as `ranges`. */
export function rangeSource(ranges: readonly PortRange[]): SiteSource {
  const only = ranges.length === 1 ? ranges[0] : undefined;
  return only ? { kind: 'range', from: only.from, to: only.to } : { kind: 'ranges', ranges };
}

/** What was read, in words: `ports 1-2000`, `ports 1-30, 1990-2000`, `the 16 ports the profile lists`. */
export function describeSiteSource(source: SiteSource): string {
  if (source.kind === 'profile') {
    const n = source.ports.length;
    return n === 1 ? `the 1 port the profile lists` : `the ${n} ports the profile lists`;
  }
  const ranges = rangesOf(source);
  const single = ranges.length === 1 && ranges[0]?.from === ranges[0]?.to;
  return `${single ? 'port' : 'ports'} ${formatPortList(ranges)}`;
}

function idsOf(source: SiteSource): number[] {
  const ids =
    source.kind === 'profile' ? [...new Set(source.ports)].sort((a, b) => a - b) : portsOf(rangesOf(source));
  return ids;
}

function unreadableReason(problems: readonly ReadProblem[], read: number, total: number): string {
  const first = problems[0] as ReadProblem;
  const what =
    first.problem === 'shape'
      ? 'the read methods answer in a shape the harness does not understand'
      : 'the read methods do not answer';
  return `${what} (${first.reason}); stopped after ${problems.length} such answers, ${read} of ${total} ports read`;
}

/** Reads the site. Never throws for what the target does: a site it cannot read comes back with `unreadable`. */
export async function discoverSite(
  target: TargetConfig,
  which: SiteSource,
  options: DiscoverOptions,
): Promise<SiteMap> {
  const started = performance.now();
  const readAt = new Date().toISOString();
  const excluded = new Set(options.excluded);
  const ids = idsOf(which).filter((id) => !excluded.has(id));
  const concurrency = Math.max(1, Math.min(options.concurrency ?? DISCOVERY_CONCURRENCY, ids.length));
  const maxProblems = options.maxProblems ?? MAX_READ_PROBLEMS;
  const found = new Map<number, FoundPort>();
  const absent: number[] = [];
  const unread: { port_id: number; reason: string }[] = [];
  const problems: ReadProblem[] = [];
  let next = 0;
  let read = 0;
  // Every request is checked against its schema before it is sent: all of them up front, together, so that
  // the scan itself only sends and reads.
  await prevalidateCalls(
    ids.map((id) => ({ method: 'getportstatus', params: { port_id: id }, encoding: 'XML' as const })),
  );

  // Each worker takes the next id until none is left, or until too many problems say the site cannot be read.
  const worker = async () => {
    while (next < ids.length && problems.length < maxProblems) {
      const portId = ids[next++] as number;
      const port = await readPort(target, portId, { record: options.record, label: 'discovery' });
      if (port === null) absent.push(portId);
      else if (isReadProblem(port)) {
        // a port the harness cannot classify is left out; only answers it cannot read say the site is unreadable
        if (port.problem !== 'unclassified') problems.push(port);
        unread.push({ port_id: portId, reason: port.reason });
      } else found.set(portId, port);
      read++;
      options.onProgress?.(read, ids.length);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));

  const ms = Math.round(performance.now() - started);
  const base = { source: which, excluded: [...excluded].sort((a, b) => a - b), readAt, ms };
  // Too many problems, or nothing but problems (a short list): the site cannot be read.
  if (problems.length >= maxProblems || (problems.length > 0 && found.size + absent.length === 0)) {
    return { ...base, ports: [], absent: [], unreadable: unreadableReason(problems, read, ids.length) };
  }
  return {
    ...base,
    ports: [...found.values()].sort((a, b) => a.port_id - b.port_id),
    absent: absent.sort((a, b) => a - b),
    ...(unread.length > 0 ? { unread: unread.sort((a, b) => a.port_id - b.port_id) } : {}),
  };
}

/** Discovery in one line for the console: what was found, and what the run may do to it. */
export function describeSite(site: SiteMap, changesAllowed: boolean): string {
  if (site.unreadable !== undefined)
    return `discovery: ${site.unreadable}; the run goes on with what needs no site`;
  const ac = site.ports.filter((p) => p.type === 'AC').length;
  const parts = [
    `${site.ports.length} ${site.ports.length === 1 ? 'port' : 'ports'} found (${ac} AutoCase, ${site.ports.length - ac} other)`,
    `${site.absent.length} absent`,
  ];
  if (site.excluded.length > 0) parts.push(`${site.excluded.length} excluded by the profile, never called`);
  if (site.unread && site.unread.length > 0) {
    const first = site.unread[0];
    parts.push(
      `${site.unread.length} unreadable (${first?.reason}${site.unread.length > 1 ? ', ...' : ''}), not used`,
    );
  }
  const read = `${describeSiteSource(site.source)} read in ${(site.ms / 1000).toFixed(1)} s`;
  return changesAllowed
    ? `discovery: ${parts.join(', ')}, ${read}; the profile allows changes (capabilities.task_interface_arrangement): this run may change ports through the Task Interface`
    : `read-only: ${parts.join(', ')}, ${read}; this run sends only reads and probes, it changes nothing`;
}
