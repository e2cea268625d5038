// npm run emulator -- [--host 127.0.0.1] [--port 44000] [--site FILE] [--rig-token T] [--no-rig] [--quiet] [--deviate NAME]

import { parseArgs } from 'node:util';
import { DEVIATIONS, parseDeviations } from './deviations.ts';
import { DEFAULT_HOST, DEFAULT_PORT, type RunningEmulator, startEmulator } from './index.ts';
import { SiteConfigError } from './site.ts';

const HELP = `AutoStore Task Interface emulator (case_cancel reference controller)

Usage: npm run emulator -- [options]

  --host HOST        interface to listen on (default ${DEFAULT_HOST})
  --port PORT        TCP port, 0 for any free one (default ${DEFAULT_PORT})
  --site FILE        site configuration (JSON; default emulator/sites/default.json)
  --rig-token T      rig requests need Authorization: Bearer T (or set EMULATOR_RIG_TOKEN)
  --no-rig           no rig control API (/rig/v1 answers 404)
  --quiet            no line per call
  --deviate NAME     misbehave on purpose (repeatable, or comma-separated); names below
  --help             this text

Options also take the --flag=value form. Exit 0 on SIGINT/SIGTERM, 2 on a bad flag, site or port.

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
        site: { type: 'string' },
        'rig-token': { type: 'string' },
        'no-rig': { type: 'boolean' },
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
  const host = values.host ?? DEFAULT_HOST;
  if (host === '') fail('--host must not be empty');
  const rigToken = values['rig-token'] ?? (process.env.EMULATOR_RIG_TOKEN || undefined);
  if (rigToken === '') fail('the rig token must not be empty');
  if (values['no-rig'] && values['rig-token'] !== undefined)
    fail('--no-rig and --rig-token contradict each other');
  const deviate = values.deviate ?? [];
  try {
    parseDeviations(deviate);
  } catch (error) {
    fail((error as Error).message);
  }

  let emulator: RunningEmulator;
  try {
    emulator = await startEmulator({
      host,
      port: Number(portText),
      site: values.site,
      rig: !values['no-rig'],
      rigToken: values['no-rig'] ? undefined : rigToken,
      quiet: values.quiet ?? false,
      log: (line) => process.stdout.write(`${line}\n`),
      deviate,
    });
  } catch (error) {
    if (error instanceof SiteConfigError) fail(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') fail(`cannot listen on ${host}:${portText}: the port is already in use`);
    if (code === 'EACCES') fail(`cannot listen on ${host}:${portText}: permission denied`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      fail(`cannot listen on ${host}: no such local address`);
    fail(`cannot start: ${error instanceof Error ? error.message : String(error)}`);
  }

  process.stdout.write(`Task Interface: ${emulator.taskUrl}\n`);
  const rigNote = rigToken === undefined ? '' : ' (bearer token required)';
  process.stdout.write(
    `Rig control:    ${emulator.rigUrl === undefined ? 'off' : `${emulator.rigUrl}${rigNote}`}\n`,
  );
  if (deviate.length > 0)
    process.stdout.write(`Deviating on purpose: ${[...parseDeviations(deviate)].join(', ')}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`emulator: ${signal}, stopping\n`);
    const deadline = setTimeout(() => process.exit(0), 2_000);
    deadline.unref();
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
