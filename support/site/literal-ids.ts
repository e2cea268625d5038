// Text a scenario sends as it is written (a literal parameter value, JSON params, a body that is not a call) names
// ports and bins by its digits, and a lenient controller may read them as a call. As found (docs/spec/as-found.md)
// such text goes only to the ports the run may use: the digits that name the scenario's port are rewritten to the
// port that plays it, those that name its bin to a bin that keeps a valid reading of the text a probe there. Text
// that could still be read as a port the run may not use, or as a bin that could let a cancel succeed, is not sent:
// the scenario is INCONCLUSIVE with the reason. Pure: no I/O.
import type { ParamValue } from '../model.ts';
import { inRange } from '../spec.ts';
import { withoutCharRefs, xmlContentText } from './xml-content.ts';

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

export type IdParam = 'port_id' | 'bin_id';

/**
 * The widths a controller may store an id in: port_id in 16 or 32 bits, bin_id in 32. An integer outside the range
 * is then read as its non-negative residue: 65540 as port 4, 4295068633 as bin 101337.
 */
const WRAPS: Readonly<Record<IdParam, readonly bigint[]>> = {
  port_id: [2n ** 16n, 2n ** 32n],
  bin_id: [2n ** 32n],
};

const inRangeOf = (param: IdParam, value: number): boolean =>
  param === 'port_id' ? inPortRange(value) : inBinRange(value);

/** An integer's residue modulo `modulus`, never negative (-1 in 16 bits is 65535). */
function residue(value: bigint, modulus: bigint): bigint {
  return ((value % modulus) + modulus) % modulus;
}

/** The ids an integer could be read as by a controller that stores it in fewer bits, each with its modulus. */
export function wrapsOf(value: bigint, param: IdParam): { readonly id: number; readonly modulus: bigint }[] {
  const out: { id: number; modulus: bigint }[] = [];
  for (const modulus of WRAPS[param]) {
    const id = Number(residue(value, modulus));
    if (BigInt(id) !== value && inRangeOf(param, id) && !out.some((w) => w.id === id))
      out.push({ id, modulus });
  }
  return out;
}

/**
 * An integer outside the range written so that each of its wraps that is one of the scenario's ids (`onSite`: the id
 * sent in its place, undefined for any other) wraps onto the id sent instead: 65540 (2^16 + 4) is 2^16 + 101 when
 * port 101 plays port 4. The same value when no wrap is such an id.
 */
export function wrappedOnto(
  value: bigint,
  param: IdParam,
  onSite: (id: number) => number | undefined,
): bigint {
  let out = value;
  // 2^32 + 4 wraps onto 4 in both widths; each rewrite keeps the other width's residue on the same id.
  for (const { id, modulus } of wrapsOf(value, param)) {
    const sent = onSite(id);
    if (sent !== undefined && residue(out, modulus) === BigInt(id)) out += BigInt(sent - id);
  }
  return out;
}

/** A number sent as a JSON number or XML text, with its wraps rewritten (wrappedOnto); unchanged when it is no integer. */
export function numberOnto(
  value: number,
  param: IdParam,
  onSite: (id: number) => number | undefined,
): number {
  if (!Number.isInteger(value) || inRangeOf(param, value)) return value;
  const out = wrappedOnto(BigInt(value), param, onSite);
  return out === BigInt(value) ? value : Number(out);
}

/** The integers a written value could be taken for, exactly (a long run of digits is no float). */
function integersOf(text: string): bigint[] {
  const trimmed = text.trim();
  const first = digitRuns(text)[0];
  const floats = [Number(trimmed), Number.parseFloat(trimmed), Number.parseInt(trimmed, 10)]
    .filter(Number.isFinite)
    .map((n) => BigInt(Math.trunc(n)));
  const exact = [/^[+-]?[0-9]+$/.exec(trimmed)?.[0], /^[+-]?[0-9]+/.exec(trimmed)?.[0]].filter(
    (t): t is string => t !== undefined,
  );
  return [...floats, ...exact.map((t) => BigInt(t)), ...(first ? [BigInt(asciiDigits(first.text))] : [])];
}

/**
 * The ids one written value could be taken for: as a number (`4.0`, `0x4`, ` 4 `), by its leading digits (`4-`,
 * `4 4`), by its first digits anywhere (`++4`, `[4]`, `{"value": 4}`, `٤`), fractions cut off, and each of these
 * wrapped into the widths a controller may store the id in (`65540` as port 4).
 */
export function idReadings(text: string, param: IdParam): number[] {
  return readingsOf(integersOf(text), param);
}

/** The ids integers could be read as: each as itself when it is in the range, and by its wraps; sorted, once each. */
function readingsOf(values: readonly bigint[], param: IdParam): number[] {
  const ids: number[] = [];
  for (const value of values) {
    const id = Number(value);
    if (BigInt(id) === value && inRangeOf(param, id)) ids.push(id);
    for (const wrap of wrapsOf(value, param)) ids.push(wrap.id);
  }
  return sortedOnce(ids);
}

