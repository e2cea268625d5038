// The bench's disk probe: it makes the files it says it made, in a folder of its own, and times them.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { probeFileMaking } from './bench/disk.ts';

test('makes the files it counts, each of the bytes it says, and gives a time a file', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-disk-test-'));
  try {
    const probe = path.join(dir, 'probe');
    const figure = await probeFileMaking(probe, 7);
    assert.equal(figure.files, 7);
    const made = (await readdir(probe)).sort();
    assert.equal(made.length, 7);
    assert.equal((await readFile(path.join(probe, made[0] ?? ''))).length, figure.bytes);
    assert.ok(Number.isInteger(figure.usPerFile) && figure.usPerFile >= 0, String(figure.usPerFile));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
