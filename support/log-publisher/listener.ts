// A client of a controller's Log Publisher (a TCP stream of CRLF-terminated segments such as AC,4,101337,NOOP).
// It keeps what arrives with its arrival time and lets a caller mark a moment, wait for a line after it within a
// deadline, read one port's lines since it, and learn whether and why the connection closed. Whatever the stream
// sends (garbage, no line ends, a line of megabytes, a flood, a close mid-line) leaves it bounded: a line is cut
// off at MAX_LINE_BYTES, the history at MAX_KEPT_LINES / MAX_KEPT_BYTES, every wait at its deadline, and what is
// dropped is counted. Harness side: it shares nothing with emulator/.

import { connect as netConnect } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { PortState } from '../model.ts';
import { statesBefore } from '../spec.ts';

/** The Log Publisher's port on a V2 controller. */
export const DEFAULT_LOG_PUBLISHER_PORT = 44001;
/** A line longer than this (without its line end) is not kept, only counted. */
export const MAX_LINE_BYTES = 4096;
/** The history kept: at most this many lines ... */
export const MAX_KEPT_LINES = 10_000;
/** ... and at most this many characters of them; the oldest go first. */
export const MAX_KEPT_BYTES = 1024 * 1024;
export const CONNECT_TIMEOUT_MS = 5_000;
/** No wait is longer than this, whatever a caller asks. */
export const MAX_WAIT_MS = 10 * 60_000;
/** Lines a timeout's reason shows at most (the newest). */
const REASON_LINES = 5;

/** A segment read: the AutoCase state of a port, a bin's mode, another tag, or a line that is none of these. */
export type Segment =
  | { readonly tag: 'AC'; readonly port: number; readonly bin: number; readonly state: string }
  | { readonly tag: 'BM'; readonly bin: number; readonly mode: string }
  | { readonly tag: 'other'; readonly name: string; readonly fields: readonly string[] }
  | { readonly tag: 'malformed'; readonly why: string };

export interface LogLine {
  /** 1 for the first line kept since the connection opened, then 2, 3, ...: never reused. */
  readonly seq: number;
  /** The line without its line end; any byte outside printable ASCII shown as \xNN. */
  readonly text: string;
  /** performance.now() when its last byte arrived (every line of one TCP read has the same time). */
  readonly at: number;
  /** Whether it ended with CRLF, as the vendor documents; false for a bare LF. */
  readonly crlf: boolean;
  /** Whether every byte was printable ASCII. */
  readonly readable: boolean;
  readonly segment: Segment;
}

/** A moment to count from: the lines after it are those with a greater seq. */
export interface Mark {
  readonly seq: number;
  readonly at: number;
}

export type WaitOutcome =
  | { readonly kind: 'found'; readonly line: LogLine; readonly afterMs: number }
  /** Nothing matched within the deadline (for a quiet window, the good outcome). */
  | { readonly kind: 'timeout'; readonly reason: string; readonly waitedMs: number }
  /** The connection closed (before or during the wait): nothing can be judged from then on. */
  | { readonly kind: 'closed'; readonly reason: string; readonly waitedMs: number }
  /** The caller's signal aborted the wait. */
  | { readonly kind: 'aborted'; readonly reason: string; readonly waitedMs: number };

export interface Closed {
  /** One line: why the stream ended, and what was left unterminated. */
  readonly reason: string;
  readonly at: number;
  /** true when close() ended it. */
  readonly byCaller: boolean;
}

export interface ListenerStats {
  /** Bytes received. */
  readonly bytes: number;
  /** Lines accepted (kept, some perhaps evicted since). */
  readonly lines: number;
  readonly kept: number;
  readonly keptBytes: number;
  /** Accepted lines no longer kept (the history's bounds). */
  readonly evicted: number;
  /** Lines longer than MAX_LINE_BYTES, dropped whole. */
  readonly overlong: number;
  /** The longest line seen, in bytes, kept or not. */
  readonly longestLine: number;
  /** Lines ended by a bare LF. */
  readonly bareLf: number;
  /** Lines with a byte outside printable ASCII. */
  readonly unreadable: number;
  /** Bytes after the last line end, waiting for one (never above MAX_LINE_BYTES). */
  readonly pendingBytes: number;
}