function sortedOnce(ids: readonly number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** The port ids one written value could be taken for (idReadings). */
export function portReadings(text: string): number[] {
  return idReadings(text, 'port_id');
}

/** The bin ids one written value could be taken for (idReadings). */
export function binReadings(text: string): number[] {
  return idReadings(text, 'bin_id');
}

/**
 * The ids a parameter as sent could be read as by a lenient controller: a number as itself when it is in the range
 * and by its wraps; a literal, raw JSON or XML, or any other value sent as JSON by its readings (idReadings); each
 * of a list (a parameter given twice). Nothing for null and booleans.
 */
export function paramReadings(value: ParamValue | undefined, param: IdParam): number[] {
  if (value === undefined || value === null || typeof value === 'boolean') return [];
  if (typeof value === 'number')
    return Number.isFinite(value) ? readingsOf([BigInt(Math.trunc(value))], param) : [];
  if (Array.isArray(value))
    return sortedOnce((value as readonly ParamValue[]).flatMap((v) => paramReadings(v, param)));
  if (typeof value === 'string') return idReadings(value, param);
  if ('rawJson' in value && typeof value.rawJson === 'string') return idReadings(value.rawJson, param);
  if ('rawXml' in value && typeof value.rawXml === 'string') return markupReadings(value.rawXml, param);
  return idReadings(JSON.stringify(value), param);
}

/**
 * The ids XML content written as markup could be taken for: its text as XML reads it (`<![CDATA[4]]>`, `&#52;` and
 * `4<!-- c -->` all 4), and the markup as a reader that does not resolve character references sees it, each
 * reference's digits left out (`&#55;` starts with no digit: a code point is no id in any reading), as markup-on-site.ts
 * reads a port_id. Content that is not such markup (a child element) is read as any literal.
 */
export function markupReadings(content: string, param: IdParam): number[] {
  const text = xmlContentText(content);
  if (text === undefined) return idReadings(content, param);
  return sortedOnce([...idReadings(text, param), ...idReadings(withoutCharRefs(content), param)]);
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
  /**
   * Why case_cancel(port, bin) could change the site as it is known (the port as read: an OPEN AutoCase port with
   * that bin selected and an active case, or a port not read), or undefined when the order of checks answers it
   * with a fault whatever the error flag.
   */
  cancel(port: number, bin: number): string | undefined;
}

/**
 * A port_id written as a literal (`"4.0"`, `"+4"`, `[4]`, `<value>4</value>`): the scenario's port in it rewritten
 * to the port that plays it; refused when it could still be read as a port the run may not use.
 */
export function portLiteralOnSite(text: string, play: SitePlay): OnSite {
  const rewritten = rewriteRuns(text, digitRuns(text), (run) => play.port(run.value) ?? runOnto(run, play));
  for (const port of portReadings(rewritten)) {
    const why = play.offLimits(port);
    if (why)
      return {
        reason: `the port_id ${JSON.stringify(rewritten)} could be read as port ${port}, which is ${why}: not sent`,
      };
  }
  return { text: rewritten };
}

/**
 * A run of digits outside the port range whose wrap is one of the scenario's ports, written to wrap onto the port
 * that plays it (65540 → 2^16 + 101); undefined otherwise, and for a run too long to stay exact as a number.
 */
function runOnto(run: DigitRun, play: SitePlay): number | undefined {
  const value = BigInt(asciiDigits(run.text));
  const out = wrappedOnto(value, 'port_id', play.port);
  return out === value || !Number.isSafeInteger(Number(out)) ? undefined : Number(out);
}

/**
 * A case_cancel as it would go to the target (ids already on the site): every lenient reading of it, each port it
 * could be read as with each bin, must be a probe on the site as known (SitePlay.cancel). The reason it is not
 * sent otherwise; undefined when it may be. A call with no bin reading can cancel nothing.
 */
export function cancelOnSite(
  port_id: ParamValue | undefined,
  bin_id: ParamValue | undefined,
  play: SitePlay,
): string | undefined {
  const bins = paramReadings(bin_id, 'bin_id');
  for (const port of paramReadings(port_id, 'port_id')) {
    const offLimits = play.offLimits(port);
    if (offLimits)
      return `the port_id ${describeWritten(port_id)} could be read as port ${port}, which is ${offLimits}: not sent`;
    for (const bin of bins) {
      const why = play.cancel(port, bin);
      if (why)
        return `the call (port_id ${describeWritten(port_id)}, bin_id ${describeWritten(bin_id)}) could be read as a cancel of bin ${bin} on port ${port}, which ${why}: not sent`;
    }
  }
  return undefined;
}

/** A parameter as written, for the evidence: a literal in quotes, exactly as sent. */
export function describeWritten(value: ParamValue | undefined): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null && 'rawJson' in value)
    return JSON.stringify(value.rawJson as string);
  if (typeof value === 'object' && value !== null && 'rawXml' in value)
    return `\`${value.rawXml as string}\``;
  return JSON.stringify(value);
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
