// What Allure shows beside the results (support/report/allure-context.ts) and the history npm run report carries
// from one report to the next (support/report/allure-html.ts), without Java: the files, not the HTML.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  environmentOf,
  environmentProperties,
  executorFromEnvironment,
  shownIdentity,
  withoutCredentials,
  writeAllureContext,
} from '../support/report/allure-context.ts';
import { carryHistory, reportPaths, trendLength } from '../support/report/allure-html.ts';
import { harnessIdentity } from '../support/report/harness-identity.ts';
import { ROOT } from './helpers/run-script.ts';

let scratch = '';
before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'allure-context-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** java.util.Properties.load, for the forms environmentProperties writes. */
function loadProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const unescaped = (s: string) =>
    s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
      if (e.startsWith('u') && e.length === 5) return String.fromCharCode(Number.parseInt(e.slice(1), 16));
      return ({ n: '\n', r: '\r', t: '\t', f: '\f' } as Record<string, string>)[e] ?? e;
    });
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const match = /^((?:\\.|[^=:\\])*)[=:](.*)$/.exec(line);
    assert.ok(match, `not a property line: ${line}`);
    out.set(unescaped(match[1] as string), unescaped(match[2] as string));
  }
  return out;
}

describe('environment.properties', () => {
  const context = {
    taskUrl: 'http://user:secret@10.0.0.5:44000/api/v2/task',
    rigUrl: undefined,
    seed: 42,
    encodings: ['XML', 'JSON'],
    profile: {
      file: 'profiles/example-controller.json',
      vendor: 'ACME Automation',
      product: 'Controller: ÅS-9',
      release: '2.1 = final',
    },
  };

  it('names the target, the profile, the harness, the seed and Node, and never a password', () => {
    const env = environmentOf(context, { version: '0.1.0', commit: 'abc' });
    assert.deepEqual(Object.keys(env), [
      'Target',
      'Rig',
      'Profile',
      'Profile.Vendor',
      'Profile.Product',
      'Profile.Release',
      'Harness.Version',
      'Harness.Commit',
      'Seed',
      'Encodings',
      'Node',
    ]);
    assert.equal(env.Target, 'http://10.0.0.5:44000/api/v2/task');
    assert.equal(env.Rig, 'none');
    assert.equal(env.Seed, '42');
    assert.equal(env.Node, process.version);
    assert.equal(withoutCredentials('http://127.0.0.1:1/x'), 'http://127.0.0.1:1/x');
  });

  it('reads back as written through the Properties rules, whatever the characters', () => {
    const entries = {
      'Profile.Product': 'Controller: ÅS-9 ✓',
      'odd key=1': ' leading blank\\ and\nlines',
      '#not a comment': '#x',
      absent: undefined,
    };
    const text = environmentProperties(entries);
    assert.match(text, /^[\x20-\x7e\n]*$/, 'ASCII only (Properties reads ISO 8859-1)');
    assert.deepEqual(
      Object.fromEntries(loadProperties(text)),
      Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)),
    );
  });

  it("gives the harness's version and commit, or unknown outside a git checkout", async () => {
    const here = shownIdentity(await harnessIdentity(ROOT));
    assert.equal(here.version, JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')).version);
    assert.match(here.commit, /^([0-9a-f]{40}(\+modified)?|unknown)$/);
    const elsewhere = path.join(scratch, 'not-a-checkout');
    await mkdir(elsewhere);
    assert.deepEqual(shownIdentity(await harnessIdentity(elsewhere)), {
      version: 'unknown',
      commit: 'unknown',
    });
    assert.deepEqual(await harnessIdentity(elsewhere), {
      name: 'unknown',
      version: 'unknown',
      commit: 'unknown',
      modified: null,
    });
    assert.equal(harnessIdentity(ROOT), harnessIdentity(ROOT), 'read once a process');
  });

  it('is written with executor.json only under CI', async () => {
    const dir = path.join(scratch, 'results');
    await mkdir(dir);
    await writeAllureContext(dir, context, ROOT, {});
    assert.deepEqual(await readdir(dir), ['environment.properties']);
    const written = loadProperties(await readFile(path.join(dir, 'environment.properties'), 'utf8'));
    assert.equal(written.get('Profile.Release'), '2.1 = final');
    await writeAllureContext(dir, context, ROOT, { CI: 'true', BUILD_NUMBER: '7' });
    const executor = JSON.parse(await readFile(path.join(dir, 'executor.json'), 'utf8'));
    assert.deepEqual(executor, { name: 'CI', buildOrder: 7, buildName: 'build 7' });
  });

  it('is written for a run of no scenario too, which made no allure-results/', async () => {
    const dir = path.join(scratch, 'no-scenario', 'allure-results');
    await writeAllureContext(dir, context, ROOT, {});
    assert.deepEqual(await readdir(dir), ['environment.properties']);
  });
});