/** Opens the transport. The seam for TLS: the default is plain TCP (net.connect). */
export type Dial = (target: {
  readonly host: string;
  readonly port: number;
  readonly signal: AbortSignal;
}) => Promise<Duplex>;

export interface ListenerOptions {
  readonly host: string;
  readonly port: number;
  /** Default CONNECT_TIMEOUT_MS. */
  readonly connectTimeoutMs?: number;
  /** Default: plain TCP. */
  readonly dial?: Dial;
}

/** The Log Publisher could not be reached; the message says why, in one line. */
export class LogPublisherUnreachable extends Error {
  override name = 'LogPublisherUnreachable';
}

const INTEGER = /^[0-9]{1,10}$/;

/** Reads one line as a segment: `AC,<port_id>,<bin_id>,<case_state>`, `BM,<bin_id>,<bin_mode>`, or another tag. */
export function parseSegment(text: string): Segment {
  const fields = text.split(',');
  const name = fields[0] ?? '';
  if (!/^[A-Z][A-Z0-9]{0,15}$/.test(name))
    return {
      tag: 'malformed',
      why: `no tag (capital letters) at the start: ${JSON.stringify(text.slice(0, 40))}`,
    };
  if (name === 'AC') {
    const [, port, bin, state] = fields;
    if (fields.length !== 4 || port === undefined || bin === undefined || state === undefined)
      return { tag: 'malformed', why: `an AC segment has 3 parameters, this one ${fields.length - 1}` };
    if (!INTEGER.test(port))
      return { tag: 'malformed', why: `AC port_id ${JSON.stringify(port)} is not an integer` };
    if (!INTEGER.test(bin))
      return { tag: 'malformed', why: `AC bin_id ${JSON.stringify(bin)} is not an integer` };
    return { tag: 'AC', port: Number(port), bin: Number(bin), state };
  }
  if (name === 'BM') {
    const [, bin, mode] = fields;
    if (fields.length !== 3 || bin === undefined || mode === undefined)
      return { tag: 'malformed', why: `a BM segment has 2 parameters, this one ${fields.length - 1}` };
    if (!INTEGER.test(bin))
      return { tag: 'malformed', why: `BM bin_id ${JSON.stringify(bin)} is not an integer` };
    return { tag: 'BM', bin: Number(bin), mode };
  }
  return { tag: 'other', name, fields: fields.slice(1) };
}

/** HOST:PORT, [IPv6]:PORT, or a host alone (port 44001). Undefined when it is none of these. */
export function parseLogPublisherAddress(text: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+))(?::([0-9]{1,5}))?$/.exec(text.trim());
  if (match === null) return undefined;
  const host = match[1] ?? match[2] ?? '';
  const port = match[3] === undefined ? DEFAULT_LOG_PUBLISHER_PORT : Number(match[3]);
  if (host === '' || port < 1 || port > 65535) return undefined;
  return { host, port };
}

/**
 * Whether a line concerns a port: its AC lines, and the BM lines of the bins given (BM names a bin, not a port). A
 * line off the stream or one of GET /events read ({ segment: parseSegment(text) }).
 */
export function concernsPort(
  line: { readonly segment: Segment },
  port: number,
  bins: readonly number[] = [],
): boolean {
  const { segment } = line;
  if (segment.tag === 'AC') return segment.port === port;
  if (segment.tag === 'BM') return bins.includes(segment.bin);
  return false;
}

/**
 * The one line a report matches, as a key: an AC line by its port, bin (0 for none) and case state, a BM line by its
 * bin. Two reports of the same key excuse the same lines, so the reports owed are counted by key.
 */
function reportKey(segment: Segment): string | undefined {
  if (segment.tag === 'AC') return acKey(segment.port, segment.bin, segment.state);
  if (segment.tag === 'BM') return bmKey(segment.bin);
  return undefined;
}

function acKey(port: number, bin: number, caseState: string): string {
  return `AC ${port} ${bin} ${caseState}`;
}

function bmKey(bin: number): string {
  return `BM ${bin}`;
}

