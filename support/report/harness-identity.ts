// Which harness made a run: its package's name and version, the git commit it ran from and whether the working
// tree differed from that commit. Read once a process, git in child processes the thread does not wait for: the
// runner asks for it as the run starts, and the reports and the certification bundle find it ready at the end.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface HarnessIdentity {
  readonly name: string;
  readonly version: string;
  /** The commit's hash, or 'unknown' outside a git checkout (an npm pack, a copy) or without git. */
  readonly commit: string;
  /** true when the working tree differs from the commit: the run used code no commit holds; null when unknown. */
  readonly modified: boolean | null;
}

const read = new Map<string, Promise<HarnessIdentity>>();

/** The identity of the harness at `projectRoot`; never rejects (what cannot be read is 'unknown'). */
export function harnessIdentity(projectRoot: string): Promise<HarnessIdentity> {
  let identity = read.get(projectRoot);
  if (identity === undefined) {
    identity = readIdentity(projectRoot);
    read.set(projectRoot, identity);
  }
  return identity;
}

async function readIdentity(projectRoot: string): Promise<HarnessIdentity> {
  let name = 'unknown';
  let version = 'unknown';
  try {
    const pkg = JSON.parse(await readFile(path.join(projectRoot, 'package.json'), 'utf8')) as {
      name?: unknown;
      version?: unknown;
    };
    if (typeof pkg.name === 'string') name = pkg.name;
    if (typeof pkg.version === 'string') version = pkg.version;
  } catch {
    // no package.json to read: unknown
  }
  const git = async (...args: string[]) =>
    (await execFileAsync('git', args, { cwd: projectRoot, encoding: 'utf8', timeout: 5000 })).stdout.trim();
  try {
    const commit = await git('rev-parse', 'HEAD');
    if (!/^[0-9a-f]{40,64}$/.test(commit)) return { name, version, commit: 'unknown', modified: null };
    const modified = (await git('status', '--porcelain', '--untracked-files=no')) !== '';
    return { name, version, commit, modified };
  } catch {
    // not a git checkout, or no git: the commit stays unknown
    return { name, version, commit: 'unknown', modified: null };
  }
}
