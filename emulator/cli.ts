// npm run emulator -- [--host 127.0.0.1] [--port 44000] [--log-port 44001] [--site FILE] [--hardware-ms N]
//                     [--tls-cert FILE --tls-key FILE] [--rig-token T] [--no-rig] [--rig-open] [--quiet]
//                     [--deviate NAME]

import { parseArgs } from 'node:util';
import { DEVIATIONS, parseDeviations } from './deviations.ts';
import {
  DEFAULT_HOST,
  DEFAULT_LOG_PORT,
  DEFAULT_PORT,
  type RunningEmulator,
  startEmulator,
} from './index.ts';
import { HARDWARE_MS_MAX, SiteConfigError } from './site.ts';
import { isLoopbackHost, readTlsFiles, TlsConfigError, type TlsPem } from './tls.ts';

const HELP = `AutoStore Task Interface emulator (case_cancel reference controller)

Usage: npm run emulator -- [options]

  --host HOST        interface to listen on (default ${DEFAULT_HOST})
  --port PORT        TCP port, 0 for any free one (default ${DEFAULT_PORT})
  --log-port PORT    the Log Publisher's TCP port, 0 for any free one
                     (default ${DEFAULT_LOG_PORT}; any free one when --port is 0)
  --site FILE        site configuration (JSON; default emulator/sites/default.json)
  --hardware-ms N    the AutoCase moves by itself, one state every N ms (0: never, the default;
                     overrides the site's hardware_ms)
  --tls-cert FILE    serve over TLS with this certificate (PEM; intermediates after it): the Task Interface
                     and the rig over https://, the Log Publisher over tls://; needs --tls-key
  --tls-key FILE     the certificate's private key (PEM, no passphrase)
  --rig-token T      rig requests need Authorization: Bearer T (or set EMULATOR_RIG_TOKEN)
  --no-rig           no rig control API (/rig/v1 answers 404)
  --rig-open         start the rig without a token on a host that is not loopback all the same
                     (refused otherwise: anyone who reaches the host could rewrite every port)
  --quiet            no line per call (nor per Log Publisher client)
  --deviate NAME     misbehave on purpose (repeatable, or comma-separated); names below
  --help             this text

Options also take the --flag=value form. Exit 0 on SIGINT/SIGTERM, 2 on a bad flag, site, port,
certificate or key, or a rig left open.

Deviations:
${DEVIATIONS.map((deviation) => `  ${deviation.name.padEnd(26)} ${deviation.description}`).join('\n')}
`;

function fail(message: string): never {
  process.stderr.write(`emulator: ${message}\n`);
  process.exit(2);
}

function readOptions(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'log-port': { type: 'string' },
        'hardware-ms': { type: 'string' },
        site: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'rig-token': { type: 'string' },
        'no-rig': { type: 'boolean' },
        'rig-open': { type: 'boolean' },
        quiet: { type: 'boolean' },
        deviate: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    return fail(`${error instanceof Error ? error.message.split('\n')[0] : String(error)} (see --help)`);
  }
}