/**
 * Whether a line reports `state` as the AutoCase state of `port`, as a controller reports it: its AC line with the
 * port's case state and its selected bin (0 for none). A rig that moves a port's AutoCase state may publish that
 * line (rig-control.md), and a controller that publishes from a task of its own may do it a moment after the PUT
 * answered: such a line is the arrangement's, not the call's that followed.
 */
export function reportsState(line: { readonly segment: Segment }, port: number, state: PortState): boolean {
  return (
    state.type === 'AC' && reportKey(line.segment) === acKey(port, state.selected_bin ?? 0, state.case_state)
  );
}

/**
 * Whether a line reports the bin a state selects as it came to the port: a `BM` line of that bin (a rig that selects
 * a bin may publish its move, as `openbin` does).
 */
export function reportsBin(line: { readonly segment: Segment }, state: PortState): boolean {
  return state.selected_bin !== null && reportKey(line.segment) === bmKey(state.selected_bin);
}

/**
 * Whether a line reports a port taken away (a rig DELETE) as a controller may: its AC line with no bin and no case
 * operation, `AC,<port>,0,NOOP` (rig-control.md neither asks nor forbids it).
 */
export function reportsRemoval(line: { readonly segment: Segment }, port: number): boolean {
  return reportKey(line.segment) === acKey(port, 0, 'NOOP');
}

/**
 * The kinds of line a rig's own request may publish, as a controller would report the change (rig-control.md neither
 * asks nor forbids them; arrange/rig-reports.ts learns which a rig publishes):
 * - `state`: a PUT, the AC line of the state it gives (`AC,<port>,<selected bin or 0>,<case state>`);
 * - `on-the-way`: a PUT, the AC lines of the states its operation passes through before that one (EREQ for ERSO);
 * - `bin`: a PUT, the BM line of the bin it selects;
 * - `removal`: a DELETE, `AC,<port>,0,NOOP`;
 * - `reset`: a POST /reset, the AC line of a port as it restores it.
 */
export const RIG_REPORT_KINDS = ['state', 'on-the-way', 'bin', 'removal', 'reset'] as const;
export type RigReportKind = (typeof RIG_REPORT_KINDS)[number];

/** Every kind: what an arrangement by other means than a rig (the Task Interface, an operator) may publish. */
export const ANY_REPORT: ReadonlySet<RigReportKind> = new Set(RIG_REPORT_KINDS);

/** The keys (reportKey) of the lines an arrangement may publish, of the kinds in `reports`. */
function reportKeys(
  [port, state, by]: Arranged,
  reports: ReadonlySet<RigReportKind>,
  removals: boolean,
): string[] {
  // reportsRemoval
  if (state === null) return removals && reports.has('removal') ? [acKey(port, 0, 'NOOP')] : [];
  const bin = state.selected_bin ?? 0;
  // reportsState: only an AutoCase port has an AC line
  const stateKey = (caseState: string): string[] =>
    state.type === 'AC' ? [acKey(port, bin, caseState)] : [];
  if (by === 'restored') return reports.has('reset') ? stateKey(state.case_state) : [];
  return [
    ...(reports.has('state') ? stateKey(state.case_state) : []),
    // reportsBin
    ...(reports.has('bin') && state.selected_bin !== null ? [bmKey(state.selected_bin)] : []),
    // a rig that drives the AutoCase to the state it is given may publish each state on the way (EREQ for ERSO
    // or ECMP, IREQ to ICIN for ICMP): rig-control.md fixes the state a PUT leaves, not how the rig gets there
    ...(reports.has('on-the-way') ? statesBefore(state.case_state).flatMap(stateKey) : []),
  ];
}

/** Whether `line` reads as a report of `entry` of one of the kinds in `reports` (reportKeys). */
export function mayReport(entry: Arranged, line: string, reports: ReadonlySet<RigReportKind>): boolean {
  const key = reportKey(parseSegment(line));
  return key !== undefined && reportKeys(entry, reports, true).includes(key);
}

