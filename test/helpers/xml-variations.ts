// Seeded variations of XML texts, for the tests that hold a small XML reader to fast-xml-parser (the emulator's
// and the harness's readers are separate by rule 1; the way their tests vary a corpus is shared).
import { seeded } from './seeded.ts';

/** Tokens that sit on the edges of what a small reader reads: markup, spaces, references, CDATA, PIs. */
export const XML_TOKENS: readonly string[] = [
  '<',
  '>',
  '/',
  '</',
  '/>',
  '<a>',
  '</a>',
  '<a/>',
  ' ',
  '\n',
  '\r',
  '\t',
  '&',
  '&lt;',
  '&#52;',
  '!',
  '?',
  '"',
  "'",
  '=',
  'x',
  '1',
  ':',
  '-',
  '.',
  '_',
  'é',
  '<![CDATA[x]]>',
  '<!--x-->',
  '<?pi x?>',
  '<?xml version="1.0"?>',
];

/** One to three edits of a text: a token inserted, a few characters cut, or a piece of the text copied elsewhere. */
function mutate(text: string, tokens: readonly string[], next: () => number): string {
  const pick = (n: number) => Math.floor(next() * n);
  let out = text;
  const edits = 1 + pick(3);
  for (let i = 0; i < edits; i++) {
    const at = pick(out.length + 1);
    const kind = pick(3);
    if (kind === 0) out = out.slice(0, at) + (tokens[pick(tokens.length)] as string) + out.slice(at);
    else if (kind === 1) out = out.slice(0, at) + out.slice(at + 1 + pick(4));
    else {
      const from = pick(out.length + 1);
      out = out.slice(0, at) + out.slice(from, from + 1 + pick(12)) + out.slice(at);
    }
  }
  return out;
}

/** count variations of the base texts, taken in turn, the same for the same seed. */
export function variations(
  base: readonly string[],
  options: { readonly count: number; readonly seed: number; readonly extraTokens?: readonly string[] },
): string[] {
  const next = seeded(options.seed);
  const tokens = [...XML_TOKENS, ...(options.extraTokens ?? [])];
  const out: string[] = [];
  for (let i = 0; i < options.count; i++) out.push(mutate(base[i % base.length] as string, tokens, next));
  return out;
}
