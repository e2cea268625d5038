// Content-Type headers: the media type of each encoding, and reading a header's media type and charset.
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

/** The charset parameter of a Content-Type header value, lower case. */
export function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return match?.[1]?.toLowerCase();
}