describe('executor.json from the CI variables', () => {
  it('GitHub Actions', () => {
    assert.deepEqual(
      executorFromEnvironment({
        GITHUB_ACTIONS: 'true',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: 'acme/conformance',
        GITHUB_RUN_ID: '123456',
        GITHUB_RUN_NUMBER: '42',
        GITHUB_RUN_ATTEMPT: '1',
        GITHUB_WORKFLOW: 'CI',
        GITHUB_JOB: 'suite',
        CI: 'true',
      }),
      {
        name: 'GitHub Actions',
        type: 'github',
        url: 'https://github.com/acme/conformance',
        buildOrder: 42,
        buildName: 'CI #42: suite',
        buildUrl: 'https://github.com/acme/conformance/actions/runs/123456',
      },
    );
  });

  it('GitLab CI, with the report URL given', () => {
    assert.deepEqual(
      executorFromEnvironment({
        GITLAB_CI: 'true',
        CI_PROJECT_URL: 'https://gitlab.example/acme/conformance',
        CI_PROJECT_PATH: 'acme/conformance',
        CI_PIPELINE_IID: '17',
        CI_JOB_NAME: 'suite',
        CI_JOB_URL: 'https://gitlab.example/acme/conformance/-/jobs/999',
        HARNESS_REPORT_URL: 'https://acme.example/reports/17/',
      }),
      {
        name: 'GitLab CI',
        type: 'gitlab',
        url: 'https://gitlab.example/acme/conformance',
        buildOrder: 17,
        buildName: 'acme/conformance #17: suite',
        buildUrl: 'https://gitlab.example/acme/conformance/-/jobs/999',
        reportUrl: 'https://acme.example/reports/17/',
      },
    );
  });

  it('Jenkins: the report where the Allure plugin publishes it', () => {
    assert.deepEqual(
      executorFromEnvironment({
        JENKINS_URL: 'https://ci.example/',
        JOB_NAME: 'conformance',
        BUILD_NUMBER: '8',
        BUILD_URL: 'https://ci.example/job/conformance/8/',
      }),
      {
        name: 'Jenkins',
        type: 'jenkins',
        url: 'https://ci.example/',
        buildOrder: 8,
        buildName: 'conformance #8',
        buildUrl: 'https://ci.example/job/conformance/8/',
        reportUrl: 'https://ci.example/job/conformance/8/allure/',
      },
    );
  });

  it('none outside CI, nor with CI=false', () => {
    assert.equal(executorFromEnvironment({}), undefined);
    assert.equal(executorFromEnvironment({ CI: 'false' }), undefined);
    assert.equal(executorFromEnvironment({ CI: '' }), undefined);
  });
});

describe('npm run report: which results, and the history carried', () => {
  it('reads reports/latest by default, an explicit DIR as it is, and says when there is nothing', async () => {
    const root = path.join(scratch, 'reports');
    const run = path.join(root, 'runs', '20261128T010000Z-1');
    await mkdir(path.join(run, 'allure-results'), { recursive: true });
    assert.match(String(await reportPaths(root)), /^no Allure results in /);
    await symlink('runs/20261128T010000Z-1', path.join(root, 'latest'));
    assert.deepEqual(await reportPaths(root), {
      results: path.join(run, 'allure-results'),
      output: path.join(root, 'allure-report'),
    });
    assert.deepEqual(await reportPaths(root, run), {
      results: path.join(run, 'allure-results'),
      output: path.join(run, 'allure-report'),
    });
  });

  it("copies the last report's history into new results once, and keeps it when made again", async () => {
    const results = path.join(scratch, 'history', 'allure-results');
    const output = path.join(scratch, 'history', 'allure-report');
    await mkdir(results, { recursive: true });
    assert.equal(await carryHistory(results, output), 'none');
    await mkdir(path.join(output, 'history'), { recursive: true });
    await writeFile(path.join(output, 'history', 'history-trend.json'), JSON.stringify([{ buildOrder: 1 }]));
    assert.equal(trendLength(output), 1);
    assert.equal(await carryHistory(results, output), 'carried');
    assert.equal(
      await readFile(path.join(results, 'history', 'history-trend.json'), 'utf8'),
      '[{"buildOrder":1}]',
    );
    // the report made from these results now holds this run too; made again, the run must not count twice
    await writeFile(path.join(output, 'history', 'history-trend.json'), JSON.stringify([{}, {}]));
    assert.equal(await carryHistory(results, output), 'kept');
    assert.equal(
      await readFile(path.join(results, 'history', 'history-trend.json'), 'utf8'),
      '[{"buildOrder":1}]',
    );
  });
});
