// An XML element's content as the harness writes it as markup (`<![CDATA[4]]>`, `&#52;`, `4<!-- c -->`), read as
// XML 1.0 reads it: the element's text is its character data with the references resolved and its CDATA sections
// as they stand; comments are no part of it (docs/spec/decisions.md, "XML integers are xs:int literals"). Pure.

/** One piece of element content, as written (`raw`) and as it counts in the element's text (`text`). */
export interface ContentPart {
  readonly kind: 'text' | 'cdata' | 'decimal-ref' | 'hex-ref' | 'entity' | 'comment';
  readonly raw: string;
  readonly text: string;
}

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

const REFERENCE = /^&(?:#([0-9]+)|#x([0-9a-fA-F]+)|([A-Za-z]+));/;

function isXmlChar(code: number): boolean {
  if (code < 0x20) return code === 0x09 || code === 0x0a || code === 0x0d;
  return !(code >= 0xd800 && code <= 0xdfff) && code !== 0xfffe && code !== 0xffff && code <= 0x10ffff;
}

/**
 * The pieces of element content written as markup; undefined when it holds anything else than character data,
 * references to characters or to the five predefined entities, CDATA sections and comments (a child element, a
 * processing instruction, another entity), or is not well-formed.
 */
export function xmlContentParts(content: string): ContentPart[] | undefined {
  const parts: ContentPart[] = [];
  let text = '';
  const flush = () => {
    if (text !== '') parts.push({ kind: 'text', raw: text, text });
    text = '';
  };
  let index = 0;
  while (index < content.length) {
    const char = content[index] as string;
    if (content.startsWith('<![CDATA[', index)) {
      const end = content.indexOf(']]>', index + 9);
      if (end < 0) return undefined;
      flush();
      parts.push({ kind: 'cdata', raw: content.slice(index, end + 3), text: content.slice(index + 9, end) });
      index = end + 3;
    } else if (content.startsWith('<!--', index)) {
      const end = content.indexOf('--', index + 4);
      // `--` ends a comment: it must be followed by `>`
      if (end < 0 || content[end + 2] !== '>') return undefined;
      flush();
      parts.push({ kind: 'comment', raw: content.slice(index, end + 3), text: '' });
      index = end + 3;
    } else if (char === '<') {
      return undefined;
    } else if (char === '&') {
      const match = REFERENCE.exec(content.slice(index, index + 16));
      if (match === null) return undefined;
      const [raw, decimal, hex, name] = match;
      let value: string | undefined;
      let kind: ContentPart['kind'] = 'entity';
      if (name !== undefined) value = PREDEFINED[name];
      else {
        const code =
          decimal !== undefined ? Number.parseInt(decimal, 10) : Number.parseInt(hex as string, 16);
        kind = decimal !== undefined ? 'decimal-ref' : 'hex-ref';
        value = isXmlChar(code) ? String.fromCodePoint(code) : undefined;
      }
      if (value === undefined) return undefined;
      flush();
      parts.push({ kind, raw, text: value });
      index += raw.length;
    } else if (content.startsWith(']]>', index)) {
      return undefined;
    } else {
      text += char;
      index++;
    }
  }
  flush();
  return parts;
}

/** The element's text that markup content stands for; undefined when it is not such content (xmlContentParts). */
export function xmlContentText(content: string): string | undefined {
  return xmlContentParts(content)
    ?.map((part) => part.text)
    .join('');
}

/**
 * The content as a reader sees it that does not resolve character references: the markup as written, each
 * reference's digits left out (a code point is no id in any reading of the value).
 */
export function withoutCharRefs(content: string): string {
  const parts = xmlContentParts(content);
  if (parts === undefined) return content;
  return parts
    .map((part) => (part.kind === 'decimal-ref' || part.kind === 'hex-ref' ? ' ' : part.raw))
    .join('');
}
