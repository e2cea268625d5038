// The Log Publisher's acceptance, through the real command, against the emulator with its rig off and a scripted
// operator standing in for the person at the rig (test/helpers/operator-stand-in.mjs, which has the in-process
// emulator put the AutoCase into the state asked for). The Task Interface opens the port and the bin and starts the
// extraction; the operator sets the error flag (and moves the case); the success scenarios are then judged from the
// stream alone: they pass against the faithful emulator and fail against the deviations that publish a wrong line or
// none. An operator who confirms a move and did nothing is caught on the stream: INCONCLUSIVE, never PASSED.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/index.ts';
import { type OperatorEndpoint, serveOperator } from '../helpers/operator-endpoint.ts';
import { runHarness } from '../helpers/run-script.ts';
import { logsOf } from '../helpers/scenario-logs.ts';

interface Verdicts {
  counts: Record<string, number>;
  scenarios: { scenario: string; name: string; verdict: string; reason?: string; requirements: string[] }[];
}

const SITE = 'profiles/emulator-no-rig.site.json';
const STAND_IN = 'test/helpers/operator-stand-in.mjs';
const LOG_LINE = 'AC,4,101337,NOOP';
/** timeouts.log_ms where no line is to come: every scenario waits it out (the faithful run keeps the default). */
const SHORT_LOG_MS = 400;

/** The stateful fuzz sequences carry every requirement and need a rig: INCONCLUSIVE. The other scenarios. */
function expectFuzzNeedsRig(verdicts: Verdicts): Verdicts['scenarios'] {
  const fuzz = verdicts.scenarios.filter((s) => s.scenario.startsWith('features/fuzz.feature'));
  assert.equal(fuzz.length, 2);
  for (const s of fuzz)
    assert.deepEqual(
      [s.verdict, s.reason],
      ['INCONCLUSIVE', 'the stateful sequences arrange ports: a rig (--rig=URL)'],
    );
  return verdicts.scenarios.filter((s) => !fuzz.includes(s));
}

