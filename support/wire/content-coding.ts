// An answer's content coding (RFC 9110 8.4). The harness sends no Accept-Encoding, and "a request without any
// Accept-Encoding header field implies that the user agent has no preferences regarding content codings" (RFC 9110
// 12.5.3): a controller may then gzip its answers and still conform. The codings Node reads (gzip, deflate, br) are
// undone before the answer is read; another is a failure that names it. Bounded: a body that would grow past the
// answer cap stops there, as an answer too large does.
import zlib from 'node:zlib';
import type { Failure } from './failures.ts';

export type Decoded = { readonly bytes: Buffer; readonly truncated: boolean } | { readonly failure: Failure };

/** Each coding undone, the last applied first; `identity` and no header leave the bytes as they are. */
export function undoContentCoding(bytes: Buffer, header: string | undefined, maxBytes: number): Decoded {
  if (header === undefined) return { bytes, truncated: false };
  const codings = header
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  let body = bytes;
  for (const coding of codings.reverse()) {
    const undo = UNDO[coding];
    if (undo === undefined)
      return {
        failure: {
          kind: 'other',
          message: `the answer is in the content coding "${coding}" (Content-Encoding: ${header}), which the harness cannot read (it reads gzip, deflate and br)`,
        },
      };
    try {
      body = undo(body, maxBytes);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE')
        return { bytes: body.subarray(0, 0), truncated: true };
      return {
        failure: {
          kind: 'other',
          message: `the answer says Content-Encoding: ${header}, and its body is not ${coding}: ${(error as Error).message}`,
        },
      };
    }
  }
  return { bytes: body, truncated: false };
}

const UNDO: Readonly<Record<string, (bytes: Buffer, maxBytes: number) => Buffer>> = {
  gzip: (bytes, maxOutputLength) => zlib.gunzipSync(bytes, { maxOutputLength }),
  'x-gzip': (bytes, maxOutputLength) => zlib.gunzipSync(bytes, { maxOutputLength }),
  // "deflate" is zlib-wrapped (RFC 9110 8.4.1.2); some servers send the raw stream: both are read
  deflate: (bytes, maxOutputLength) => {
    try {
      return zlib.inflateSync(bytes, { maxOutputLength });
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw error;
      return zlib.inflateRawSync(bytes, { maxOutputLength });
    }
  },
  br: (bytes, maxOutputLength) => zlib.brotliDecompressSync(bytes, { maxOutputLength }),
};
