// Text and bytes on the wire: which bytes a body goes out (and is validated) as, and how an answer's bytes
// are read as text. One list of Latin-1 names serves both, so that the bytes validated are the bytes sent.
import type { Encoding } from '../model.ts';
import { charsetOf } from './media-types.ts';

/**
 * Charset names (lower case) under which a body is Latin-1 bytes, one byte a character. US-ASCII is a subset:
 * its bodies are Latin-1 bytes too, so that a character past ASCII reaches the target (and libxml2) as the one
 * byte it would be, not as UTF-8.
 */
export const LATIN1_CHARSETS: ReadonlySet<string> = new Set([
  'iso-8859-1',
  'iso8859-1',
  'iso_8859-1',
  'latin1',
  'latin-1',
  'l1',
  'us-ascii',
  'ascii',
]);

export function isLatin1Charset(name: string): boolean {
  return LATIN1_CHARSETS.has(name.toLowerCase());
}

/** The encoding an XML declaration names, as written; undefined without one. */
export function declaredXmlEncoding(text: string): string | undefined {
  return /^\uFEFF?<\?xml[^>]*?\sencoding\s*=\s*["']([^"']*)["']/.exec(text)?.[1];
}

/**
 * The bytes of a body: an XML body that declares a Latin-1 charset (and holds nothing past U+00FF) is Latin-1,
 * everything else UTF-8. The client sends these bytes and checks/schema.ts validates these same bytes.
 */
export function bodyBytes(body: string, encoding: Encoding): Buffer {
  if (encoding === 'XML') {
    const declared = declaredXmlEncoding(body);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the whole Latin-1 range is meant
    if (declared !== undefined && isLatin1Charset(declared) && /^[\u0000-\u00ff]*$/.test(body)) {
      return Buffer.from(body, 'latin1');
    }
  }
  return Buffer.from(body, 'utf8');
}

/** "utf8" is written for "utf-8" often enough to be read as it. */
export function normaliseCharset(name: string): string {
  const lower = name.toLowerCase();
  return lower === 'utf8' ? 'utf-8' : lower;
}

/** How to read an answer's bytes: the Content-Type charset, else (XML) a BOM or the declaration, else UTF-8. */
export function answerCharset(
  bytes: Buffer,
  contentType: string | undefined,
  expect: Encoding | undefined,
): string {
  const charset = charsetOf(contentType);
  if (charset !== undefined) return normaliseCharset(charset);
  if (expect === 'XML' && !(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)) {
    const declared = declaredXmlEncoding(bytes.subarray(0, 200).toString('latin1'));
    if (declared !== undefined) return normaliseCharset(declared);
  }
  return 'utf-8';
}

/** The bytes as text in `charset`; a charset nobody knows is read as UTF-8. */
export function decodeText(bytes: Buffer, charset: string): string {
  if (LATIN1_CHARSETS.has(charset)) return bytes.toString('latin1');
  if (charset === 'utf-8') return bytes.toString('utf8');
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return bytes.toString('utf8');
  }
}

export function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
