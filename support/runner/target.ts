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
  /**
   * With --parallel on the embedded emulator: an emulator a cucumber worker, the first of them this target's own
   * (what the pre-flight checks). Each has its own ports, rig and Log Publisher; all take the one rig token.
   */
  readonly workers?: readonly EmbeddedWorker[];
  close(): Promise<void>;
}

/** One worker's embedded emulator. */
export interface EmbeddedWorker {
  readonly taskUrl: string;
  readonly rigUrl?: string;
  readonly logAddress: { readonly host: string; readonly port: number };
}

/** Where the run aims: "emulator" (the embedded one), or the address --target or else the profile gives. */
export function targetAddress(options: HarnessOptions, loaded: LoadedProfile | undefined): string {
  const profile = loaded?.profile;
  return options.flags.target !== undefined || !profile ? options.target : profile.task_url;
}

/**
 * The run's target: with `emulators` above 1 (the cucumber workers of a --parallel run on the embedded emulator),
 * as many embedded emulators, one a worker.
 */
export async function openTarget(
  options: HarnessOptions,
  loaded: LoadedProfile | undefined,
  emulators = 1,
): Promise<Target> {
  const profile = loaded?.profile;
  const where = targetAddress(options, loaded);
  if (where === 'emulator') {
    if (options.rig)
      throw new UsageError('--rig: the embedded emulator brings its own rig; give --rig with --target');
    // The runner may start the emulator; nothing under support/ or steps/ decides anything with its code.
    const { startEmulator } = await import('../../emulator/index.ts');
    const withRig = profile?.capabilities.rig ?? true;
    const rigToken = withRig ? randomBytes(18).toString('base64url') : undefined;
    // hardwareMs 0: an AutoCase that moved by itself would undo what a scenario arranged.
    const start = () =>
      startEmulator({
        host: '127.0.0.1',
        port: 0,
        logPort: 0,
        hardwareMs: 0,
        rigToken,
        rig: withRig,
        quiet: true,
      });
    const settled = await Promise.allSettled(Array.from({ length: Math.max(1, emulators) }, start));
    const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const close = async () => {
      await Promise.all(started.map((e) => e.close()));
    };
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) {
      await close();
      throw failed.reason;
    }
    const [emulator] = started as [(typeof started)[number], ...typeof started];
    const workers =
      emulators > 1
        ? started.map((e) => ({
            taskUrl: e.taskUrl,
            rigUrl: e.rigUrl,
            logAddress: { host: '127.0.0.1', port: e.logPort },
          }))
        : undefined;
    const each = workers
      ? ` and ${workers.length - 1} more, one a cucumber worker (--parallel ${workers.length})`
      : '';
    return {
      taskUrl: emulator.taskUrl,
      rigUrl: emulator.rigUrl,
      rigToken,
      label: `the embedded emulator at ${emulator.taskUrl}${each}${withRig ? '' : ' (started without its rig, as the profile declares)'}`,
      embedded: true,
      logAddress: { host: '127.0.0.1', port: emulator.logPort },
      workers,
      close,
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
