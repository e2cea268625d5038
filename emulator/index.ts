// The emulator as a library: start it, learn its URLs, close it.

import type { AddressInfo, Socket } from 'node:net';
import { parseDeviations } from './deviations.ts';
import { AutoCaseHardware } from './hardware.ts';
import { DEFAULT_LOG_PORT, type LogClientStats, LogPublisher } from './log-publisher.ts';
import { operatePort, type PortChange } from './operate.ts';
import type { RecordFunction } from './record.ts';
import { RIG_PATH } from './rig.ts';
import { createEmulatorServer, TASK_PATH } from './server.ts';
import { HARDWARE_MS_MAX, loadSite, type SiteConfig } from './site.ts';
import { SiteStore } from './store.ts';
import { checkTls, isLoopbackHost, type TlsPem } from './tls.ts';
import type { PortState } from './types.ts';

export { DEVIATIONS, type DeviationName } from './deviations.ts';
export {
  DEFAULT_LOG_PORT,
  LOG_CLIENT_LIMIT,
  LOG_CLIENT_UNSENT_LIMIT,
  type LogClientStats,
} from './log-publisher.ts';
export { type PortChange, PortOperationError } from './operate.ts';
export type { RecordedAnswer, RecordedCall, RecordedInput, RecordFunction } from './record.ts';
export { describeRecorded } from './record.ts';
export type { PortConfig, SiteConfig } from './site.ts';
export { SiteConfigError } from './site.ts';
export { isLoopbackHost, readTlsFiles, TlsConfigError, type TlsPem } from './tls.ts';
export type { PortState } from './types.ts';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 44000;

export interface EmulatorOptions {
  /** Interface to listen on; 127.0.0.1 unless told otherwise. */
  readonly host?: string;
  /** TCP port; 0 for an ephemeral one. Default 44000. */
  readonly port?: number;
  /** A site file path or a site configuration; default emulator/sites/default.json. */
  readonly site?: string | SiteConfig;
  /** When set, rig requests need Authorization: Bearer <rigToken>. */
  readonly rigToken?: string;
  /** false: no rig control API at all (404). Default true. */
  readonly rig?: boolean;
  /** No log lines. Default: true unless log is given. */
  readonly quiet?: boolean;
  /** Where log lines go (one per request); default console.log when quiet is false. */
  readonly log?: (line: string) => void;
  /** Deviations to switch on (names, each possibly comma-separated); see emulator/deviations.ts. */
  readonly deviate?: readonly string[];
  /**
   * The emulator's own record of calls: called once per request after it is answered, with what arrived, the
   * answer and whether the site changed (emulator/record.ts). Without it nothing is recorded or compared.
   */
  readonly record?: RecordFunction;
  /**
   * The Log Publisher's TCP port; 0 for an ephemeral one. Default: 44001, or 0 when `port` is 0 (so that
   * emulators on ephemeral ports never compete for 44001).
   */
  readonly logPort?: number;
  /**
   * The AutoCase moves by itself one step every so many ms (emulator/hardware.ts); 0 for never. Default: the
   * site's `hardware_ms`, and never when it has none (so in every harness run).
   */
  readonly hardwareMs?: number;
  /**
   * Serve over TLS: the Task Interface and the rig over HTTPS, the Log Publisher over TLS, with this certificate
   * (PEM, the server's first and any intermediates after it) and its private key (PEM, no passphrase). The PEM
   * text, not file names: the command line reads --tls-cert and --tls-key (readTlsFiles). A certificate that is
   * not one, a key that is not its key: a one-line TlsConfigError before anything listens.
   */
  readonly tls?: TlsPem;
  /**
   * Start a rig without a token on a host that is not loopback all the same (--rig-open). Without it that is
   * refused (RigExposedError): anyone who reaches the host could rewrite every port.
   */
  readonly rigOpen?: boolean;
}

/** A rig without a token on a host other machines reach, not asked for with rigOpen: one line. */
export class RigExposedError extends Error {
  override readonly name = 'RigExposedError';
}