/**
 * Of `arranged` (port and state), a predicate: whether a line is the late report of one of them, of the kinds the
 * rig publishes (`reports`; every kind when not said): each state's AC line (reportsState), the AC lines of the states
 * its operation passed through on the way (statesBefore), the BM line of the bin it selects (reportsBin; one of each
 * at most), a port taken away its `AC,<port>,0,NOOP` (with `removals`: reportsRemoval), a port as a reset restored it
 * its AC line. The lines of `before` (those published between the arrangements and the call) take their reports
 * first, one each; each report left over excuses one line after the call, the first asked about (the answer for a
 * line is kept: ask about the same line objects, in the order they came). The reports are counted by the line they
 * match, so that a window of thousands of arrangements (fuzz runs at wire speed) costs a lookup a line. `arranged` is
 * iterated only when the rig publishes some kind: pass it lazily (a generator) where gathering it costs.
 */
export function lateArrangementReport(
  arranged: Iterable<Arranged>,
  before: readonly { readonly segment: Segment }[],
  options: {
    /**
     * Whether a port taken away owes its `AC,<port>,0,NOOP`: for the fuzz sequences, whose runs delete and call ports
     * in any order; not for the scenarios, where the one that deletes a port is the one that checks its 1000
     * publishes nothing, and such a line after the call would be excused in its very place.
     */
    readonly removals?: boolean;
    /** The kinds of report the rig publishes (rig-reports.ts): a kind it never publishes excuses nothing. */
    readonly reports?: ReadonlySet<RigReportKind>;
  } = {},
): (line: { readonly segment: Segment }) => boolean {
  const reports = options.reports ?? ANY_REPORT;
  const owed = new Map<string, number>();
  if (reports.size > 0) {
    for (const entry of arranged) {
      for (const key of reportKeys(entry, reports, options.removals === true))
        owed.set(key, (owed.get(key) ?? 0) + 1);
    }
  }
  const take = (line: { readonly segment: Segment }): boolean => {
    if (owed.size === 0) return false;
    const key = reportKey(line.segment);
    const left = key === undefined ? undefined : owed.get(key);
    if (key === undefined || left === undefined) return false;
    if (left === 1) owed.delete(key);
    else owed.set(key, left - 1);
    return true;
  };
  for (const line of before) take(line);
  const answers = new WeakMap<object, boolean>();
  return (line) => {
    const known = answers.get(line);
    if (known !== undefined) return known;
    const late = take(line);
    answers.set(line, late);
    return late;
  };
}

/**
 * A port and the state the rig gave it (null: it took the port away); `restored`: the state a reset left it in, read
 * right after the reset (a rig that reports its reset publishes it).
 */
export type Arranged = readonly [number, PortState | null, 'restored'?];

/**
 * Records of the last `ms`, each kept with when it was recorded, a record a list of entries: what a rig or a
 * controller may still publish a moment late (RecentArrangements; a fuzz run's lines owed, FuzzSession).
 */
export class Recent<Entry> {
  private kept: { readonly at: number; readonly entries: readonly Entry[] }[] = [];

  /** Records `entries` now, and forgets what is older than `ms`. */
  add(entries: readonly Entry[], ms: number, now = performance.now()): void {
    this.kept = this.kept.filter(({ at }) => now - at <= ms);
    if (entries.length > 0) this.kept.push({ at: now, entries });
  }

  /** The entries recorded in the last `ms`, together. */
  within(ms: number, now = performance.now()): Entry[] {
    return this.kept.filter(({ at }) => now - at <= ms).flatMap(({ entries }) => entries);
  }

  /** How many records (a scenario's, a run's: each after a reset of its own) the last `ms` holds. */
  count(ms: number, now = performance.now()): number {
    return this.kept.filter(({ at }) => now - at <= ms).length;
  }

  /** The entries kept that are older than `ms`, newest first, each with how long ago it was recorded. */
  olderThan(ms: number, now = performance.now()): { readonly ago: number; readonly entry: Entry }[] {
    return this.kept
      .filter(({ at }) => now - at > ms)
      .reverse()
      .flatMap(({ at, entries }) => entries.map((entry) => ({ ago: now - at, entry })));
  }

  clear(): void {
    this.kept = [];
  }
}

/**
 * The arrangements of the last `ms` (of scenarios, or of fuzz runs): a rig may publish their reports late, and a
 * controller that publishes on a tick of 30 ms or more does it several scenarios on (lateArrangementReport).
 */
