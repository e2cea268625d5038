// The as-found proof (issue 12, docs/spec/as-found.md): the whole suite, through the real command, against the
// emulator with no rig on a site of every kind (emulator/sites/as-found.json), with no profile. From the
// emulator's own record of calls: only reads (getportstatus, case_getstate) and probes (a case_cancel answered
// with a fault; input that is not a call, refused) were sent, no call changed the site, and every port stands
// after the run exactly as before, error flag included. And the run judges: 0 FAILED, at least 65% PASSED,
// every INCONCLUSIVE with its reason.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  describeRecorded,
  type PortState,
  type RecordedCall,
  type RunningEmulator,
  startEmulator,
} from '../../emulator/index.ts';
import { AS_FOUND_SITE_FILE } from '../../emulator/site.ts';
import { runHarness, type ScriptRun } from '../helpers/run-script.ts';

const READS: ReadonlySet<string> = new Set(['getportstatus', 'case_getstate']);
/** The whole suite, discovery of ports 1-2000 included: minutes at worst on a loaded machine. */
const RUN_TIMEOUT_MS = 600_000;

interface Verdicts {
  readonly counts: Readonly<Record<string, number>>;
  readonly scenarios: readonly { scenario: string; name: string; verdict: string; reason?: string }[];
}

let emulator: RunningEmulator;
let reports = '';
const recorded: RecordedCall[] = [];
let before_: ReadonlyMap<number, PortState>;
let after_: ReadonlyMap<number, PortState>;
let run: ScriptRun;
let verdicts: Verdicts;

before(async () => {
  reports = await mkdtemp(path.join(tmpdir(), 'as-found-no-change-'));
  emulator = await startEmulator({
    port: 0,
    rig: false,
    site: fileURLToPath(AS_FOUND_SITE_FILE),
    record: (call) => recorded.push(call),
  });
  before_ = emulator.snapshot();
  run = await runHarness([`--target=${emulator.taskUrl}`, `--reports=${reports}`], {
    timeoutMs: RUN_TIMEOUT_MS,
  });
  after_ = emulator.snapshot();
  verdicts = JSON.parse(await readFile(path.join(reports, 'verdicts.json'), 'utf8')) as Verdicts;
});

after(async () => {
  await emulator?.close();
  await rm(reports, { recursive: true, force: true });
});

/** A few offending entries, one a line, and how many there are in all. */
function listed(calls: readonly RecordedCall[]): string {
  const shown = calls.slice(0, 20).map((call) => `  ${describeRecorded(call)}`);
  return `${calls.length} calls:\n${shown.join('\n')}${calls.length > 20 ? `\n  and ${calls.length - 20} more` : ''}`;
}

describe('the whole suite on a site as found, with no rig and no profile', () => {
  it('ran to its end and sent something', () => {
    assert.ok(verdicts.counts.total !== undefined && verdicts.counts.total > 0, run.output.slice(-3000));
    assert.ok(recorded.length > 0, 'the emulator recorded no call');
  });

  it('no call changed the site', () => {
    const changed = recorded.filter((call) => call.changed);
    assert.deepEqual(changed, [], `calls that changed the site: ${listed(changed)}`);
  });

  it('sent only reads, case_cancel probes answered with a fault, and input that is not a call, refused', () => {
    const other = recorded.filter((call) => {
      const { input, answer } = call;
      if (input.kind === 'rig') return true;
      if (input.kind === 'not-a-call')
        return answer.kind !== 'http' || call.status < 400 || call.status >= 500;
      if (READS.has(input.method)) return false;
      return input.method !== 'case_cancel' || answer.kind !== 'fault';
    });
    assert.deepEqual(other, [], `calls that are neither a read nor a probe: ${listed(other)}`);
  });

  it('every port stands after the run as before, the error flag included', () => {
    const ids = [...new Set([...before_.keys(), ...after_.keys()])].sort((a, b) => a - b);
    const moved = ids
      .filter((id) => JSON.stringify(before_.get(id)) !== JSON.stringify(after_.get(id)))
      .map((id) => `port ${id}: ${JSON.stringify(before_.get(id))} -> ${JSON.stringify(after_.get(id))}`);
    assert.deepEqual(moved, []);
    assert.equal(after_.size, before_.size);
    assert.deepEqual(emulator.events(), [], 'no Log Publisher line');
  });

  it('judges: 0 FAILED, at least 65% PASSED, every INCONCLUSIVE with its reason', () => {
    const { counts } = verdicts;
    const total = counts.total ?? 0;
    const failed = verdicts.scenarios.filter((s) => s.verdict === 'FAILED');
    assert.equal(
      counts.FAILED,
      0,
      `FAILED: ${failed
        .slice(0, 10)
        .map((s) => `${s.scenario} ${s.name}: ${s.reason}`)
        .join('\n')}`,
    );
    const passed = counts.PASSED ?? 0;
    assert.ok(
      passed >= 0.65 * total,
      `${passed} of ${total} PASSED (${((100 * passed) / total).toFixed(1)}%)`,
    );
    const unexplained = verdicts.scenarios.filter(
      (s) => s.verdict === 'INCONCLUSIVE' && (s.reason === undefined || s.reason.trim() === ''),
    );
    assert.deepEqual(
      unexplained.map((s) => `${s.scenario} ${s.name}`),
      [],
    );
    console.log(
      `as-found run: ${total} scenarios, ${passed} PASSED (${((100 * passed) / total).toFixed(1)}%), ` +
        `${counts.FAILED} FAILED, ${counts.INCONCLUSIVE} INCONCLUSIVE, ${counts['NOT APPLICABLE']} NOT APPLICABLE; ` +
        `${recorded.length} requests recorded, none changed the site`,
    );
  });
});
