// Verdicts, expectations, traceability, JUnit and Allure output, and the bundle manifest, without a run.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { checkCertifyOptions, parseOptions } from '../support/options.ts';
import { certificationBlockers, utcStamp } from '../support/report/certify.ts';
import {
  countVerdicts,
  decideVerdict,
  encodingOf,
  gates,
  readVerdicts,
  type ScenarioVerdict,
  VERDICT_MEDIA_TYPE,
  verdictLine,
} from '../support/report/verdicts.ts';
import { annotateAllureResults } from '../support/report/verdicts-allure.ts';
import {
  checkExpectations,
  ExpectationError,
  expectationFor,
  staleExpectations,
} from '../support/report/verdicts-expect.ts';
import { renderJunit } from '../support/report/verdicts-junit.ts';
import {
  loadRequirements,
  requirementMatrix,
  scanRequirementTags,
  traceabilityProblems,
} from '../support/report/verdicts-requirements.ts';
import { MANIFEST, manifestOf, verifyBundle } from '../support/report/verify-bundle.ts';

function scenario(overrides: Partial<ScenarioVerdict>): ScenarioVerdict {
  return {
    verdict: 'PASSED',
    uri: 'features/errors.feature',
    line: 17,
    name: 'A port that does not exist refuses the cancel (XML)',
    feature: 'case_cancel refuses',
    tags: ['@xml', '@req:CC-1000'],
    encoding: 'XML',
    requirements: ['CC-1000'],
    status: 'PASSED',
    durationMs: 12,
    steps: [{ text: 'port 4 does not exist', status: 'PASSED' }],
    parameters: [{ name: 'encoding', value: 'XML' }],
    attempt: 0,
    ...overrides,
  };
}

