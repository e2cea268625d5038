// The run's exchange log (exchanges.ndjson): every exchange with the target, one JSON object a line, by scenario.
// A line is written whole with one write to a file opened once for appending, so that the lines of parallel
// cucumber processes never mix. A property's thousands of exchanges go in a few writes (ExchangeBatch): a write is
// a system call, as dear as a loopback request on a small VM.
import { openSync, writeSync } from 'node:fs';
import { whenIdle } from '../idle.ts';
import type { Exchange } from '../model.ts';

/**
 * The line of one exchange: the scenario (uri:line), its name, the --parallel worker that sent it (when the run has
 * workers with targets of their own), and the exchange as the evidence keeps it.
 */
export function exchangeLine(
  scenario: string | undefined,
  name: string | undefined,
  exchange: Exchange,
  worker?: number,
): string {
  return `${JSON.stringify({ scenario, name, ...(worker === undefined ? {} : { worker }), exchange })}\n`;
}

/** Files opened for appending in this process, by path (opened once, not once an exchange). */
const open = new Map<string, number>();

/** Appends `text` (whole lines) to `file` in one write; a short write is finished, never interleaved with a line of ours. */
export function appendLines(file: string, text: string): void {
  if (text === '') return;
  let fd = open.get(file);
  if (fd === undefined) {
    fd = openSync(file, 'a');
    open.set(file, fd);
  }
  const bytes = Buffer.from(text, 'utf8');
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
}

/** Past this many bytes of lines an ExchangeBatch writes them out at once. */
export const BATCH_BYTES = 256 * 1024;

/**
 * Lines kept for one writer and written together: at BATCH_BYTES and when flushed (the end of a property, a
 * failure included). What is in it when the process ends is written too. An exchange becomes its line when the
 * thread next waits (support/idle.ts), not while the exchange's caller goes on: a fuzz loop's calls do not wait for
 * their evidence's JSON. An exchange is never changed once made, so its line is the same whenever it is written;
 * one whose bodies alone reach BATCH_BYTES is written at once.
 */
export class ExchangeBatch {
  private lines: string[] = [];
  private size = 0;
  /** Exchanges added and not yet made lines, in order. */
  private waiting: Exchange[] = [];
  private formatting = false;

  constructor(
    private readonly file: string,
    private readonly scenario: string | undefined,
    private readonly name: string | undefined,
    private readonly worker?: number,
  ) {
    pending.add(this);
  }

  add(exchange: Exchange): void {
    this.waiting.push(exchange);
    const bodies = exchange.request.body.length + (exchange.response?.body.length ?? 0);
    if (bodies >= BATCH_BYTES) this.format();
    else if (!this.formatting) {
      this.formatting = true;
      whenIdle(() => {
        this.formatting = false;
        this.format();
      });
    }
  }

  /** Makes the waiting exchanges lines, and writes the lines out once they reach BATCH_BYTES. */
  private format(): void {
    const waiting = this.waiting;
    if (waiting.length === 0) return;
    this.waiting = [];
    for (const exchange of waiting) {
      const line = exchangeLine(this.scenario, this.name, exchange, this.worker);
      this.lines.push(line);
      this.size += line.length;
    }
    if (this.size >= BATCH_BYTES) this.flush();
  }

  /** Writes what it holds; it may be used again after. */
  flush(): void {
    this.format();
    const text = this.lines.join('');
    this.lines = [];
    this.size = 0;
    appendLines(this.file, text);
  }

  /** Writes what it holds and is done. */
  close(): void {
    this.flush();
    pending.delete(this);
  }
}

const pending = new Set<ExchangeBatch>();
process.once('exit', () => {
  for (const batch of pending) batch.flush();
});
