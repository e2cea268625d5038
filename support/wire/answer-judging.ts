// Judging the answer to a Task Interface call against the wire contract: HTTP 200 and no redirect, the media
// type of the encoding, UTF-8, the envelope (answer-decoding.ts) and the response schema (checks/schema.ts).

import { validateResponse } from '../checks/schema.ts';
import type { Answer, Encoding, Exchange } from '../model.ts';
import { decodeAnswer } from './answer-decoding.ts';
import { isUtf8, normaliseCharset } from './charsets.ts';
import type { ExchangeOutcome } from './exchange.ts';
import { charsetOf, mediaTypeFor, mediaTypeOf } from './media-types.ts';

/** What a CallResult holds besides the exchange. */
export interface Judged {
  readonly answer?: Answer;
  readonly problems: string[];
}

/** The answer, when it can be read, and every way the exchange breaks the contract, one line each. */
export async function judgeAnswer(
  { exchange, bytes, charset }: ExchangeOutcome,
  method: string,
  encoding: Encoding,
): Promise<Judged> {
  const judged = await judge(exchange, method, encoding);
  if (charset === 'utf-8' && bytes && !exchange.error && !isUtf8(bytes)) {
    judged.problems.push('the answer is not valid UTF-8 (and declares no other charset)');
  }
  return judged;
}

async function judge(exchange: Exchange, method: string, encoding: Encoding): Promise<Judged> {
  const response = exchange.response;
  if (!response) return { problems: [exchange.error ?? 'no answer'] };
  const problems: string[] = [];
  if (response.status !== 200) problems.push(`HTTP ${response.status}, expected 200`);
  const redirect = redirectNote(response.status, response.headers);
  if (redirect) problems.push(redirect);
  const expected = mediaTypeFor(encoding);
  const contentType = response.headers['content-type'];
  const mediaType = mediaTypeOf(contentType);
  if (mediaType === undefined) problems.push(`no Content-Type, expected ${expected}`);
  else if (mediaType !== expected) problems.push(`Content-Type ${contentType}, expected ${expected}`);
  // [decided] answers are UTF-8: a charset, when named, must say so.
  const charset = charsetOf(contentType);
  if (charset !== undefined && normaliseCharset(charset) !== 'utf-8') {
    problems.push(`Content-Type ${contentType} names the charset ${charset}, expected utf-8`);
  }
  if (exchange.error) return { problems: [...problems, exchange.error] }; // the body is incomplete
  // an error page (wrong status and wrong media type) is not an attempt at an answer: no decoding noise
  if (response.status !== 200 && mediaType !== expected) return { problems };
  const decoded = decodeAnswer(response.body, encoding);
  problems.push(...decoded.problems);
  if (decoded.parsed) {
    const file = encoding === 'XML' ? 'XSD' : 'JSON Schema';
    for (const error of await validateResponse(response.body, encoding, method))
      problems.push(`${file}: ${error}`);
  }
  return decoded.answer ? { answer: decoded.answer, problems } : { problems };
}

/** For a 3xx: where it pointed, and that the harness did not go there (it never follows redirects). */
function redirectNote(status: number, headers: Readonly<Record<string, string>>): string | undefined {
  if (status < 300 || status > 399) return undefined;
  const location = headers.location?.replace(/\s+/g, ' ').trim();
  if (!location) return 'a redirect without a Location, not followed';
  const shown = location.length > 200 ? `${location.slice(0, 197)}...` : location;
  return `a redirect to ${shown}, not followed`;
}
