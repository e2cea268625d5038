// Which port ids discovery reads, in the form the flag and the profile give them: `1-2000`, `17`,
// `1-30,1990-2000`. One syntax for --ports and the profile's discovery.ports.

export const PORT_ID_MIN = 1;
export const PORT_ID_MAX = 2000;
/** What discovery scans with no profile and no --ports: every port id the protocol allows. */
export const DEFAULT_PORTS = `${PORT_ID_MIN}-${PORT_ID_MAX}`;

export interface PortRange {
  readonly from: number;
  readonly to: number;
}

/** A port list that cannot be read; the message says why, without naming the flag or key it came from. */
export class PortListError extends Error {}

function portId(text: string, whole: string): number {
  if (!/^\d{1,5}$/.test(text))
    throw new PortListError(
      `${JSON.stringify(whole)} is not a port list: expected port ids ${PORT_ID_MIN} to ${PORT_ID_MAX} as A-B, a single id or a comma list (1-30,1990-2000)`,
    );
  const id = Number(text);
  if (id < PORT_ID_MIN || id > PORT_ID_MAX)
    throw new PortListError(`port ${id} is outside ${PORT_ID_MIN}-${PORT_ID_MAX}`);
  return id;
}

/** The ranges of a port list, sorted, overlaps and neighbours merged. Throws PortListError. */
export function parsePortList(text: string): PortRange[] {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.some((part) => part === ''))
    throw new PortListError(`${JSON.stringify(text)} has an empty item: expected e.g. 1-30,1990-2000`);
  const ranges = parts.map((part) => {
    const dash = part.indexOf('-');
    if (dash < 0) {
      const id = portId(part, text);
      return { from: id, to: id };
    }
    const from = portId(part.slice(0, dash).trim(), text);
    const to = portId(part.slice(dash + 1).trim(), text);
    if (from > to) throw new PortListError(`${part}: the range runs backwards (write ${to}-${from})`);
    return { from, to };
  });
  ranges.sort((a, b) => a.from - b.from);
  const merged: PortRange[] = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range.from <= last.to + 1)
      merged[merged.length - 1] = { from: last.from, to: Math.max(last.to, range.to) };
    else merged.push(range);
  }
  return merged;
}

/** Every port id of the ranges, ascending. */
export function portsOf(ranges: readonly PortRange[]): number[] {
  const ids: number[] = [];
  for (const { from, to } of ranges) for (let id = from; id <= to; id++) ids.push(id);
  return ids;
}

/** `1-30, 1990-2000`; a single id as itself. */
export function formatPortList(ranges: readonly PortRange[]): string {
  return ranges.map(({ from, to }) => (from === to ? String(from) : `${from}-${to}`)).join(', ');
}
