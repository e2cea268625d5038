// One live line on a terminal (`reading the site: 640/2000 ports`, `scenario 37 of 294: ...`), redrawn in place
// and cleared at the end. Only on a terminal: in CI and in a log a redrawn line is noise, so there is none.

/** Redraws at most this often: a terminal does not need 2,000 redraws a second. */
const REDRAW_MS = 80;

export interface ProgressLine {
  /** Shows `text` in place of the last line (at once when `now`, else at most every REDRAW_MS). */
  show(text: string, now?: boolean): void;
  /** Removes the line; the cursor is where it was before the first show. */
  clear(): void;
}

/** A live line on `stream`, or undefined when it is not a terminal. */
export function progressLine(stream: NodeJS.WriteStream = process.stderr): ProgressLine | undefined {
  if (!stream.isTTY) return undefined;
  let last = 0;
  let shown = false;
  return {
    show(text, now = false) {
      const t = Date.now();
      if (!now && t - last < REDRAW_MS) return;
      last = t;
      // A line longer than the terminal wraps, and \r then redraws only its last row: cut it to fit.
      const width = Math.max(20, (stream.columns || 80) - 1);
      const line = text.length > width ? `${text.slice(0, width - 3)}...` : text;
      stream.write(`\r\x1b[K${line}`);
      shown = true;
    },
    clear() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
