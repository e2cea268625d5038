// The harness's own command line: what it takes for itself, and what it hands to cucumber unchanged.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CommandLineError, splitCommandLine } from './arrange/operator-command.ts';
import { DEFAULT_PORTS, PortListError, type PortRange, parsePortList } from './site/port-list.ts';

export const DEFAULT_TASK_PORT = 44000;
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

export type EncodingChoice = 'xml' | 'json' | 'both';

export interface HarnessOptions {
  /** As given: emulator, host, ADDRESS, ADDRESS:PORT or a URL. */
  readonly target: string;
  readonly rig?: string;
  readonly encoding: EncodingChoice;
  readonly timeoutMs?: number;
  readonly reportsDir: string;
  readonly seed?: number;
  readonly fuzzRuns?: number;
  /** Replays exactly one counterexample of a @fuzz property, as its failure prints it. */
  readonly fuzzPath?: string;
  readonly targetProfile?: string;
  readonly certify: boolean;
  readonly interactive: boolean;
  /** --operator-command: the scripted operator's program and its arguments, split as docs/certification.md says. */
  readonly operatorCommand?: readonly string[];
  readonly expect?: string;
  /** --ports: the port ids discovery scans with no rig (undefined: the profile's, else 1-2000). */
  readonly ports?: readonly PortRange[];
  /** --write-profile: where to write a profile from what discovery found. */
  readonly writeProfile?: string;
  readonly help: boolean;
  /** Every flag of ours as given (FLAGS): where a flag added to FLAGS is read. */
  readonly flags: FlagValues;
  /** Our own flags exactly as given, to print a re-run command that means the same run. */
  readonly ownArgs: readonly string[];
  /** Everything that is not ours, in order, for cucumber. */
  readonly cucumberArgs: readonly string[];
}

export class UsageError extends Error {}

/**
 * The harness's own flags, one line each; node:util parseArgs reads them, and everything else on the command
 * line goes to cucumber unchanged, in order. Adding a flag is its line here: `'ca': { type: 'string' }` is then
 * `options.flags.ca` (the value as given, or undefined), `'insecure': { type: 'boolean' }` is
 * `options.flags.insecure` (true or false). Either way it is refused when given twice (a string flag also
 * without a value, a boolean one with a value), kept in ownArgs for the re-run command, and never handed to
 * cucumber. Check the value in parseOptions (a UsageError, before anything starts) and give it a line in USAGE.
 */
