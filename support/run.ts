// `npm test`: resolve the target (from the flags and the target profile), check that it answers and does what
// its profile declares, run cucumber against it, and say what happened in verdicts: in the console, JUnit,
// Allure, and with --certify an evidence bundle.
import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { appendFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkCertifyOptions,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  type HarnessOptions,
  parseOptions,
  resolveRigUrl,
  resolveTaskUrl,
  USAGE,
  UsageError,
} from './options.ts';
import { type CapabilityCheck, checkCapabilities } from './profile/capabilities.ts';
import {
  checkProfilePath,
  profileFromSite,
  WriteProfileError,
  writeSiteProfile,
} from './profile/from-site.ts';
import {
  DEFAULT_ARRANGEMENT_MS,
  DEFAULT_OPERATOR_S,
  type LoadedProfile,
  loadProfile,
  ProfileError,
} from './profile/profile.ts';
import { writeAllureContext } from './report/allure-context.ts';
import { CERTIFICATION_EXIT, writeCertification } from './report/certify.ts';
import { progressLine } from './report/progress-line.ts';
import { claimReportsDir, LATEST, ReportsDirError } from './report/reports-dir.ts';
import {
  countVerdicts,
  gates,
  MessageStreamError,
  placeOf,
  readVerdictsFile,
  type ScenarioVerdict,
  type Verdict,
} from './report/verdicts.ts';
import { annotateAllureResults, setAsideAllureResults } from './report/verdicts-allure.ts';
import { ExpectationError, loadExpectations, staleExpectations } from './report/verdicts-expect.ts';
import { renderJunit } from './report/verdicts-junit.ts';
import {
  loadRequirements,
  type RequirementRow,
  requirementMatrix,
  scanRequirementTags,
  traceabilityProblems,
} from './report/verdicts-requirements.ts';
import { RIG_TOKEN_VARIABLE, type RunConfig, readRigToken, runConfigEnvironment } from './run-config.ts';
import { describeSite, discoverSite, rangeSource } from './site/discover.ts';
import { DEFAULT_PORTS, parsePortList } from './site/port-list.ts';
import type { SiteMap, SiteSource } from './site/site-map.ts';
import { closeClient, preflight } from './target/client.ts';
import { OPERATOR_ABORTED } from './target/operator.ts';
import { RigClient } from './target/rig.ts';
import type { Encoding, Exchange, TargetConfig } from './target/types.ts';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CUCUMBER_BIN = path.join(PROJECT_ROOT, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js');
const FEATURES_DIR = path.join(PROJECT_ROOT, 'features');
const REQUIREMENTS_FILE = path.join(FEATURES_DIR, 'requirements.json');
const SUITE_NAME = 'case_cancel conformance';
/** Every report, or only the message stream (HARNESS_REPORTS=messages: the selftest and the e2e tests). */
const fullReports = process.env.HARNESS_REPORTS !== 'messages';

/** Exit 2: the run could not be made. One line (or one per problem), no stack trace. */
class RunError extends Error {}

interface Target {
  readonly taskUrl: string;
  readonly rigUrl?: string;
  readonly rigToken?: string;
  readonly label: string;
  /** The emulator the runner started itself. */
  readonly embedded?: boolean;
  close(): Promise<void>;
}

function targetGiven(options: HarnessOptions): boolean {
  return options.ownArgs.some((a) => a.startsWith('--target='));
}

async function openTarget(options: HarnessOptions, loaded: LoadedProfile | undefined): Promise<Target> {
  const profile = loaded?.profile;
  const where = targetGiven(options) || !profile ? options.target : profile.task_url;
  if (where === 'emulator') {
    if (options.rig)
      throw new UsageError('--rig: the embedded emulator brings its own rig; give --rig with --target');
    // The runner may start the emulator; nothing under support/ or steps/ decides anything with its code.
    const { startEmulator } = await import('../emulator/index.ts');
    const withRig = profile?.capabilities.rig ?? true;
    const rigToken = withRig ? randomBytes(18).toString('base64url') : undefined;
    const emulator = await startEmulator({ host: '127.0.0.1', port: 0, rigToken, rig: withRig, quiet: true });
    return {
      taskUrl: emulator.taskUrl,
      rigUrl: emulator.rigUrl,
      rigToken,
      label: `the embedded emulator at ${emulator.taskUrl}${withRig ? '' : ' (started without its rig, as the profile declares)'}`,
      embedded: true,
      close: () => emulator.close(),
    };
  }
  const taskUrl = resolveTaskUrl(where);
  const rig = options.rig ?? (profile?.capabilities.rig ? profile.rig?.url : undefined);
  if (profile?.capabilities.rig && rig === undefined) {
    throw new ProfileError(loaded?.file ?? '', [
      'rig.url: missing, and capabilities.rig is true (give the rig URL here or with --rig)',
    ]);
  }
  return {
    taskUrl,
    rigUrl: rig === undefined ? undefined : resolveRigUrl(rig),
    rigToken: loaded?.rigToken ?? readRigToken(),
    label: taskUrl,
    close: async () => {},
  };
}

async function checkReachable(target: Target, timeoutMs: number): Promise<void> {
  const cause = await preflight(target.taskUrl);
  if (cause) throw new RunError(`target ${target.taskUrl} does not answer: ${cause}`);
  if (target.rigUrl) {
    const rig = new RigClient(target.rigUrl, {
      token: target.rigToken,
      timeoutMs: Math.min(timeoutMs, 5000),
    });
    try {
      await rig.events();
    } catch (error) {
      throw new RunError(
        `rig ${target.rigUrl} does not answer as rig-control.md fixes it: ${(error as Error).message}`,
      );
    }
  }
}

function encodingsOf(choice: HarnessOptions['encoding']): Encoding[] {
  if (choice === 'xml') return ['XML'];
  if (choice === 'json') return ['JSON'];
  return ['XML', 'JSON'];
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

function cucumberArguments(options: HarnessOptions): string[] {
  const args = [CUCUMBER_BIN, '--config', 'cucumber.cjs'];
  // Each Examples block of an outline is tagged with its encoding; cucumber ANDs repeated --tags.
  if (options.encoding === 'xml') args.push('--tags', 'not @json');
  if (options.encoding === 'json') args.push('--tags', 'not @xml');
  args.push(...options.cucumberArgs);
  return args;
}

function runCucumber(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      stdio: 'inherit',
      env,
      cwd: PROJECT_ROOT,
    });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

/** The console shows the most frequent reasons; verdicts.json, JUnit and Allure have every scenario's. */
const MAX_REASONS = 12;

function listed(places: readonly string[], max = 8): string {
  const shown = places.slice(0, max).join(', ');
  return places.length > max ? `${shown} and ${places.length - max} more` : shown;
}

/** The console summary: counts per verdict, the reasons grouped, each failure with its re-run command. */
function summarise(
  scenarios: readonly ScenarioVerdict[],
  matrix: readonly RequirementRow[],
  stale: readonly string[],
  rerunPrefix: string,
): void {
  for (const verdict of ['NOT APPLICABLE', 'INCONCLUSIVE'] as const) {
    const these = scenarios.filter((s) => s.verdict === verdict);
    if (these.length === 0) continue;
    const byReason = new Map<string, string[]>();
    for (const s of these)
      byReason.set(s.reason ?? '', [...(byReason.get(s.reason ?? '') ?? []), placeOf(s)]);
    const groups = [...byReason].sort((a, b) => b[1].length - a[1].length);
    console.log(`\n${these.length} scenario(s) ${verdict}, by reason:`);
    for (const [reason, places] of groups.slice(0, MAX_REASONS))
      console.log(`  - ${verdict}: ${reason}\n      ${listed(places)}`);
    if (groups.length > MAX_REASONS)
      console.log(
        `  - and ${groups.length - MAX_REASONS} more reasons: every scenario's is in verdicts.json`,
      );
  }
  const expected = scenarios.filter((s) => s.verdict === 'FAILED' && s.expected !== undefined);
  if (expected.length > 0) {
    console.log(`\n${expected.length} expected failure(s) (--expect), not gating:`);
    for (const s of expected)
      console.log(`  - ${placeOf(s)} ${s.name}: ${s.reason} (expected: ${s.expected})`);
  }
  if (stale.length > 0) {
    console.log(`\n${stale.length} expectation(s) no longer true: update the expectation file`);
    for (const line of stale) console.log(`  - ${line}`);
  }
  const failed = scenarios.filter(gates);
  if (failed.length > 0) {
    console.log(`\n${failed.length} scenario(s) FAILED; re-run one with:`);
    for (const s of failed) console.log(`  - ${s.name}: ${s.reason}\n    ${rerunPrefix} ${placeOf(s)}`);
  }
  const notPassed = matrix.filter((r) =>
    Object.values(r.verdicts).some((v) => v !== undefined && v !== 'PASSED' && v !== 'NOT APPLICABLE'),
  );
  const run = matrix.filter((r) => r.scenarios > 0);
  console.log(
    `\nrequirements: ${run.length - notPassed.length} of the ${run.length} this run covers PASSED in every encoding${
      notPassed.length > 0
        ? `; not passed: ${notPassed
            .map(
              (r) =>
                `${r.id} (${Object.entries(r.verdicts)
                  .filter(([, v]) => v !== undefined)
                  .map(([e, v]) => `${e} ${v}`)
                  .join(', ')})`,
            )
            .join(', ')}`
        : ''
    }`,
  );
  const counts = countVerdicts(scenarios);
  const parts = (['PASSED', 'FAILED', 'NOT APPLICABLE', 'INCONCLUSIVE'] as Verdict[]).map(
    (v) => `${counts[v]} ${v}`,
  );
  console.log(
    `\n${counts.total} scenarios: ${parts.join(', ')}${counts.expected > 0 ? ` (${counts.expected} of the FAILED expected)` : ''}`,
  );
  // The line of earlier versions, in cucumber's words (skipped: NOT APPLICABLE and INCONCLUSIVE), for scripts.
  console.log(
    `scenarios: ${counts.PASSED} passed, ${counts.FAILED} failed, ${counts['NOT APPLICABLE'] + counts.INCONCLUSIVE} skipped`,
  );
}

function printCapabilities(checks: readonly CapabilityCheck[], fatal: boolean): void {
  const bad = checks.filter((c) => !c.ok);
  if (bad.length === 0) {
    console.log(`profile: ${checks.length} declared capabilities and fixtures checked against the target`);
    return;
  }
  const stream = fatal ? console.error : console.warn;
  stream(`profile: the target does not do what its profile declares:`);
  for (const c of bad) stream(`  - ${c.key}: ${c.detail}`);
}

// --- discovery: with no rig, the site as found, before the first scenario (docs/certification.md) -------------

interface DiscoveryInput {
  readonly options: HarnessOptions;
  readonly loaded?: LoadedProfile;
  readonly target: Target;
  readonly timeoutMs: number;
  readonly reportsDir: string;
  /** Every discovery call is appended here, as the capability check's are. */
  readonly exchangesFile: string;
}

/** Which ports discovery reads: --ports, else the profile's discovery.ports, else the ports its fixtures list, else 1-2000. */
function discoveryScope(options: HarnessOptions, loaded: LoadedProfile | undefined): SiteSource {
  if (options.ports) return rangeSource(options.ports);
  const profile = loaded?.profile;
  if (profile?.discovery?.ports !== undefined) return rangeSource(parsePortList(profile.discovery.ports));
  if (profile) {
    const { fixtures } = profile;
    const ports = [
      ...fixtures.autocase_ports,
      ...(fixtures.other_ports ?? []).map((p) => p.port_id),
      ...(fixtures.absent_port === undefined ? [] : [fixtures.absent_port]),
    ];
    return { kind: 'profile', ports: [...new Set(ports)].sort((a, b) => a - b) };
  }
  return rangeSource(parsePortList(DEFAULT_PORTS));
}

/**
 * With no rig, reads the site (only getportstatus and case_getstate), says in one line what was found and what
 * the run may change, keeps the map as site.json, and with --write-profile writes it as a profile. With a rig:
 * nothing (the rig arranges every scenario), and no site.json of an earlier run is left to mislead.
 */
async function discoverStage(input: DiscoveryInput): Promise<SiteMap | undefined> {
  const { options, loaded, target, reportsDir } = input;
  const siteFile = path.join(reportsDir, 'site.json');
  if (target.rigUrl) {
    if (options.writeProfile)
      throw new RunError(
        `--write-profile writes what the harness reads of a target without a rig; ${target.label} has the rig ${target.rigUrl}`,
      );
    if (options.ports) console.warn('harness: --ports: the target has a rig, so the site is not read');
    await rm(siteFile, { force: true });
    return undefined;
  }
  try {
    if (options.writeProfile) await checkProfilePath(options.writeProfile);
    const exchanges: string[] = [];
    const live = progressLine();
    const site = await discoverSite(
      {
        taskUrl: target.taskUrl,
        timeoutMs: input.timeoutMs,
        maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
      },
      discoveryScope(options, loaded),
      {
        excluded: loaded?.profile.discovery?.exclude_ports ?? [],
        onProgress: (read, total) => live?.show(`reading the site: ${read}/${total} ports`, read === total),
        record: (exchange) => exchanges.push(`${JSON.stringify({ scenario: 'discovery', exchange })}\n`),
      },
    );
    live?.clear();
    await appendFile(input.exchangesFile, exchanges.join(''));
    await writeFile(siteFile, `${JSON.stringify(site, null, 2)}\n`);
    console.log(describeSite(site, loaded?.profile.capabilities.task_interface_arrangement === true));
    if (options.writeProfile) {
      const file = options.writeProfile;
      const command = ['npm test --', ...options.ownArgs].map((a, i) => (i === 0 ? a : quote(a))).join(' ');
      const taskUrl = target.embedded ? 'emulator' : target.taskUrl;
      await writeSiteProfile(
        file,
        profileFromSite(site, { taskUrl, timeoutMs: input.timeoutMs, command, file }),
      );
      console.log(
        `profile: what was found is written to ${file}; replace its identity placeholders, keep it, and run with --target-profile=${file}`,
      );
    }
    return site;
  } catch (error) {
    if (error instanceof WriteProfileError) throw new RunError(error.message);
    throw error;
  }
}

interface ParsedRun {
  readonly options: HarnessOptions;
  readonly loaded?: LoadedProfile;
}

async function prepare(argv: readonly string[]): Promise<ParsedRun | undefined> {
  const options = parseOptions(argv);
  if (options.help) {
    console.log(USAGE);
    return undefined;
  }
  if (
    options.interactive &&
    options.cucumberArgs.some((a) => a === '--parallel' || a.startsWith('--parallel='))
  )
    throw new UsageError('--interactive asks one operator at one terminal: it refuses --parallel');
  const loaded = options.targetProfile ? await loadProfile(options.targetProfile) : undefined;
  if (options.certify) checkCertifyOptions(options, loaded !== undefined);
  return { options, loaded };
}

async function main(argv: readonly string[]): Promise<number> {
  const started = new Date();
  const parsed = await prepare(argv);
  if (!parsed) return 0;
  const { options, loaded } = parsed;
  const profile = loaded?.profile;

  const requirements = await loadRequirements(REQUIREMENTS_FILE);
  const untraceable = traceabilityProblems(requirements, await scanRequirementTags(FEATURES_DIR));
  if (untraceable.length > 0) {
    throw new RunError(
      `the suite does not trace to its requirements (${path.relative(PROJECT_ROOT, REQUIREMENTS_FILE)}):\n  ${untraceable.join('\n  ')}`,
    );
  }
  const expectations = options.expect
    ? await loadExpectations(options.expect, new Set(requirements.map((r) => r.id)))
    : undefined;

  // Without --reports a run directory of its own (reports/runs/<stamp>-<pid>/); with it, DIR, held by a lock.
  const reportsRoot = path.join(PROJECT_ROOT, 'reports');
  const reports = await claimReportsDir({
    root: reportsRoot,
    explicit: options.ownArgs.some((a) => a.startsWith('--reports='))
      ? path.resolve(PROJECT_ROOT, options.reportsDir)
      : undefined,
    label: (dir) => path.relative(process.cwd(), dir) || '.',
  });
  const reportsDir = reports.dir;
  const timeoutMs = options.timeoutMs ?? profile?.timeouts?.call_ms ?? DEFAULT_TIMEOUT_MS;
  const seed = options.seed ?? randomInt(0, 2 ** 31 - 1);
  if (options.interactive && !process.stdin.isTTY)
    console.warn(
      'harness: --interactive: standard input is not a terminal; scenarios that need an operator are INCONCLUSIVE',
    );
  if (options.interactive && !profile?.capabilities.operator)
    console.warn(
      'harness: --interactive: the profile declares no operator (capabilities.operator); nobody will be asked',
    );

  const target = await openTarget(options, loaded);
  try {
    await checkReachable(target, timeoutMs);
    await mkdir(reportsDir, { recursive: true });
    for (const name of ['messages.ndjson', 'exchanges.ndjson', 'verdicts.json'])
      await rm(path.join(reportsDir, name), { recursive: true, force: true });
    const allureResults = path.join(reportsDir, 'allure-results');
    // With every report the Allure writer takes the last run's files over; otherwise nothing would delete them.
    if (fullReports) await setAsideAllureResults(allureResults);
    else await rm(allureResults, { recursive: true, force: true });
    const exchangesFile = path.join(reportsDir, 'exchanges.ndjson');
    await writeFile(exchangesFile, '');

    console.log(`target: ${target.label}${target.rigUrl ? `, rig ${target.rigUrl}` : ', no rig'}`);
    let capabilityChecks: CapabilityCheck[] = [];
    if (profile) {
      const targetConfig: TargetConfig = {
        taskUrl: target.taskUrl,
        rigUrl: target.rigUrl,
        timeoutMs,
        maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
      };
      const probes: Exchange[] = [];
      capabilityChecks = await checkCapabilities(profile, targetConfig, (e) => probes.push(e));
      await appendFile(
        exchangesFile,
        probes.map((exchange) => `${JSON.stringify({ scenario: 'capability check', exchange })}\n`).join(''),
      );
      console.log(
        `profile: ${loaded.file} (${profile.identity.vendor}, ${profile.identity.product}, ${profile.identity.software_release})`,
      );
      printCapabilities(capabilityChecks, options.certify);
      if (options.certify && capabilityChecks.some((c) => !c.ok))
        throw new RunError('--certify: the target must do what its profile declares before it is certified');
    }
    const site = await discoverStage({ options, loaded, target, timeoutMs, reportsDir, exchangesFile });

    const keep = options.ownArgs.filter((a) => !a.startsWith('--seed=') && !a.startsWith('--fuzz-path='));
    const rerunPrefix = ['npm test --', ...keep, `--seed=${seed}`]
      .map((a, i) => (i === 0 ? a : quote(a)))
      .join(' ');
    const config: RunConfig = {
      taskUrl: target.taskUrl,
      rigUrl: target.rigUrl,
      timeoutMs,
      maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
      encodings: encodingsOf(options.encoding),
      seed,
      fuzzRuns: options.fuzzRuns,
      fuzzPath: options.fuzzPath,
      reportsDir,
      rerunPrefix,
      profile: profile
        ? {
            file: loaded.file,
            capabilities: profile.capabilities,
            fixtures: profile.fixtures,
            arrangementMs: profile.timeouts?.arrangement_ms ?? DEFAULT_ARRANGEMENT_MS,
            operatorMs: (profile.timeouts?.operator_s ?? DEFAULT_OPERATOR_S) * 1000,
          }
        : undefined,
      interactive: options.interactive,
      exchangesFile,
      expectations,
      site,
    };
    console.log(`fuzz seed: ${seed} (replay with --seed=${seed})`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...runConfigEnvironment(config),
      HARNESS_REPORTS_DIR: reportsDir,
      // The live `scenario N of M` line shares the terminal badly with the operator's prompts.
      ...(options.interactive ? { HARNESS_PROGRESS: 'off' } : {}),
    };
    if (target.rigToken) env[RIG_TOKEN_VARIABLE] = target.rigToken;
    else delete env[RIG_TOKEN_VARIABLE];
    const cucumberCode = await runCucumber(cucumberArguments(options), env);
    const finished = new Date();

    const messagesFile = path.join(reportsDir, 'messages.ndjson');
    const result = await readVerdictsFile(messagesFile);
    if (!result?.started) {
      // Cucumber stopped before running anything: a bad option or path is a run that could not be made.
      console.error('harness: cucumber did not start a run (see its message above)');
      return 2;
    }
    const scenarios = result.scenarios;
    const matrix = requirementMatrix(requirements, scenarios);
    const stale = expectations ? staleExpectations(expectations, scenarios) : [];
    summarise(scenarios, matrix, stale, rerunPrefix);

    const junit = renderJunit(scenarios, {
      suiteName: SUITE_NAME,
      timestamp: started.toISOString(),
      properties: {
        target: target.taskUrl,
        seed: String(seed),
        ...(profile ? { profile: loaded.file } : {}),
      },
    });
    if (fullReports) {
      await writeFile(path.join(reportsDir, 'junit.xml'), junit);
      await annotateAllureResults(path.join(reportsDir, 'allure-results'), scenarios);
      await writeAllureContext(
        path.join(reportsDir, 'allure-results'),
        {
          taskUrl: target.taskUrl,
          rigUrl: target.rigUrl,
          seed,
          encodings: encodingsOf(options.encoding),
          profile: profile && {
            file: loaded.file,
            vendor: profile.identity.vendor,
            product: profile.identity.product,
            release: profile.identity.software_release,
          },
        },
        PROJECT_ROOT,
      );
    }
    await writeFile(
      path.join(reportsDir, 'verdicts.json'),
      `${JSON.stringify(
        {
          target: target.taskUrl,
          profile: loaded?.file,
          seed,
          counts: countVerdicts(scenarios),
          requirements: matrix.map(({ id, verdicts, expected, scenarios: n }) => ({
            id,
            verdicts,
            expected,
            scenarios: n,
          })),
          stale_expectations: stale,
          scenarios: scenarios.map(
            ({ uri, line, name, encoding, requirements: reqs, verdict, reason, expected, stale: s }) => ({
              scenario: `${uri}:${line}`,
              name,
              encoding,
              requirements: reqs,
              verdict,
              reason,
              expected,
              stale: s,
            }),
          ),
        },
        null,
        2,
      )}\n`,
    );
    const where = path.relative(process.cwd(), reportsDir) || '.';
    const written = fullReports
      ? 'verdicts.json, junit.xml, cucumber.html, messages.ndjson, exchanges.ndjson, allure-results/'
      : 'verdicts.json, messages.ndjson, exchanges.ndjson';
    const latest = path.relative(process.cwd(), path.join(reportsRoot, LATEST));
    const pointed = reports.ownRun && (await reports.markLatest()) ? `; ${latest} points here` : '';
    console.log(`reports: ${where}/ (${written})${pointed}`);

    const aborted = scenarios.some((s) => s.reason === OPERATOR_ABORTED);
    // Cucumber fails a run for its scenarios, and also when a report could not be written or a BeforeAll or
    // AfterAll hook failed: with no scenario to blame, the run itself was not done right.
    const outsideScenarios =
      cucumberCode !== 0 && scenarios.every((s) => s.status === 'PASSED' || s.status === 'SKIPPED');
    let code = aborted || !result.finished || outsideScenarios ? 2 : scenarios.some(gates) ? 1 : 0;
    if (aborted) console.error(`harness: ${OPERATOR_ABORTED}`);
    else if (!result.finished) console.error('harness: cucumber stopped before the end of the run');
    else if (outsideScenarios)
      console.error(
        `harness: cucumber ended with exit code ${cucumberCode} though no scenario failed: a report or a BeforeAll/AfterAll hook failed (its message is above)`,
      );

    if (options.certify && loaded && code !== 2) {
      const bundle = await writeCertification({
        root: reports.certificationRoot,
        started,
        finished,
        loaded,
        target: { taskUrl: target.taskUrl, rigUrl: target.rigUrl },
        seed,
        fuzzRuns: options.fuzzRuns,
        command: ['npm test --', ...options.ownArgs].map((a, i) => (i === 0 ? a : quote(a))).join(' '),
        capabilityChecks,
        scenarios,
        matrix,
        messagesFile,
        exchangesFile,
        junit,
        projectRoot: PROJECT_ROOT,
      });
      console.log(`\ncertification: ${bundle.certified ? 'CERTIFIED' : 'NOT CERTIFIED'}`);
      for (const blocker of bundle.blockers) console.log(`  - ${blocker}`);
      console.log(`bundle: ${path.relative(process.cwd(), bundle.dir) || bundle.dir}/`);
      console.log(
        `MANIFEST.sha256 sha256: ${bundle.manifestSha256} (check with: npm run verify-bundle -- ${path.relative(process.cwd(), bundle.dir)})`,
      );
      if (!bundle.certified) code = Math.max(code, CERTIFICATION_EXIT);
    }
    return code;
  } finally {
    reports.release();
    await target.close();
    await closeClient();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ProfileError || error instanceof ExpectationError) {
      for (const line of error.message.split('\n')) console.error(`harness: ${line}`);
    } else if (
      error instanceof UsageError ||
      error instanceof RunError ||
      error instanceof ReportsDirError ||
      error instanceof MessageStreamError
    ) {
      console.error(`harness: ${error.message}`);
      if (error instanceof UsageError) console.error('run "npm test -- --help" for the flags');
    } else {
      console.error(`harness: the run could not be made: ${(error as Error)?.stack ?? String(error)}`);
    }
    process.exitCode = 2;
  },
);