export interface RunningEmulator {
  /** http://host:port/api/v2/task (https:// with tls) */
  readonly taskUrl: string;
  /** http://host:port/rig/v1 (https:// with tls), or undefined when the rig is off. */
  readonly rigUrl: string | undefined;
  /** tcp://host:port of the Log Publisher (tls:// with tls). */
  readonly logUrl: string;
  /** The Log Publisher's TCP port (the ephemeral one chosen when logPort was 0). */
  readonly logPort: number;
  /** The AutoCase hardware's step in ms; 0 when it does not move by itself. */
  readonly hardwareMs: number;
  /** The Log Publisher's clients connected now, with their unsent output. */
  logClients(): LogClientStats[];
  /** Every port's whole state as it stands now, error flag included (what the Task Interface cannot read). */
  snapshot(): ReadonlyMap<number, PortState>;
  /** The Log Publisher lines published since the start or the last rig reset, oldest first. */
  events(): readonly string[];
  /**
   * What a person or the port's hardware does at a port (emulator/operate.ts): the mode, the selected bin, the
   * case state, the error flag; never the type. Goes the rig PUT's way, so a new case state is published on the
   * Log Publisher and in events() as a PUT's is, with the rig off too. Returns the port as it now stands; throws
   * PortOperationError (one line) for a port that does not exist, a value that is not one, or a case at a port
   * that is not AutoCase.
   */
  operate(portId: number, change: PortChange): PortState;
  /** Stops listening and closes every connection, keep-alive ones and the Log Publisher's clients too. */
  close(): Promise<void>;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function checkInteger(value: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} must be an integer ${min}-${max}, not ${value}`);
  return value;
}

/**
 * Starts an emulator: the Task Interface (and the rig) on `port`, the Log Publisher on `logPort`. Rejects on an
 * unknown deviation, an invalid site (SiteConfigError), a bad logPort or hardwareMs, a certificate or key that
 * cannot be served (TlsConfigError), a rig left open (RigExposedError), or a listen error (its `port` says which
 * listener); nothing stays open after a rejection.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const deviations = parseDeviations(options.deviate ?? []);
  if (options.rigToken !== undefined && options.rigToken === '')
    throw new Error('the rig token must not be empty');
  const taskPort = options.port ?? DEFAULT_PORT;
  const logPort = checkInteger(
    options.logPort ?? (taskPort === 0 ? 0 : DEFAULT_LOG_PORT),
    0,
    65535,
    'logPort',
  );
  if (options.hardwareMs !== undefined) checkInteger(options.hardwareMs, 0, HARDWARE_MS_MAX, 'hardwareMs');
  const host = options.host ?? DEFAULT_HOST;
  const rig = options.rig ?? true;
  if (rig && options.rigToken === undefined && !isLoopbackHost(host) && options.rigOpen !== true)
    throw new RigExposedError(
      `the rig would let anyone who reaches ${host} rewrite every port: give it a rigToken, or rig: false (rigOpen: true if that is meant)`,
    );
  const tls = options.tls === undefined ? undefined : checkTls(options.tls).secureContext;
  const pem = tls === undefined ? undefined : options.tls;
  const site = await loadSite(options.site);
  const hardwareMs = options.hardwareMs ?? site.hardwareMs ?? 0;
  const store = new SiteStore(site);
  const quiet = options.quiet ?? options.log === undefined;
  const log = quiet ? undefined : (options.log ?? ((line: string) => console.log(line)));
  const server = createEmulatorServer({
    store,
    deviations,
    rig,
    rigToken: options.rigToken,
    log,
    record: options.record,
    tls: pem,
  });
  // Every connection, a TLS one still in its handshake too (closeAllConnections knows only HTTP's), ends at close.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(taskPort, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const closeTask = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    });
  const publisher = new LogPublisher({ log, tls });
  let logAddress: AddressInfo;
  try {
    logAddress = await publisher.listen(logPort, host);
  } catch (error) {
    await closeTask();
    throw error;
  }
  // Every line the store publishes goes to the stream in the same synchronous step as into GET /events.
  const stopPublishing = store.onPublish((lines) => publisher.publish(lines));
  const hardware = hardwareMs > 0 ? new AutoCaseHardware(store, hardwareMs) : undefined;
  const { port } = server.address() as AddressInfo;
  const base = `${tls ? 'https' : 'http'}://${urlHost(host)}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    taskUrl: `${base}${TASK_PATH}`,
    rigUrl: rig ? `${base}${RIG_PATH}` : undefined,
    logUrl: `${tls ? 'tls' : 'tcp'}://${urlHost(host)}:${logAddress.port}`,
    logPort: logAddress.port,
    hardwareMs,
    logClients: () => publisher.clients(),
    snapshot: () => new Map(store.state.ports),
    events: () => store.events(),
    operate: (portId, change) => operatePort(store, portId, change),
    close() {
      closing ??= (async () => {
        hardware?.stop();
        stopPublishing();
        await Promise.all([closeTask(), publisher.close()]);
      })();
      return closing;
    },
  };
}
