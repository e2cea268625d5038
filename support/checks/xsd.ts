// XSD validation in this thread with libxml2, through libxml2-wasm's public API (XmlDocument, XsdValidator).
//
// Each schema is parsed and compiled once; each document is parsed from the very bytes given (libxml2 reads them
// as their BOM or XML declaration says), validated, and freed before the call returns, whatever the verdict:
// libxml2's memory lives in wasm, out of reach of the garbage collector.
//
// A document is read as xmllint --schema reads it: entities substituted (the schema judges their text), and a
// namespace error (an undeclared prefix, a colon in a PI name) is no well-formedness error. It is never read
// from outside: no external entity, no external DTD, no network, no xsi:schemaLocation; and libxml2's own
// limits stay on (entity amplification, nesting depth, text size), so an entity bomb is refused, not expanded.

import { ParseOption, XmlDocument, XmlLibError, XmlParseError, XsdValidator } from 'libxml2-wasm';

/** How documents are read: entities substituted, nothing loaded from outside, libxml2's limits kept. */
export const XSD_PARSE_OPTIONS: number =
  ParseOption.XML_PARSE_NOENT | ParseOption.XML_PARSE_NO_XXE | ParseOption.XML_PARSE_NONET;

/**
 * The same, with libxml2's messages off: a document comes back whenever libxml2 finds it well-formed, namespace
 * errors or not (with its messages on, libxml2-wasm refuses a document on any error). A document that does not
 * come back is read again with them on, for what to say about it.
 */
const QUIET_PARSE_OPTIONS: number = XSD_PARSE_OPTIONS | ParseOption.XML_PARSE_NOERROR;

/**
 * The encodings a document that is not UTF-16 may declare, lower case: UTF-8, US-ASCII and ISO-8859-1 under the
 * names libxml2 reads without iconv. This build reads many more (latin1, windows-1252, Shift_JIS...); a document
 * that names one is refused as a libxml2 without converters refuses it, so that no verdict hangs on which
 * converters a build carries. A UTF-16 document is read as UTF-16 whatever its declaration names.
 */
const DECLARABLE_ENCODINGS: ReadonlySet<string> = new Set([
  'utf-8',
  'utf8',
  'us-ascii',
  'ascii',
  'iso-8859-1',
  'iso-latin-1',
]);

/** libxml2's level of a problem: 1 warning, 2 error, 3 fatal. */
const XML_ERR_ERROR = 2;

/** A compiled XSD: validates documents until disposed. */
export class XsdSchema {
  private constructor(
    private readonly schemaDoc: XmlDocument,
    private readonly validator: XsdValidator,
  ) {}

  /**
   * Parses and compiles an XSD. Nothing is loaded for it: an xs:include does not compile (libxml2-wasm reads no
   * file unless an input provider is registered with xmlRegisterInputProvider, and none is), an xs:import's
   * schemaLocation is left unread. schemas/*.xsd include and import nothing.
   */
  static compile(xsd: Uint8Array, name: string): XsdSchema {
    let doc: XmlDocument;
    try {
      doc = XmlDocument.fromBuffer(xsd, { url: name, option: XSD_PARSE_OPTIONS });
    } catch (error) {
      throw new Error(`${name} is not well-formed: ${describe(error)}`);
    }
    try {
      // the compiled schema may point into its document: both live until dispose()
      return new XsdSchema(doc, XsdValidator.fromDoc(doc));
    } catch (error) {
      doc.dispose();
      throw new Error(`${name} does not compile: ${describe(error)}`);
    }
  }

  /**
   * One-line problems of `xml` against this schema, empty when it validates: `line N: <what libxml2 says>`,
   * and `line N: not well-formed XML: <what>` for a document that does not parse.
   */
  validate(xml: Uint8Array): string[] {
    const doc = parse(xml);
    if (Array.isArray(doc)) return doc;
    try {
      // what the document is read as: its BOM's encoding, else its declaration's as written
      const declared = doc.encoding;
      if (declared !== null && !isUtf16(xml) && !DECLARABLE_ENCODINGS.has(declared.toLowerCase())) {
        return [`line 1: not well-formed XML: Unsupported encoding: ${declared}`];
      }
      this.validator.validate(doc);
      return [];
    } catch (error) {
      if (error instanceof XmlLibError) return problems(error, '');
      // libxml2 could not finish (an internal error): no verdict of validity, so not valid
      return [`not validated: ${describe(error)}`];
    } finally {
      doc.dispose();
    }
  }

  dispose(): void {
    this.validator.dispose();
    this.schemaDoc.dispose();
  }
}

/** The document, or what makes it not well-formed. */
function parse(xml: Uint8Array): XmlDocument | string[] {
  try {
    return XmlDocument.fromBuffer(xml, { option: QUIET_PARSE_OPTIONS });
  } catch (quiet) {
    try {
      XmlDocument.fromBuffer(xml, { option: XSD_PARSE_OPTIONS }).dispose(); // not expected to succeed
    } catch (error) {
      if (error instanceof XmlParseError) return problems(error, 'not well-formed XML: ');
    }
    return [`not well-formed XML: ${describe(quiet)}`];
  }
}

/** A byte order mark of UTF-16, or a first `<` in two bytes: libxml2 reads the document as UTF-16. */
function isUtf16(xml: Uint8Array): boolean {
  const [a, b] = xml;
  return (
    (a === 0xff && b === 0xfe) ||
    (a === 0xfe && b === 0xff) ||
    (a === 0x3c && b === 0) ||
    (a === 0 && b === 0x3c)
  );
}

function problems(error: XmlLibError, prefix: string): string[] {
  const lines = error.details
    .filter((detail) => detail.level >= XML_ERR_ERROR)
    .map((detail) => `line ${detail.line}: ${prefix}${oneLine(detail.message)}`);
  return lines.length > 0 ? lines : [`${prefix}${oneLine(error.message) || 'fails to validate'}`];
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function describe(error: unknown): string {
  return oneLine(error instanceof Error ? error.message : String(error));
}
