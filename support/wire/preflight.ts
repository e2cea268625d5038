// Before a run: does anything answer HTTP at the target's URL? Any status counts as answering. When nothing does,
// one line says why, a certificate problem or the wrong scheme named as such (wire/tls-probe.ts asks the address).

import type { Exchange } from '../model.ts';
import { httpExchange, readsInterimAnswers } from './exchange.ts';
import { CA_HINT, certificateProblem } from './tls.ts';
import { answersPlainHttp, inspectPeer, type Peer, speaksTls } from './tls-probe.ts';

const PREFLIGHT_TIMEOUT_MS = 3_000;

/** A one-line cause when nothing answers HTTP at `url` (any HTTP status counts as answering), else undefined. */
export async function preflight(url: string, timeoutMs = PREFLIGHT_TIMEOUT_MS): Promise<string | undefined> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `not a URL: ${JSON.stringify(url)}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `not an HTTP URL: ${url}`;
  const { exchange } = await httpExchange({
    label: 'preflight',
    method: 'GET',
    url,
    headers: {},
    body: undefined,
    evidenceBody: '',
    timeoutMs,
    maxResponseBytes: 64 * 1024,
  });
  if (exchange.response) return plainToTls(parsed, exchange);
  return (await whyNoAnswer(parsed, exchange)) ?? exchange.error ?? 'no answer';
}

/** A body that is not a call: refused with a 4xx, and it changes nothing (as every input that is not a call). */
const NOT_A_CALL = '<?xml version="1.0" encoding="UTF-8"?><probe/>';

/**
 * A call that changes nothing whatever the site: case_cancel without parameters, answered with fault 1003 before any
 * port is looked at (docs/spec/case_cancel.md, the order of checks). A probe as docs/spec/as-found.md counts them.
 */
export const CALL_PROBE =
  '<?xml version="1.0" encoding="UTF-8"?><methodcall><name>case_cancel</name><params/></methodcall>';

/** What the pre-flight posts to find an unasked interim 100: input that is not a call, and for the Task Interface a call. */
export type InterimProbe = 'not-a-call' | 'call';

const PROBES: Readonly<Record<InterimProbe, { readonly label: string; readonly body: string }>> = {
  'not-a-call': { label: 'preflight: a POST that is not a call', body: NOT_A_CALL },
  call: { label: 'preflight: case_cancel without parameters (fault 1003, a probe)', body: CALL_PROBE },
};

/**
 * Whether the target sends an interim `100 Continue` nobody asked for before a POST's answer, which undici would not
 * read: a POST of each of `probes` in turn, until one meets it (sent again by the harness's own client when it
 * does). A server may send it only once it takes a request for a call (what 100 means), hence the call among the
 * Task Interface's probes. From then on exchange.ts reads that origin's answers with the harness's own client;
 * true when so.
 */
export async function probeInterimAnswers(
  url: string,
  /** Besides the content type: a rig's token, so that a rig that checks it first is probed past it. */
  headers: Readonly<Record<string, string>> = {},
  probes: readonly InterimProbe[] = ['not-a-call'],
  timeoutMs = PREFLIGHT_TIMEOUT_MS,
): Promise<boolean> {
  for (const probe of probes) {
    if (readsInterimAnswers(url)) return true;
    const { label, body } = PROBES[probe];
    await httpExchange({
      label,
      method: 'POST',
      url,
      headers: { 'content-type': 'application/xml', ...headers },
      body: Buffer.from(body),
      evidenceBody: body,
      timeoutMs,
      maxResponseBytes: 64 * 1024,
      repeatable: true,
    });
  }
  return readsInterimAnswers(url);
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

function portOf(url: URL): number {
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
}

function withScheme(url: URL, scheme: 'http' | 'https'): string {
  const other = new URL(url);
  other.protocol = `${scheme}:`;
  return other.toString();
}

/** A server that answers plain HTTP only to say it wants HTTPS (nginx's 400 "plain HTTP request ... HTTPS port"). */
function plainToTls(url: URL, exchange: Exchange): string | undefined {
  const response = exchange.response;
  if (url.protocol !== 'http:' || response === undefined || response.status !== 400) return undefined;
  if (!/\bhttps\b|\bTLS\b|\bSSL\b/i.test(response.body)) return undefined;
  return `${url.host} answers HTTP 400 and asks for HTTPS: use ${withScheme(url, 'https')}`;
}

function day(date: Date): string {
  return Number.isNaN(date.getTime()) ? 'an unreadable date' : date.toISOString().replace('.000Z', 'Z');
}

/** What the certificate `peer` has wrong, in a line; undefined when nothing is wrong with it. */
export function certificateLine(
  hostPort: string,
  hostname: string,
  peer: Peer,
  now = new Date(),
): string | undefined {
  const of = `the certificate of ${hostPort} (${peer.subject})`;
  const problem = certificateProblem(peer.chainError);
  if (problem === 'expired' || (peer.chainError === undefined && peer.validTo < now))
    return `${of} expired on ${day(peer.validTo)} (now ${day(now)})`;
  if (problem === 'not-yet-valid')
    return `${of} is not valid before ${day(peer.validFrom)} (now ${day(now)}: is this machine's clock right?)`;
  if (problem === 'wrong-name' || (peer.chainError === undefined && !peer.nameMatches))
    return `${of} is not for ${hostname}: it names ${peer.altNames || `only CN=${peer.subject}`} (wrong host name; aim at a name it holds)`;
  if (peer.chainError !== undefined) {
    const self = peer.issuer === peer.subject ? 'is self-signed' : `is signed by "${peer.issuer}"`;
    return `${of} ${self}, an authority the harness does not trust (${peer.chainError}): ${CA_HINT}`;
  }
  return undefined;
}

/** Why a request got no answer, when the address itself can tell: a certificate problem or the wrong scheme. */
async function whyNoAnswer(url: URL, exchange: Exchange): Promise<string | undefined> {
  const host = hostOf(url);
  const port = portOf(url);
  const hostPort = url.host.includes(':') ? url.host : `${url.host}:${port}`;
  const kind = exchange.failure;
  if (url.protocol === 'https:') {
    if (kind !== 'tls' && kind !== 'reset' && kind !== 'other') return undefined;
    const peer = await inspectPeer(host, port);
    if (peer !== undefined) return certificateLine(hostPort, host, peer);
    if (await answersPlainHttp(host, port))
      return `${hostPort} answers plain HTTP, not HTTPS: use ${withScheme(url, 'http')}`;
    return undefined;
  }
  if (kind !== 'reset' && kind !== 'not-http' && kind !== 'other') return undefined;
  if (await speaksTls(host, port))
    return `${hostPort} speaks TLS, not plain HTTP: use ${withScheme(url, 'https')} (with --ca FILE if its authority is your own)`;
  return undefined;
}

/** Whether a cause the pre-flight gave is about the certificate or the scheme: the target answers, but not so. */
export function isTransportCause(cause: string): boolean {
  return /^the certificate of |speaks TLS, not plain HTTP|answers plain HTTP, not HTTPS|asks for HTTPS/.test(
    cause,
  );
}
