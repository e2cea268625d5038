// How the harness trusts what answers over TLS: Node's own authorities and those of --ca (or the profile's tls.ca),
// or nothing verified at all with --insecure. One setting for every connection of the run: the HTTPS exchanges
// (the Task Interface, the rig, the pre-flight) through exchange.ts's agent, the Log Publisher through its dial
// (log-publisher/tls-dial.ts). The runner sets it once; the cucumber processes it starts inherit it through the
// environment variable HARNESS_TLS. And what a certificate problem is, said in one line.

import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { Failure } from './failures.ts';

export const TLS_VARIABLE = 'HARNESS_TLS';

export interface TlsTrust {
  /** A PEM file of authorities trusted besides Node's own (an absolute path). */
  readonly caFile?: string;
  /** Where caFile was given, for messages: `--ca` or `profile tls.ca`. */
  readonly caSource?: string;
  /** Certificates are not verified at all (--insecure). */
  readonly insecure?: boolean;
}

/** --ca names a file that holds no usable certificate: one line naming it. Exit 2. */
export class TlsTrustError extends Error {
  override readonly name = 'TlsTrustError';
}

/** What a TLS connection is given: the authorities to trust, or none verified. */
export interface TlsConnectOptions {
  readonly ca?: readonly string[];
  readonly rejectUnauthorized?: boolean;
}

/** The trust as node's and undici's TLS options take it: only what is set. */
export function trustOptions(connect: TlsConnectOptions): { ca?: string[]; rejectUnauthorized?: boolean } {
  return {
    ...(connect.ca === undefined ? {} : { ca: [...connect.ca] }),
    ...(connect.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: connect.rejectUnauthorized }),
  };
}

/** tls.connect's options for `host` under this trust: the name it must show (SNI), unless it is an address. */
export function tlsSocketOptions(host: string, port: number, connect: TlsConnectOptions) {
  return { host, port, ...(isIP(host) === 0 ? { servername: host } : {}), ...trustOptions(connect) };
}

export interface LoadedTrust {
  readonly trust: TlsTrust;
  readonly connect: TlsConnectOptions;
  /** The authorities --ca added: each one's subject, and the file's sha256 (for the reports). */
  readonly authorities: readonly string[];
  readonly caSha256?: string;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const DEFAULT_TRUST: LoadedTrust = { trust: {}, connect: {}, authorities: [] };

let current: LoadedTrust | undefined;

function readWhy(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'a directory, not a file';
  return `cannot be read (${code ?? String(error)})`;
}

/** The certificates of a PEM file of authorities; a TlsTrustError names the file and what is wrong. */
export function readAuthorities(
  file: string,
  source = '--ca',
): { pems: string[]; subjects: string[]; sha256: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new TlsTrustError(`${source} ${file}: ${readWhy(error)}`);
  }
  const pems = bytes.toString('latin1').match(PEM_CERTIFICATE) ?? [];
  if (pems.length === 0)
    throw new TlsTrustError(`${source} ${file}: no PEM certificate in it (-----BEGIN CERTIFICATE-----)`);
  const subjects = pems.map((pem, i) => {
    try {
      return subjectName(new X509Certificate(pem).subject);
    } catch (error) {
      throw new TlsTrustError(
        `${source} ${file}: certificate ${i + 1} of ${pems.length} cannot be read (${(error as Error).message})`,
      );
    }
  });
  return { pems, subjects, sha256: createHash('sha256').update(bytes).digest('hex') };
}

function load(trust: TlsTrust): LoadedTrust {
  if (trust.insecure) return { trust, connect: { rejectUnauthorized: false }, authorities: [] };
  if (trust.caFile === undefined) return DEFAULT_TRUST;
  const { pems, subjects, sha256 } = readAuthorities(trust.caFile, trust.caSource);
  // `ca` replaces Node's authorities: they are given again, so that --ca adds one rather than trusts only it.
  return { trust, connect: { ca: [...rootCertificates, ...pems] }, authorities: subjects, caSha256: sha256 };
}

/**
 * Sets how this process and the processes it starts trust certificates. Throws a TlsTrustError for a --ca file
 * that holds no certificate.
 */
