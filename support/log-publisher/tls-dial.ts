// The Log Publisher over TLS: a dial for the listener's seam (listener.ts) that opens a TLS connection with the
// run's trust (wire/tls.ts: Node's authorities and --ca, or nothing verified with --insecure), and the address
// forms that say which transport a Log Publisher speaks (tls://HOST:PORT, tcp://HOST:PORT, HOST:PORT).

import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { describeTlsFailure, tlsSocketOptions, tlsTrust } from '../wire/tls.ts';
import { type Dial, parseLogPublisherAddress } from './listener.ts';

/** A Log Publisher's address and transport. */
export interface LogPublisherAddress {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

/** `tls://HOST:PORT` (TLS), `tcp://HOST:PORT` or `HOST:PORT` (plain TCP), a host alone on 44001; else undefined. */
export function parseLogPublisherUrl(text: string): LogPublisherAddress | undefined {
  const scheme = /^(tls|tcp):\/\/(.*?)\/?$/i.exec(text.trim());
  const address = parseLogPublisherAddress(scheme?.[2] ?? text);
  if (address === undefined) return undefined;
  return { ...address, tls: scheme?.[1]?.toLowerCase() === 'tls' };
}

/** Opens a TLS connection to the Log Publisher, verified as the run says; a certificate problem in one line. */
export const tlsDial: Dial = ({ host, port, signal }) =>
  new Promise<Duplex>((resolve, reject) => {
    const { connect } = tlsTrust();
    const socket = tlsConnect(tlsSocketOptions(host, port, connect));
    const onAbort = () => {
      socket.destroy();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      const hostPort = `${host.includes(':') ? `[${host}]` : host}:${port}`;
      const tls = describeTlsFailure(error.code === undefined ? [] : [error.code], hostPort, host);
      reject(tls === undefined ? error : new Error(tls.message));
    });
  });

/** The dial for an address: TLS for tls://, the listener's plain TCP otherwise. */
export function dialFor(address: LogPublisherAddress): Dial | undefined {
  return address.tls ? tlsDial : undefined;
}
