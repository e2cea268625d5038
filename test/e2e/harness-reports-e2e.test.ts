// The reports written off cucumber's main thread (support/report/reports-worker.mjs), through the real runner:
// messages.ndjson and cucumber.html hold the whole run; allure-results/, run after run into the same reports
// directory, holds exactly that run's results, every file whole; a report that cannot be written fails the run.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runHarness } from '../helpers/run-script.ts';

let reports = '';

before(async () => {
  reports = await mkdtemp(path.join(tmpdir(), 'allure-e2e-'));
});

after(async () => {
  await rm(reports, { recursive: true, force: true });
});

/** Every `source` an Allure result or container names, at any depth; and the media type of each. */
function sourcesOf(value: unknown, into: Set<string>, types: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const item of value) sourcesOf(item, into, types);
  else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    if (typeof record.source === 'string' && typeof record.type === 'string') types.add(record.type);
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'source' && typeof inner === 'string') into.add(inner);
      else sourcesOf(inner, into, types);
    }
  }
  return into;
}

interface Read {
  readonly results: { readonly name: string; readonly verdict?: string; readonly uuid: string }[];
  readonly files: readonly string[];
}

async function run(tags: string): Promise<Read> {
  const done = await runHarness([`--reports=${reports}`, '--tags', tags], { timeoutMs: 120_000 });
  assert.equal(done.code, 0, done.output);
  await wholeRun(done.output);
  const dir = path.join(reports, 'allure-results');
  const files = await readdir(dir);
  const verdicts = JSON.parse(await readFile(path.join(reports, 'verdicts.json'), 'utf8')) as {
    scenarios: unknown[];
  };
  const results: Read['results'][number][] = [];
  const referenced = new Set<string>();
  const types = new Set<string>();
  for (const name of files.filter((f) => f.endsWith('-result.json') || f.endsWith('-container.json'))) {
    const parsed = JSON.parse(await readFile(path.join(dir, name), 'utf8')) as {
      uuid: string;
      labels?: { name: string; value: string }[];
    };
    assert.ok(name.startsWith(parsed.uuid), `${name} holds the result ${parsed.uuid}`);
    sourcesOf(parsed, referenced, types);
    if (name.endsWith('-result.json')) {
      const verdict = parsed.labels?.find((l) => l.name === 'verdict')?.value;
      results.push({ name, verdict, uuid: parsed.uuid });
    }
  }
  assert.equal(results.length, verdicts.scenarios.length, 'one Allure result a scenario');
  // the runner's own attachments (verdicts, skips) stay out of Allure, which has the verdicts as labels
  assert.ok(types.has('text/plain'), `the evidence is attached: ${[...types].join(', ')}`);
  assert.ok(
    [...types].every((t) => !t.startsWith('application/x.harness-')),
    `no harness attachment in Allure: ${[...types].join(', ')}`,
  );
  const attachments = files.filter((f) => f.includes('-attachment'));
  assert.deepEqual(attachments.sort(), [...referenced].sort(), 'exactly the attachments the results name');
  for (const name of attachments) {
    const size = (await stat(path.join(dir, name))).size;
    assert.ok(size > 0, `${name} is empty`);
  }
  return { results, files };
}

/** messages.ndjson from meta to testRunFinished, one envelope a line; cucumber.html with every scenario. */
async function wholeRun(output: string): Promise<void> {
  const lines = (await readFile(path.join(reports, 'messages.ndjson'), 'utf8')).split('\n');
  assert.equal(lines.pop(), '', 'messages.ndjson ends with a newline');
  const envelopes = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.ok('meta' in (envelopes[0] ?? {}), 'the first envelope is meta');
  assert.ok('testRunFinished' in (envelopes.at(-1) ?? {}), 'the last envelope is testRunFinished');
  const finished = envelopes.filter((e) => 'testCaseFinished' in e).length;
  assert.match(output, new RegExp(`scenarios: ${finished} passed`));
  const html = await readFile(path.join(reports, 'cucumber.html'), 'utf8');
  assert.match(html, /<\/html>\s*$/, 'cucumber.html is complete');
  for (const envelope of envelopes.filter((e) => 'pickle' in e)) {
    const { id } = envelope.pickle as { id: string };
    assert.ok(html.includes(JSON.stringify(id)), `cucumber.html holds pickle ${id}`);
  }
}

describe('a report that cannot be written', () => {
  it('fails the run with exit 2 and says which', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'reports-fail-'));
    try {
      await mkdir(path.join(dir, 'cucumber.html')); // a directory where the report goes
      const done = await runHarness([`--reports=${dir}`, '--tags', '@req:CC-EFFECT-REPEAT and not @fuzz'], {
        timeoutMs: 60_000,
      });
      assert.equal(done.code, 2, done.output);
      assert.match(done.output, /cucumber\.html: EISDIR/);
      assert.match(done.output, /harness: cucumber ended with exit code 1 though no scenario failed/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('allure-results, run after run into one reports directory', () => {
  it('holds each run alone, whole, with its verdicts', async () => {
    const first = await run('@req:CC-SUCCESS and not @fuzz');
    assert.ok(first.results.length >= 4, `only ${first.results.length} scenarios`);
    assert.ok(first.results.every((r) => r.verdict === 'PASSED'));
    // A file that is no Allure result of any run: deleted, never left.
    await writeFile(path.join(reports, 'allure-results', 'stray-result.json'), '{"uuid":"stray"}');

    const fewer = await run('@req:CC-EFFECT-REPEAT and not @fuzz');
    assert.ok(fewer.results.length < first.results.length, 'the second run is the smaller one');
    assert.ok(fewer.results.every((r) => r.verdict === 'PASSED'));
    assert.ok(!fewer.files.includes('stray-result.json'));
    const earlier = new Set(first.results.map((r) => r.uuid));
    assert.ok(
      fewer.results.every((r) => !earlier.has(r.uuid)),
      'no result of the first run is left',
    );
    const more = await run('(@req:CC-SUCCESS or @req:CC-EFFECT-REPEAT) and not @fuzz');
    assert.equal(more.results.length, first.results.length + fewer.results.length);
    const later = new Set(fewer.results.map((r) => r.uuid));
    assert.ok(
      more.results.every((r) => !later.has(r.uuid)),
      'no result of the second run is left',
    );
  });
});
