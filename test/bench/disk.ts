// How fast the disk the reports go to makes a file, measured right before the suite: a full run makes about 2,250
// (Allure's results and attachments), so on a disk that makes them slowly the suite's figure is the disk's. On
// this project's VM it moved from 25 to 790 µs a file within an hour (docs/bench.md, "Files on this VM's disk").
// The files are left where they are made: deleting them would slow the next files made, which the suite makes.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface DiskFigure {
  /** Files made, each of `bytes` bytes, one after the other. */
  readonly files: number;
  readonly bytes: number;
  /** Wall time a file, µs. */
  readonly usPerFile: number;
}

export const DISK_PROBE_FILES = 500;
const DISK_PROBE_BYTES = 2048;

/** Makes `files` new files in a new folder `dir`, one after the other; the time a file. */
export async function probeFileMaking(dir: string, files = DISK_PROBE_FILES): Promise<DiskFigure> {
  await mkdir(dir, { recursive: true });
  const content = Buffer.alloc(DISK_PROBE_BYTES, 'x');
  const started = performance.now();
  for (let i = 0; i < files; i++) await writeFile(path.join(dir, `probe-${i}.txt`), content);
  const us = ((performance.now() - started) * 1000) / files;
  return { files, bytes: DISK_PROBE_BYTES, usPerFile: Math.round(us) };
}