export function setTlsTrust(trust: TlsTrust, env: NodeJS.ProcessEnv = process.env): LoadedTrust {
  current = load(trust);
  if (trust.insecure || trust.caFile !== undefined) env[TLS_VARIABLE] = JSON.stringify(trust);
  else delete env[TLS_VARIABLE];
  return current;
}

/** The trust of this run: as the runner set it, or as HARNESS_TLS passes it on; Node's own otherwise. */
export function tlsTrust(env: NodeJS.ProcessEnv = process.env): LoadedTrust {
  if (current === undefined) {
    const passed = env[TLS_VARIABLE];
    current = passed ? load(JSON.parse(passed) as TlsTrust) : DEFAULT_TRUST;
  }
  return current;
}

/** How the reports describe the transport: plain, verified (and against which authorities), or NOT verified. */
export function transportNote(
  urls: readonly (string | undefined)[],
  loaded: LoadedTrust = tlsTrust(),
): { readonly tls: 'none' | 'verified' | 'NOT VERIFIED (--insecure)'; readonly ca?: string } {
  const secure = urls.some((url) => url !== undefined && /^(https|tls):/i.test(url));
  if (loaded.trust.insecure) return { tls: 'NOT VERIFIED (--insecure)' };
  if (!secure) return { tls: 'none' };
  return loaded.trust.caFile === undefined
    ? { tls: 'verified' }
    : { tls: 'verified', ca: `${loaded.trust.caFile} (sha256 ${loaded.caSha256})` };
}

/** The warning every --insecure run prints. */
export const INSECURE_WARNING =
  'harness: warning: --insecure: certificates are not verified; whoever answers at the target address is taken for the target, and every report says so';

// --- certificate problems, in words -------------------------------------------------------------------------

/** OpenSSL's verdicts that mean: no authority the harness trusts signed this certificate. */
const UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);
/** What a client reads when the other end does not speak TLS at all (a plain HTTP server answered). */
const NOT_TLS = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_UNKNOWN_PROTOCOL',
  'ERR_SSL_HTTP_REQUEST',
  'ERR_SSL_RECORD_LAYER_FAILURE',
]);

export type CertificateProblem = 'unknown-authority' | 'wrong-name' | 'expired' | 'not-yet-valid' | 'not-tls';

/** The certificate problem an error code names, if it names one. */
export function certificateProblem(code: string | undefined): CertificateProblem | undefined {
  if (code === undefined) return undefined;
  if (UNKNOWN_AUTHORITY.has(code)) return 'unknown-authority';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'wrong-name';
  if (code === 'CERT_HAS_EXPIRED') return 'expired';
  if (code === 'CERT_NOT_YET_VALID') return 'not-yet-valid';
  if (NOT_TLS.has(code)) return 'not-tls';
  return undefined;
}

export const CA_HINT = 'give that authority with --ca FILE (or tls.ca in the profile)';

/** `CN=x, O=y` from X509Certificate's multi-line subject; the common name alone when there is one. */
export function subjectName(subject: string | undefined): string {
  const lines = (subject ?? '').split('\n').filter((line) => line !== '');
  const cn = lines.find((line) => line.startsWith('CN='));
  return cn !== undefined ? cn.slice(3) : lines.join(', ') || '(no name)';
}

/**
 * A TLS failure of a connection, in one line without probing any further (the pre-flight probes and says more).
 * Undefined for an error that is not about TLS.
 */
export function describeTlsFailure(
  codes: readonly string[],
  hostPort: string,
  hostname: string,
): Failure | undefined {
  for (const code of codes) {
    const problem = certificateProblem(code);
    if (problem === undefined) {
      if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))
        return { kind: 'tls', message: `the TLS handshake with ${hostPort} failed (${code})` };
      continue;
    }
    const message = {
      'unknown-authority': `the certificate of ${hostPort} is not signed by an authority the harness trusts (${code}): ${CA_HINT}`,
      'wrong-name': `the certificate of ${hostPort} is not for ${hostname} (wrong host name)`,
      expired: `the certificate of ${hostPort} has expired`,
      'not-yet-valid': `the certificate of ${hostPort} is not valid yet (is this machine's clock right?)`,
      'not-tls': `${hostPort} does not speak TLS (${code}): a plain HTTP server answers there? use http://`,
    }[problem];
    return { kind: 'tls', message };
  }
  return undefined;
}