export const FLAGS = {
  target: { type: 'string' },
  rig: { type: 'string' },
  encoding: { type: 'string' },
  timeout: { type: 'string' },
  reports: { type: 'string' },
  seed: { type: 'string' },
  'fuzz-runs': { type: 'string' },
  'fuzz-path': { type: 'string' },
  'target-profile': { type: 'string' },
  expect: { type: 'string' },
  ports: { type: 'string' },
  'write-profile': { type: 'string' },
  'log-publisher': { type: 'string' },
  'operator-command': { type: 'string' },
  ca: { type: 'string' },
  insecure: { type: 'boolean' },
  certify: { type: 'boolean' },
  interactive: { type: 'boolean' },
  help: { type: 'boolean' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export type Flag = keyof typeof FLAGS;

/** Each flag as given: a string flag's value (undefined when not given), a boolean flag's presence. */
export type FlagValues = {
  readonly [F in Flag]: (typeof FLAGS)[F]['type'] extends 'string' ? string | undefined : boolean;
};

export const USAGE = `usage: npm test -- [--target=T] [--rig=URL] [--encoding=xml|json|both] [--timeout=MS]
                  [--target-profile=FILE] [--seed=N] [--fuzz-runs=N] [--fuzz-path=P] [--reports=DIR]
                  [--certify] [--interactive | --operator-command=CMD] [--expect=FILE] [--ports=LIST]
                  [--write-profile=FILE]
                  [--log-publisher=HOST:PORT] [--ca=FILE | --insecure]
                  [cucumber options and feature paths]
  --target   emulator (default: the embedded emulator on an ephemeral port), host (127.0.0.1:${DEFAULT_TASK_PORT}),
             ADDRESS, ADDRESS:PORT (port ${DEFAULT_TASK_PORT} when left out) or http://ADDRESS:PORT/api/v2/task
  --rig      the rig control base URL of a simulator (e.g. http://127.0.0.1:${DEFAULT_TASK_PORT}/rig/v1);
             its token comes from the profile, or the environment variable HARNESS_RIG_TOKEN
  --target-profile  a target profile (profiles/*.json): identity, task and rig URLs, capabilities, fixtures,
             timeouts; --target and --rig override its URLs (docs/certification.md)
  --encoding run the XML rows, the JSON rows or both (default both)
  --timeout  deadline of one call in milliseconds (default: the profile's, else ${DEFAULT_TIMEOUT_MS})
  --seed, --fuzz-runs   fast-check seed and runs per property for the @fuzz scenarios
  --fuzz-path  replay exactly one counterexample of a @fuzz property, as its failure prints it
  --reports  where reports are written (default: a directory of this run's own, reports/runs/<UTC stamp>-<pid>/,
             reports/latest pointing at the newest; DIR is written as given, by one run at a time)
  --interactive  an operator at this terminal causes what the Task Interface cannot (profile capabilities.operator)
  --operator-command  a program that does it instead, run once per request without a shell (words split on blanks,
             '...' and "..." quoting): the request as JSON on its stdin, its answer (confirm, not-applicable or abort)
             on its stdout (default: the profile's operator.command; docs/certification.md)
  --expect   a file of the target's known failures, each with a reason: they are reported and do not gate
  --ports    with no rig, the port ids the harness reads before the run (only getportstatus and case_getstate):
             A-B, an id, or a comma list such as 1-30,1990-2000 (default: the ports the profile lists, else ${DEFAULT_PORTS})
  --write-profile  write what that reading found as a read-only profile to FILE (never overwritten), to edit and keep
  --log-publisher  the target's Log Publisher (HOST or HOST:PORT, port 44001 when left out; tls://HOST:PORT over
             TLS), where the harness judges what a call publishes (default: the profile's log_publisher; without a
             rig, the target's host on 44001)
  --ca       a PEM file of the authority (or authorities) that signed the certificates of an https:// target, its
             rig and a tls:// Log Publisher, trusted besides Node's own (default: the profile's tls.ca)
  --insecure  verify no certificate at all: a warning on every run, and every report says so; --certify refuses it
  --certify  the whole suite against a profile, with an evidence bundle in reports/certification/<UTC stamp>/
             (DIR/certification/ with --reports); refuses filters, feature paths and --expect; check a bundle
             with npm run verify-bundle [-- DIR] (the newest by default)
Anything else (--tags, --name, --format, --parallel, feature paths) goes to cucumber unchanged. --parallel N:
on the embedded emulator an emulator a worker (default: none, every scenario in one process); on another target
refused above 1 unless the profile names a port set a worker (parallel.port_sets, no rig).
Verdicts: PASSED, FAILED, NOT APPLICABLE, INCONCLUSIVE. Exit codes: 0 nothing FAILED, 1 a scenario FAILED
(or, with --certify, the target is not certified: FAILED or INCONCLUSIVE), 2 the run could not be made.`;

function positiveInteger(flag: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${flag}=${raw}: expected a whole number`);
  const value = Number(raw);
  if (value < min || value > max) throw new UsageError(`--${flag}=${raw}: expected ${min} to ${max}`);
  return value;
}

function portList(raw: string): PortRange[] {
  try {
    return parsePortList(raw);
  } catch (error) {
    if (error instanceof PortListError) throw new UsageError(`--ports=${raw}: ${error.message}`);
    throw error;
  }
}

function operatorCommand(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  try {
    return splitCommandLine(raw);
  } catch (error) {
    if (error instanceof CommandLineError)
      throw new UsageError(`--operator-command=${raw}: ${error.message}`);
    throw error;
  }
}

function isFlag(name: string | undefined): name is Flag {
  return name !== undefined && Object.hasOwn(FLAGS, name);
}

/** Splits the command line into our flags (checked strictly) and cucumber's arguments (untouched, in order). */
function readFlags(argv: readonly string[]): {
  flags: FlagValues;
  ownArgs: string[];
  cucumberArgs: string[];
} {
  // Not strict: an option that is not ours is cucumber's (its own --profile included). Only its position is used
  // here: cucumber gets the very arguments it was given, `--tags "@a and @b"` as two, `--parallel=2` as one.
  const { tokens } = parseArgs({
    args: [...argv],
    options: FLAGS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: Partial<Record<Flag, string | boolean>> = {};
  const ownArgs: string[] = [];
  const ours = new Set<number>();
  for (const token of tokens) {
    if (token.kind !== 'option' || !isFlag(token.name)) continue;
    const name = token.name;
    ours.add(token.index);
    if (FLAGS[name].type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`--${name} takes no value`);
      values[name] = true;
      ownArgs.push(`--${name}`);
      continue;
    }
    let value = token.value;
    if (token.inlineValue === false) {
      // `--target --tags x`: parseArgs takes the next argument as the value; a flag of ours never takes a flag.
      if (value?.startsWith('--')) value = undefined;
      else ours.add(token.index + 1);
    }
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (values[name] !== undefined) throw new UsageError(`--${name} given twice`);
    if (value === '') throw new UsageError(`--${name} needs a value`);
    values[name] = value;
    ownArgs.push(`--${name}=${value}`);
  }
  const flags = Object.fromEntries(
    (Object.keys(FLAGS) as Flag[]).map((name) => [
      name,
      FLAGS[name].type === 'boolean' ? values[name] === true : values[name],
    ]),
  ) as FlagValues;
  return { flags, ownArgs, cucumberArgs: argv.filter((_, index) => !ours.has(index)) };
}

export function parseOptions(argv: readonly string[]): HarnessOptions {
  const { flags, ownArgs, cucumberArgs } = readFlags(argv);
  const encoding = (flags.encoding ?? 'both').toLowerCase();
  if (encoding !== 'xml' && encoding !== 'json' && encoding !== 'both') {
    throw new UsageError(`--encoding=${flags.encoding}: expected xml, json or both`);
  }
  if (flags.interactive && flags['operator-command'] !== undefined)
    throw new UsageError(
      '--interactive and --operator-command exclude each other: the operator is either the person at this terminal or the command',
    );
  if (flags.ca !== undefined && flags.insecure)
    throw new UsageError('--ca and --insecure contradict each other: --insecure verifies no certificate');
  return {
    target: flags.target ?? 'emulator',
    rig: flags.rig,
    encoding,
    timeoutMs:
      flags.timeout === undefined ? undefined : positiveInteger('timeout', flags.timeout, 1, 600_000),
    reportsDir: flags.reports ?? 'reports',
    seed: flags.seed === undefined ? undefined : positiveInteger('seed', flags.seed, 0, 2 ** 31 - 1),
    fuzzRuns:
      flags['fuzz-runs'] === undefined
        ? undefined
        : positiveInteger('fuzz-runs', flags['fuzz-runs'], 1, 1_000_000),
    fuzzPath: flags['fuzz-path'],
    targetProfile: flags['target-profile'],
    certify: flags.certify,
    interactive: flags.interactive,
    operatorCommand: operatorCommand(flags['operator-command']),
    expect: flags.expect,
    ports: flags.ports === undefined ? undefined : portList(flags.ports),
    writeProfile: flags['write-profile'],
    help: flags.help,
    flags,
    ownArgs,
    cucumberArgs,
  };
}

/**
 * The task URL a --target value names. `emulator` is resolved by the runner (it starts one); every other form
 * is an address: host, ADDRESS, ADDRESS:PORT or a full http URL.
 */
export function resolveTaskUrl(target: string): string {
  if (target === 'host') return `http://127.0.0.1:${DEFAULT_TASK_PORT}/api/v2/task`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new UsageError(`--target=${target}: not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UsageError(`--target=${target}: only http:// and https:// URLs are supported`);
    }
    if (url.pathname === '/' || url.pathname === '') url.pathname = '/api/v2/task';
    return url.toString();
  }
  const hostPort = /^(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::(\d{1,5}))?$/i.exec(target);
  if (!hostPort) {
    throw new UsageError(
      `--target=${target}: expected emulator, host, ADDRESS, ADDRESS:PORT or http://ADDRESS:PORT/api/v2/task`,
    );
  }
  const port = hostPort[2] === undefined ? DEFAULT_TASK_PORT : Number(hostPort[2]);
  if (port < 1 || port > 65535)
    throw new UsageError(`--target=${target}: port ${hostPort[2]} is not 1 to 65535`);
  return `http://${hostPort[1]}:${port}/api/v2/task`;
}

