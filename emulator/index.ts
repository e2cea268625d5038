// The emulator as a library: start it, learn its URLs, close it.

import type { AddressInfo } from 'node:net';
import { parseDeviations } from './deviations.ts';
import type { RecordFunction } from './record.ts';
import { RIG_PATH } from './rig.ts';
import { createEmulatorServer, TASK_PATH } from './server.ts';
import { loadSite, type SiteConfig } from './site.ts';
import { SiteStore } from './store.ts';
import type { PortState } from './types.ts';

export { DEVIATIONS, type DeviationName } from './deviations.ts';
export type { RecordedAnswer, RecordedCall, RecordedInput, RecordFunction } from './record.ts';
export { describeRecorded } from './record.ts';
export type { PortConfig, SiteConfig } from './site.ts';
export { SiteConfigError } from './site.ts';
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
}

export interface RunningEmulator {
  /** http://host:port/api/v2/task */
  readonly taskUrl: string;
  /** http://host:port/rig/v1, or undefined when the rig is off. */
  readonly rigUrl: string | undefined;
  /** Every port's whole state as it stands now, error flag included (what the Task Interface cannot read). */
  snapshot(): ReadonlyMap<number, PortState>;
  /** The Log Publisher lines published since the start or the last rig reset, oldest first. */
  events(): readonly string[];
  /** Stops listening and closes every connection, keep-alive ones too. */
  close(): Promise<void>;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts an emulator. Rejects on an unknown deviation, an invalid site (SiteConfigError) or a listen error. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const deviations = parseDeviations(options.deviate ?? []);
  if (options.rigToken !== undefined && options.rigToken === '')
    throw new Error('the rig token must not be empty');
  const store = new SiteStore(await loadSite(options.site));
  const quiet = options.quiet ?? options.log === undefined;
  const rig = options.rig ?? true;
  const server = createEmulatorServer({
    store,
    deviations,
    rig,
    rigToken: options.rigToken,
    log: quiet ? undefined : (options.log ?? ((line) => console.log(line))),
    record: options.record,
  });
  const host = options.host ?? DEFAULT_HOST;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://${urlHost(host)}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    taskUrl: `${base}${TASK_PATH}`,
    rigUrl: rig ? `${base}${RIG_PATH}` : undefined,
    snapshot: () => new Map(store.state.ports),
    events: () => store.events(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
