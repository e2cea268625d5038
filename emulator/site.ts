// Ports and their states: validating a PortState (rig PUT, site file) and loading the site configuration.

import { readFile } from 'node:fs/promises';
import {
  BIN_ID_MAX,
  BIN_ID_MIN,
  CASE_STATES,
  type CaseState,
  PORT_ID_MAX,
  PORT_ID_MIN,
  PORT_MODES,
  PORT_TYPES,
  type PortMode,
  type PortState,
  type PortType,
  type SiteState,
} from './types.ts';

/** A port in a site configuration; selected_bin, case_state and case_error default to null, NOOP, false. */
export interface PortConfig {
  readonly port_id: number;
  readonly type: PortType;
  readonly mode: PortMode;
  readonly selected_bin?: number | null;
  readonly case_state?: CaseState;
  readonly case_error?: boolean;
}

/** The site configuration file: the ports at start and, optionally, the bins that exist. */
export interface SiteConfig {
  readonly ports: readonly PortConfig[];
  readonly bins?: readonly number[];
  /** The AutoCase moves by itself, one step every so many ms (0 or absent: never); see HARDWARE_MS_MAX. */
  readonly hardware_ms?: number;
}

/** The longest step of the AutoCase hardware, in ms (an hour). */
export const HARDWARE_MS_MAX = 3_600_000;

/** A problem with one field of an input, e.g. ports[2].mode: "OPN" is not one of ... */
export class FieldError extends Error {
  override name = 'FieldError';

  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

export class SiteConfigError extends Error {
  override name = 'SiteConfigError';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Array.isArray(value) ? '[array]' : typeof value;
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw new FieldError(field, `${shown(value)} is not one of ${allowed.join(', ')}`);
  return found;
}

export function integerIn(value: unknown, min: number, max: number, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new FieldError(field, `${shown(value)} is not an integer`);
  }
  if (value < min || value > max) throw new FieldError(field, `${value} is outside ${min}-${max}`);
  return value;
}

function boolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new FieldError(field, `${shown(value)} is not true or false`);
  return value;
}

function rejectUnknownFields(object: Record<string, unknown>, known: readonly string[], path: string): void {
  const unknown = Object.keys(object).find((key) => !known.includes(key));
  if (unknown !== undefined)
    throw new FieldError(`${path}${path === '' ? '' : '.'}${unknown}`, 'unknown field');
}

function field(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

const PORT_STATE_FIELDS = ['type', 'mode', 'selected_bin', 'case_state', 'case_error'] as const;

/**
 * Reads a PortState. With required, all five fields must be there (the rig's PUT); otherwise selected_bin,
 * case_state and case_error take their defaults. Throws FieldError naming the first wrong field.
 */
export function readPortState(
  value: unknown,
  path: string,
  required: boolean,
  extraFields: readonly string[] = [],
): PortState {
  if (!isObject(value)) throw new FieldError(path === '' ? '(body)' : path, 'is not a JSON object');
  rejectUnknownFields(value, [...PORT_STATE_FIELDS, ...extraFields], path);
  const missing = PORT_STATE_FIELDS.find(
    (name) => !Object.hasOwn(value, name) && (required || name === 'type' || name === 'mode'),
  );
  if (missing !== undefined) throw new FieldError(field(path, missing), 'is missing');
  return {
    type: oneOf(value.type, PORT_TYPES, field(path, 'type')),
    mode: oneOf(value.mode, PORT_MODES, field(path, 'mode')),
    selected_bin:
      value.selected_bin === undefined || value.selected_bin === null
        ? null
        : integerIn(value.selected_bin, BIN_ID_MIN, BIN_ID_MAX, field(path, 'selected_bin')),
    case_state: Object.hasOwn(value, 'case_state')
      ? oneOf(value.case_state, CASE_STATES, field(path, 'case_state'))
      : 'NOOP',
    case_error: Object.hasOwn(value, 'case_error')
      ? boolean(value.case_error, field(path, 'case_error'))
      : false,
  };
}

/** Validates a site configuration; throws FieldError naming the first wrong field. */
export function readSiteConfig(config: unknown): SiteState {
  if (!isObject(config)) throw new FieldError('(root)', 'is not a JSON object');
  rejectUnknownFields(config, ['ports', 'bins', 'hardware_ms', '$comment'], '');
  if (!Array.isArray(config.ports)) throw new FieldError('ports', 'is missing or not a list');
  const ports = new Map<number, PortState>();
  const firstIndex = new Map<number, number>();
  config.ports.forEach((entry: unknown, index: number) => {
    const path = `ports[${index}]`;
    if (!isObject(entry)) throw new FieldError(path, 'is not a JSON object');
    if (!Object.hasOwn(entry, 'port_id')) throw new FieldError(`${path}.port_id`, 'is missing');
    const portId = integerIn(entry.port_id, PORT_ID_MIN, PORT_ID_MAX, `${path}.port_id`);
    const earlier = firstIndex.get(portId);
    if (earlier !== undefined) {
      throw new FieldError(`${path}.port_id`, `duplicate port_id ${portId} (also ports[${earlier}])`);
    }
    firstIndex.set(portId, index);
    ports.set(portId, readPortState(entry, path, false, ['port_id', '$comment']));
  });
  const hardware =
    config.hardware_ms === undefined
      ? {}
      : { hardwareMs: integerIn(config.hardware_ms, 0, HARDWARE_MS_MAX, 'hardware_ms') };
  if (config.bins === undefined) return { ports, ...hardware };
  if (!Array.isArray(config.bins)) throw new FieldError('bins', 'is not a list');
  const bins = new Set<number>();
  config.bins.forEach((bin: unknown, index: number) => {
    bins.add(integerIn(bin, BIN_ID_MIN, BIN_ID_MAX, `bins[${index}]`));
  });
  return { ports, bins, ...hardware };
}

export const DEFAULT_SITE_FILE = new URL('./sites/default.json', import.meta.url);
/** A static site for runs without a rig: a port of every kind docs/spec/as-found.md names (docs/emulator.md). */
export const AS_FOUND_SITE_FILE = new URL('./sites/as-found.json', import.meta.url);

/** Loads and validates a site: a file path or a configuration object. Throws SiteConfigError, one line. */
export async function loadSite(site: string | URL | SiteConfig | undefined): Promise<SiteState> {
  if (site !== undefined && typeof site === 'object' && !(site instanceof URL)) {
    try {
      return readSiteConfig(site);
    } catch (error) {
      throw new SiteConfigError(`site config: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const file = site ?? DEFAULT_SITE_FILE;
  const name = file instanceof URL ? decodeURIComponent(file.pathname) : file;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new SiteConfigError(`site file ${name}: cannot be read (${code})`);
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new SiteConfigError(
      `site file ${name}: not valid JSON: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  try {
    return readSiteConfig(config);
  } catch (error) {
    throw new SiteConfigError(`site file ${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
