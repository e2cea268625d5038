// What Allure shows about a run beside its results, in the files Allure documents for it (allure-results/):
// - environment.properties: the Environment widget (target, rig, profile identity and release, the harness's
//   version and commit, seed, encodings, Node);
// - executor.json: the Executor block, from the CI's own variables (GitHub Actions, GitLab CI, Jenkins, or any CI
//   that sets CI); none outside CI.
// The history of earlier reports (allure-results/history/) is npm run report's (allure-html.ts).
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type HarnessIdentity, harnessIdentity } from './harness-identity.ts';

export interface RunContext {
  readonly taskUrl: string;
  readonly rigUrl?: string;
  /** How certificates were trusted: none (plain HTTP), verified, or NOT VERIFIED (--insecure). */
  readonly tls?: string;
  readonly seed: number;
  readonly encodings: readonly string[];
  readonly profile?: {
    readonly file: string;
    readonly vendor: string;
    readonly product: string;
    readonly release: string;
  };
}

/** Allure's executor.json (https://allurereport.org/docs/how-it-works-executor-file/). */
export interface Executor {
  readonly name: string;
  /** The CI's icon: jenkins, bamboo, teamcity, gitlab, github, circleci, bitbucket, azure. */
  readonly type?: string;
  readonly url?: string;
  /** The column of this build in later reports' trend charts. */
  readonly buildOrder?: number;
  readonly buildName?: string;
  readonly buildUrl?: string;
  readonly reportUrl?: string;
  readonly reportName?: string;
}

/** A URL as it may be shown: without a user name or password in it. */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * Escapes a key or a value as java.util.Properties reads it (Allure reads environment.properties with it): a
 * separator or comment mark in a key, a leading blank, backslashes, line breaks, and whatever is not ASCII.
 */
