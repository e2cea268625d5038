// The harness reads the Log Publisher, through the real command, against the emulator without its rig: a fault
// that publishes is caught on the stream alone, the faithful emulator passes, and a success's line that cannot
// be caused as found is INCONCLUSIVE with what was verified. With the embedded emulator (rig and stream), both
// witnesses are read.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/index.ts';
import { runHarness } from '../helpers/run-script.ts';

interface Verdicts {
  scenarios: { scenario: string; name: string; verdict: string; reason?: string }[];
}

const TAGS = '(@req:CC-1149-OTHER or @req:CC-EFFECT-LOG) and not @fuzz';

describe('the Log Publisher, judged by the harness', () => {
  let dir: string;
  const emulators: RunningEmulator[] = [];
  const start = async (deviate: string[]) => {
    const emulator = await startEmulator({
      port: 0,
      logPort: 0,
      rig: false,
      quiet: true,
      site: 'emulator/sites/as-found.json',
      deviate,
    });
    emulators.push(emulator);
    return emulator;
  };
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'log-harness-'));
  });
  after(async () => {
    for (const emulator of emulators) await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('passes the faithful emulator as found, reading the stream, and says what a success would need', async () => {
    const emulator = await start([]);
    const reports = path.join(dir, 'faithful');
    const run = await runHarness([
      `--target=${emulator.taskUrl}`,
      `--log-publisher=127.0.0.1:${emulator.logPort}`,
      `--reports=${reports}`,
      '--tags',
      TAGS,
    ]);
    assert.equal(run.code, 0, run.output);
    assert.match(run.stdout, /^log publisher: tcp:\/\/127\.0\.0\.1:\d+ \(--log-publisher\) answers/m);
    const verdicts = JSON.parse(await readFile(path.join(reports, 'verdicts.json'), 'utf8')) as Verdicts;
    const faults = verdicts.scenarios.filter((s) => s.name.startsWith('A bin that is not'));
    assert.equal(faults.length, 2);
    for (const s of faults) assert.equal(s.verdict, 'PASSED', JSON.stringify(s));
    const effects = verdicts.scenarios.filter((s) => s.name.startsWith('The Log Publisher reports'));
    assert.equal(effects.length, 2);
    for (const s of effects) {
      assert.equal(s.verdict, 'INCONCLUSIVE');
      assert.match(s.reason ?? '', /error flag/);
    }
    const messages = await readFile(path.join(reports, 'messages.ndjson'), 'utf8');
    assert.match(messages, /the Log Publisher showed nothing for port \d+ within 200 ms of the answer/);
  });

  it('catches, on the stream alone, a fault that publishes a line', async () => {
    const emulator = await start(['fault-publishes-cr']);
    const reports = path.join(dir, 'deviating');
    const run = await runHarness([
      `--target=${emulator.taskUrl}`,
      `--log-publisher=127.0.0.1:${emulator.logPort}`,
      `--reports=${reports}`,
      '--tags',
      TAGS,
    ]);
    assert.equal(run.code, 1, run.output);
    assert.match(
      run.stdout,
      /the controller published for port \d+ on the Log Publisher after the call: \+[\d.]+ ms AC,\d+,101338,CR; a fault publishes nothing/,
    );
  });

  it('without the stream, the same deviation is not seen: the stream is the witness', async () => {
    const emulator = await start(['fault-publishes-cr']);
    const run = await runHarness([
      `--target=${emulator.taskUrl}`,
      `--reports=${path.join(dir, 'no-stream')}`,
      '--tags',
      TAGS,
    ]);
    assert.equal(run.code, 0, run.output);
    assert.match(run.stdout, /^log publisher: not looked for \(the target is not on port 44000/m);
  });

  it('exits 2 with one line when a Log Publisher given does not answer', async () => {
    const emulator = await start([]);
    const closed = emulator.logPort;
    await emulator.close();
    const other = await start([]);
    const run = await runHarness([
      `--target=${other.taskUrl}`,
      `--log-publisher=127.0.0.1:${closed}`,
      `--reports=${path.join(dir, 'refused')}`,
      '--tags',
      '@error:1000',
    ]);
    assert.equal(run.code, 2, run.output);
    assert.match(run.stderr, /^harness: the Log Publisher --log-publisher names does not answer: /m);
  });
});