export class RecentArrangements extends Recent<Arranged> {}

/** Lines as evidence: their arrival relative to the mark, at most `max`, and how many more there were. */
export function describeLines(lines: readonly LogLine[], mark: Mark, max = 50): string[] {
  const shown = lines.slice(0, max).map((line) => {
    const ms = line.at - mark.at;
    const end = line.crlf ? '' : ' (bare LF)';
    return `${ms >= 0 ? '+' : ''}${ms.toFixed(1)} ms ${line.text}${end}`;
  });
  if (lines.length > max) shown.push(`... and ${lines.length - max} more`);
  return shown;
}

function printable(bytes: Buffer): { text: string; readable: boolean } {
  let readable = true;
  for (const byte of bytes) {
    if (byte < 0x20 || byte > 0x7e) {
      readable = false;
      break;
    }
  }
  if (readable) return { text: bytes.toString('latin1'), readable };
  // A backslash too is written \x5c then, so that \xNN stays unambiguous.
  let text = '';
  for (const byte of bytes)
    text +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x5c
        ? String.fromCharCode(byte)
        : `\\x${byte.toString(16).padStart(2, '0')}`;
  return { text, readable };
}

function errorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused: nothing listens there';
    case 'ECONNRESET':
      return 'connection reset by the peer';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to the host';
    case 'ETIMEDOUT':
      return 'the connection timed out';
    case 'EPIPE':
      return 'the connection broke (EPIPE)';
    default:
      return code === undefined ? (message ?? 'unknown error') : `${code}: ${message}`;
  }
}

const plainTcp: Dial = ({ host, port, signal }) =>
  new Promise<Duplex>((resolve, reject) => {
    const socket = netConnect({ host, port });
    const onAbort = () => {
      socket.destroy();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(error);
    });
  });

interface Waiter {
  readonly predicate: (line: LogLine) => boolean;
  readonly settle: (outcome: WaitOutcome) => void;
}

export class LogListener {
  readonly host: string;
  readonly port: number;
  readonly #stream: Duplex;
  /** Kept lines from #head on; the array is compacted now and then, so eviction costs O(1). */
  #kept: LogLine[] = [];
  #head = 0;
  #keptBytes = 0;
  #seq = 0;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Inside a line already over MAX_LINE_BYTES: its bytes so far (it is skipped to its end). */
  #overlongSoFar: number | undefined;
  #bytes = 0;
  #evicted = 0;
  #overlong = 0;
  #longestLine = 0;
  #bareLf = 0;
  #unreadable = 0;
  #closed: Closed | undefined;
  #closing = false;
  readonly #waiters = new Set<Waiter>();
  readonly whenClosed: Promise<Closed>;
  #resolveClosed!: (closed: Closed) => void;

