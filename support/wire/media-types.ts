// Content-Type headers: the media type of each encoding, and reading a header's media type and charset.
import { BoundedMap } from '../bounded-map.ts';
import type { Encoding } from '../model.ts';

export const XML_MEDIA_TYPE = 'application/xml';
export const JSON_MEDIA_TYPE = 'application/json';

/** [decided] The media type a call is sent with, and an answer must come back with, in `encoding`. */
export function mediaTypeFor(encoding: Encoding): string {
  return encoding === 'XML' ? XML_MEDIA_TYPE : JSON_MEDIA_TYPE;
}

/** The media type of a Content-Type header value, lower case, without parameters. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type ? type : undefined;
}

/**
 * The charsets of the Content-Type values read so far: a target answers with a handful, and every answer is read
 * twice (its text, then its judging). Bounded: a target that sends a new value every time only refills it.
 */
const charsets = new BoundedMap<string, string | undefined>(64);

/** The charset parameter of a Content-Type header value, lower case. */
export function charsetOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  if (charsets.has(contentType)) return charsets.get(contentType);
  const charset = mediaTypeParams(contentType).get('charset')?.toLowerCase();
  charsets.set(contentType, charset);
  return charset;
}

function isOws(char: string | undefined): boolean {
  return char === ' ' || char === '\t';
}

/**
 * The parameters of a Content-Type header value, as RFC 9110 5.6.6 writes them: `;`-separated `name=value`, the
 * value a token or a quoted string (its `\` escapes undone), so that a `;` or `charset=` inside a quoted value is
 * part of that value. Names lower case; the first of a name given twice counts; a parameter without `=` is skipped.
 */
export function mediaTypeParams(contentType: string | undefined): Map<string, string> {
  const params = new Map<string, string>();
  const text = contentType ?? '';
  let at = text.indexOf(';');
  while (at >= 0 && at < text.length) {
    at++; // past the ';'
    while (isOws(text[at])) at++;
    let end = at;
    while (end < text.length && text[end] !== '=' && text[end] !== ';') end++;
    const name = text.slice(at, end).trim().toLowerCase();
    if (text[end] !== '=') {
      at = end;
      continue;
    }
    at = end + 1;
    while (isOws(text[at])) at++;
    let value = '';
    if (text[at] === '"') {
      at++;
      while (at < text.length && text[at] !== '"') {
        if (text[at] === '\\' && at + 1 < text.length) at++;
        value += text[at];
        at++;
      }
      at++; // past the closing quote
      while (at < text.length && text[at] !== ';') at++;
    } else {
      end = at;
      while (end < text.length && text[end] !== ';') end++;
      value = text.slice(at, end).trim();
      at = end;
    }
    if (name !== '' && !params.has(name)) params.set(name, value);
  }
  return params;
}