function escapeProperty(text: string, isKey: boolean): string {
  let out = '';
  for (const [i, char] of [...text].entries()) {
    const code = char.codePointAt(0) as number;
    if (char === '\\') out += '\\\\';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (char === '\f') out += '\\f';
    else if (isKey && (char === '=' || char === ':' || ((char === '#' || char === '!') && i === 0)))
      out += `\\${char}`;
    else if (char === ' ' && (isKey || i === 0)) out += '\\ ';
    else if (code < 0x20 || code > 0x7e) {
      // ISO 8859-1 is what Properties.load reads: everything else as \uXXXX (UTF-16 units)
      for (const unit of char.split('')) out += `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;
    } else out += char;
  }
  return out;
}

/** environment.properties: one `key=value` a line, in the given order; undefined values left out. */
export function environmentProperties(entries: Readonly<Record<string, string | undefined>>): string {
  return Object.entries(entries)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `${escapeProperty(key, true)}=${escapeProperty(value, false)}\n`)
    .join('');
}

function set(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function wholeNumber(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

/** Drops the undefined fields (JSON.stringify would too; this keeps the objects equal in tests). */
function compact(executor: Executor): Executor {
  return Object.fromEntries(
    Object.entries(executor).filter(([, v]) => v !== undefined),
  ) as unknown as Executor;
}

/**
 * The Executor block from the CI's own variables; undefined outside CI. HARNESS_REPORT_URL, when set, is where
 * the published report will be (Allure links later reports' trend columns to it).
 */
export function executorFromEnvironment(env: NodeJS.ProcessEnv): Executor | undefined {
  const reportUrl = set(env.HARNESS_REPORT_URL);
  if (env.GITHUB_ACTIONS === 'true') {
    const server = set(env.GITHUB_SERVER_URL) ?? 'https://github.com';
    const repository = set(env.GITHUB_REPOSITORY);
    const runId = set(env.GITHUB_RUN_ID);
    const number = set(env.GITHUB_RUN_NUMBER);
    const attempt = wholeNumber(env.GITHUB_RUN_ATTEMPT);
    return compact({
      name: 'GitHub Actions',
      type: 'github',
      url: repository ? `${server}/${repository}` : server,
      buildOrder: wholeNumber(number),
      buildName: `${set(env.GITHUB_WORKFLOW) ?? 'workflow'}${number ? ` #${number}` : ''}${attempt !== undefined && attempt > 1 ? ` (attempt ${attempt})` : ''}${set(env.GITHUB_JOB) ? `: ${env.GITHUB_JOB}` : ''}`,
      buildUrl:
        repository && runId
          ? `${server}/${repository}/actions/runs/${runId}${attempt !== undefined && attempt > 1 ? `/attempts/${attempt}` : ''}`
          : undefined,
      reportUrl,
    });
  }
  if (env.GITLAB_CI === 'true') {
    const pipeline = set(env.CI_PIPELINE_IID) ?? set(env.CI_PIPELINE_ID);
    const job = set(env.CI_JOB_NAME);
    return compact({
      name: 'GitLab CI',
      type: 'gitlab',
      url: set(env.CI_PROJECT_URL) ?? set(env.CI_SERVER_URL),
      buildOrder: wholeNumber(pipeline),
      buildName: `${set(env.CI_PROJECT_PATH) ?? 'pipeline'}${pipeline ? ` #${pipeline}` : ''}${job ? `: ${job}` : ''}`,
      buildUrl: set(env.CI_JOB_URL) ?? set(env.CI_PIPELINE_URL),
      reportUrl,
    });
  }
  if (set(env.JENKINS_URL)) {
    const buildUrl = set(env.BUILD_URL);
    const number = set(env.BUILD_NUMBER);
    return compact({
      name: 'Jenkins',
      type: 'jenkins',
      url: set(env.JENKINS_URL),
      buildOrder: wholeNumber(number),
      buildName:
        set(env.BUILD_DISPLAY_NAME) && set(env.JOB_NAME)
          ? `${env.JOB_NAME} ${env.BUILD_DISPLAY_NAME}`
          : `${set(env.JOB_NAME) ?? 'job'}${number ? ` #${number}` : ''}`,
      buildUrl,
      // The Allure Jenkins plugin publishes the report at <build>/allure/.
      reportUrl: reportUrl ?? (buildUrl ? `${buildUrl.replace(/\/?$/, '/')}allure/` : undefined),
    });
  }
  const ci = set(env.CI);
  if (ci !== undefined && ci.toLowerCase() !== 'false' && ci !== '0') {
    const number = set(env.BUILD_NUMBER);
    return compact({
      name: 'CI',
      buildOrder: wholeNumber(number),
      buildName: number ? `build ${number}` : undefined,
      buildUrl: set(env.BUILD_URL),
      reportUrl,
    });
  }
  return undefined;
}

/** The Environment widget's lines for one run. */
export function environmentOf(
  context: RunContext,
  identity: { version: string; commit: string },
): Record<string, string | undefined> {
  return {
    Target: withoutCredentials(context.taskUrl),
    Rig: context.rigUrl === undefined ? 'none' : withoutCredentials(context.rigUrl),
    ...(context.tls === undefined ? {} : { TLS: context.tls }),
    Profile: context.profile?.file,
    'Profile.Vendor': context.profile?.vendor,
    'Profile.Product': context.profile?.product,
    'Profile.Release': context.profile?.release,
    'Harness.Version': identity.version,
    'Harness.Commit': identity.commit,
    Seed: String(context.seed),
    Encodings: context.encodings.join(', '),
    Node: process.version,
  };
}

async function writeAtomically(file: string, content: string): Promise<void> {
  await writeFile(`${file}.tmp`, content);
  await rename(`${file}.tmp`, file);
}

/** The version, and the commit with +modified when the working tree differed from it. */
export function shownIdentity(identity: HarnessIdentity): { version: string; commit: string } {
  const modified = identity.commit !== 'unknown' && identity.modified === true ? '+modified' : '';
  return { version: identity.version, commit: `${identity.commit}${modified}` };
}

/** Writes environment.properties, and executor.json under CI, into allure-results/. */
export async function writeAllureContext(
  resultsDir: string,
  context: RunContext,
  projectRoot: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  // A run of no scenario has no results, and no directory yet: the environment still says what was run.
  await mkdir(resultsDir, { recursive: true });
  await writeAtomically(
    path.join(resultsDir, 'environment.properties'),
    environmentProperties(environmentOf(context, shownIdentity(await harnessIdentity(projectRoot)))),
  );
  const executor = executorFromEnvironment(env);
  if (executor !== undefined)
    await writeAtomically(path.join(resultsDir, 'executor.json'), `${JSON.stringify(executor, null, 2)}\n`);
}
