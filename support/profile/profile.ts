// A target profile (profiles/*.json): what a target declares it supports and the values the tests need on it.
// Read once by the runner, checked against profiles/profile.schema.json, every error naming its key.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import type { PortType } from '../model.ts';
import { resolveRigUrl, resolveTaskUrl, UsageError } from '../options.ts';
import { PortListError, type PortRange, parsePortList } from '../site/port-list.ts';

export interface Identity {
  readonly vendor: string;
  readonly product: string;
  readonly software_release: string;
}

export interface Capabilities {
  readonly json: boolean;
  readonly rig: boolean;
  readonly task_interface_arrangement: boolean;
  readonly operator: boolean;
}

export interface OtherPort {
  readonly port_id: number;
  readonly type: Exclude<PortType, 'AC'>;
}

export interface Fixtures {
  readonly absent_port?: number;
  readonly autocase_ports: readonly number[];
  readonly other_ports?: readonly OtherPort[];
  readonly bins: readonly number[] | 'any';
  readonly openport_select?: { readonly category?: readonly number[]; readonly content?: readonly number[] };
}

export interface Timeouts {
  readonly call_ms?: number;
  readonly arrangement_ms?: number;
  readonly operator_s?: number;
  readonly log_ms?: number;
  readonly log_quiet_ms?: number;
}

/** Which ports discovery reads when the target has no rig. */
export interface Discovery {
  /** A port list (`1-2000`, `1-30,1990-2000`) to scan instead of the fixtures' ports. */
  readonly ports?: string;
  /** Never called, never played. */
  readonly exclude_ports?: readonly number[];
}

/** --parallel on a target the workers share: the ports each worker keeps to. */
export interface Parallel {
  /** One port list a worker (`1-19`, `20-40,2000`), disjoint: worker i calls only the ports of port_sets[i]. */
  readonly port_sets: readonly string[];
}

export interface TargetProfile {
  readonly identity: Identity;
  readonly task_url: string;
  readonly rig?: { readonly url?: string; readonly token?: string; readonly token_env?: string };
  /** HOST or HOST:PORT of the Log Publisher. */
  readonly log_publisher?: string;
  /** ca: the authorities of the target's certificates (a PEM file, relative to the profile's directory). */
  readonly tls?: { readonly ca?: string };
  readonly capabilities: Capabilities;
  /** The scripted operator: a program and its arguments, run without a shell in the profile's directory. */
  readonly operator?: { readonly command: readonly string[] };
  readonly fixtures: Fixtures;
  readonly timeouts?: Timeouts;
  readonly discovery?: Discovery;
  readonly parallel?: Parallel;
}

export interface LoadedProfile {
  /** The file as given on the command line. */
  readonly file: string;
  readonly profile: TargetProfile;
  /** The rig token, from rig.token or the variable rig.token_env names. Never printed. */
  readonly rigToken?: string;
}

export const DEFAULT_ARRANGEMENT_MS = 5_000;
export const DEFAULT_OPERATOR_S = 300;
export const DEFAULT_OPENPORT_SELECT = { category: [1] } as const;
/** What stands for a secret wherever a profile is shown. */
export const REDACTED = '***';

/** The profile cannot be used: one line per problem, each naming the key. Exit 2. */
export class ProfileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(problems.map((p) => `profile ${file}: ${p}`).join('\n'));
  }
}

const SCHEMA_URL = new URL('../../profiles/profile.schema.json', import.meta.url);
/** Keys whose values are never repeated in a message. */
const SECRET_KEYS = new Set(['rig.token']);

let compiled: ReturnType<Ajv2020['compile']> | undefined;

async function validator(): Promise<ReturnType<Ajv2020['compile']>> {
  if (!compiled) {
    const schema = JSON.parse(await readFile(SCHEMA_URL, 'utf8')) as object;
    compiled = new Ajv2020({ allErrors: true, strict: true, verbose: true }).compile(schema);
  }
  return compiled;
}

/** `/fixtures/other_ports/1/type` → `fixtures.other_ports[1].type`. */
export function keyOf(pointer: string, child?: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (child !== undefined) parts.push(child);
  let key = '';
  for (const part of parts) key += /^\d+$/.test(part) ? `[${part}]` : key === '' ? part : `.${part}`;
  return key === '' ? '(top level)' : key;
}

