// What the pre-flight asks of an address whose HTTP(S) failed, to say in one line why: the certificate it shows
// (read without trusting it), whether it speaks TLS at all, whether it answers plain HTTP. Each probe is one
// connection, bounded by its deadline, and never throws.

import { isIP, connect as netConnect } from 'node:net';
import {
  type ConnectionOptions,
  checkServerIdentity,
  type PeerCertificate,
  connect as tlsConnect,
} from 'node:tls';
import { tlsTrust } from './tls.ts';

export const PROBE_TIMEOUT_MS = 1_500;

export interface Peer {
  /** The certificate's subject and issuer, their common names where they have one. */
  readonly subject: string;
  readonly issuer: string;
  readonly validFrom: Date;
  readonly validTo: Date;
  /** `DNS:x, IP Address:y`, as the certificate lists them. */
  readonly altNames: string;
  /** OpenSSL's verdict on the chain with the run's authorities (UNABLE_TO_VERIFY_LEAF_SIGNATURE, ...). */
  readonly chainError?: string;
  /** Whether the certificate is for the host name the URL gives. */
  readonly nameMatches: boolean;
}

function cn(name: PeerCertificate['subject'] | undefined): string {
  if (name === undefined) return '(no name)';
  const common = name.CN;
  if (typeof common === 'string' && common !== '') return common;
  const parts = Object.entries(name).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`);
  return parts.length > 0 ? parts.join(', ') : '(no name)';
}

/** Runs `start` with a deadline; resolves to its outcome, or `fallback` when the deadline passes. */
function bounded<T>(
  timeoutMs: number,
  fallback: T,
  start: (settle: (value: T) => void) => () => void,
): Promise<T> {
  return new Promise((resolve) => {
    let done = false;
    let cleanup: () => void = () => {};
    const settle = (value: T) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      cleanup();
      resolve(value);
    };
    const timer = setTimeout(() => settle(fallback), timeoutMs);
    cleanup = start(settle);
  });
}

function tlsOptions(host: string, port: number): ConnectionOptions {
  const { connect } = tlsTrust();
  return {
    host,
    port,
    // SNI takes a name, never an address.
    ...(isIP(host) === 0 ? { servername: host } : {}),
    ...(connect.ca === undefined ? {} : { ca: [...connect.ca] }),
    rejectUnauthorized: false,
  };
}

/** The certificate `host:port` shows and what the run's authorities make of it; undefined when no handshake. */
export function inspectPeer(
  host: string,
  port: number,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<Peer | undefined> {
  return bounded<Peer | undefined>(timeoutMs, undefined, (settle) => {
    const socket = tlsConnect(tlsOptions(host, port));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      if (cert === undefined || Object.keys(cert).length === 0) {
        settle(undefined);
        return;
      }
      const authorizationError = socket.authorizationError as unknown;
      const chainError =
        authorizationError === null || authorizationError === undefined
          ? undefined
          : typeof authorizationError === 'string'
            ? authorizationError
            : ((authorizationError as NodeJS.ErrnoException).code ?? String(authorizationError));
      settle({
        subject: cn(cert.subject),
        issuer: cn(cert.issuer),
        validFrom: new Date(cert.valid_from),
        validTo: new Date(cert.valid_to),
        altNames: cert.subjectaltname ?? '',
        ...(chainError === undefined ? {} : { chainError }),
        nameMatches: checkServerIdentity(host, cert) === undefined,
      });
    });
    socket.once('error', () => settle(undefined));
    return () => socket.destroy();
  });
}

/** Whether `host:port` completes a TLS handshake (any certificate). */
export async function speaksTls(host: string, port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return (await inspectPeer(host, port, timeoutMs)) !== undefined;
}

/** Whether `host:port` answers a plain HTTP request with an HTTP status line. */
export function answersPlainHttp(host: string, port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return bounded(timeoutMs, false, (settle) => {
    const socket = netConnect({ host, port });
    let head = '';
    socket.once('connect', () => {
      socket.write(
        `HEAD / HTTP/1.1\r\nHost: ${isIP(host) === 6 ? `[${host}]` : host}\r\nConnection: close\r\n\r\n`,
      );
    });
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (head.length >= 5) settle(/^HTTP\/\d/.test(head));
    });
    socket.once('end', () => settle(/^HTTP\/\d/.test(head)));
    socket.once('error', () => settle(false));
    return () => socket.destroy();
  });
}
