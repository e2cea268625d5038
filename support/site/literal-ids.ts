// Text a scenario sends as it is written (a literal parameter value, JSON params, a body that is not a call) names
// ports and bins by its digits, and a lenient controller may read them as a call. As found (docs/spec/as-found.md)
// such text goes only to the ports the run may use: the digits that name the scenario's port are rewritten to the
// port that plays it, those that name its bin to a bin that keeps a valid reading of the text a probe there. Text
// that could still be read as a port the run may not use, or as a bin that could let a cancel succeed, is not sent:
// the scenario is INCONCLUSIVE with the reason. Pure: no I/O.
import { inRange } from '../spec.ts';

/** A run of decimal digits in a text, in any script (`4`, `0004`, `٤`). */
export interface DigitRun {
  readonly index: number;
  readonly text: string;
  /** The value of the digits. */
  readonly value: number;
}

const DIGIT_RUN = /\p{Nd}+/gu;
const DIGIT = /^\p{Nd}$/u;

/**
 * A decimal digit's value and the code point of its script's zero. Unicode's decimal digits come in runs of ten,
 * zero first (math digits run fifty in a row): the value is the distance from the start of the run, modulo ten.
 */
function digitOf(char: string): { readonly value: number; readonly zero: number } {
  const cp = char.codePointAt(0) as number;
  let start = cp;
  while (start > 0 && DIGIT.test(String.fromCodePoint(start - 1))) start--;
  const value = (cp - start) % 10;
  return { value, zero: cp - value };
}

function asciiDigits(text: string): string {
  return [...text].map((char) => String(digitOf(char).value)).join('');
}

/** Every run of decimal digits, with its value. */
export function digitRuns(text: string): DigitRun[] {
  return [...text.matchAll(DIGIT_RUN)].map((match) => ({
    index: match.index,
    text: match[0],
    value: Number(asciiDigits(match[0])),
  }));
}

/** `value` in the script of `run`, with as many leading zeros as it has. */
function writtenLike(run: DigitRun, value: number): string {
  const chars = [...run.text];
  const zeros = chars.length - asciiDigits(run.text).replace(/^0+/, '').length;
  const zero = digitOf(chars[0] as string).zero;
  const digits = [...String(value)].map((d) => String.fromCodePoint(zero + Number(d))).join('');
  const lead = chars.slice(0, Math.min(zeros, chars.length - 1)).join('');
  return run.value === 0 ? digits : lead + digits;
}

/** The text with each digit run that `replace` gives a value for written as that value, in its own script. */
export function rewriteRuns(
  text: string,
  runs: readonly DigitRun[],
  replace: (run: DigitRun) => number | undefined,
): string {
  let out = '';
  let at = 0;
  for (const run of runs) {
    const value = replace(run);
    if (value === undefined || value === run.value) continue;
    out += text.slice(at, run.index) + writtenLike(run, value);
    at = run.index + run.text.length;
  }
  return out + text.slice(at);
}

const inPortRange = (value: number): boolean => inRange('port_id', value);
const inBinRange = (value: number): boolean => inRange('bin_id', value);

/**
 * The port ids one written value could be taken for: as a number (`4.0`, `0x4`, ` 4 `), by its leading digits
 * (`4-`, `4 4`), by its first digits anywhere (`++4`, `[4]`, `{"value": 4}`, `٤`), fractions cut off.
 */
export function portReadings(text: string): number[] {
  const trimmed = text.trim();
  const first = digitRuns(text)[0];
  const values = [
    Number(trimmed),
    Number.parseFloat(trimmed),
    Number.parseInt(trimmed, 10),
    ...(first ? [first.value] : []),
  ];
  return [...new Set(values.filter(Number.isFinite).map(Math.trunc).filter(inPortRange))].sort(
    (a, b) => a - b,
  );
}

export type OnSite = { readonly text: string } | { readonly reason: string };

/** What the scenario's ids become on the site, and what the run may not send. */
export interface SitePlay {
  /** The port that plays a port id the scenario declares; undefined for any other id. */
  port(id: number): number | undefined;
  /** The bin sent in place of a bin the scenario names; undefined for any other value. */
  bin(id: number): number | undefined;
  /** Why the run may not call this port, or undefined when it may. */
  offLimits(port: number): string | undefined;
  /** Why a valid reading with this bin could change a port the scenario plays on, or undefined when it is a probe. */
  notProbe(bin: number): string | undefined;
}

/**
 * A port_id written as a literal (`"4.0"`, `"+4"`, `[4]`, `<value>4</value>`): the scenario's port in it rewritten
 * to the port that plays it; refused when it could still be read as a port the run may not use.
 */
export function portLiteralOnSite(text: string, play: SitePlay): OnSite {
  const rewritten = rewriteRuns(text, digitRuns(text), (run) => play.port(run.value));
  for (const port of portReadings(rewritten)) {
    const why = play.offLimits(port);
    if (why)
      return {
        reason: `the port_id ${JSON.stringify(rewritten)} could be read as port ${port}, which is ${why}: not sent`,
      };
  }
  return { text: rewritten };
}

/** The XML declaration at the start of a body: its version is no id. */
const XML_DECLARATION = /^\s*<\?xml[\s\S]*?\?>/;

/**
 * A body (or the params of a call) written literally: every number in it that is one of the scenario's ports
 * becomes the port that plays it, every one that is one of its bins a bin that keeps the call a probe there.
 * Refused when a number in it could still be read as a port the run may not use, or as a bin that could let a
 * cancel succeed on a port the scenario plays on, or when one number is both a port and a bin of the scenario
 * and the two would be rewritten differently.
 */
export function bodyOnSite(text: string, play: SitePlay): OnSite {
  const skip = XML_DECLARATION.exec(text)?.[0].length ?? 0;
  const runs = digitRuns(text).filter((run) => run.index >= skip);
  const sent: { readonly run: DigitRun; readonly value: number; readonly as?: 'port' | 'bin' }[] = [];
  for (const run of runs) {
    const port = play.port(run.value);
    const bin = play.bin(run.value);
    if (port !== undefined && bin !== undefined && port !== bin)
      return {
        reason: `the body's ${run.text} is both the scenario's port ${run.value} and its bin ${run.value}: it cannot be rewritten for the port that plays it, so the body is not sent`,
      };
    if (port !== undefined) sent.push({ run, value: port, as: 'port' });
    else if (bin !== undefined) sent.push({ run, value: bin, as: 'bin' });
    else sent.push({ run, value: run.value });
  }
  for (const { value, as } of sent) {
    if (as !== 'bin' && inPortRange(value)) {
      const why = play.offLimits(value);
      if (why)
        return { reason: `the body names ${value}, which could be read as port ${value}, ${why}: not sent` };
    }
    if (as !== 'port' && inBinRange(value)) {
      const why = play.notProbe(value);
      if (why) return { reason: `the body names ${value}, which as a bin ${why}: not sent` };
    }
  }
  const values = new Map(sent.map(({ run, value }) => [run, value]));
  return { text: rewriteRuns(text, runs, (run) => values.get(run)) };
}
