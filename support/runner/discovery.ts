// Stage 4, discovery: with no rig, the site as found, before the first scenario (docs/certification.md).
import { appendFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_MAX_RESPONSE_BYTES, type HarnessOptions } from '../options.ts';
import {
  checkProfilePath,
  profileFromSite,
  WriteProfileError,
  writeSiteProfile,
} from '../profile/from-site.ts';
import type { LoadedProfile } from '../profile/profile.ts';
import { progressLine } from '../report/progress-line.ts';
import { describeSite, discoverSite, rangeSource } from '../site/discover.ts';
import { DEFAULT_PORTS, parsePortList } from '../site/port-list.ts';
import type { SiteMap, SiteSource } from '../site/site-map.ts';
import { npmTestCommand } from './command.ts';
import { RunError } from './run-error.ts';
import type { Target } from './target.ts';

export interface DiscoveryInput {
  readonly options: HarnessOptions;
  readonly loaded?: LoadedProfile;
  readonly target: Target;
  readonly timeoutMs: number;
  readonly reportsDir: string;
  /** Every discovery call is appended here, as the capability check's are. */
  readonly exchangesFile: string;
}

/** Which ports discovery reads: --ports, else the profile's discovery.ports, else the ports its fixtures list, else 1-2000. */
function discoveryScope(options: HarnessOptions, loaded: LoadedProfile | undefined): SiteSource {
  if (options.ports) return rangeSource(options.ports);
  const profile = loaded?.profile;
  if (profile?.discovery?.ports !== undefined) return rangeSource(parsePortList(profile.discovery.ports));
  if (profile) {
    const { fixtures } = profile;
    const ports = [
      ...fixtures.autocase_ports,
      ...(fixtures.other_ports ?? []).map((p) => p.port_id),
      ...(fixtures.absent_port === undefined ? [] : [fixtures.absent_port]),
    ];
    return { kind: 'profile', ports: [...new Set(ports)].sort((a, b) => a - b) };
  }
  return rangeSource(parsePortList(DEFAULT_PORTS));
}

/**
 * With no rig, reads the site (only getportstatus and case_getstate), says in one line what was found and what
 * the run may change, keeps the map as site.json, and with --write-profile writes it as a profile. With a rig:
 * nothing (the rig arranges every scenario), and no site.json of an earlier run is left to mislead.
 */
export async function discoverStage(input: DiscoveryInput): Promise<SiteMap | undefined> {
  const { options, loaded, target, reportsDir } = input;
  const siteFile = path.join(reportsDir, 'site.json');
  if (target.rigUrl) {
    if (options.writeProfile)
      throw new RunError(
        `--write-profile writes what the harness reads of a target without a rig; ${target.label} has the rig ${target.rigUrl}`,
      );
    if (options.ports) console.warn('harness: --ports: the target has a rig, so the site is not read');
    await rm(siteFile, { force: true });
    return undefined;
  }
  try {
    if (options.writeProfile) await checkProfilePath(options.writeProfile);
    const exchanges: string[] = [];
    const live = progressLine();
    const site = await discoverSite(
      {
        taskUrl: target.taskUrl,
        timeoutMs: input.timeoutMs,
        maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
      },
      discoveryScope(options, loaded),
      {
        excluded: loaded?.profile.discovery?.exclude_ports ?? [],
        onProgress: (read, total) => live?.show(`reading the site: ${read}/${total} ports`, read === total),
        record: (exchange) => exchanges.push(`${JSON.stringify({ scenario: 'discovery', exchange })}\n`),
      },
    );
    live?.clear();
    await appendFile(input.exchangesFile, exchanges.join(''));
    await writeFile(siteFile, `${JSON.stringify(site, null, 2)}\n`);
    console.log(describeSite(site, loaded?.profile.capabilities.task_interface_arrangement === true));
    if (options.writeProfile) {
      const file = options.writeProfile;
      const command = npmTestCommand(options.ownArgs);
      const taskUrl = target.embedded ? 'emulator' : target.taskUrl;
      await writeSiteProfile(
        file,
        profileFromSite(site, { taskUrl, timeoutMs: input.timeoutMs, command, file }),
      );
      console.log(
        `profile: what was found is written to ${file}; replace its identity placeholders, keep it, and run with --target-profile=${file}`,
      );
    }
    return site;
  } catch (error) {
    if (error instanceof WriteProfileError) throw new RunError(error.message);
    throw error;
  }
}
