// Where a run writes its reports (support/report/reports-dir.ts): a run directory of its own, reports/latest,
// the newest kept; an explicit directory held by a lock that a second run cannot take and a dead run's can be.
// And a message stream that cannot be read is one line (support/report/verdicts.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  claimReportsDir,
  KEEP_RUNS,
  LATEST,
  LOCK_FILE,
  latestRunDir,
  pidAlive,
  pointLatest,
  pruneRuns,
  ReportsDirError,
  RUNS,
  runDirName,
  runDirs,
} from '../support/report/reports-dir.ts';
import { MessageStreamError, readVerdictsFile } from '../support/report/verdicts.ts';
import { newestBundle } from '../support/report/verify-bundle.ts';

let scratch = '';
before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'reports-dir-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

let counter = 0;
async function freshRoot(): Promise<string> {
  const root = path.join(scratch, `root-${++counter}`);
  await mkdir(root);
  return root;
}

/** The pid of a process that has ended: nothing alive has it (until the system hands it out again). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

describe('a run directory of its own', () => {
  it('is reports/runs/<UTC stamp>-<pid>, and two runs get two', async () => {
    const root = await freshRoot();
    const a = await claimReportsDir({ root, now: new Date('2026-11-28T01:02:03Z') });
    const b = await claimReportsDir({ root, now: new Date('2026-11-28T01:02:04Z') });
    try {
      assert.equal(a.dir, path.join(root, RUNS, `20261128T010203Z-${process.pid}`));
      assert.notEqual(a.dir, b.dir);
      assert.equal(a.ownRun, true);
      assert.equal(a.certificationRoot, path.join(root, 'certification'));
      assert.ok((await readdir(a.dir)).includes(LOCK_FILE), 'held while the run writes');
    } finally {
      a.release();
      b.release();
    }
  });

  it('is given up with the run: the lock goes, and a directory that holds nothing else goes too', async () => {
    const root = await freshRoot();
    const empty = await claimReportsDir({ root, now: new Date('2026-11-28T01:00:00Z') });
    const written = await claimReportsDir({ root, now: new Date('2026-11-28T01:00:01Z') });
    await writeFile(path.join(written.dir, 'verdicts.json'), '{}');
    empty.release();
    written.release();
    written.release(); // twice is once
    assert.deepEqual(await runDirs(root), [path.basename(written.dir)]);
    assert.deepEqual(await readdir(written.dir), ['verdicts.json']);
  });

  it('becomes reports/latest when its reports are written: a relative link', async () => {
    const root = await freshRoot();
    const run = await claimReportsDir({ root, now: new Date('2026-11-28T02:00:00Z') });
    try {
      assert.equal(await latestRunDir(root), undefined);
      assert.equal(await run.markLatest(), true);
      assert.equal(await latestRunDir(root), run.dir);
      assert.ok((await lstat(path.join(root, LATEST))).isSymbolicLink());
      const next = await claimReportsDir({ root, now: new Date('2026-11-28T02:00:01Z') });
      await next.markLatest();
      assert.equal(await latestRunDir(root), next.dir, 'the newest run to finish');
      next.release();
    } finally {
      run.release();
    }
  });

  it('reports/latest may be a file naming the run (where links cannot be made)', async () => {
    const root = await freshRoot();
    await mkdir(path.join(root, RUNS, '20261128T030000Z-1'), { recursive: true });
    await writeFile(path.join(root, LATEST), `${RUNS}/20261128T030000Z-1\n`);
    assert.equal(await latestRunDir(root), path.join(root, RUNS, '20261128T030000Z-1'));
    await rm(path.join(root, RUNS, '20261128T030000Z-1'), { recursive: true });
    assert.equal(await latestRunDir(root), undefined, 'a latest that names nothing is none');
  });

  it('replaces reports/latest in one step, link or file', async () => {
    const root = await freshRoot();
    const dir = path.join(root, RUNS, '20261128T040000Z-9');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(root, LATEST), 'runs/old\n');
    await pointLatest(root, dir);
    assert.equal(await latestRunDir(root), dir);
    assert.ok(!(await readdir(root)).some((n) => n.endsWith('.tmp')));
  });
});

describe('old runs', () => {
  it(`keeps the newest ${KEEP_RUNS}, a run still writing, and the one reports/latest names`, async () => {
    const root = await freshRoot();
    const names = Array.from({ length: KEEP_RUNS + 5 }, (_, i) =>
      runDirName(new Date(Date.UTC(2026, 10, 28, 5, 0, i)), 100 + i),
    );
    for (const name of names) await mkdir(path.join(root, RUNS, name), { recursive: true });
    await mkdir(path.join(root, RUNS, 'not-a-run'));
    const [oldest, second, third] = names as [string, string, string];
    // the oldest is still being written (this process holds it); latest names the second
    await writeFile(
      path.join(root, RUNS, oldest, LOCK_FILE),
      JSON.stringify({ pid: process.pid, host: hostname(), started: '' }),
    );
    await symlink(`${RUNS}/${second}`, path.join(root, LATEST));
    const deleted = await pruneRuns(root, KEEP_RUNS);
    assert.deepEqual(deleted.sort(), names.slice(2, 5).sort());
    const left = await runDirs(root);
    assert.equal(left.length, KEEP_RUNS + 2);
    assert.ok(left.includes(oldest) && left.includes(second) && !left.includes(third));
    assert.ok(
      (await readdir(path.join(root, RUNS))).includes('not-a-run'),
      'only run directories are pruned',
    );
  });

  it('are pruned when a run starts', async () => {
    const root = await freshRoot();
    for (let i = 0; i < 4; i++)
      await mkdir(path.join(root, RUNS, runDirName(new Date(Date.UTC(2026, 0, 1, 0, 0, i)), 7)), {
        recursive: true,
      });
    const run = await claimReportsDir({ root, keep: 2 });
    try {
      assert.equal((await runDirs(root)).length, 2);
      assert.equal((await runDirs(root))[0], path.basename(run.dir), 'the new run is the newest');
    } finally {
      run.release();
    }
  });
});

describe('an explicit reports directory', () => {
  it('is written as given, and its certification bundles go inside it', async () => {
    const explicit = path.join(scratch, 'explicit-a');
    const run = await claimReportsDir({ root: await freshRoot(), explicit });
    try {
      assert.equal(run.dir, explicit);
      assert.equal(run.ownRun, false);
      assert.equal(run.certificationRoot, path.join(explicit, 'certification'));
      assert.equal(await run.markLatest(), true, 'nothing to point: not a run directory');
    } finally {
      run.release();
    }
    assert.deepEqual(await readdir(explicit), [], 'the lock is gone, the directory stays');
  });

  it('is refused at once, in one line, to a second run while the first holds it', async () => {
    const explicit = path.join(scratch, 'explicit-b');
    const first = await claimReportsDir({ root: await freshRoot(), explicit, label: () => 'explicit-b' });
    try {
      await assert.rejects(
        claimReportsDir({ root: await freshRoot(), explicit, label: () => 'explicit-b' }),
        (error: Error) => {
          assert.ok(error instanceof ReportsDirError);
          assert.match(
            error.message,
            /^reports directory explicit-b\/ is in use by another run \(pid \d+, since /,
          );
          assert.match(error.message, /leave --reports out for a run directory of its own/);
          assert.doesNotMatch(error.message, /\n/);
          return true;
        },
      );
    } finally {
      first.release();
    }
    const again = await claimReportsDir({ root: await freshRoot(), explicit });
    again.release();
  });

  it("takes over the lock of a run that died; not another host's, not one being written", async () => {
    const explicit = path.join(scratch, 'explicit-c');
    await mkdir(explicit);
    const lock = path.join(explicit, LOCK_FILE);
    const dead = deadPid();
    assert.equal(pidAlive(dead), false);
    await writeFile(
      lock,
      JSON.stringify({ pid: dead, host: hostname(), started: '2026-11-28T00:00:00.000Z' }),
    );
    const run = await claimReportsDir({ root: await freshRoot(), explicit });
    assert.equal(JSON.parse(await readFile(lock, 'utf8')).pid, process.pid);
    run.release();

    await writeFile(lock, JSON.stringify({ pid: dead, host: 'another-host', started: '' }));
    await assert.rejects(claimReportsDir({ root: await freshRoot(), explicit }), /on another-host/);

    await writeFile(lock, ''); // a lock a moment old that is no record yet: another run is writing it
    await assert.rejects(
      claimReportsDir({ root: await freshRoot(), explicit }),
      /being taken by another run/,
    );
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old); // no record for a minute: nobody is writing it
    const taken = await claimReportsDir({ root: await freshRoot(), explicit });
    taken.release();
    assert.deepEqual(await readdir(explicit), []);
  });
});

describe('a message stream that cannot be read', () => {
  it('is one line naming the file and the line, never a stack of JSON errors', async () => {
    const file = path.join(scratch, 'messages.ndjson');
    await writeFile(file, '{"testRunStarted":{}}\n{"pickle":{"id":"1"}}{"testCase\n');
    await assert.rejects(readVerdictsFile(file), (error: Error) => {
      assert.ok(error instanceof MessageStreamError);
      assert.match(
        error.message,
        /^the message stream .*messages\.ndjson cannot be read: line 2 is not JSON/,
      );
      assert.match(error.message, /another run writing to the same reports directory/);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
  });

  it('is none when there is no file, and a line when it is not a file', async () => {
    assert.equal(await readVerdictsFile(path.join(scratch, 'none.ndjson')), undefined);
    await assert.rejects(readVerdictsFile(scratch), /cannot be read: EISDIR/);
  });
});

describe('npm run verify-bundle without a DIR', () => {
  it('checks the newest bundle: stamps in time order, a numbered one after its first', async () => {
    const root = path.join(scratch, 'certification');
    assert.equal(await newestBundle(root), undefined);
    for (const name of [
      '20261127T215113Z',
      '20261128T010000Z',
      '20261128T010000Z-2',
      'notes',
      '20261101T000000Z-9',
    ])
      await mkdir(path.join(root, name), { recursive: true });
    assert.equal(await newestBundle(root), path.join(root, '20261128T010000Z-2'));
  });
});