  private constructor(host: string, port: number, stream: Duplex) {
    this.host = host;
    this.port = port;
    this.#stream = stream;
    this.whenClosed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    let failure: string | undefined;
    stream.on('data', (chunk: Buffer | string) =>
      this.#receive(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk),
    );
    stream.on('error', (error) => {
      failure ??= errorReason(error);
    });
    stream.once('end', () => {
      failure ??= 'the Log Publisher closed the connection';
      // The other half stays open otherwise (allowHalfOpen): there is nothing more to read.
      stream.destroy();
    });
    stream.once('close', () => this.#finish(failure ?? 'the connection closed'));
  }

  /** Connects; rejects with LogPublisherUnreachable (a one-line reason) when it cannot within the timeout. */
  static async connect(options: ListenerOptions): Promise<LogListener> {
    const { host, port } = options;
    const timeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    const where = `the Log Publisher at ${host.includes(':') ? `[${host}]` : host}:${port}`;
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`no connection within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      const stream = await (options.dial ?? plainTcp)({ host, port, signal: controller.signal });
      return new LogListener(host, port, stream);
    } catch (error) {
      const reason = controller.signal.aborted ? `no connection within ${timeoutMs} ms` : errorReason(error);
      throw new LogPublisherUnreachable(`${where}: ${reason}`);
    } finally {
      clearTimeout(timer);
    }
  }

  #receive(chunk: Buffer): void {
    const at = performance.now();
    this.#bytes += chunk.length;
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(0x0a, start);
      if (lf === -1) {
        this.#hold(chunk.subarray(start));
        return;
      }
      this.#hold(chunk.subarray(start, lf));
      this.#endLine(at);
      start = lf + 1;
    }
  }

  /** Part of a line: held while it fits, skipped (counted) once it does not. */
  #hold(part: Buffer): void {
    if (part.length === 0) return;
    if (this.#overlongSoFar !== undefined) {
      this.#overlongSoFar += part.length;
      return;
    }
    // +1: a CR that ends the line is not part of it.
    if (this.#pendingBytes + part.length > MAX_LINE_BYTES + 1) {
      this.#overlongSoFar = this.#pendingBytes + part.length;
      this.#pending = [];
      this.#pendingBytes = 0;
      return;
    }
    this.#pending.push(part);
    this.#pendingBytes += part.length;
  }

  #endLine(at: number): void {
    if (this.#overlongSoFar !== undefined) {
      this.#overlong++;
      this.#longestLine = Math.max(this.#longestLine, this.#overlongSoFar);
      this.#overlongSoFar = undefined;
      return;
    }
    let bytes = this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    const crlf = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d;
    if (crlf) bytes = bytes.subarray(0, bytes.length - 1);
    this.#longestLine = Math.max(this.#longestLine, bytes.length);
    if (bytes.length > MAX_LINE_BYTES) {
      this.#overlong++;
      return;
    }
    if (!crlf) this.#bareLf++;
    const { text, readable } = printable(bytes);
    if (!readable) this.#unreadable++;
    const line: LogLine = {
      seq: ++this.#seq,
      text,
      at,
      crlf,
      readable,
      segment: readable ? parseSegment(text) : { tag: 'malformed', why: 'not printable ASCII' },
    };
    this.#keep(line);
    for (const waiter of this.#waiters) {
      let matches: boolean;
      try {
        matches = waiter.predicate(line);
      } catch (error) {
        waiter.settle({ kind: 'aborted', reason: predicateFailure(error), waitedMs: 0 });
        continue;
      }
      if (matches) waiter.settle({ kind: 'found', line, afterMs: 0 });
    }
  }

  #keep(line: LogLine): void {
    this.#kept.push(line);
    this.#keptBytes += line.text.length;
    while (this.#kept.length - this.#head > MAX_KEPT_LINES || this.#keptBytes > MAX_KEPT_BYTES) {
      const oldest = this.#kept[this.#head] as LogLine;
      this.#keptBytes -= oldest.text.length;
      this.#head++;
      this.#evicted++;
    }
    if (this.#head > 4096 && this.#head * 2 > this.#kept.length) {
      this.#kept = this.#kept.slice(this.#head);
      this.#head = 0;
    }
  }

  #finish(reason: string): void {
    if (this.#closed !== undefined) return;
    const left =
      this.#overlongSoFar !== undefined
        ? `; a line of ${this.#overlongSoFar} bytes and more was never ended`
        : this.#pendingBytes > 0
          ? `; ${this.#pendingBytes} bytes after the last line end were never ended by CRLF`
          : '';
    this.#closed = {
      reason: `${this.#closing ? 'closed by the harness' : reason}${left}`,
      at: performance.now(),
      byCaller: this.#closing,
    };
    this.#pending = [];
    this.#pendingBytes = 0;
    for (const waiter of this.#waiters)
      waiter.settle({ kind: 'closed', reason: this.#closed.reason, waitedMs: 0 });
    this.#resolveClosed(this.#closed);
  }

  /** The moment now: lines with a greater seq arrived after it. */
  mark(): Mark {
    return { seq: this.#seq, at: performance.now() };
  }

  /** The kept lines after the mark, and how many lines after it are no longer kept (the history's bounds). */
  linesSince(mark: Mark, filter?: (line: LogLine) => boolean): { lines: LogLine[]; missed: number } {
    const lines: LogLine[] = [];
    const first = this.#kept[this.#head];
    const missed =
      first === undefined ? Math.max(0, this.#seq - mark.seq) : Math.max(0, first.seq - mark.seq - 1);
    for (let i = this.#head; i < this.#kept.length; i++) {
      const line = this.#kept[i] as LogLine;
      if (line.seq > mark.seq && (filter === undefined || filter(line))) lines.push(line);
    }
    return { lines, missed };
  }

  /**
   * One port's lines since the mark: its AC lines, and the BM lines of the bins given (a BM line names a bin, not
   * a port: it belongs to a port only through the bin the caller knows is there).
   */
  portLines(port: number, mark: Mark, bins: readonly number[] = []): { lines: LogLine[]; missed: number } {
    return this.linesSince(mark, (line) => concernsPort(line, port, bins));
  }

  /**
   * Waits for a line after the mark that the predicate accepts, at most `timeoutMs` (clamped to MAX_WAIT_MS).
   * Lines that arrived after the mark before the call count too. Never rejects, never outlives its deadline.
   */
  waitFor(
    predicate: (line: LogLine) => boolean,
    options: { readonly after: Mark; readonly timeoutMs: number; readonly signal?: AbortSignal },
  ): Promise<WaitOutcome> {
    const { after } = options;
    const timeoutMs = Math.min(
      Math.max(0, Number.isFinite(options.timeoutMs) ? options.timeoutMs : 0),
      MAX_WAIT_MS,
    );
    const started = performance.now();
    let already: LogLine | undefined;
    try {
      already = this.linesSince(after).lines.find((line) => predicate(line));
    } catch (error) {
      return Promise.resolve({ kind: 'aborted', reason: predicateFailure(error), waitedMs: 0 });
    }
    if (already !== undefined)
      return Promise.resolve({ kind: 'found', line: already, afterMs: already.at - after.at });
    if (this.#closed !== undefined)
      return Promise.resolve({ kind: 'closed', reason: this.#closed.reason, waitedMs: 0 });
    if (options.signal?.aborted)
      return Promise.resolve({ kind: 'aborted', reason: abortReason(options.signal), waitedMs: 0 });
    return new Promise<WaitOutcome>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () =>
        waiter.settle({ kind: 'aborted', reason: abortReason(options.signal), waitedMs: 0 });
      const waiter: Waiter = {
        predicate,
        settle: (outcome) => {
          if (!this.#waiters.delete(waiter)) return;
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          const waitedMs = performance.now() - started;
          resolve(
            outcome.kind === 'found'
              ? { ...outcome, afterMs: outcome.line.at - after.at }
              : { ...outcome, waitedMs },
          );
        },
      };
      this.#waiters.add(waiter);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => {
        const { lines, missed } = this.linesSince(after);
        const shown = describeLines(lines.slice(-REASON_LINES), after);
        const missedNote = missed > 0 ? `; ${missed} earlier lines were no longer kept` : '';
        waiter.settle({
          kind: 'timeout',
          reason:
            `no matching line within ${timeoutMs} ms: ${lines.length + missed} lines arrived after the mark` +
            `${missedNote}${shown.length > 0 ? `, the last: ${shown.join(' | ')}` : ''}`,
          waitedMs: 0,
        });
      }, timeoutMs);
    });
  }

  /** Undefined while the stream is open; then why it closed. */
  get closed(): Closed | undefined {
    return this.#closed;
  }

  stats(): ListenerStats {
    return {
      bytes: this.#bytes,
      lines: this.#seq,
      kept: this.#kept.length - this.#head,
      keptBytes: this.#keptBytes,
      evicted: this.#evicted,
      overlong: this.#overlong,
      longestLine: this.#longestLine,
      bareLf: this.#bareLf,
      unreadable: this.#unreadable,
      pendingBytes: this.#pendingBytes,
    };
  }

  /** Closes the connection; waits pending end as closed. Resolves once it is closed. */
  close(): Promise<Closed> {
    if (this.#closed === undefined) {
      this.#closing = true;
      this.#stream.destroy();
    }
    return this.whenClosed;
  }
}

function predicateFailure(error: unknown): string {
  return `harness bug: the predicate threw ${error instanceof Error ? error.message : String(error)}`;
}

function abortReason(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason.name === 'TimeoutError' ? 'the deadline passed' : reason.message;
  return reason === undefined ? 'aborted' : String(reason);
}