async function main(): Promise<void> {
  const values = readOptions(process.argv.slice(2));
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const portText = values.port ?? String(DEFAULT_PORT);
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535) {
    fail(`--port must be an integer 0-65535, not '${portText}'`);
  }
  const logPortText = values['log-port'];
  if (logPortText !== undefined && (!/^[0-9]{1,5}$/.test(logPortText) || Number(logPortText) > 65535)) {
    fail(`--log-port must be an integer 0-65535, not '${logPortText}'`);
  }
  const hardwareText = values['hardware-ms'];
  if (
    hardwareText !== undefined &&
    (!/^[0-9]{1,7}$/.test(hardwareText) || Number(hardwareText) > HARDWARE_MS_MAX)
  ) {
    fail(`--hardware-ms must be an integer 0-${HARDWARE_MS_MAX}, not '${hardwareText}'`);
  }
  const host = values.host ?? DEFAULT_HOST;
  if (host === '') fail('--host must not be empty');
  const rigToken = values['rig-token'] ?? (process.env.EMULATOR_RIG_TOKEN || undefined);
  if (rigToken === '') fail('the rig token must not be empty');
  if (values['no-rig'] && values['rig-token'] !== undefined)
    fail('--no-rig and --rig-token contradict each other');
  if (values['no-rig'] && values['rig-open']) fail('--no-rig and --rig-open contradict each other');
  const rigOpen = !values['no-rig'] && rigToken === undefined && !isLoopbackHost(host);
  if (rigOpen && !values['rig-open'])
    fail(
      `the rig would let anyone who reaches ${host} rewrite every port: give --rig-token T (or EMULATOR_RIG_TOKEN), or --no-rig; --rig-open if that is meant`,
    );
  if (rigOpen)
    process.stderr.write(
      `emulator: warning: --rig-open: the rig has no token on ${host}; anyone who reaches it can rewrite every port\n`,
    );
  const certFile = values['tls-cert'];
  const keyFile = values['tls-key'];
  if ((certFile === undefined) !== (keyFile === undefined))
    fail(
      `${certFile === undefined ? '--tls-key' : '--tls-cert'} needs ${certFile === undefined ? '--tls-cert' : '--tls-key'} too`,
    );
  let tls: TlsPem | undefined;
  if (certFile !== undefined && keyFile !== undefined) {
    try {
      tls = await readTlsFiles(certFile, keyFile);
    } catch (error) {
      if (error instanceof TlsConfigError) fail(error.message);
      throw error;
    }
  }
  const deviate = values.deviate ?? [];
  try {
    parseDeviations(deviate);
  } catch (error) {
    fail((error as Error).message);
  }

  // The signals are taken before anything is printed: whoever starts the emulator may stop it as soon as it has read
  // the ready lines, and a signal that came while it was starting stops it once it has started.
  let emulator: RunningEmulator | undefined;
  let stopping: NodeJS.Signals | undefined;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping !== undefined) return;
    stopping = signal;
    if (emulator !== undefined) stopStarted(emulator, signal);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    emulator = await startEmulator({
      host,
      port: Number(portText),
      ...(logPortText === undefined ? {} : { logPort: Number(logPortText) }),
      ...(hardwareText === undefined ? {} : { hardwareMs: Number(hardwareText) }),
      site: values.site,
      rig: !values['no-rig'],
      rigToken: values['no-rig'] ? undefined : rigToken,
      rigOpen,
      tls,
      quiet: values.quiet ?? false,
      log: (line) => process.stdout.write(`${line}\n`),
      deviate,
    });
  } catch (error) {
    if (error instanceof SiteConfigError) fail(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    // A listen error carries the port it failed on: the Task Interface's (first) or the Log Publisher's.
    const failedPort = (error as { port?: unknown }).port;
    const where =
      typeof failedPort === 'number' && String(failedPort) !== portText
        ? `${host}:${failedPort} (the Log Publisher; --log-port moves it)`
        : `${host}:${portText}`;
    if (code === 'EADDRINUSE') fail(`cannot listen on ${where}: the port is already in use`);
    if (code === 'EACCES') fail(`cannot listen on ${where}: permission denied`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      fail(`cannot listen on ${host}: no such local address`);
    fail(`cannot start: ${error instanceof Error ? error.message : String(error)}`);
  }

  process.stdout.write(`Task Interface: ${emulator.taskUrl}\n`);
  const rigNote = rigToken === undefined ? '' : ' (bearer token required)';
  process.stdout.write(
    `Rig control:    ${emulator.rigUrl === undefined ? 'off' : `${emulator.rigUrl}${rigNote}`}\n`,
  );
  process.stdout.write(`Log Publisher:  ${emulator.logUrl}\n`);
  if (emulator.hardwareMs > 0)
    process.stdout.write(`AutoCase:       moves by itself, one state every ${emulator.hardwareMs} ms\n`);
  if (deviate.length > 0)
    process.stdout.write(`Deviating on purpose: ${[...parseDeviations(deviate)].join(', ')}\n`);

  if (stopping !== undefined) stopStarted(emulator, stopping);
}

/** Closes a started emulator on a signal, exit 0; two seconds at most. */
function stopStarted(emulator: RunningEmulator, signal: NodeJS.Signals): void {
  process.stdout.write(`emulator: ${signal}, stopping\n`);
  const deadline = setTimeout(() => process.exit(0), 2_000);
  deadline.unref();
  void emulator.close().then(() => process.exit(0));
}

void main();
