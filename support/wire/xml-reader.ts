// An XML answer as a tree of elements and text, read by fast-xml-parser: comments and processing instructions
// dropped, character and predefined entity references resolved (any other reference is a problem).

import { XMLParser } from 'fast-xml-parser';

export interface XmlElement {
  readonly name: string;
  readonly children: readonly XmlNode[];
}
/** Text is kept apart from CDATA so that only text has its references resolved. */
export type XmlNode = XmlElement | { readonly text: string };

/**
 * Put before every element name the parser reports, and taken off again in toNodes: with it no name is one the
 * parser refuses (`constructor`, `prototype`, `__proto__` throw) or renames (`toString` becomes `__toString`),
 * so a controller that answers with such an element is reported by the name it used. `=` starts no XML name.
 */
const ELEMENT_MARK = '=';

const xmlParser = new XMLParser({
  preserveOrder: true,
  // called twice for an empty-element tag (`<a/>`): mark once; no XML name starts with the mark
  transformTagName: (name: string) => (name.startsWith(ELEMENT_MARK) ? name : ELEMENT_MARK + name),
  ignoreAttributes: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false, // resolved here, character references included
  cdataPropName: '#cdata',
  commentPropName: '#comment',
  ignoreDeclaration: false,
  ignorePiTags: false,
});

/**
 * The nodes fast-xml-parser reads (the text must have passed its validator), or undefined with a problem when
 * the parser gives up on a text its validator passed (nesting deeper than it reads, say).
 */
export function parsedXmlNodes(text: string, problems: string[]): XmlNode[] | undefined {
  let items: unknown[];
  try {
    items = xmlParser.parse(text) as unknown[];
  } catch (error) {
    problems.push(`the XML answer could not be read: ${(error as Error).message}`);
    return undefined;
  }
  return toNodes(items, problems);
}

export function isElement(node: XmlNode): node is XmlElement {
  return 'name' in node;
}

/** fast-xml-parser's ordered output to elements and text; comments and PIs dropped, references resolved. */
function toNodes(items: readonly unknown[], problems: string[]): XmlNode[] {
  const nodes: XmlNode[] = [];
  for (const item of items) {
    const entry = item as Record<string, unknown>;
    const key = Object.keys(entry).find((k) => k !== ':@');
    if (key === undefined || key === '#comment' || key.startsWith('?') || key.startsWith('!')) continue;
    if (key === '#text') {
      const raw = String(entry[key]).replace(/^\uFEFF/, '');
      nodes.push({ text: resolveReferences(raw, problems) });
    } else if (key === '#cdata') {
      const inner = (entry[key] as { '#text'?: unknown }[]).map((t) => String(t['#text'] ?? '')).join('');
      nodes.push({ text: inner });
    } else {
      const name = key.startsWith(ELEMENT_MARK) ? key.slice(ELEMENT_MARK.length) : key;
      nodes.push({ name, children: toNodes(entry[key] as unknown[], problems) });
    }
  }
  return nodes;
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function resolveReferences(text: string, problems: string[]): string {
  return text.replace(/&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z_][\w.-]*);/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const codePoint = ref.startsWith('#x')
        ? Number.parseInt(ref.slice(2), 16)
        : Number.parseInt(ref.slice(1), 10);
      if (codePoint >= 1 && codePoint <= 0x10ffff) return String.fromCodePoint(codePoint);
      problems.push(`character reference ${whole} names no XML character`);
      return whole;
    }
    const predefined = PREDEFINED[ref];
    if (predefined !== undefined) return predefined;
    problems.push(`entity reference ${whole} is not one of XML's predefined entities`);
    return whole;
  });
}
