// The rig token, however it reaches the harness, never appears in the console, in reports/ or in the
// certification bundle: every output of real runs is searched for it, raw and inside base64 blobs.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type RunningEmulator, startEmulator } from '../../emulator/index.ts';
import { crashSigns, type HarnessRun, ROOT, runHarness } from '../hostile/harness.ts';
import { findSecrets } from '../hostile/secrets.ts';
import { startEchoingRig } from '../hostile/targets.ts';

/** Letters and digits only, so that no encoding (JSON, URL, HTML) could disguise it. */
const secret = (label: string) => `${label}${randomBytes(12).toString('hex')}`;
const SMALL = ['--tags', '@error:1000 and @xml'];

/**
 * A profile of the emulator's default site around the rig given. It declares XML only: the JSON rows are then
 * NOT APPLICABLE, which halves a certification run; the token travels the same way in either encoding.
 */
function profileFor(emulator: RunningEmulator, rig: Record<string, string>): string {
  return JSON.stringify({
    identity: { vendor: 'secrets test', product: 'reference emulator', software_release: '0' },
    task_url: emulator.taskUrl,
    rig: { url: emulator.rigUrl, ...rig },
    capabilities: { json: false, rig: true, task_interface_arrangement: true, operator: false },
    fixtures: {
      absent_port: 1999,
      autocase_ports: [1, 4, 5, 6, 7, 8, 2000],
      other_ports: [
        { port_id: 12, type: 'CO' },
        { port_id: 20, type: 'CA' },
      ],
      bins: 'any',
    },
  });
}

async function assertNowhere(secrets: readonly string[], run: HarnessRun, reports: string): Promise<void> {
  assert.deepEqual(crashSigns(run), [], `${run.stdout}\n${run.stderr}`);
  const { sightings, filesSearched } = await findSecrets(secrets, `${run.stdout}\n${run.stderr}`, reports);
  assert.deepEqual(sightings, [], `the secret appears (${filesSearched} files searched)`);
}

/** The run used the rig with a bearer token, and the evidence shows it masked. */
async function assertRigUsedMasked(reports: string): Promise<void> {
  const exchanges = await readFile(path.join(reports, 'exchanges.ndjson'), 'utf8');
  assert.match(exchanges, /Bearer \*\*\*/);
}