describe('verdicts', () => {
  it('passes only what passed, and never a skipped scenario', () => {
    assert.deepEqual(decideVerdict({ status: 'PASSED' }), { verdict: 'PASSED' });
    assert.deepEqual(
      decideVerdict({ status: 'SKIPPED', skip: { verdict: 'NOT APPLICABLE', reason: 'no JSON' } }),
      {
        verdict: 'NOT APPLICABLE',
        reason: 'no JSON',
      },
    );
    assert.deepEqual(
      decideVerdict({ status: 'SKIPPED', skip: { verdict: 'INCONCLUSIVE', reason: 'no rig' } }),
      {
        verdict: 'INCONCLUSIVE',
        reason: 'no rig',
      },
    );
    assert.equal(decideVerdict({ status: 'SKIPPED' }).verdict, 'INCONCLUSIVE');
    assert.deepEqual(
      decideVerdict({ status: 'FAILED', message: 'expected fault 1000, got success\n  at x' }),
      {
        verdict: 'FAILED',
        reason: 'expected fault 1000, got success',
      },
    );
    assert.equal(decideVerdict({ status: 'UNDEFINED' }).verdict, 'FAILED');
  });

  it('makes a failure after a timeout INCONCLUSIVE, as docs/architecture.md says', () => {
    const record = decideVerdict({
      status: 'FAILED',
      message: 'x',
      timeout: 'case_cancel in XML: no answer within 10 ms',
    });
    assert.equal(record.verdict, 'INCONCLUSIVE');
    assert.match(record.reason ?? '', /^the target timed out: case_cancel/);
  });

  it('marks an expected failure, and an expected failure that passes', () => {
    const expected = decideVerdict({ status: 'FAILED', message: 'boom' }, 'ticket 12');
    assert.deepEqual(expected, { verdict: 'FAILED', reason: 'boom', expected: 'ticket 12' });
    assert.equal(gates(expected), false);
    assert.equal(verdictLine(expected), 'FAILED (expected: ticket 12): boom');
    assert.deepEqual(decideVerdict({ status: 'PASSED' }, 'ticket 12'), {
      verdict: 'PASSED',
      stale: 'ticket 12',
    });
    assert.equal(gates(decideVerdict({ status: 'FAILED' })), true);
  });

  it('tells a scenario encoding by its Examples tag, else by its name', () => {
    assert.equal(encodingOf(['@json'], 'x (XML)'), 'JSON');
    assert.equal(encodingOf([], 'A bin_id given twice is refused with 1010 (XML)'), 'XML');
    assert.equal(encodingOf([], 'something'), undefined);
  });

  it('reads the verdict each scenario attached to the message stream, and trusts the place it carries', () => {
    const row = (id: string, line: number, values: string[]) => ({
      id,
      location: { line },
      cells: values.map((value) => ({ value })),
    });
    const lines = [
      {
        gherkinDocument: {
          uri: 'f.feature',
          feature: {
            name: 'F',
            children: [
              { scenario: { id: 's1', location: { line: 3 }, steps: [], examples: [] } },
              {
                scenario: {
                  id: 's2',
                  location: { line: 6 },
                  steps: [],
                  examples: [
                    {
                      id: 'e1',
                      tableHeader: row('h', 9, ['encoding']),
                      tableBody: [row('r1', 10, ['XML']), row('r2', 11, ['JSON'])],
                    },
                  ],
                },
              },
            ],
          },
        },
      },
      {
        pickle: {
          id: 'p1',
          uri: 'f.feature',
          name: 'S',
          astNodeIds: ['s1'],
          tags: [{ name: '@req:X' }],
          steps: [{ id: 'ps1', text: 'a step' }],
        },
      },
      {
        pickle: {
          id: 'p2',
          uri: 'f.feature',
          name: 'T (JSON)',
          astNodeIds: ['s2', 'r2'],
          tags: [],
          steps: [{ id: 'ps2', text: 'another step' }],
        },
      },
      {
        testCase: { id: 't1', pickleId: 'p1', testSteps: [{ id: 'ts1', pickleStepId: 'ps1' }, { id: 'h1' }] },
      },
      { testCase: { id: 't2', pickleId: 'p2', testSteps: [{ id: 'ts2', pickleStepId: 'ps2' }] } },
      { testRunStarted: {} },
      { testCaseStarted: { id: 'c1', testCaseId: 't1', attempt: 0, timestamp: { seconds: 1, nanos: 0 } } },
      {
        testStepFinished: {
          testCaseStartedId: 'c1',
          testStepId: 'ts1',
          testStepResult: { status: 'FAILED', message: 'timed out' },
        },
      },
      {
        attachment: {
          testCaseStartedId: 'c1',
          testStepId: 'h1',
          mediaType: VERDICT_MEDIA_TYPE,
          body: JSON.stringify({
            verdict: 'INCONCLUSIVE',
            reason: 'the target timed out: x',
            place: { uri: 'f.feature', line: 4 },
          }),
        },
      },
      {
        testStepFinished: { testCaseStartedId: 'c1', testStepId: 'h1', testStepResult: { status: 'PASSED' } },
      },
      {
        testCaseFinished: {
          testCaseStartedId: 'c1',
          willBeRetried: false,
          timestamp: { seconds: 1, nanos: 500_000_000 },
        },
      },
      { testCaseStarted: { id: 'c2', testCaseId: 't2', attempt: 0, timestamp: { seconds: 2, nanos: 0 } } },
      {
        testStepFinished: {
          testCaseStartedId: 'c2',
          testStepId: 'ts2',
          testStepResult: { status: 'UNDEFINED' },
        },
      },
      {
        testCaseFinished: {
          testCaseStartedId: 'c2',
          willBeRetried: false,
          timestamp: { seconds: 2, nanos: 0 },
        },
      },
      { testRunFinished: { success: false } },
    ];
    const run = readVerdicts(lines.map((l) => JSON.stringify(l)).join('\n'));
    assert.equal(run.started && run.finished, true);
    const [attached, decided] = run.scenarios;
    assert.equal(attached?.verdict, 'INCONCLUSIVE');
    assert.equal(attached?.status, 'FAILED');
    assert.equal(attached?.line, 4, 'the place the verdict carries');
    assert.equal(attached?.feature, 'F');
    assert.equal(attached?.durationMs, 500);
    assert.deepEqual(attached?.requirements, ['X']);
    assert.deepEqual(attached?.steps, [{ text: 'a step', status: 'FAILED' }]);
    assert.equal(decided?.verdict, 'FAILED', 'no verdict attached: decided from the steps');
    assert.equal(decided?.reason, 'undefined step');
    assert.equal(decided?.line, 11, 'no verdict attached: its Examples row');
    assert.equal(decided?.encoding, 'JSON');
    assert.deepEqual(decided?.parameters, [{ name: 'encoding', value: 'JSON' }]);
  });
});

