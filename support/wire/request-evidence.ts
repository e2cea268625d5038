// What the evidence shows of a request: its headers with the Authorization value masked, and of a big raw body
// only its start with its full length.

/** The part of a big request body kept in the evidence. */
const EVIDENCE_REQUEST_BYTES = 4 * 1024;

/** The Authorization header never reaches the evidence. */
export function redact(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] =
      name.toLowerCase() === 'authorization' ? (/^bearer\s/i.test(value) ? 'Bearer ***' : '***') : value;
  }
  return out;
}

/** Evidence of a raw body: all of a small one, the first 4 KiB of a big one with its full length. */
export function evidenceOf(bytes: Buffer): string {
  const shown = bytes.subarray(0, EVIDENCE_REQUEST_BYTES);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(shown);
  } catch {
    // binary (or a UTF-8 sequence cut at 4 KiB): show it losslessly
    text =
      bytes.length > EVIDENCE_REQUEST_BYTES ? shown.toString('utf8') : `base64:${shown.toString('base64')}`;
  }
  if (bytes.length <= EVIDENCE_REQUEST_BYTES) return text;
  return `${text}\n[request body truncated in the evidence: first ${EVIDENCE_REQUEST_BYTES} of ${bytes.length} bytes shown]`;
}
