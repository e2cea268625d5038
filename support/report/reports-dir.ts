// Where a run writes its reports, so that two runs in one checkout never write the same files.
//
// Without --reports each run gets a directory of its own, reports/runs/<UTC stamp>-<pid>/, and when its reports
// are written reports/latest points at it (a symbolic link; where links cannot be made, a small file holding the
// run directory's path, relative to reports/). The newest KEEP_RUNS run directories are kept; older ones are
// deleted when a run starts, except one a live run still holds. Certification bundles stay out of the run
// directories (reports/certification/<stamp>/): they are evidence, never pruned.
//
// With --reports=DIR the run writes to DIR as it always did, and holds DIR with a lock file (its pid) for as long
// as it runs: a second run into the same DIR refuses at once with one line. A lock whose pid is dead (a run that
// was killed) is taken over.
import { readFileSync, rmdirSync, unlinkSync } from 'node:fs';
import {
  link,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { utcStamp } from './certify.ts';

/** Run directories under the reports root. */
export const RUNS = 'runs';
/** The newest run's reports: a link (or a file naming it) beside runs/. */
export const LATEST = 'latest';
/** How many run directories are kept. */
export const KEEP_RUNS = 20;
/** Held by the run writing a directory. */
export const LOCK_FILE = '.harness-run.lock';

const RUN_NAME = /^\d{8}T\d{6}Z-\d+$/;

/** The reports directory cannot be had: one line, the run could not be made (exit 2). */
export class ReportsDirError extends Error {}

interface LockRecord {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
}

export interface ReportsDir {
  /** Where this run writes its reports. */
  readonly dir: string;
  /** True for a run directory of its own (no --reports). */
  readonly ownRun: boolean;
  /** Where certification bundles go: reports/certification for own runs, DIR/certification with --reports. */
  readonly certificationRoot: string;
  /** Points reports/latest at this run (own runs; nothing with --reports). Never fails the run: false when it could not. */
  markLatest(): Promise<boolean>;
  /** Gives the lock up; an own run directory holding nothing else is removed. Idempotent. */
  release(): void;
}

export function runDirName(now: Date, pid: number): string {
  return `${utcStamp(now)}-${pid}`;
}

/** Is a process with this pid alive on this machine? EPERM: alive, someone else's. */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseLock(text: string): LockRecord | undefined {
  try {
    const record = JSON.parse(text) as Partial<LockRecord>;
    if (typeof record.pid !== 'number') return undefined;
    return { pid: record.pid, host: String(record.host ?? ''), started: String(record.started ?? '') };
  } catch {
    return undefined;
  }
}

/** Held by a live run? A lock of another host cannot be checked, and counts as held. */
function held(record: LockRecord | undefined): boolean {
  if (record === undefined) return false;
  if (record.host !== '' && record.host !== hostname()) return true;
  return pidAlive(record.pid);
}

async function readLock(file: string): Promise<{ text: string; record?: LockRecord } | undefined> {
  try {
    const text = await readFile(file, 'utf8');
    return { text, record: parseLock(text) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** A lock that is no lock record yet, this young, may be one being written (where links cannot be made). */
const HALF_WRITTEN_MS = 10_000;

async function youngerThan(file: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await lstat(file)).mtimeMs < ms;
  } catch {
    return false;
  }
}

/**
 * Creates the lock file whole, or returns false when one exists: written under a name of its own, then linked
 * to the lock's name (which fails when it exists), so no other run ever reads it half-written. Where hard links
 * cannot be made, an exclusive create.
 */
async function createLock(file: string, content: string, pid: number): Promise<boolean> {
  const temporary = `${file}.${pid}.tmp`;
  await writeFile(temporary, content);
  try {
    await link(temporary, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    try {
      await writeFile(file, content, { flag: 'wx' });
      return true;
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw again;
    }
  } finally {
    await unlink(temporary).catch(() => {});
  }
}

/** How many times a lock is tried before the run gives up (each try is a few file operations). */
const LOCK_ATTEMPTS = 5;

/**
 * Takes the lock of `dir` for this process, or throws ReportsDirError when a live run holds it. A stale lock
 * (dead pid, or not a lock at all) is moved aside and checked to be the one read: if another run took it over
 * meanwhile, that run's lock is put back and this run refuses.
 */
export async function acquireLock(dir: string, describe: string, pid = process.pid): Promise<string> {
  const file = path.join(dir, LOCK_FILE);
  const mine: LockRecord = { pid, host: hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
    if (await createLock(file, `${JSON.stringify(mine)}\n`, pid)) return file;
    const found = await readLock(file);
    if (found === undefined) continue; // released meanwhile: try again
    if (found.record === undefined && (await youngerThan(file, HALF_WRITTEN_MS))) {
      throw new ReportsDirError(`${describe} is being taken by another run at this moment: try again`);
    }
    if (held(found.record)) {
      const who = found.record as LockRecord;
      throw new ReportsDirError(
        `${describe} is in use by another run (pid ${who.pid}${who.host !== hostname() ? ` on ${who.host}` : ''}, since ${who.started}): ` +
          `give another --reports=DIR, or leave --reports out for a run directory of its own ` +
          `(if no run is using it, delete ${path.join(dir, LOCK_FILE)})`,
      );
    }
    const aside = `${file}.stale-${pid}`;
    try {
      await rename(file, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // another run moved it first
      throw error;
    }
    const moved = await readFile(aside, 'utf8').catch(() => '');
    if (moved !== found.text) {
      // Not the stale lock read a moment ago: a live run's, taken between the read and the rename. Back it goes.
      await rename(aside, file).catch(() => {});
      continue;
    }
    await unlink(aside).catch(() => {});
  }
  throw new ReportsDirError(`${describe}: its lock could not be taken (${LOCK_ATTEMPTS} tries)`);
}

function releaseSync(lockFile: string, dir: string | undefined): void {
  try {
    const record = parseLock(readFileSync(lockFile, 'utf8'));
    if (record?.pid === process.pid) unlinkSync(lockFile);
  } catch {
    // gone already
  }
  if (dir === undefined) return;
  try {
    rmdirSync(dir); // only when empty: a run that wrote nothing leaves nothing
  } catch {
    // it holds reports, or is gone
  }
}

/** The run directories under `root`/runs, newest first. */
export async function runDirs(root: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(path.join(root, RUNS));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .filter((n) => RUN_NAME.test(n))
    .sort()
    .reverse();
}

/**
 * Deletes the run directories past the newest `keep`, except those a live run holds and the one reports/latest
 * names. Returns the names deleted.
 */
export async function pruneRuns(root: string, keep: number): Promise<string[]> {
  const deleted: string[] = [];
  const latest = await latestRunDir(root);
  for (const name of (await runDirs(root)).slice(keep)) {
    const dir = path.join(root, RUNS, name);
    if (dir === latest) continue; // what reports/latest names stays, however many runs came after it
    const lock = await readLock(path.join(dir, LOCK_FILE)).catch(() => undefined);
    if (held(lock?.record)) continue;
    await rm(dir, { recursive: true, force: true });
    deleted.push(name);
  }
  return deleted;
}

/** Points `root`/latest at `runDir` (under root): a relative link, else a file holding that relative path. */
export async function pointLatest(root: string, runDir: string): Promise<void> {
  const target = path.relative(root, runDir);
  const latest = path.join(root, LATEST);
  const temporary = `${latest}.${process.pid}.tmp`;
  await rm(temporary, { force: true });
  try {
    await symlink(target, temporary, 'dir');
  } catch {
    await writeFile(temporary, `${target}\n`);
  }
  try {
    await rename(temporary, latest); // atomic: a reader sees the old run or the new one
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** The run reports/latest names, or undefined when there is none (or it names no directory). */
export async function latestRunDir(root: string): Promise<string | undefined> {
  const latest = path.join(root, LATEST);
  let target: string;
  try {
    const stat = await lstat(latest);
    if (stat.isSymbolicLink()) target = await readlink(latest);
    else if (stat.isFile()) target = (await readFile(latest, 'utf8')).trim();
    else return undefined;
  } catch {
    return undefined;
  }
  const dir = path.resolve(root, target);
  try {
    return (await lstat(dir)).isDirectory() ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The reports a tool reads when it is not told a directory: reports/latest, else reports/ itself when it holds
 * a run's reports (an explicit --reports=reports, or a checkout from before run directories).
 */
export async function defaultReportsDir(root: string, holds: string): Promise<string | undefined> {
  const latest = await latestRunDir(root);
  if (latest !== undefined) return latest;
  try {
    await lstat(path.join(root, holds));
    return root;
  } catch {
    return undefined;
  }
}

export interface ClaimOptions {
  /** reports/ of the project. */
  readonly root: string;
  /** --reports=DIR, resolved; undefined for a run directory of its own. */
  readonly explicit?: string;
  /** How the directory is named in messages (relative to the working directory). */
  readonly label?: (dir: string) => string;
  readonly now?: Date;
  readonly keep?: number;
}

/** The directory this run writes, held for it until release() (or the process's exit). */
export async function claimReportsDir(options: ClaimOptions): Promise<ReportsDir> {
  const label = options.label ?? ((dir: string) => dir);
  const ownRun = options.explicit === undefined;
  let dir: string;
  if (options.explicit !== undefined) {
    dir = options.explicit;
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw new ReportsDirError(
        `reports directory ${label(dir)}/ cannot be made: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
  } else {
    const runs = path.join(options.root, RUNS);
    dir = path.join(runs, runDirName(options.now ?? new Date(), process.pid));
    try {
      await mkdir(runs, { recursive: true });
      await mkdir(dir); // not recursive: a directory that exists already is another run's
    } catch (error) {
      throw new ReportsDirError(
        `run directory ${label(dir)}/ cannot be made: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
  }
  const lockFile = await acquireLock(dir, `reports directory ${label(dir)}/`);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    releaseSync(lockFile, ownRun ? dir : undefined);
  };
  // However the runner ends (an error, an exit), the lock goes with it; a killed run leaves a stale one.
  process.on('exit', release);
  if (ownRun) await pruneRuns(options.root, options.keep ?? KEEP_RUNS);
  return {
    dir,
    ownRun,
    certificationRoot: ownRun ? path.join(options.root, 'certification') : path.join(dir, 'certification'),
    markLatest: async () => {
      if (!ownRun) return true;
      try {
        await pointLatest(options.root, dir);
        return true;
      } catch {
        return false;
      }
    },
    release,
  };
}