describe('expectations (--expect)', () => {
  const known = new Set(['CC-1000', 'CC-1099']);

  it('names the key of a bad entry', () => {
    assert.throws(
      () => checkExpectations('e.json', { expected_failures: [{ scenario: 'x' }] }, known),
      (error: unknown) => {
        assert.ok(error instanceof ExpectationError);
        assert.match(error.message, /expected_failures\[0\]\.reason: missing/);
        assert.match(error.message, /expected_failures\[0\]\.scenario: must match pattern/);
        return true;
      },
    );
    assert.throws(
      () => checkExpectations('e.json', { expected_failures: [{ requirement: 'NOPE', reason: 'r' }] }, known),
      /expected_failures\[0\]\.requirement: NOPE is not in features\/requirements\.json/,
    );
    assert.throws(
      () => checkExpectations('e.json', { expected_failures: [{ reason: 'r' }] }, known),
      /give scenario or requirement/,
    );
  });

  it('matches a scenario by place, or by requirement and encoding, and finds what no longer holds', () => {
    const expectations = checkExpectations(
      'e.json',
      {
        expected_failures: [
          { scenario: 'features/errors.feature:17', reason: 'one row' },
          { requirement: 'CC-1099', encoding: 'JSON', reason: 'JSON mode check' },
          { scenario: 'features/errors.feature:999', reason: 'gone' },
        ],
      },
      known,
    );
    const row = scenario({});
    assert.equal(expectationFor(expectations, row)?.reason, 'one row');
    const json = scenario({ line: 80, encoding: 'JSON', requirements: ['CC-1099'] });
    assert.equal(expectationFor(expectations, json)?.reason, 'JSON mode check');
    assert.equal(expectationFor(expectations, { ...json, encoding: 'XML' }), undefined);
    const stale = staleExpectations(expectations, [
      row,
      { ...json, verdict: 'FAILED', expected: 'JSON mode check' },
    ]);
    assert.deepEqual(stale, [
      'features/errors.feature:17: expected to fail ("one row"), now passes',
      'features/errors.feature:999: matches no scenario of this run',
    ]);
  });
});

