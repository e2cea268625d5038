// TLS for the emulator: the certificate and key it serves the Task Interface, the rig and the Log Publisher with
// (--tls-cert, --tls-key), checked before anything listens; and whether a host is loopback, for the rig's guard.

import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { BlockList, isIPv4, isIPv6, type Socket } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';

/** A TLS client has this long to finish its handshake. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** The PEM text of a certificate (the server's first, any intermediates after it) and of its private key. */
export interface TlsPem {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

/** What names the certificate and the key in an error: the option names, or the files the command line read. */
export interface TlsSources {
  readonly cert: string;
  readonly key: string;
}

/** A certificate or key that cannot be served: one line, naming where it came from. */
export class TlsConfigError extends Error {
  override readonly name = 'TlsConfigError';
}

export interface CheckedTls {
  readonly secureContext: SecureContext;
  /** The server certificate, parsed (its subject and dates, for the start lines). */
  readonly certificate: X509Certificate;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // OpenSSL's "error:0480006C:PEM routines::no start line" → "no start line"
  return (message.split('\n')[0] ?? '').replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/, '').trim();
}

/**
 * Checks that `cert` holds a PEM certificate, `key` a PEM private key without a passphrase, and that the key is
 * the certificate's; throws a one-line TlsConfigError naming the source otherwise. The certificate's dates are
 * not checked: serving an expired one on purpose is how a client's check is tested.
 */
export function checkTls(
  pem: TlsPem,
  sources: TlsSources = { cert: 'tls.cert', key: 'tls.key' },
): CheckedTls {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem.cert);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ERR_OSSL_PEM_NO_START_LINE' ? 'no -----BEGIN CERTIFICATE----- line' : firstLine(error);
    throw new TlsConfigError(`${sources.cert}: not a PEM certificate (${why})`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem.key);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MISSING_PASSPHRASE')
      throw new TlsConfigError(`${sources.key}: the key is encrypted; give it without a passphrase`);
    throw new TlsConfigError(`${sources.key}: not a PEM private key`);
  }
  if (!certificate.checkPrivateKey(key))
    throw new TlsConfigError(`${sources.key}: not the key of the certificate in ${sources.cert}`);
  try {
    return { secureContext: createSecureContext({ cert: pem.cert, key: pem.key }), certificate };
  } catch (error) {
    throw new TlsConfigError(`${sources.cert}: cannot be served with ${sources.key} (${firstLine(error)})`);
  }
}

async function readPem(file: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'a directory, not a file'
            : `cannot be read (${code ?? firstLine(error)})`;
    throw new TlsConfigError(`${flag} ${file}: ${why}`);
  }
}

/** Reads --tls-cert and --tls-key and checks them; a TlsConfigError names the file. */
export async function readTlsFiles(certFile: string, keyFile: string): Promise<TlsPem> {
  const pem = { cert: await readPem(certFile, '--tls-cert'), key: await readPem(keyFile, '--tls-key') };
  checkTls(pem, { cert: `--tls-cert ${certFile}`, key: `--tls-key ${keyFile}` });
  return pem;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** 127.0.0.0/8, ::1 (and ::ffff:127.x.y.z), and the name localhost: only this machine reaches them. */
export function isLoopbackHost(host: string): boolean {
  const bare = (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host).toLowerCase();
  if (bare === 'localhost') return true;
  if (isIPv4(bare)) return LOOPBACK.check(bare, 'ipv4');
  if (isIPv6(bare)) return LOOPBACK.check(bare, 'ipv6');
  return false;
}

/** host:port of a connection's other end. */
export function remoteOf(socket: Socket): string {
  const host = socket.remoteAddress ?? '?';
  return `${host.includes(':') ? `[${host}]` : host}:${socket.remotePort ?? '?'}`;
}

/** Why a client's TLS handshake failed, in words (the log line of a client that got no answer). */
export function handshakeFailure(error: NodeJS.ErrnoException): string {
  const code = error.code ?? '';
  if (code === 'ERR_SSL_HTTP_REQUEST') return 'it sent plain HTTP to this TLS port (use https://)';
  if (code === 'ECONNRESET') return 'the client closed the connection (did it refuse the certificate?)';
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return 'no handshake within the time allowed';
  const alert = /ALERT_(.+)$/.exec(code)?.[1];
  if (alert !== undefined)
    return `the client refused the certificate (${alert.toLowerCase().replaceAll('_', ' ')})`;
  return firstLine(error);
}
