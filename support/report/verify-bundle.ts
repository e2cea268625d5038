// `npm run verify-bundle -- DIR`: is a certification bundle exactly as it was written? MANIFEST.sha256 lists
// the sha256 of every other file; the bundle is accepted only when the manifest, rebuilt from the files as
// they are now, is byte for byte the one in the bundle. So a changed byte in any file, the manifest
// included, a missing file and an added one are all rejected. Exit 0 accepted, 1 rejected, 2 no bundle.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MANIFEST = 'MANIFEST.sha256';

async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await filesUnder(path.join(dir, entry.name), relative)));
    else files.push(relative);
  }
  return files;
}

/** The manifest of `dir` as it is now: `<sha256>  <path>` per file but the manifest, sorted by path (sha256sum -c reads it). */
export async function manifestOf(dir: string): Promise<string> {
  const files = (await filesUnder(dir)).filter((f) => f !== MANIFEST).sort();
  const lines: string[] = [];
  for (const file of files) {
    const digest = createHash('sha256')
      .update(await readFile(path.join(dir, file)))
      .digest('hex');
    lines.push(`${digest}  ${file}\n`);
  }
  return lines.join('');
}

export interface BundleCheck {
  readonly ok: boolean;
  readonly files: number;
  /** One line per difference: changed, missing, not listed, or a manifest that is not as written. */
  readonly problems: readonly string[];
  /** sha256 of MANIFEST.sha256: publish it, and a bundle can be checked against it too. */
  readonly manifestSha256?: string;
}

function parseManifest(text: string): { entries: Map<string, string>; malformed: number[] } {
  const entries = new Map<string, string>();
  const malformed: number[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => {
    const match = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (match) entries.set(match[2] as string, match[1] as string);
    else malformed.push(i + 1);
  });
  return { entries, malformed };
}

export async function verifyBundle(dir: string): Promise<BundleCheck> {
  let written: Buffer;
  try {
    written = await readFile(path.join(dir, MANIFEST));
  } catch {
    return { ok: false, files: 0, problems: [`no ${MANIFEST} in ${dir}: not a certification bundle`] };
  }
  const now = await manifestOf(dir);
  const manifestSha256 = createHash('sha256').update(written).digest('hex');
  if (written.equals(Buffer.from(now))) {
    return { ok: true, files: now.split('\n').length - 1, problems: [], manifestSha256 };
  }
  const listed = parseManifest(written.toString('utf8'));
  const actual = parseManifest(now).entries;
  const problems: string[] = [];
  for (const line of listed.malformed) problems.push(`${MANIFEST} line ${line}: not "<sha256>  <file>"`);
  for (const [file, digest] of listed.entries) {
    const current = actual.get(file);
    if (current === undefined) problems.push(`missing: ${file}`);
    else if (current !== digest) problems.push(`changed: ${file}`);
  }
  for (const file of actual.keys())
    if (!listed.entries.has(file)) problems.push(`not in the manifest: ${file}`);
  if (problems.length === 0) problems.push(`changed: ${MANIFEST} (not as the harness writes it)`);
  return { ok: false, files: actual.size, problems, manifestSha256 };
}

/** The newest bundle under `root` (reports/certification/): stamps sort as times do. */
export async function newestBundle(root: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return undefined;
  }
  const stamps = names.filter((n) => /^\d{8}T\d{6}Z(-\d+)?$/.test(n)).sort(byStamp);
  const newest = stamps[stamps.length - 1];
  return newest === undefined ? undefined : path.join(root, newest);
}

/** 20261127T215113Z-2 after 20261127T215113Z: the suffix counts, as freshDir (certify.ts) numbers them. */
function byStamp(a: string, b: string): number {
  const [stampA = '', nA = '1'] = a.split('-');
  const [stampB = '', nB = '1'] = b.split('-');
  return stampA.localeCompare(stampB) || Number(nA) - Number(nB);
}

const CERTIFICATION_ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'reports',
  'certification',
);

async function main(argv: readonly string[]): Promise<number> {
  if (argv.length > 1 || argv[0]?.startsWith('-')) {
    console.error(
      'usage: npm run verify-bundle [-- DIR]   (a reports/certification/<stamp>/ directory; default the newest)',
    );
    return 2;
  }
  let dir = argv[0];
  if (dir === undefined) {
    dir = await newestBundle(CERTIFICATION_ROOT);
    if (dir === undefined) {
      console.error(
        `verify-bundle: no bundle in ${path.relative(process.cwd(), CERTIFICATION_ROOT)}/: give its DIR`,
      );
      return 2;
    }
    dir = path.relative(process.cwd(), dir) || dir;
    console.log(`verify-bundle: the newest bundle, ${dir}`);
  }
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
  } catch {
    console.error(`verify-bundle: ${dir}: no such directory`);
    return 2;
  }
  const check = await verifyBundle(dir);
  if (check.ok) {
    console.log(`verify-bundle: ${dir}: accepted, ${check.files} files as written`);
    console.log(`${MANIFEST} sha256: ${check.manifestSha256}`);
    return 0;
  }
  console.error(`verify-bundle: ${dir}: REJECTED`);
  for (const problem of check.problems) console.error(`  - ${problem}`);
  return check.problems.some((p) => p.startsWith(`no ${MANIFEST}`)) ? 2 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`verify-bundle: ${(error as Error)?.message ?? String(error)}`);
      process.exitCode = 2;
    },
  );
}
