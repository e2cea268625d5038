// Stage 2, the target: the embedded emulator (started here), or the address the flags or the profile give.
import { randomBytes } from 'node:crypto';
import { type HarnessOptions, resolveRigUrl, resolveTaskUrl, UsageError } from '../options.ts';
import { type LoadedProfile, ProfileError } from '../profile/profile.ts';
import { readRigToken } from '../run-config.ts';

export interface Target {
  readonly taskUrl: string;
  readonly rigUrl?: string;
  readonly rigToken?: string;
  readonly label: string;
  /** The emulator the runner started itself. */
  readonly embedded?: boolean;
  /** Where the embedded emulator's Log Publisher listens. */
  readonly logAddress?: { readonly host: string; readonly port: number };
  close(): Promise<void>;
}

export async function openTarget(
  options: HarnessOptions,
  loaded: LoadedProfile | undefined,
): Promise<Target> {
  const profile = loaded?.profile;
  const where = options.flags.target !== undefined || !profile ? options.target : profile.task_url;
  if (where === 'emulator') {
    if (options.rig)
      throw new UsageError('--rig: the embedded emulator brings its own rig; give --rig with --target');
    // The runner may start the emulator; nothing under support/ or steps/ decides anything with its code.
    const { startEmulator } = await import('../../emulator/index.ts');
    const withRig = profile?.capabilities.rig ?? true;
    const rigToken = withRig ? randomBytes(18).toString('base64url') : undefined;
    // hardwareMs 0: an AutoCase that moved by itself would undo what a scenario arranged.
    const emulator = await startEmulator({
      host: '127.0.0.1',
      port: 0,
      logPort: 0,
      hardwareMs: 0,
      rigToken,
      rig: withRig,
      quiet: true,
    });
    return {
      taskUrl: emulator.taskUrl,
      rigUrl: emulator.rigUrl,
      rigToken,
      label: `the embedded emulator at ${emulator.taskUrl}${withRig ? '' : ' (started without its rig, as the profile declares)'}`,
      embedded: true,
      logAddress: { host: '127.0.0.1', port: emulator.logPort },
      close: () => emulator.close(),
    };
  }
  const taskUrl = resolveTaskUrl(where);
  const rig = options.rig ?? (profile?.capabilities.rig ? profile.rig?.url : undefined);
  if (profile?.capabilities.rig && rig === undefined) {
    throw new ProfileError(loaded?.file ?? '', [
      'rig.url: missing, and capabilities.rig is true (give the rig URL here or with --rig)',
    ]);
  }
  return {
    taskUrl,
    rigUrl: rig === undefined ? undefined : resolveRigUrl(rig),
    rigToken: loaded?.rigToken ?? readRigToken(),
    label: taskUrl,
    close: async () => {},
  };
}

/** `target: URL, rig URL` or `target: URL, no rig`. */
export function describeTarget(target: Target): string {
  return `target: ${target.label}${target.rigUrl ? `, rig ${target.rigUrl}` : ', no rig'}`;
}
