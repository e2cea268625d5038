// The XML encoding of the Task Interface: <methodcall> requests in, <response> answers out.

import { isAscii } from 'node:buffer';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Deviations } from './deviations.ts';
import { trimXmlWhitespace } from './params.ts';
import type { Answer, ParamValue, XmlElement } from './types.ts';
import { hasUtf8Bom, notACall, type ParsedCall } from './wire.ts';

const DECLARATION =
  /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.[0-9]+\1(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])([A-Za-z][A-Za-z0-9._-]*)\2)?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(["'])(yes|no)\4)?[ \t\r\n]*\?>/;

/** What an XML declaration says: its length in the text, its encoding and standalone pseudo-attributes. */
interface Declaration {
  readonly length: number;
  readonly encoding: string | undefined;
  readonly standalone: string | undefined;
}

/** The declaration nearly every client sends (the harness, the vendor's samples): DECLARATION reads exactly this. */
const USUAL_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const USUAL: Declaration = { length: USUAL_DECLARATION.length, encoding: 'UTF-8', standalone: undefined };

/** The declaration a text starts with, or undefined when it starts with none DECLARATION accepts. */
function declarationOf(text: string): Declaration | undefined {
  // DECLARATION matches a text starting so with exactly these characters: no regular expression needed.
  if (text.startsWith(USUAL_DECLARATION)) return USUAL;
  const match = DECLARATION.exec(text);
  return match === null ? undefined : { length: match[0].length, encoding: match[3], standalone: match[5] };
}

/** Character encodings read, by their lower-case names (XML declaration or charset parameter). */
const CHARSETS: Readonly<Record<string, 'utf-8' | 'latin1'>> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'iso-8859-1': 'latin1',
  iso_8859_1: 'latin1',
  'iso_8859-1': 'latin1',
  latin1: 'latin1',
  l1: 'latin1',
  'us-ascii': 'latin1',
  ascii: 'latin1',
};

/** Whether XML 1.0 allows a character (its Char production; surrogate pairs are checked by the decoder). */
function isXmlChar(code: number): boolean {
  if (code < 0x20) return code === 0x09 || code === 0x0a || code === 0x0d;
  return code !== 0xfffe && code !== 0xffff && code <= 0x10ffff;
}

/** The UTF-16 code units isXmlChar refuses: C0 controls but tab, LF and CR; U+FFFE and U+FFFF. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters
const NON_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

function hasNonXmlChar(text: string): boolean {
  // One regular expression scans a call four times as fast as isXmlChar a character at a time.
  return NON_XML_CHAR.test(text);
}
const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
};
/** Marks element names so that no name (e.g. __proto__, text) can collide with the parser's own keys. */
const NAME_MARK = '=';

const treeOptions = {
  preserveOrder: true,
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreAttributes: true,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata',
  transformTagName: (name: string) => (name.startsWith(NAME_MARK) ? name : NAME_MARK + name),
} as const;

const parser = new XMLParser({ ...treeOptions, processEntities: false });
/** Only for the entity-expanded deviation: lets the parser expand entities declared in a DOCTYPE. */
const expandingParser = new XMLParser({ ...treeOptions, processEntities: true });
/** Only for the xml-comment-refused deviation: keeps the comments, which the text of an element then holds as written. */
const commentParser = new XMLParser({ ...treeOptions, processEntities: false, commentPropName: '#comment' });

/**
 * What an element's text holds as it was written rather than as XML reads it, for the deviations of a reader that
 * takes the raw characters between the tags: CDATA sections (xml-cdata-refused), character references
 * (xml-charref-refused), comments (xml-comment-refused).
 */
export interface RawForms {
  readonly cdata: boolean;
  readonly charref: boolean;
  readonly comment: boolean;
}

const DECODED: RawForms = { cdata: false, charref: false, comment: false };

/** The forms these deviations keep as written; undefined when none is on. */
function rawFormsOf(deviations: Deviations): RawForms | undefined {
  const forms = {
    cdata: deviations.has('xml-cdata-refused'),
    charref: deviations.has('xml-charref-refused'),
    comment: deviations.has('xml-comment-refused'),
  };
  return forms.cdata || forms.charref || forms.comment ? forms : undefined;
}

class MalformedXml extends Error {}

/** Decodes the predefined entities and character references; any other reference is not well-formed here. */
function decodeReferences(text: string, keepCharRefs = false): string {
  return text.replace(
    /&(#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z_:][A-Za-z0-9_:.-]*)?;?/g,
    (match, reference?: string) => {
      if (reference === undefined || !match.endsWith(';')) throw new MalformedXml('a bare & in text');
      if (reference.startsWith('#')) {
        if (keepCharRefs) return match;
        const codePoint = reference.startsWith('#x')
          ? Number.parseInt(reference.slice(2), 16)
          : Number.parseInt(reference.slice(1), 10);
        if (!isXmlChar(codePoint) || (codePoint >= 0xd800 && codePoint <= 0xdfff)) {
          throw new MalformedXml(`character reference &${reference}; is not an XML character`);
        }
        return String.fromCodePoint(codePoint);
      }
      const entity = PREDEFINED_ENTITIES[reference];
      if (entity === undefined) throw new MalformedXml(`undeclared entity &${reference};`);
      return entity;
    },
  );
}

type TreeNode = Record<string, unknown>;

function isTreeNode(value: unknown): value is TreeNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The parser's preserveOrder tree as elements; text of text nodes is decoded, CDATA kept as is. */
function toElements(
  nodes: unknown,
  decode: boolean,
  raw: RawForms = DECODED,
): { elements: XmlElement[]; text: string } {
  const elements: XmlElement[] = [];
  let text = '';
  if (!Array.isArray(nodes)) return { elements, text };
  for (const node of nodes) {
    if (!isTreeNode(node)) continue;
    for (const [key, value] of Object.entries(node)) {
      if (key === ':@') continue;
      if (key === '#text') {
        text += decode ? decodeReferences(String(value), raw.charref) : String(value);
      } else if (key === '#cdata') {
        const inner = toElements(value, false).text;
        text += raw.cdata ? `<![CDATA[${inner}]]>` : inner;
      } else if (key === '#comment') {
        if (raw.comment) text += `<!--${toElements(value, false).text}-->`;
      } else if (key.startsWith(NAME_MARK)) {
        const inner = toElements(value, decode, raw);
        elements.push({ name: key.slice(NAME_MARK.length), text: inner.text, children: inner.elements });
      }
    }
  }
  return { elements, text };
}

/** What charsetOf says of the usual declaration (its encoding wins over any charset parameter). */
const USUAL_CHARSET = { encoding: 'utf-8', name: 'utf-8', standalone: undefined, declared: true } as const;

function charsetOf(
  body: Buffer,
  declaredCharset: string | undefined,
  /** The body as text when it is all ASCII (the same in every encoding read). */
  ascii: string | undefined,
): {
  encoding?: 'utf-8' | 'latin1';
  name: string;
  standalone?: string;
  declared: boolean;
} {
  const head = ascii ?? body.subarray(0, 512).toString('latin1');
  const declaration = declarationOf(head);
  if (declaration === USUAL) return USUAL_CHARSET;
  const name = (declaration?.encoding ?? declaredCharset ?? 'utf-8').toLowerCase();
  return {
    encoding: CHARSETS[name],
    name,
    standalone: declaration?.standalone,
    declared: declaration !== undefined,
  };
}

/** A document as elements (text of text nodes decoded, CDATA kept as is) and the text outside them. */
export interface XmlTree {
  readonly elements: XmlElement[];
  readonly text: string;
}

/** The tree fast-xml-parser reads, after its validator; or why the text is not XML. */
export function parserXmlTree(text: string, expandEntities: boolean, raw?: RawForms): XmlTree | ParsedCall {
  const validation = XMLValidator.validate(text);
  if (validation !== true) {
    const { msg, line, col } = validation.err;
    return notACall('malformed', `malformed XML at line ${line}, column ${col}: ${msg}`);
  }
  try {
    const reader = expandEntities ? expandingParser : raw?.comment ? commentParser : parser;
    return toElements(reader.parse(text), !expandEntities, raw);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/nested tags/i.test(message)) return notACall('not-a-call', 'XML nested more than 100 elements deep');
    return notACall('malformed', `malformed XML: ${message}`);
  }
}

const SIMPLE_MAX_DEPTH = 32;

function isNameStart(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || code === 0x5f;
}

function isNameChar(code: number): boolean {
  return isNameStart(code) || (code >= 0x30 && code <= 0x39) || code === 0x2e || code === 0x2d;
}

/** The name `[A-Za-z_][A-Za-z0-9_.-]*` at `start`, or undefined when none starts there. */
function simpleName(text: string, start: number): string | undefined {
  if (!isNameStart(text.charCodeAt(start))) return undefined;
  let end = start + 1;
  while (isNameChar(text.charCodeAt(end))) end++;
  return text.slice(start, end);
}

interface OpenElement {
  readonly name: string;
  text: string;
  readonly children: XmlElement[];
}

/** Adds a complete element to the one it is in; returns it when it is the root. */
function closeElement(open: readonly OpenElement[], element: XmlElement): XmlElement | undefined {
  const parent = open[open.length - 1];
  if (parent === undefined) return element;
  parent.children.push(element);
  return undefined;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a;
}

/**
 * The tree of a plain document, read without the parser (a fifth of the time of a whole request went to it):
 * an optional declaration, then elements with no attributes and no space in their tags, holding elements and
 * text, with no comment, CDATA, processing instruction, reference, `>` or CR anywhere. The parser reads such a
 * document to the same tree (test/emulator-xml-simple.test.ts compares the two on every form the harness sends
 * and on thousands of variations of them). Anything else gives undefined: the parser reads it. Linear in the text,
 * whatever its length: a call padded to 1 MiB took the parser 150 to 200 ms and takes this about 1 ms.
 */
export function simpleXmlTree(text: string): XmlTree | undefined {
  if (text.includes('&') || text.includes('\r')) return undefined;
  let index = 0;
  if (text.startsWith('<?')) {
    const declaration = declarationOf(text);
    if (declaration === undefined) return undefined;
    index = declaration.length;
    while (isSpace(text.charCodeAt(index))) index++;
  }
  const open: OpenElement[] = [];
  let root: XmlElement | undefined;
  while (root === undefined) {
    const lt = text.indexOf('<', index);
    if (lt === -1) return undefined;
    if (lt > index) {
      const parent = open[open.length - 1];
      const segment = text.slice(index, lt);
      if (parent === undefined || segment.includes('>')) return undefined;
      parent.text += segment;
    }
    if (text.charCodeAt(lt + 1) === 0x2f) {
      // </name>
      const name = simpleName(text, lt + 2);
      const element = open.pop();
      if (name === undefined || element === undefined || name !== element.name) return undefined;
      if (text.charCodeAt(lt + 2 + name.length) !== 0x3e) return undefined;
      index = lt + 3 + name.length;
      root = closeElement(open, element); // complete now: it is never written to again
      continue;
    }
    const name = simpleName(text, lt + 1);
    if (name === undefined) return undefined;
    const end = lt + 1 + name.length;
    if (text.charCodeAt(end) === 0x3e) {
      // <name>
      if (open.length >= SIMPLE_MAX_DEPTH) return undefined;
      open.push({ name, text: '', children: [] });
      index = end + 1;
    } else if (text.charCodeAt(end) === 0x2f && text.charCodeAt(end + 1) === 0x3e) {
      // <name/>
      root = closeElement(open, { name, text: '', children: [] });
      index = end + 2;
    } else {
      return undefined;
    }
  }
  for (; index < text.length; index++) {
    if (!isSpace(text.charCodeAt(index))) return undefined;
  }
  return { elements: [root], text: '' };
}

/** Strict UTF-8; one decoder for every call (a decode that is not streamed starts afresh, errors included). */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Reads an XML call. charset is the Content-Type's charset parameter; the XML declaration's encoding wins over it. */
export function parseXmlCall(raw: Buffer, charset: string | undefined, deviations: Deviations): ParsedCall {
  const body = hasUtf8Bom(raw) ? raw.subarray(3) : raw;
  // Nearly every call is ASCII: then its text is the same in UTF-8 and ISO-8859-1, and read once.
  const ascii = isAscii(body) ? body.toString('latin1') : undefined;
  const declared = charsetOf(body, charset, ascii);
  if (declared.encoding === undefined) {
    return notACall(
      'charset',
      `character encoding '${declared.name}' is not supported (UTF-8 or ISO-8859-1)`,
    );
  }
  let text: string;
  try {
    // ignoreBOM: the one BOM allowed is already gone; the decoder must not silently drop a second one.
    // xml-always-utf8: the body is decoded as UTF-8 before it is parsed, whatever its declaration says
    const utf8 = declared.encoding === 'utf-8' || deviations.has('xml-always-utf8');
    text = ascii ?? (utf8 ? UTF8.decode(body) : body.toString('latin1'));
  } catch {
    return notACall('malformed', 'the body is not valid UTF-8');
  }
  if (text.startsWith('\ufeff')) return notACall('malformed', 'malformed XML: a second byte order mark');
  if (deviations.has('refuse-standalone') && declared.standalone === 'yes') {
    return notACall('standalone', 'standalone documents are not supported');
  }
  const expandEntities = deviations.has('entity-expanded');
  if (!expandEntities && text.includes('<!') && /<!(?!--|\[CDATA\[)/.test(text)) {
    return notACall('doctype', 'DOCTYPE and entity declarations are not accepted');
  }
  if (hasNonXmlChar(text)) return notACall('malformed', 'malformed XML: a character XML does not allow');
  const tree =
    (expandEntities ? undefined : simpleXmlTree(text)) ??
    parserXmlTree(text, expandEntities, rawFormsOf(deviations));
  if ('ok' in tree) return tree;
  const document = tree;
  const root = document.elements[0];
  if (root === undefined) return notACall('malformed', 'malformed XML: no root element');
  if (document.elements.length > 1) return notACall('malformed', 'malformed XML: more than one root element');
  if (/[^ \t\r\n]/.test(document.text))
    return notACall('malformed', 'malformed XML: text outside the root element');
  if (root.name !== 'methodcall' && !deviations.has('any-xml-root'))
    return notACall('not-a-call', `the root element is <${root.name}>, not <methodcall>`);
  // The first <name> and <params> and how many of each, in one pass without arrays.
  let nameElement: XmlElement | undefined;
  let names = 0;
  let paramsElement: XmlElement | undefined;
  let paramsElements = 0;
  for (const child of root.children) {
    if (child.name === 'name') {
      nameElement ??= child;
      names++;
    } else if (child.name === 'params') {
      paramsElement ??= child;
      paramsElements++;
    }
  }
  const method = nameElement === undefined ? '' : trimXmlWhitespace(nameElement.text);
  if (names !== 1 || nameElement === undefined || nameElement.children.length > 0 || method === '') {
    return notACall('not-a-call', '<methodcall> needs exactly one <name> with the method name');
  }
  if (paramsElements > 1) return notACall('not-a-call', '<methodcall> has more than one <params>');
  let params: Map<string, ParamValue> | undefined;
  // params-beside-method: without <params>, the other children of <methodcall> are read as the parameters
  const holder =
    paramsElement ?? (deviations.has('params-beside-method') ? { children: root.children } : undefined);
  if (holder !== undefined) {
    params = new Map();
    for (const child of holder.children) {
      if (holder !== paramsElement && child === nameElement) continue;
      const previous = params.get(child.name);
      const elements = previous?.encoding === 'XML' ? [...previous.elements, child] : [child];
      params.set(child.name, { encoding: 'XML', elements });
    }
  }
  return { ok: true, call: { method, encoding: 'XML', params } };
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The XML answer: declaration, root <response>, exactly one of <params> and <fault><code>. */
export function encodeXmlAnswer(answer: Answer, deviations: Deviations): string {
  const root = deviations.has('xml-root-wrong') ? 'methodresponse' : 'response';
  let inner: string;
  if (answer.kind === 'fault') {
    const codeElement = deviations.has('xml-fault-string') ? 'faultCode' : 'code';
    inner = `  <fault>\n    <${codeElement}>${answer.code}</${codeElement}>\n  </fault>\n`;
  } else if (answer.params.length === 0) {
    inner = deviations.has('xml-no-params') ? '' : '  <params/>\n';
  } else {
    const lines = answer.params.map(
      ([name, value]) => `    <${name}>${escapeXml(String(value))}</${name}>\n`,
    );
    inner = `  <params>\n${lines.join('')}  </params>\n`;
  }
  const document = inner === '' ? `<${root}/>\n` : `<${root}>\n${inner}</${root}>\n`;
  return deviations.has('xml-no-declaration')
    ? document
    : `<?xml version="1.0" encoding="UTF-8"?>\n${document}`;
}