describe('traceability', () => {
  it('holds for the suite as it is: every requirement covered, every tag known', async () => {
    const requirements = await loadRequirements('features/requirements.json');
    assert.deepEqual(traceabilityProblems(requirements, await scanRequirementTags('features')), []);
  });

  it('names a requirement no scenario covers and a tag that names no requirement', () => {
    const problems = traceabilityProblems(
      [
        { id: 'A', source: 'seed', text: 'a' },
        { id: 'B', source: 'doc', text: 'b' },
      ],
      [
        { id: 'A', file: 'features/a.feature', line: 3 },
        { id: 'C', file: 'features/a.feature', line: 9 },
      ],
    );
    assert.deepEqual(problems, [
      'requirement B (doc) is covered by no scenario',
      'features/a.feature:9: @req:C names no requirement',
    ]);
  });

  it('gives each requirement the worst verdict of its scenarios, per encoding', () => {
    const [row] = requirementMatrix(
      [{ id: 'CC-1000', source: 'seed', text: 't' }],
      [
        scenario({}),
        scenario({ encoding: 'JSON', verdict: 'PASSED' }),
        scenario({ encoding: 'JSON', verdict: 'INCONCLUSIVE', reason: 'no rig' }),
        scenario({ encoding: 'XML', verdict: 'NOT APPLICABLE' }),
      ],
    );
    assert.deepEqual(row?.verdicts, { XML: 'PASSED', JSON: 'INCONCLUSIVE' });
    assert.equal(row?.scenarios, 4);
  });

  it('certifies only without FAILED and INCONCLUSIVE', () => {
    const matrix = requirementMatrix([{ id: 'CC-1000', source: 'seed', text: 't' }], [scenario({})]);
    assert.deepEqual(certificationBlockers([scenario({})], matrix), []);
    const blockers = certificationBlockers([scenario({ verdict: 'INCONCLUSIVE' })], matrix);
    assert.match(blockers.join(), /1 scenario\(s\) INCONCLUSIVE/);
    assert.equal(utcStamp(new Date('2026-11-27T21:51:13.975Z')), '20261127T215113Z');
    assert.deepEqual(countVerdicts([scenario({}), scenario({ verdict: 'FAILED', expected: 'x' })]), {
      PASSED: 1,
      FAILED: 1,
      'NOT APPLICABLE': 0,
      INCONCLUSIVE: 0,
      total: 2,
      expected: 1,
    });
  });
});

describe('JUnit and Allure', () => {
  const scenarios = [
    scenario({}),
    scenario({
      line: 22,
      verdict: 'FAILED',
      status: 'FAILED',
      reason: 'expected fault 1000, got success',
      message: 'expected fault 1000, got success <&> ]]>',
    }),
    scenario({ line: 23, verdict: 'FAILED', status: 'FAILED', reason: 'r', expected: 'ticket 7' }),
    scenario({ line: 24, verdict: 'NOT APPLICABLE', status: 'SKIPPED', reason: 'no JSON' }),
    scenario({
      line: 25,
      verdict: 'INCONCLUSIVE',
      status: 'SKIPPED',
      reason: 'needs a rig "or" an operator',
    }),
  ];

  it('writes each verdict as JUnit: failure, skipped with the verdict, an expected failure that does not gate', () => {
    const xml = renderJunit(scenarios, { suiteName: 'suite', properties: { seed: '1' } });
    assert.equal(XMLValidator.validate(xml), true);
    assert.match(xml, /<testsuite name="suite" tests="5" failures="1" errors="0" skipped="3"/);
    assert.match(xml, /<failure type="FAILED" message="FAILED: expected fault 1000, got success">/);
    assert.match(xml, /<skipped type="expected-failure" message="FAILED \(expected: ticket 7\): r"\/>/);
    assert.match(xml, /<skipped type="not-applicable" message="NOT APPLICABLE: no JSON"\/>/);
    assert.match(
      xml,
      /<skipped type="inconclusive" message="INCONCLUSIVE: needs a rig &quot;or&quot; an operator"\/>/,
    );
    assert.match(xml, /<property name="verdict" value="INCONCLUSIVE"\/>/);
    // Same feature and name: told apart by line.
    assert.match(xml, /name="A port that does not exist refuses the cancel \(XML\) \(line 25\)"/);
  });

  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'allure-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives every Allure result its verdict', async () => {
    const results = scenarios.map((s, i) => ({
      uuid: `u${i}`,
      fullName: `autostore-conformance:${s.uri}#${s.name}`,
      status: s.status === 'SKIPPED' ? 'skipped' : s.status.toLowerCase(),
      parameters: [
        { name: 'encoding', value: 'XML' },
        { name: 'row', value: String(s.line) },
      ],
      labels: [],
    }));
    // Allure shows the Examples row as parameters: that is what tells the rows apart.
    const withRows = scenarios.map((s) => ({
      ...s,
      parameters: [
        { name: 'encoding', value: 'XML' },
        { name: 'row', value: String(s.line) },
      ],
    }));
    for (const r of results) await writeFile(path.join(dir, `${r.uuid}-result.json`), JSON.stringify(r));
    assert.equal(await annotateAllureResults(dir, withRows), 5);
    const read = async (i: number) => JSON.parse(await readFile(path.join(dir, `u${i}-result.json`), 'utf8'));
    assert.equal((await read(0)).status, 'passed');
    assert.equal((await read(2)).status, 'skipped');
    assert.equal((await read(4)).status, 'unknown');
    assert.equal((await read(4)).statusDetails.message, 'INCONCLUSIVE: needs a rig "or" an operator');
    assert.deepEqual(
      (await read(3)).labels.find((l: { name: string }) => l.name === 'verdict'),
      {
        name: 'verdict',
        value: 'NOT APPLICABLE',
      },
    );
    const categories = JSON.parse(await readFile(path.join(dir, 'categories.json'), 'utf8'));
    assert.ok(categories.some((c: { name: string }) => c.name.startsWith('Inconclusive')));
  });
});

