// The harness's own command line: what it takes for itself, and what it hands to cucumber unchanged.

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
  readonly targetProfile?: string;
  readonly certify: boolean;
  readonly interactive: boolean;
  readonly expect?: string;
  readonly help: boolean;
  /** Our own flags exactly as given, to print a re-run command that means the same run. */
  readonly ownArgs: readonly string[];
  /** Everything that is not ours, in order, for cucumber. */
  readonly cucumberArgs: readonly string[];
}

export class UsageError extends Error {}

const VALUE_FLAGS = [
  'target',
  'rig',
  'encoding',
  'timeout',
  'reports',
  'seed',
  'fuzz-runs',
  'target-profile',
  'expect',
] as const;
const BOOLEAN_FLAGS = ['certify', 'interactive', 'help'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];

export const USAGE = `usage: npm test -- [--target=T] [--rig=URL] [--encoding=xml|json|both] [--timeout=MS]
                  [--target-profile=FILE] [--seed=N] [--fuzz-runs=N] [--reports=DIR]
                  [--certify] [--interactive] [--expect=FILE] [cucumber options and feature paths]
  --target   emulator (default: the embedded emulator on an ephemeral port), host (127.0.0.1:${DEFAULT_TASK_PORT}),
             ADDRESS, ADDRESS:PORT (port ${DEFAULT_TASK_PORT} when left out) or http://ADDRESS:PORT/api/v2/task
  --rig      the rig control base URL of a simulator (e.g. http://127.0.0.1:${DEFAULT_TASK_PORT}/rig/v1);
             its token comes from the environment variable HARNESS_RIG_TOKEN or the profile
  --encoding run the XML rows, the JSON rows or both (default both)
  --timeout  deadline of one call in milliseconds (default ${DEFAULT_TIMEOUT_MS})
  --seed, --fuzz-runs   fast-check seed and runs per property for the @fuzz scenarios
  --reports  where reports are written (default reports)
Anything else (--tags, --name, --format, --parallel, feature paths) goes to cucumber unchanged.
Exit codes: 0 nothing failed, 1 a scenario failed, 2 the run could not be made.`;

function positiveInteger(flag: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${flag}=${raw}: expected a whole number`);
  const value = Number(raw);
  if (value < min || value > max) throw new UsageError(`--${flag}=${raw}: expected ${min} to ${max}`);
  return value;
}

export function parseOptions(argv: readonly string[]): HarnessOptions {
  const values: Partial<Record<ValueFlag, string>> = {};
  const flags = new Set<string>();
  const ownArgs: string[] = [];
  const cucumberArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    const name = match?.[1];
    if (name && (VALUE_FLAGS as readonly string[]).includes(name)) {
      let value = match?.[2];
      if (value === undefined) {
        const next = argv[i + 1];
        if (next === undefined || next.startsWith('--')) throw new UsageError(`--${name} needs a value`);
        value = next;
        i++;
      }
      if (values[name as ValueFlag] !== undefined) throw new UsageError(`--${name} given twice`);
      if (value === '') throw new UsageError(`--${name} needs a value`);
      values[name as ValueFlag] = value;
      ownArgs.push(`--${name}=${value}`);
    } else if (name && (BOOLEAN_FLAGS as readonly string[]).includes(name)) {
      if (match?.[2] !== undefined) throw new UsageError(`--${name} takes no value`);
      flags.add(name);
      ownArgs.push(`--${name}`);
    } else {
      // Not ours, cucumber's own --profile included: cucumber gets it unchanged.
      cucumberArgs.push(arg);
    }
  }
  const encoding = (values.encoding ?? 'both').toLowerCase();
  if (encoding !== 'xml' && encoding !== 'json' && encoding !== 'both') {
    throw new UsageError(`--encoding=${values.encoding}: expected xml, json or both`);
  }
  return {
    target: values.target ?? 'emulator',
    rig: values.rig,
    encoding,
    timeoutMs:
      values.timeout === undefined ? undefined : positiveInteger('timeout', values.timeout, 1, 600_000),
    reportsDir: values.reports ?? 'reports',
    seed: values.seed === undefined ? undefined : positiveInteger('seed', values.seed, 0, 2 ** 31 - 1),
    fuzzRuns:
      values['fuzz-runs'] === undefined
        ? undefined
        : positiveInteger('fuzz-runs', values['fuzz-runs'], 1, 1_000_000),
    targetProfile: values['target-profile'],
    certify: flags.has('certify'),
    interactive: flags.has('interactive'),
    expect: values.expect,
    help: flags.has('help'),
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
