// Looking for a secret in everything a run left behind: its console and every file under its reports
// directory, raw and inside any base64 blob (cucumber's messages and HTML carry attachments in base64).

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface Sighting {
  /** `console`, or the file's path relative to the reports directory. */
  readonly where: string;
  /** `raw`, or `base64` when found inside a decoded blob. */
  readonly how: string;
  /** A few characters around it, the secret itself masked. */
  readonly context: string;
}

/** Every file under dir; none when dir does not exist (a run that stopped before writing reports). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    },
  );
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

function around(text: string, at: number, secret: string): string {
  return text
    .slice(Math.max(0, at - 40), at + secret.length + 40)
    .split(secret)
    .join('<SECRET>')
    .replace(/\s+/g, ' ');
}

/** The text of every base64 (or base64url) blob in `text`, decoded, one per line. */
function decodedBlobs(text: string): string {
  const decoded: string[] = [];
  for (const blob of text.matchAll(/[A-Za-z0-9+/_-]{24,}={0,2}/g)) {
    decoded.push(Buffer.from(blob[0], 'base64').toString('latin1')); // Node reads both alphabets
  }
  return decoded.join('\n');
}

/** Every place one of `secrets` appears in `text`, raw or inside a base64 blob. */
function sightingsIn(text: string, secrets: readonly string[], where: string): Sighting[] {
  const found: Sighting[] = [];
  let blobs: string | undefined;
  for (const secret of secrets) {
    const raw = text.indexOf(secret);
    if (raw !== -1) found.push({ where, how: 'raw', context: around(text, raw, secret) });
    blobs ??= decodedBlobs(text);
    const inBlob = blobs.indexOf(secret);
    if (inBlob !== -1) found.push({ where, how: 'base64', context: around(blobs, inBlob, secret) });
  }
  return found;
}

/** Where any of `secrets` appears in a run's console output or under its reports directory. */
export async function findSecrets(
  secrets: readonly string[],
  consoleText: string,
  reportsDir: string,
): Promise<{ sightings: Sighting[]; filesSearched: number; bytesSearched: number }> {
  const sightings: Sighting[] = [];
  let bytesSearched = consoleText.length;
  sightings.push(...sightingsIn(consoleText, secrets, 'console'));
  const files = await filesUnder(reportsDir);
  for (const file of files) {
    const text = (await readFile(file)).toString('latin1');
    bytesSearched += text.length;
    sightings.push(...sightingsIn(text, secrets, path.relative(reportsDir, file)));
  }
  return { sightings, filesSearched: files.length, bytesSearched };
}
