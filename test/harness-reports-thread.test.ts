// The reports worker started ahead of a run (support/report/reports-thread.ts): the formatter cucumber makes
// adopts it, and it writes every report of the run as a worker the formatter started itself would; one that no
// run adopted is ended. And the Allure containers: one a scenario, with its set-up and its tear-down.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { IFormatterOptions } from '@cucumber/cucumber';
import HarnessReportsFormatter from '../support/report/reports-formatter.ts';
import {
  adoptReportsWorker,
  discardPrestartedReportsWorker,
  prestartReportsWorker,
  reportsWorkerWaiting,
} from '../support/report/reports-thread.ts';

let dir = '';

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'reports-thread-'));
});

after(async () => {
  await discardPrestartedReportsWorker();
  await rm(dir, { recursive: true, force: true });
});

const BEFORE_HOOK = { id: 'hook-before', name: undefined };
const AFTER_HOOK = { id: 'hook-after', name: undefined };

/** A formatter as cucumber makes it, writing into `reports`, with one Before and one After hook. */
function formatter(reports: string, broadcaster: EventEmitter): HarnessReportsFormatter {
  const options = {
    eventBroadcaster: broadcaster,
    supportCodeLibrary: {
      beforeTestCaseHookDefinitions: [BEFORE_HOOK],
      afterTestCaseHookDefinitions: [AFTER_HOOK],
      beforeTestRunHookDefinitions: [],
      afterTestRunHookDefinitions: [],
    },
    parsedArgvOptions: {
      harnessReports: {
        messages: path.join(reports, 'messages.ndjson'),
        html: path.join(reports, 'cucumber.html'),
        allure: true,
      },
      resultsDir: path.join(reports, 'allure-results'),
    },
    log: () => {},
    cleanup: async () => {},
    colorFns: {},
    snippetBuilder: {},
    stream: process.stdout,
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
  } as unknown as IFormatterOptions;
  return new HarnessReportsFormatter(options);
}

const at = (seconds: number) => ({ seconds, nanos: 0 });

/** The envelopes of a run of two scenarios, each with a Before hook, one step and an After hook. */
function twoScenarios(): Record<string, unknown>[] {
  const uri = 'features/x.feature';
  const envelopes: Record<string, unknown>[] = [
    { meta: { protocolVersion: '1', implementation: { name: 'cucumber-js' }, runtime: {}, os: {}, cpu: {} } },
    {
      gherkinDocument: {
        uri,
        comments: [],
        feature: {
          location: { line: 1 },
          tags: [],
          language: 'en',
          keyword: 'Feature',
          name: 'X',
          description: '',
          children: ['s1', 's2'].map((id, i) => ({
            scenario: {
              id,
              location: { line: 2 + i * 2 },
              tags: [],
              keyword: 'Scenario',
              name: id,
              description: '',
              steps: [{ id: `${id}-g`, location: { line: 3 + i * 2 }, keyword: 'Given ', text: 'a step' }],
              examples: [],
            },
          })),
        },
      },
    },
    { hook: { ...BEFORE_HOOK, sourceReference: {} } },
    { hook: { ...AFTER_HOOK, sourceReference: {} } },
    { testRunStarted: { timestamp: at(1) } },
  ];
  for (const id of ['s1', 's2']) {
    envelopes.push(
      {
        pickle: {
          id: `p-${id}`,
          uri,
          name: id,
          language: 'en',
          astNodeIds: [id],
          tags: [],
          steps: [{ id: `ps-${id}`, text: 'a step', astNodeIds: [`${id}-g`], type: 'Context' }],
        },
      },
      {
        testCase: {
          id: `tc-${id}`,
          pickleId: `p-${id}`,
          testSteps: [
            { id: `b-${id}`, hookId: BEFORE_HOOK.id },
            { id: `st-${id}`, pickleStepId: `ps-${id}`, stepDefinitionIds: [], stepMatchArgumentsLists: [] },
            { id: `a-${id}`, hookId: AFTER_HOOK.id },
          ],
        },
      },
      { testCaseStarted: { id: `tcs-${id}`, testCaseId: `tc-${id}`, attempt: 0, timestamp: at(2) } },
    );
    for (const step of [`b-${id}`, `st-${id}`, `a-${id}`]) {
      envelopes.push(
        { testStepStarted: { testCaseStartedId: `tcs-${id}`, testStepId: step, timestamp: at(2) } },
        {
          testStepFinished: {
            testCaseStartedId: `tcs-${id}`,
            testStepId: step,
            testStepResult: { status: 'PASSED', duration: at(0) },
            timestamp: at(2),
          },
        },
      );
    }
    envelopes.push({
      testCaseFinished: { testCaseStartedId: `tcs-${id}`, timestamp: at(3), willBeRetried: false },
    });
  }
  envelopes.push({ testRunFinished: { success: true, timestamp: at(4) } });
  return envelopes;
}

