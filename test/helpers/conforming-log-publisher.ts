// A Log Publisher that conforms in ways the emulator's does not show (docs/certification.md, "Another vendor's
// controller and rig"): lines published a moment after the answer, several lines in one TCP write and a line
// split across two, and lines about other ports and bins between the ones a scenario looks at. Test-only, on
// 127.0.0.1; what it publishes it is told (conforming-rig-proxy.ts feeds it the emulator's lines).
import { createServer, type Server, type Socket } from 'node:net';

export interface StreamVariant {
  /** A line due this many ms after it is handed over (0: at once); later lines never overtake earlier ones. */
  readonly lagMs: (line: string) => number;
  /** Each publication written in two writes, cut in the middle of a line. */
  readonly split: boolean;
  /** Before each publication, lines about a port and a bin no scenario arranged since the reset. */
  readonly otherLines: boolean;
}

/** Ports and bins the suite's scenarios never name; a port or bin the rig arranged since the reset is skipped. */
const OTHER_PORTS = [1717, 1718, 1719] as const;
const OTHER_BINS = [3_717_171, 3_717_172, 3_717_173] as const;
const BIN_MODES = ['G', 'P', 'O', 'C'] as const;

export class ConformingLogPublisher {
  readonly #server: Server;
  readonly #clients = new Set<Socket>();
  readonly #variant: StreamVariant;
  /** The lines published since the last reset, as the rig's GET /events shows them. */
  #published: string[] = [];
  /** When the last scheduled publication is due (Date.now()): order is kept. */
  #lastDue = 0;
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Ports and bins the rig arranged since the reset: never the subject of another line. */
  readonly #arrangedPorts = new Set<number>();
  readonly #arrangedBins = new Set<number>();
  #otherCount = 0;
  /** The second half of a split write, not yet sent. */
  #tail: string | undefined;
  /** Publications still due: the test waits for none before it closes. */
  #due = 0;
  /** Lines published after their lag, and writes cut in two: what the test shows was exercised. */
  #late = 0;
  #splits = 0;

  private constructor(server: Server, variant: StreamVariant) {
    this.#server = server;
    this.#variant = variant;
    server.on('connection', (socket) => {
      socket.setNoDelay(true);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => this.#clients.delete(socket));
      // what a client sends is read and dropped, as the vendor's Log Publisher does
      socket.resume();
      this.#clients.add(socket);
    });
  }

  static async start(variant: StreamVariant): Promise<ConformingLogPublisher> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new ConformingLogPublisher(server, variant);
  }

  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening');
    return address.port;
  }

  /** What GET /events answers now: the lines published since the reset, the late ones not yet among them. */
  published(): readonly string[] {
    return this.#published;
  }

  /** How many lines were published late, and how many writes were cut in two. */
  get exercised(): { readonly late: number; readonly splits: number } {
    return { late: this.#late, splits: this.#splits };
  }

  /** How many publications are still to come. */
  get pending(): number {
    return this.#due;
  }

  /** The rig's reset: the event log empties (a line still due is published after it, as it is emitted then). */
  reset(): void {
    this.#published = [];
    this.#arrangedPorts.clear();
    this.#arrangedBins.clear();
  }

  /** The rig arranged or removed this port (and bin): no line about another port names them until the next reset. */
  arranged(port: number, bin: number | null): void {
    this.#arrangedPorts.add(port);
    if (bin !== null) this.#arrangedBins.add(bin);
  }

  /**
   * Publishes lines now (a rig's arrangement), or each after its lag (a controller's task after the answer); in order
   * either way: a line never overtakes one still due, as a controller's one queue of changes keeps them.
   */
  publish(lines: readonly string[], late: boolean): void {
    for (const line of lines) {
      const lag = late ? this.#variant.lagMs(line) : 0;
      if (lag <= 0 && this.#due === 0) {
        this.#write([line]);
        continue;
      }
      const due = Math.max(Date.now() + lag, this.#lastDue + 1);
      this.#late++;
      this.#lastDue = due;
      this.#due++;
      const timer = setTimeout(
        () => {
          this.#timers.delete(timer);
          this.#due--;
          this.#write([line]);
        },
        Math.max(0, due - Date.now()),
      );
      this.#timers.add(timer);
    }
  }

  /** Another port moved at the moment of a call (whatever the call did): its lines, when the variant has them. */
  publishOthers(): void {
    if (this.#variant.otherLines) this.#write([]);
  }

  #write(lines: readonly string[]): void {
    const group = this.#variant.otherLines ? [...this.#otherLines(), ...lines] : [...lines];
    this.#published.push(...group);
    const text = group.map((line) => `${line}\r\n`).join('');
    if (text === '') return;
    if (!this.#variant.split) {
      for (const socket of this.#clients) socket.write(text);
      return;
    }
    // A tail still to be written takes what comes next with it: the stream's order never changes.
    if (this.#tail !== undefined) {
      this.#tail += text;
      return;
    }
    // Cut inside the last line, so the first write ends mid-line and the second finishes it.
    const cut = text.length - Math.ceil((lines.at(-1)?.length ?? 1) / 2) - 2;
    for (const socket of this.#clients) socket.write(text.slice(0, cut));
    this.#splits++;
    this.#tail = text.slice(cut);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      const tail = this.#tail ?? '';
      this.#tail = undefined;
      for (const socket of this.#clients) socket.write(tail);
    }, 3);
    this.#timers.add(timer);
  }

  /** An AC line of a port and a BM line of a bin that the scenario did not arrange. */
  #otherLines(): string[] {
    const n = this.#otherCount++;
    const port = OTHER_PORTS.find((p) => !this.#arrangedPorts.has(p));
    const bin = OTHER_BINS.find((b) => !this.#arrangedBins.has(b));
    const lines: string[] = [];
    if (port !== undefined) lines.push(`AC,${port},${bin ?? 0},${n % 2 === 0 ? 'EREQ' : 'ERSO'}`);
    if (bin !== undefined) lines.push(`BM,${bin},${BIN_MODES[n % BIN_MODES.length]}`);
    return lines;
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const socket of this.#clients) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