export function resolveRigUrl(rig: string): string {
  let url: URL;
  try {
    url = new URL(rig);
  } catch {
    throw new UsageError(`--rig=${rig}: not a valid URL (expected e.g. http://127.0.0.1:44000/rig/v1)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--rig=${rig}: only http:// and https:// URLs are supported`);
  }
  return url.toString().replace(/\/+$/, '');
}

/** --certify runs the whole suite as it is: nothing may narrow it or excuse a failure. Throws UsageError. */
export function checkCertifyOptions(options: HarnessOptions, hasProfile: boolean): void {
  if (!hasProfile)
    throw new UsageError('--certify needs --target-profile=FILE: a certification names its target');
  if (options.expect)
    throw new UsageError('--certify refuses --expect: a certification reports every failure');
  if (options.flags.insecure)
    throw new UsageError(
      "--certify refuses --insecure: a certification verifies the target's certificate (give its authority with --ca FILE)",
    );
  if (options.encoding !== 'both')
    throw new UsageError(`--certify runs both encodings: it refuses --encoding=${options.encoding}`);
  if (options.cucumberArgs.length > 0) {
    throw new UsageError(
      `--certify runs every scenario: it refuses tag and name filters, feature paths and other cucumber options (${options.cucumberArgs.join(' ')})`,
    );
  }
}