/** Runs the formatter over two scenarios into a new folder; what it wrote. */
async function writeRun(name: string): Promise<{ reports: string; messages: string[]; allure: string[] }> {
  const reports = path.join(dir, name);
  // the folder exists before the formatter's init reaches the worker, which opens messages.ndjson in it
  await mkdir(reports, { recursive: true });
  const broadcaster = new EventEmitter();
  const reportsFormatter = formatter(reports, broadcaster);
  assert.equal(reportsWorkerWaiting(), false, 'no worker waits once the formatter is made');
  for (const envelope of twoScenarios()) broadcaster.emit('envelope', envelope);
  await reportsFormatter.finished();
  const messages = (await readFile(path.join(reports, 'messages.ndjson'), 'utf8')).trim().split('\n');
  const allure = await readdir(path.join(reports, 'allure-results'));
  return { reports, messages, allure };
}

describe('a reports worker started ahead of the run', () => {
  it('is adopted by the formatter, which writes every report through it', async () => {
    prestartReportsWorker({ html: true, allure: true });
    assert.equal(reportsWorkerWaiting(), true);
    const run = await writeRun('ahead');
    assert.equal(run.messages.length, twoScenarios().length, 'every envelope in messages.ndjson');
    assert.equal(run.allure.filter((f) => f.endsWith('-result.json')).length, 2);
    const html = await readFile(path.join(run.reports, 'cucumber.html'), 'utf8');
    assert.match(html, /<\/html>\s*$/);
  });

  it('is the one adopted: a second adoption starts a worker of its own', async () => {
    prestartReportsWorker({ html: false, allure: false });
    const first = adoptReportsWorker();
    const second = adoptReportsWorker();
    try {
      assert.notEqual(first.worker, second.worker);
      assert.equal(reportsWorkerWaiting(), false);
    } finally {
      await Promise.all([first.worker.terminate(), second.worker.terminate()]);
    }
  });

  it('is ended when no run adopted it, and a second start while one waits starts nothing', async () => {
    prestartReportsWorker({ html: false, allure: false });
    prestartReportsWorker({ html: true, allure: true });
    const waiting = adoptReportsWorker();
    assert.equal(reportsWorkerWaiting(), false, 'the second start made no second worker');
    const exited = new Promise<number>((resolve) => waiting.worker.once('exit', resolve));
    await waiting.worker.terminate();
    await exited;
    prestartReportsWorker({ html: false, allure: false });
    await discardPrestartedReportsWorker();
    assert.equal(reportsWorkerWaiting(), false);
  });

  it('is not needed: without one the formatter starts its own, and writes the same reports', async () => {
    assert.equal(reportsWorkerWaiting(), false);
    const run = await writeRun('own');
    assert.equal(run.messages.length, twoScenarios().length);
    assert.equal(run.allure.filter((f) => f.endsWith('-result.json')).length, 2);
  });
});

describe('the Allure containers', () => {
  it('one a scenario, holding both its Before and its After hook', async () => {
    const run = await writeRun('containers');
    const dirOf = path.join(run.reports, 'allure-results');
    const results = run.allure.filter((f) => f.endsWith('-result.json'));
    const containers = await Promise.all(
      run.allure
        .filter((f) => f.endsWith('-container.json'))
        .map(
          async (f) =>
            JSON.parse(await readFile(path.join(dirOf, f), 'utf8')) as {
              uuid: string;
              children: string[];
              befores: unknown[];
              afters: unknown[];
            },
        ),
    );
    assert.equal(containers.length, results.length, 'a container a scenario, not one a hook');
    for (const file of results) {
      const { uuid } = JSON.parse(await readFile(path.join(dirOf, file), 'utf8')) as { uuid: string };
      const holding = containers.filter((c) => c.children.includes(uuid));
      assert.equal(holding.length, 1, `one container holds ${uuid}`);
      assert.equal(holding[0]?.befores.length, 1, 'its set-up');
      assert.equal(holding[0]?.afters.length, 1, 'its tear-down');
    }
  });
});