describe('--certify', () => {
  it('needs a profile and refuses whatever narrows the suite or excuses a failure', () => {
    const certify =
      (...argv: string[]) =>
      () =>
        checkCertifyOptions(parseOptions(['--certify', ...argv]), true);
    assert.doesNotThrow(certify('--seed=7', '--interactive', '--reports=x'));
    assert.throws(
      () => checkCertifyOptions(parseOptions(['--certify']), false),
      /--certify needs --target-profile=FILE/,
    );
    assert.throws(certify('--tags', '@xml'), /refuses tag and name filters.*\(--tags @xml\)/);
    assert.throws(certify('--name', 'x'), /refuses tag and name filters/);
    assert.throws(certify('features/errors.feature:17'), /features\/errors\.feature:17/);
    assert.throws(certify('--expect=known.json'), /--certify refuses --expect/);
    assert.throws(certify('--encoding=json'), /--certify runs both encodings/);
  });
});

describe('the bundle manifest', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bundle-'));
    await mkdir(path.join(dir, 'sub'));
    await writeFile(path.join(dir, 'summary.md'), '# summary\n');
    await writeFile(path.join(dir, 'sub', 'b.json'), '{}\n');
    await writeFile(path.join(dir, MANIFEST), await manifestOf(dir));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts the bundle as written, in sha256sum format', async () => {
    const check = await verifyBundle(dir);
    assert.equal(check.ok, true);
    assert.equal(check.files, 2);
    assert.match(
      await readFile(path.join(dir, MANIFEST), 'utf8'),
      /^[0-9a-f]{64} {2}sub\/b\.json\n[0-9a-f]{64} {2}summary\.md\n$/,
    );
  });

  it('rejects a changed byte in any file, the manifest included, a missing file and an added one', async () => {
    for (const file of ['summary.md', 'sub/b.json', MANIFEST]) {
      const full = path.join(dir, file);
      const original = await readFile(full);
      for (const at of [0, original.length - 1]) {
        const changed = Buffer.from(original);
        changed[at] = (changed[at] as number) ^ 1;
        await writeFile(full, changed);
        const check = await verifyBundle(dir);
        assert.equal(check.ok, false, `${file} byte ${at}`);
        await writeFile(full, original);
      }
    }
    await writeFile(path.join(dir, 'extra.txt'), 'x');
    assert.deepEqual((await verifyBundle(dir)).problems, ['not in the manifest: extra.txt']);
    await rm(path.join(dir, 'extra.txt'));
    const summary = await readFile(path.join(dir, 'summary.md'));
    await rm(path.join(dir, 'summary.md'));
    assert.deepEqual((await verifyBundle(dir)).problems, ['missing: summary.md']);
    await writeFile(path.join(dir, 'summary.md'), summary);
    assert.equal((await verifyBundle(dir)).ok, true);
  });
});