describe('the Log Publisher judged with a scripted operator, no rig', () => {
  let dir: string;
  let profile: string;
  /** The same, with a short wait for a line: for the runs where the line never comes (each waits it out). */
  let shortWaitProfile: string;
  let endpoint: OperatorEndpoint;
  let current: RunningEmulator | undefined;
  const emulators: RunningEmulator[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'log-operator-'));
    // The shipped no-rig profile (fixtures matching its site), with an operator declared.
    const base = JSON.parse(await readFile('profiles/emulator-no-rig.json', 'utf8'));
    base.capabilities.operator = true;
    base.timeouts = { ...base.timeouts, operator_s: 60 };
    profile = path.join(dir, 'operator.json');
    await writeFile(profile, JSON.stringify(base));
    shortWaitProfile = path.join(dir, 'operator-short-wait.json');
    await writeFile(
      shortWaitProfile,
      JSON.stringify({ ...base, timeouts: { ...base.timeouts, log_ms: SHORT_LOG_MS } }),
    );
    endpoint = await serveOperator(() => {
      if (!current) throw new Error('no emulator is running');
      return current;
    });
  });
  after(async () => {
    await endpoint.close();
    for (const emulator of emulators) await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** One run of the harness against a fresh emulator without its rig; the verdicts, the evidence, the output. */
  async function run(
    name: string,
    options: { deviate?: string[]; idle?: boolean; command?: string; tags: string; shortWait?: boolean },
  ) {
    const emulator = await startEmulator({
      port: 0,
      logPort: 0,
      rig: false,
      quiet: true,
      site: SITE,
      deviate: options.deviate ?? [],
    });
    emulators.push(emulator);
    current = emulator;
    const asked = endpoint.requests.length;
    const reports = path.join(dir, name);
    const command =
      options.command ??
      `${JSON.stringify(process.execPath)} ${STAND_IN} ${endpoint.url}${options.idle ? ' --idle' : ''}`;
    const result = await runHarness([
      `--target=${emulator.taskUrl}`,
      `--target-profile=${options.shortWait ? shortWaitProfile : profile}`,
      `--operator-command=${command}`,
      `--log-publisher=127.0.0.1:${emulator.logPort}`,
      `--reports=${reports}`,
      '--tags',
      options.tags,
    ]);
    assert.equal(emulator.rigUrl, undefined);
    assert.match(
      result.stdout,
      /^log publisher: tcp:\/\/127\.0\.0\.1:\d+ \(--log-publisher\) answers; what a call publishes is judged on its stream$/m,
    );
    const verdicts = JSON.parse(await readFile(path.join(reports, 'verdicts.json'), 'utf8')) as Verdicts;
    const logs = await logsOf(path.join(reports, 'messages.ndjson'));
    return { ...result, verdicts, logs, requests: endpoint.requests.slice(asked) };
  }

  it('passes the faithful emulator: the operator sets the error, the NOOP line is judged from the stream', async () => {
    const { code, output, verdicts, logs, requests } = await run('faithful', {
      tags: '(@req:CC-EFFECT-LOG or @req:CC-SUCCESS) and not @fuzz',
    });
    assert.equal(code, 0, output);
    // The 12 successes (each case state in error, XML and JSON) and the 4 Log Publisher scenarios.
    assert.deepEqual(verdicts.counts, {
      PASSED: 16,
      FAILED: 0,
      'NOT APPLICABLE': 0,
      INCONCLUSIVE: 0,
      total: 16,
      expected: 0,
    });
    const effects = verdicts.scenarios.filter((s) => s.requirements.includes('CC-EFFECT-LOG'));
    assert.deepEqual(
      effects.map((s) => [s.name, s.verdict]),
      [
        ['The Log Publisher reports the AutoCase back to NOOP (XML)', 'PASSED'],
        ['The Log Publisher reports the AutoCase back to NOOP (JSON)', 'PASSED'],
        [
          'The Log Publisher line names the port and the bin by their values, however the call wrote them ("+4", "000101337", XML)',
          'PASSED',
        ],
        [
          "The Log Publisher line names the port and the bin by their values, however the call wrote them ('4.0', '101337.0', JSON)",
          'PASSED',
        ],
      ],
    );
    for (const s of effects) {
      const evidence = (logs.get(s.name) ?? []).join('\n');
      // Judged from the stream: no rig, so no GET /events; the line, with its time after the mark.
      assert.match(
        evidence,
        new RegExp(`the Log Publisher showed ${LOG_LINE} [\\d.]+ ms after the mark`),
        evidence,
      );
      assert.match(
        evidence,
        /asked the operator command \(--operator-command\): put the AutoCase on port 4 into an error during the extraction of bin 101337 \(wanted: AC, OPEN, bin 101337 selected, case EREQ in error\) -> confirm/,
      );
      assert.match(evidence, /case_extract 101337/);
    }
    // The positive check of the operator: a move to ERSO in error shows on the stream before it is taken as done.
    const erso = verdicts.scenarios.find((s) => s.name === 'An operation in error is cancelled (ERSO, XML)');
    assert.equal(erso?.verdict, 'PASSED');
    assert.match(
      (logs.get(erso?.name ?? '') ?? []).join('\n'),
      /the operator confirmed it, and the Log Publisher showed it \(AC,4,101337,ERSO at \+\d+ ms\)/,
    );
    // One request per scenario, the same in JSON and in the variables.
    assert.equal(requests.length, 16);
    for (const { request, env, act } of requests) {
      assert.equal(act, true);
      assert.equal(request.protocol, 1);
      assert.equal(env.HARNESS_OPERATOR_PORT, String(request.port));
      assert.equal(env.HARNESS_OPERATOR_BIN, String(request.bin));
      assert.equal(env.HARNESS_OPERATOR_CASE_STATE, request.wanted.case_state);
      assert.equal(env.HARNESS_OPERATOR_CASE_ERROR, 'true');
      assert.equal(env.HARNESS_OPERATOR_INSTRUCTION, request.instruction);
      assert.equal(request.timeout_s, 60);
    }
  });

  for (const [deviation, shown] of [
    ['success-no-log', /0 lines arrived after the mark$/],
    ['success-wrong-log', /1 lines arrived after the mark, the last: \+[\d.]+ ms AC,4,101337,CR$/],
  ] as const) {
    it(`fails ${deviation} on the stream alone`, async () => {
      const { code, output, verdicts, requests } = await run(deviation, {
        deviate: [deviation],
        tags: '@req:CC-EFFECT-LOG',
        shortWait: true,
      });
      assert.equal(code, 1, output);
      assert.equal(requests.length, 4);
      assert.deepEqual(verdicts.counts, {
        PASSED: 0,
        FAILED: 4,
        'NOT APPLICABLE': 0,
        INCONCLUSIVE: 2,
        total: 6,
        expected: 0,
      });
      const effects = expectFuzzNeedsRig(verdicts);
      assert.deepEqual(
        effects.map((s) => s.name),
        [
          'The Log Publisher reports the AutoCase back to NOOP (XML)',
          'The Log Publisher reports the AutoCase back to NOOP (JSON)',
          'The Log Publisher line names the port and the bin by their values, however the call wrote them ("+4", "000101337", XML)',
          "The Log Publisher line names the port and the bin by their values, however the call wrote them ('4.0', '101337.0', JSON)",
        ],
      );
      for (const s of effects) {
        assert.equal(s.verdict, 'FAILED', JSON.stringify(s));
        assert.match(
          s.reason ?? '',
          new RegExp(
            `the Log Publisher did not show ${LOG_LINE}: no matching line within ${SHORT_LOG_MS} ms: `,
          ),
        );
        assert.match(s.reason ?? '', shown);
      }
    });
  }

  it('an operator who confirms a move and did nothing: the stream did not show it, INCONCLUSIVE', async () => {
    const { code, output, verdicts, requests } = await run('idle', {
      idle: true,
      tags: '@req:CC-EFFECT-REPEAT',
      shortWait: true,
    });
    assert.equal(code, 0, output);
    assert.equal(requests.length, 2);
    for (const { act, outcome } of requests) assert.deepEqual([act, outcome], [false, 'noted, nothing done']);
    const repeats = expectFuzzNeedsRig(verdicts);
    assert.deepEqual(
      repeats.map((s) => s.name),
      [
        'A second cancel right after a successful one finds nothing to cancel (XML)',
        'A second cancel right after a successful one finds nothing to cancel (JSON)',
      ],
    );
    for (const s of repeats) {
      assert.equal(s.verdict, 'INCONCLUSIVE', JSON.stringify(s));
      assert.match(
        s.reason ?? '',
        new RegExp(
          `^the operator confirmed port 4 at case ERSO, but the Log Publisher did not show it: no matching line within ${SHORT_LOG_MS} ms`,
        ),
      );
    }
  });

  it('an operator command that fails: INCONCLUSIVE with its exit code and the end of its stderr', async () => {
    const failing = `${JSON.stringify(process.execPath)} -e "console.error('rig B: gripper offline'); process.exit(3)"`;
    const { code, output, verdicts, requests } = await run('failing', {
      command: failing,
      tags: '@req:CC-EFFECT-LOG and not @fuzz',
    });
    assert.equal(code, 0, output);
    assert.equal(requests.length, 0);
    assert.equal(verdicts.scenarios.length, 4);
    // the ids written as literals: without an operator's error flag they are judged by difference, as found
    const [plain, written] = [
      verdicts.scenarios.filter((s) => !s.name.includes('however the call wrote them')),
      verdicts.scenarios.filter((s) => s.name.includes('however the call wrote them')),
    ];
    assert.equal(written.length, 2);
    for (const s of written) assert.equal(s.verdict, 'INCONCLUSIVE', JSON.stringify(s));
    for (const s of plain)
      assert.deepEqual(
        [s.verdict, s.reason],
        [
          'INCONCLUSIVE',
          'the operator command (--operator-command) exited with code 3; its standard error ends: "rig B: gripper offline"',
        ],
      );
  });
});
