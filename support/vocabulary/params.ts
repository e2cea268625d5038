// Parameter values as the feature files write them: a number, "missing", or a literal sent exactly as written.
import type { Encoding, ParamValue } from '../model.ts';

export type ParamSpec =
  | { readonly kind: 'missing' }
  | { readonly kind: 'number'; readonly value: number }
  /** XML: the element's text; JSON: the member's value as raw JSON. */
  | { readonly kind: 'literal'; readonly text: string };

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', "'": "'", '\\': '\\' };

/** `\n`, `\t`, `\r`, `\"`, `\'`, `\\`, and `\u{A0}` for any character by its code point (a character one cannot see). */
function unescaped(text: string): string {
  return text.replace(/\\(u\{([0-9a-fA-F]{1,6})\}|.)/g, (_, written: string, hex?: string) => {
    if (hex === undefined) return ESCAPES[written] ?? `\\${written}`;
    const code = Number.parseInt(hex, 16);
    if (code > 0x10ffff) throw new Error(`harness bug: \\u{${hex}} is not a character`);
    return String.fromCodePoint(code);
  });
}

export function parseParamSpec(written: string): ParamSpec {
  if (written === 'missing') return { kind: 'missing' };
  if (/^-?\d+$/.test(written)) return { kind: 'number', value: Number(written) };
  const quote = written[0];
  if ((quote === '"' || quote === "'") && written.endsWith(quote) && written.length >= 2) {
    const text = unescaped(written.slice(1, -1));
    return { kind: 'literal', text };
  }
  throw new Error(
    `harness bug: "${written}" is not a parameter value (a number, missing, or a quoted literal)`,
  );
}

/** The parameters to send, and whether the request is one the strict request schema must accept. */
export function buildParams(
  specs: readonly (readonly [string, ParamSpec])[],
  encoding: Encoding,
  inRange: (name: string, value: number) => boolean,
  known: readonly string[] = ['port_id', 'bin_id'],
): { params: Record<string, ParamValue>; strict: boolean } {
  const params: Record<string, ParamValue> = {};
  let strict = true;
  for (const [name, spec] of specs) {
    if (spec.kind === 'missing') {
      strict = false;
      continue;
    }
    if (spec.kind === 'number') {
      params[name] = spec.value;
      if (!inRange(name, spec.value) || !known.includes(name)) strict = false;
      continue;
    }
    strict = false;
    params[name] = encoding === 'XML' ? spec.text : { rawJson: spec.text };
  }
  return { params, strict };
}
