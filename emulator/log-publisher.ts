// The Log Publisher: a TCP server beside the Task Interface (the vendor's V2 port 44001). A client connects and
// receives, from then on, every line the site publishes, each CRLF-terminated, as readable text: no request, no
// handshake, no history. A client that does not read is dropped once its unsent output passes a bound, so it
// never stalls the emulator or the other clients. With a certificate (--tls-cert) the same stream goes over TLS.

import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { type SecureContext, TLSSocket } from 'node:tls';
import { HANDSHAKE_TIMEOUT_MS, handshakeFailure, remoteOf } from './tls.ts';

export const DEFAULT_LOG_PORT = 44001;
/** Unsent output a client may have queued in the emulator; one line more and the client is dropped. */
export const LOG_CLIENT_UNSENT_LIMIT = 1024 * 1024;
/** Clients at once; a connection beyond it is closed at once, with a log line. */
export const LOG_CLIENT_LIMIT = 64;

export interface LogPublisherOptions {
  /** Connections, disconnections and drops, one line each; undefined for none. */
  readonly log?: (line: string) => void;
  /** Default LOG_CLIENT_UNSENT_LIMIT. */
  readonly unsentLimit?: number;
  /** Default LOG_CLIENT_LIMIT. */
  readonly clientLimit?: number;
  /** TLS with this certificate and key; plain TCP without. */
  readonly tls?: SecureContext;
}

/** One connected client as the emulator sees it. */
export interface LogClientStats {
  /** host:port of the client. */
  readonly remote: string;
  /** Bytes written to the socket that the kernel has not taken yet (socket.writableLength), now. */
  readonly unsent: number;
  /** The most unsent bytes seen right after any write to this client: never above the limit. */
  readonly maxUnsent: number;
  /** Lines written to it since it connected. */
  readonly lines: number;
}

interface Client {
  /** What lines are written to: the TCP connection, or the TLS socket over it. */
  readonly socket: Socket;
  /** The TCP connection itself (reset on a drop). */
  readonly raw: Socket;
  readonly remote: string;
  maxUnsent: number;
  lines: number;
}

export class LogPublisher {
  readonly server: Server;
  readonly #clients = new Set<Client>();
  readonly #log: ((line: string) => void) | undefined;
  readonly #unsentLimit: number;
  readonly #clientLimit: number;
  readonly #tls: SecureContext | undefined;
  /** TLS connections still in their handshake: they count against the limit, and close() ends them too. */
  readonly #handshaking = new Set<Socket>();

  constructor(options: LogPublisherOptions = {}) {
    this.#log = options.log;
    this.#unsentLimit = options.unsentLimit ?? LOG_CLIENT_UNSENT_LIMIT;
    this.#clientLimit = options.clientLimit ?? LOG_CLIENT_LIMIT;
    this.#tls = options.tls;
    this.server = createServer((socket) => this.#connect(socket));
  }

  #connect(raw: Socket): void {
    raw.on('error', () => {});
    const remote = remoteOf(raw);
    if (this.#clients.size + this.#handshaking.size >= this.#clientLimit) {
      this.#log?.(`Log Publisher: refused ${remote}: already ${this.#clientLimit} clients`);
      raw.destroy();
      return;
    }
    if (this.#tls === undefined) {
      this.#accept(raw, raw, remote);
      return;
    }
    // The TLS socket is made here rather than by tls.createServer, so that a drop can still reset the TCP one.
    const socket = new TLSSocket(raw, { isServer: true, secureContext: this.#tls });
    this.#handshaking.add(raw);
    const timer = setTimeout(() => {
      this.#log?.(`Log Publisher: ${remote}: no TLS handshake within ${HANDSHAKE_TIMEOUT_MS} ms`);
      raw.destroy();
    }, HANDSHAKE_TIMEOUT_MS);
    timer.unref();
    const settled = () => {
      clearTimeout(timer);
      this.#handshaking.delete(raw);
    };
    const failed = (error: NodeJS.ErrnoException) => {
      if (!this.#handshaking.has(raw)) return;
      settled();
      this.#log?.(`Log Publisher: ${remote}: TLS handshake failed: ${handshakeFailure(error)}`);
      raw.destroy();
    };
    socket.once('error', failed);
    raw.once('close', () => settled());
    socket.once('secure', () => {
      settled();
      socket.off('error', failed);
      socket.on('error', () => {});
      this.#accept(socket, raw, remote);
    });
  }

  #accept(socket: Socket, raw: Socket, remote: string): void {
    const client: Client = { socket, raw, remote, maxUnsent: 0, lines: 0 };
    this.#clients.add(client);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    // Whatever a client sends (a Telnet client's keystrokes) is read and dropped: the stream only goes out.
    socket.resume();
    socket.once('close', () => {
      if (this.#clients.delete(client))
        this.#log?.(`Log Publisher: ${remote} disconnected (${this.#clients.size} connected)`);
    });
    this.#log?.(`Log Publisher: ${remote} connected (${this.#clients.size} connected)`);
  }

  /** Listens; resolves to the address, rejects with the listen error (code EADDRINUSE, ...). */
  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Sends lines to every client at once, each followed by CRLF. Never waits, never throws for a client. */
  publish(lines: readonly string[]): void {
    if (this.#clients.size === 0 || lines.length === 0) return;
    const chunk = Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
    for (const client of this.#clients) {
      const { socket } = client;
      if (socket.destroyed || !socket.writable) continue;
      if (socket.writableLength + chunk.length > this.#unsentLimit) {
        this.#drop(
          client,
          `${socket.writableLength} bytes unsent, ${chunk.length} more would pass the limit of ${this.#unsentLimit}: it does not read`,
        );
        continue;
      }
      socket.write(chunk);
      client.lines += lines.length;
      if (socket.writableLength > client.maxUnsent) client.maxUnsent = socket.writableLength;
    }
  }

  #drop(client: Client, reason: string): void {
    this.#clients.delete(client);
    this.#log?.(`Log Publisher: dropped ${client.remote}: ${reason} (${this.#clients.size} connected)`);
    // A reset, not a FIN queued behind output it will never read: the kernel frees its buffers at once too.
    client.raw.resetAndDestroy();
    if (client.socket !== client.raw) client.socket.destroy();
  }

  /** The clients connected now. */
  clients(): LogClientStats[] {
    return [...this.#clients].map(({ socket, remote, maxUnsent, lines }) => ({
      remote,
      unsent: socket.writableLength,
      maxUnsent,
      lines,
    }));
  }

  /** Stops listening and closes every client. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      for (const client of this.#clients) client.socket.destroy();
      this.#clients.clear();
      for (const raw of this.#handshaking) raw.destroy();
      this.#handshaking.clear();
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
    });
  }
}
