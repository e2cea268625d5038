// --write-profile: what discovery found, as a target profile the user edits and keeps. Read-only capabilities,
// the fixtures the site showed; a run with it reads those ports and gives the verdicts of the run that wrote it.
import { constants } from 'node:fs';
import { access, open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeSiteSource } from '../site/discover.ts';
import type { SiteMap } from '../site/site-map.ts';
import { checkProfile, type OtherPort, ProfileError, type TargetProfile } from './profile.ts';

const SCHEMA_FILE = fileURLToPath(new URL('../../profiles/profile.schema.json', import.meta.url));
/** What the user must replace: the identity of what was tested. */
export const PLACEHOLDER = 'EDIT ME';

/** The profile cannot be written where asked: one line, exit 2, nothing written. */
export class WriteProfileError extends Error {}

export interface SiteProfileContext {
  /** The task URL the run used, or "emulator" for the embedded one. */
  readonly taskUrl: string;
  readonly timeoutMs: number;
  /** The command that wrote it, for the $comment. */
  readonly command: string;
  /** Where the profile goes: its $schema points at profiles/profile.schema.json relative to it. */
  readonly file: string;
  readonly now?: Date;
}

export type SiteProfile = TargetProfile & { readonly $schema: string; readonly $comment: string };

/** The profile of a site as found. Throws when the site could not be read: there is nothing to write. */
export function profileFromSite(site: SiteMap, context: SiteProfileContext): SiteProfile {
  if (site.unreadable !== undefined) throw new WriteProfileError(`nothing to write: ${site.unreadable}`);
  const autocase = site.ports.filter((p) => p.type === 'AC').map((p) => p.port_id);
  const other: OtherPort[] = site.ports.flatMap((p) =>
    p.type === 'AC' ? [] : [{ port_id: p.port_id, type: p.type }],
  );
  const absent = site.absent[0];
  const schema = path
    .relative(path.dirname(path.resolve(context.file)), SCHEMA_FILE)
    .split(path.sep)
    .join('/');
  const when = (context.now ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z');
  const unread = site.unread ?? [];
  return {
    $schema: schema.startsWith('.') ? schema : `./${schema}`,
    $comment: `Written by "${context.command}" at ${when} from what the harness read of the site (${describeSiteSource(site.source)}, getportstatus and case_getstate only). Replace every "${PLACEHOLDER}" in identity before you keep it. Capabilities are read-only: a run with this profile sends only reads and probes and changes nothing. A run with it reads the fixture ports below; to scan a range instead, add "discovery": {"ports": "1-2000"}. Every key is explained in docs/certification.md.`,
    identity: {
      $comment: `Placeholders: say exactly what was tested; every report and certification bundle copies this.`,
      vendor: PLACEHOLDER,
      product: PLACEHOLDER,
      software_release: PLACEHOLDER,
    } as TargetProfile['identity'],
    task_url: context.taskUrl,
    capabilities: { json: true, rig: false, task_interface_arrangement: false, operator: false },
    fixtures: {
      $comment: `The ports found: ${autocase.length} AutoCase, ${other.length} of other types${absent === undefined ? '; no port id answered 1000, so there is no absent_port' : `; absent_port is the first of ${site.absent.length} ids that answered 1000`}.${unread.length > 0 ? ` Left out, their answers unreadable: ${unread.map((u) => `port ${u.port_id} (${u.reason})`).join('; ')}.` : ''} Remove a port in production use, or list it in discovery.exclude_ports.`,
      ...(absent === undefined ? {} : { absent_port: absent }),
      autocase_ports: autocase,
      other_ports: other,
      bins: 'any',
    } as TargetProfile['fixtures'],
    timeouts: { call_ms: context.timeoutMs },
    ...(site.excluded.length > 0 ? { discovery: { exclude_ports: [...site.excluded] } } : {}),
  };
}

/** Before discovery: the file must not exist (a kept profile holds the user's edits) and its folder must. */
export async function checkProfilePath(file: string): Promise<void> {
  const exists = await stat(file).then(
    (s) => s,
    () => undefined,
  );
  if (exists) {
    throw new WriteProfileError(
      `--write-profile=${file}: ${exists.isDirectory() ? 'is a directory' : 'the file exists'}; the harness never overwrites a profile (it may hold your edits): give a new name, or delete it first`,
    );
  }
  const dir = path.dirname(path.resolve(file));
  try {
    await access(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new WriteProfileError(
      `--write-profile=${file}: ${code === 'ENOENT' ? `the folder ${dir} does not exist` : `the folder ${dir} cannot be written (${code})`}`,
    );
  }
}

/** Validates the profile as a run would load it, then creates the file; never replaces one. */
export async function writeSiteProfile(file: string, profile: SiteProfile): Promise<void> {
  try {
    await checkProfile(file, profile, {});
  } catch (error) {
    if (error instanceof ProfileError)
      throw new Error(`harness bug: the written profile is invalid: ${error.message}`);
    throw error;
  }
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'wx');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new WriteProfileError(
      code === 'EEXIST'
        ? `--write-profile=${file}: the file appeared meanwhile; the harness never overwrites a profile`
        : `--write-profile=${file}: cannot be created (${code})`,
    );
  }
  try {
    await handle.writeFile(`${JSON.stringify(profile, null, 2)}\n`);
  } catch (error) {
    await handle.close();
    await rm(file, { force: true }); // the file is ours (created just now): no half profile stays behind
    throw new WriteProfileError(
      `--write-profile=${file}: could not be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  await handle.close();
}
