// Parameter values as the feature files write them: a number, "missing", a literal sent exactly as written, or
// XML markup for an element's content.
import type { Encoding, ParamValue } from '../model.ts';

export type ParamSpec =
  | { readonly kind: 'missing' }
  | { readonly kind: 'number'; readonly value: number }
  /** XML: the element's text; JSON: the member's value as raw JSON. */
  | { readonly kind: 'literal'; readonly text: string }
  /** XML only: the element's content as markup, sent unescaped (`<![CDATA[4]]>`, `&#52;`, `4<!-- c -->`). */
  | { readonly kind: 'markup'; readonly xml: string };

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
  // `…`: XML markup, its `<` and `&` sent as written (a quoted literal's are escaped: it is the element's text)
  if (quote === '`' && written.endsWith('`') && written.length >= 2)
    return { kind: 'markup', xml: unescaped(written.slice(1, -1)) };
  throw new Error(
    `harness bug: "${written}" is not a parameter value (a number, missing, a quoted literal or \`markup\`)`,
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
    if (spec.kind === 'markup') {
      if (encoding !== 'XML')
        throw new Error(`harness bug: the XML markup of "${name}" cannot be sent in JSON`);
      params[name] = { rawXml: spec.xml };
      continue;
    }
    params[name] = encoding === 'XML' ? spec.text : { rawJson: spec.text };
  }
  return { params, strict };
}