describe('the search for a secret', () => {
  it('finds it raw and inside base64, in the console and in files', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'secrets-search-'));
    try {
      const token = secret('Control');
      await writeFile(path.join(dir, 'raw.txt'), `before ${token} after`);
      const encoded = Buffer.from(`{"authorization":"Bearer ${token}"}`).toString('base64');
      await writeFile(path.join(dir, 'messages.ndjson'), `{"attachment":{"body":"${encoded}"}}\n`);
      const { sightings } = await findSecrets([token], `console ${token}`, dir);
      assert.deepEqual(sightings.map((s) => `${s.where} ${s.how}`).sort(), [
        'console raw',
        'messages.ndjson base64',
        'raw.txt raw',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('secrets never reach an output', () => {
  let tmp: string;
  const emulators: RunningEmulator[] = [];
  const closers: (() => Promise<void>)[] = [];
  const reports = (name: string) => path.join(tmp, name);
  const startWith = async (token: string, deviate: string[] = []) => {
    const emulator = await startEmulator({ host: '127.0.0.1', port: 0, rigToken: token, deviate });
    emulators.push(emulator);
    return emulator;
  };

  const tokens = {
    inline: secret('InlineProfileToken'),
    unusedEnvironment: secret('UnusedEnvToken'),
    environment: secret('EnvToken'),
    profileEnvironment: secret('ProfileEnvToken'),
    right: secret('RightToken'),
    echoed: secret('EchoedToken'),
    badProfile: secret('BadProfileToken'),
  };
  let runs: {
    certify: Promise<HarnessRun>;
    environment: Promise<HarnessRun>;
    profileEnvironment: Promise<HarnessRun>;
    echoed: Promise<HarnessRun>;
    badProfile: Promise<HarnessRun>;
  };
  let captured: string;

  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'secrets-'));
    captured = path.join(tmp, 'captured-tokens.txt');
    await writeFile(captured, '');
    const environment = await startWith(tokens.environment, ['code-1000-wrong']);
    const guarded = await startWith(tokens.right);
    const echoing = await startEchoingRig();
    closers.push(echoing.close);

    // The embedded emulator (task_url "emulator"): the runner gives it a random token. The profile carries
    // another inline, which the bundle copies (redacted); a third sits unused in the environment.
    const certifyProfile = path.join(tmp, 'certify-profile.json');
    const embedded = JSON.parse(profileFor(guarded, { token: tokens.inline })) as Record<string, unknown>;
    await writeFile(
      certifyProfile,
      JSON.stringify({ ...embedded, task_url: 'emulator', rig: { token: tokens.inline } }),
    );
    const envProfile = path.join(tmp, 'env-profile.json');
    await writeFile(envProfile, profileFor(guarded, { token_env: 'SECRETS_TEST_PROFILE_TOKEN' }));
    const badProfile = path.join(tmp, 'bad-profile.json');
    await writeFile(
      badProfile,
      JSON.stringify({
        task_url: 'emulator',
        rig: { token: tokens.badProfile, token_env: 'X', extra: tokens.badProfile },
      }),
    );

    const capture = pathToFileURL(path.join(ROOT, 'test', 'hostile', 'capture-token.mjs')).href;
    runs = {
      // The whole suite with --certify, so the bundle too; the embedded emulator's token captured from inside.
      certify: runHarness(
        [
          `--target-profile=${certifyProfile}`,
          '--certify',
          '--fuzz-runs=1',
          `--reports=${reports('certify')}`,
        ],
        {
          HARNESS_RIG_TOKEN: tokens.unusedEnvironment,
          NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${capture}`.trim(),
          SECRETS_TEST_CAPTURE: captured,
        },
      ),
      // --rig and HARNESS_RIG_TOKEN, against an emulator that fails the scenario (failure messages too).
      environment: runHarness(
        [
          `--target=${environment.taskUrl}`,
          `--rig=${environment.rigUrl}`,
          `--reports=${reports('environment')}`,
          ...SMALL,
        ],
        { HARNESS_RIG_TOKEN: tokens.environment },
      ),
      // A profile naming the variable that holds the token, a wrong one: the rig refuses it, exit 2.
      profileEnvironment: runHarness(
        [`--target-profile=${envProfile}`, `--reports=${reports('profile-env')}`, ...SMALL],
        { SECRETS_TEST_PROFILE_TOKEN: tokens.profileEnvironment },
      ),
      // A rig that repeats the credentials it was sent in its refusal.
      echoed: runHarness(
        [`--target=${guarded.taskUrl}`, `--rig=${echoing.url}`, `--reports=${reports('echoed')}`, ...SMALL],
        { HARNESS_RIG_TOKEN: tokens.echoed },
      ),
      // A profile that is wrong in several ways, one of them around its token.
      badProfile: runHarness([`--target-profile=${badProfile}`, `--reports=${reports('bad-profile')}`]),
    };
  });

  after(async () => {
    await Promise.allSettled(Object.values(runs ?? {}));
    await Promise.all([...emulators.map((e) => e.close()), ...closers.map((close) => close())]);
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('a certification of the embedded emulator: its random token, the inline profile token and an unused one are in no console line, report or bundle file', async () => {
    const run = await runs.certify;
    // Whether it certifies is the suite's business; here the bundle must exist, and hold no secret.
    assert.notEqual(run.code, 2, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /certification: (NOT )?CERTIFIED/);
    const seen = [...new Set((await readFile(captured, 'utf8')).split('\n').filter((t) => t !== ''))];
    const random = seen.filter((token) => token !== tokens.unusedEnvironment);
    assert.ok(random.length > 0, "the embedded emulator's token was captured");
    const bundle = path.join(reports('certify'), 'certification');
    assert.ok((await readdir(bundle)).length > 0, 'the bundle was written under reports/certification/');
    const profile = await readFile(
      path.join(bundle, (await readdir(bundle))[0] ?? '', 'profile.json'),
      'utf8',
    );
    assert.match(profile, /"token": "\*\*\*"/, 'the bundle keeps the profile, its token masked');
    await assertNowhere([...random, tokens.inline, tokens.unusedEnvironment], run, reports('certify'));
    await assertRigUsedMasked(reports('certify'));
  });

  it('--rig with HARNESS_RIG_TOKEN: in no output, failures included', async () => {
    const run = await runs.environment;
    assert.equal(run.code, 1, `the deviating emulator fails the scenario:\n${run.stdout}\n${run.stderr}`);
    await assertNowhere([tokens.environment], run, reports('environment'));
    await assertRigUsedMasked(reports('environment'));
  });

  it('a profile whose token comes from an environment variable (a wrong one): exit 2, in neither line nor file', async () => {
    const run = await runs.profileEnvironment;
    assert.equal(run.code, 2, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr, /answered 401/);
    await assertNowhere([tokens.profileEnvironment, tokens.right], run, reports('profile-env'));
  });

  it('a rig that echoes the credentials: the harness masks them', async () => {
    const run = await runs.echoed;
    assert.equal(run.code, 2, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr, /answered 401.*\*\*\*/);
    await assertNowhere([tokens.echoed], run, reports('echoed'));
  });

  it('a profile with errors around its token: the errors name keys, never the token', async () => {
    const run = await runs.badProfile;
    assert.equal(run.code, 2, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr, /rig\./);
    await assertNowhere([tokens.badProfile], run, reports('bad-profile'));
  });
});