function shown(key: string, value: unknown): string {
  if (SECRET_KEYS.has(key)) return '';
  const text = JSON.stringify(value);
  return text === undefined ? '' : `, got ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

/** ajv's errors as one line per key, the way a person fixing the file wants them. */
export function describeSchemaErrors(errors: readonly ErrorObject[]): string[] {
  // An anyOf that failed says it once, with the property's own description, instead of once per branch.
  const anyOf = errors.filter((e) => e.keyword === 'anyOf');
  const insideAnyOf = (e: ErrorObject) =>
    e.keyword !== 'anyOf' &&
    anyOf.some((a) => e.instancePath.startsWith(a.instancePath) && e.schemaPath.startsWith(a.schemaPath));
  const lines: string[] = [];
  for (const error of errors) {
    if (insideAnyOf(error)) continue;
    const key = keyOf(error.instancePath);
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case 'required':
        lines.push(`${keyOf(error.instancePath, String(params.missingProperty))}: missing`);
        break;
      case 'additionalProperties':
        lines.push(
          `${keyOf(error.instancePath, String(params.additionalProperty))}: unknown key (see profiles/profile.schema.json)`,
        );
        break;
      case 'not':
        lines.push(`${key}: give token or token_env, not both`);
        break;
      case 'enum':
        lines.push(
          `${key}: must be one of ${(params.allowedValues as unknown[]).join(', ')}${shown(key, error.data)}`,
        );
        break;
      case 'anyOf': {
        const description = (error.parentSchema as { description?: string } | undefined)?.description;
        lines.push(`${key}: ${description ?? 'has the wrong form'}${shown(key, error.data)}`);
        break;
      }
      default:
        lines.push(`${key}: ${error.message ?? 'is invalid'}${shown(key, error.data)}`);
    }
  }
  return [...new Set(lines)];
}

/** What the schema cannot say: URLs that parse, one port declared once, a token variable that is set. */
function meaningProblems(profile: TargetProfile, env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  if (profile.task_url !== 'emulator') {
    try {
      resolveTaskUrl(profile.task_url);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      problems.push(`task_url: ${error.message.replace(`--target=${profile.task_url}: `, '')}`);
    }
  }
  if (profile.rig?.url !== undefined) {
    try {
      resolveRigUrl(profile.rig.url);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      problems.push(`rig.url: ${error.message.replace(`--rig=${profile.rig.url}: `, '')}`);
    }
  }
  const tokenEnv = profile.rig?.token_env;
  if (tokenEnv !== undefined && !env[tokenEnv]) {
    problems.push(`rig.token_env: the environment variable ${tokenEnv} is not set`);
  }
  if (profile.capabilities.operator && !profile.capabilities.task_interface_arrangement) {
    problems.push(
      'capabilities.operator: an operator works with arrangement through the Task Interface: set capabilities.task_interface_arrangement too',
    );
  }
  if (profile.operator !== undefined && !profile.capabilities.operator) {
    problems.push(
      'operator.command: the profile declares no operator (capabilities.operator is false): set it to true, or leave the command out',
    );
  }
  const declared = new Map<number, string>();
  const declare = (portId: number, key: string) => {
    const earlier = declared.get(portId);
    if (earlier !== undefined) problems.push(`${key}: port ${portId} is already declared at ${earlier}`);
    else declared.set(portId, key);
  };
  const { fixtures } = profile;
  if (fixtures.absent_port !== undefined) declare(fixtures.absent_port, 'fixtures.absent_port');
  fixtures.autocase_ports.forEach((portId, i) => {
    declare(portId, `fixtures.autocase_ports[${i}]`);
  });
  (fixtures.other_ports ?? []).forEach((port, i) => {
    declare(port.port_id, `fixtures.other_ports[${i}].port_id`);
  });
  const discovery = profile.discovery;
  if (discovery?.ports !== undefined) {
    try {
      parsePortList(discovery.ports);
    } catch (error) {
      if (!(error instanceof PortListError)) throw error;
      problems.push(`discovery.ports: ${error.message}`);
    }
  }
  (discovery?.exclude_ports ?? []).forEach((portId, i) => {
    const fixture = declared.get(portId);
    if (fixture !== undefined)
      problems.push(
        `discovery.exclude_ports[${i}]: port ${portId} is a fixture (${fixture}): a port is either used or excluded`,
      );
  });
  problems.push(...portSetProblems(profile, declared));
  return problems;
}

/** Every port id of a port list (`1-3,7` → 1, 2, 3, 7). Throws PortListError. */
export function portIdsOf(list: string): number[] {
  return idsOf(parsePortList(list));
}

function idsOf(ranges: readonly PortRange[]): number[] {
  const ids: number[] = [];
  for (const { from, to } of ranges) for (let id = from; id <= to; id++) ids.push(id);
  return ids;
}

/** A few port ids, said shortly. */
function someIds(ids: readonly number[]): string {
  const shown = ids.slice(0, 5).join(', ');
  return `${ids.length === 1 ? 'port' : 'ports'} ${shown}${ids.length > 5 ? ` (and ${ids.length - 5} more)` : ''}`;
}

/**
 * parallel.port_sets: each a port list, no port in two sets, and every port one the run reads (discovery.ports
 * when given, else the fixtures' ports) and not excluded.
 */
function portSetProblems(profile: TargetProfile, fixtures: ReadonlyMap<number, string>): string[] {
  const sets = profile.parallel?.port_sets;
  if (sets === undefined) return [];
  const problems: string[] = [];
  let scope: ReadonlySet<number> = new Set(fixtures.keys());
  let scopeName = 'a fixture (fixtures.autocase_ports, other_ports, absent_port)';
  const discovery = profile.discovery?.ports;
  if (discovery !== undefined) {
    try {
      scope = new Set(portIdsOf(discovery));
      scopeName = `among discovery.ports (${discovery})`;
    } catch {
      return problems; // said once, at discovery.ports
    }
  }
  const excluded = new Set(profile.discovery?.exclude_ports ?? []);
  const owner = new Map<number, number>();
  sets.forEach((list, i) => {
    const key = `parallel.port_sets[${i}]`;
    let ids: number[];
    try {
      ids = portIdsOf(list);
    } catch (error) {
      if (!(error instanceof PortListError)) throw error;
      problems.push(`${key}: ${error.message}`);
      return;
    }
    const outside = ids.filter((id) => !scope.has(id));
    if (outside.length > 0) problems.push(`${key}: ${someIds(outside)} not ${scopeName}`);
    const out = ids.filter((id) => excluded.has(id));
    if (out.length > 0) problems.push(`${key}: ${someIds(out)} excluded (discovery.exclude_ports)`);
    const shared = new Map<number, number[]>();
    for (const id of ids) {
      const earlier = owner.get(id);
      if (earlier === undefined) owner.set(id, i);
      else shared.set(earlier, [...(shared.get(earlier) ?? []), id]);
    }
    for (const [earlier, overlap] of shared)
      problems.push(
        `${key}: ${someIds(overlap)} also in parallel.port_sets[${earlier}]: the sets must be disjoint, a worker's ports its own`,
      );
  });
  return problems;
}

/** Checks a parsed profile: the schema first, then what it means. Throws ProfileError. */
export async function checkProfile(
  file: string,
  value: unknown,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedProfile> {
  const validate = await validator();
  if (!validate(value)) throw new ProfileError(file, describeSchemaErrors(validate.errors ?? []));
  const profile = value as TargetProfile;
  const problems = meaningProblems(profile, env);
  if (problems.length > 0) throw new ProfileError(file, problems);
  const tokenEnv = profile.rig?.token_env;
  const rigToken = profile.rig?.token ?? (tokenEnv === undefined ? undefined : env[tokenEnv]);
  return { file, profile, rigToken: rigToken === '' ? undefined : rigToken };
}

/** Reads and checks a profile file. Throws ProfileError naming the key (or the file when it is not JSON). */
export async function loadProfile(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedProfile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ProfileError(file, [code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ProfileError(file, [`not JSON: ${(error as Error).message}`]);
  }
  return checkProfile(file, value, env);
}

/** The profile as reports show it: the token replaced, everything else as written. */
export function redactProfile(profile: TargetProfile): TargetProfile {
  if (profile.rig?.token === undefined) return profile;
  return { ...profile, rig: { ...profile.rig, token: REDACTED } };
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}
