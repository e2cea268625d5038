import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import {
  checkProfile,
  keyOf,
  loadProfile,
  ProfileError,
  REDACTED,
  redactProfile,
} from '../support/profile/profile.ts';

const VALID = {
  identity: { vendor: 'Example', product: 'Controller', software_release: '2026.04' },
  task_url: 'http://10.20.0.5:44000/api/v2/task',
  rig: { url: 'http://10.20.0.5:44000/rig/v1', token: 's3cret-token-value' },
  capabilities: { json: true, rig: true, task_interface_arrangement: true, operator: false },
  fixtures: {
    absent_port: 1999,
    autocase_ports: [4, 7],
    other_ports: [{ port_id: 12, type: 'CO' }],
    bins: [101337],
  },
  timeouts: { call_ms: 5000, arrangement_ms: 1000, operator_s: 60 },
};

/** The profile with one key changed (undefined: removed), by a path of keys. */
function withKey(path: readonly (string | number)[], value: unknown): unknown {
  const copy = structuredClone(VALID) as Record<string, unknown>;
  let at: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key as string] as Record<string, unknown>;
  const last = path[path.length - 1] as string;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

async function problemsOf(value: unknown, env: NodeJS.ProcessEnv = {}): Promise<readonly string[]> {
  try {
    await checkProfile('p.json', value, env);
  } catch (error) {
    assert.ok(error instanceof ProfileError, String(error));
    return error.problems;
  }
  assert.fail('the profile was accepted');
}

describe('target profiles', () => {
  it('accepts every profile shipped in profiles/', async () => {
    const files = (await readdir('profiles')).filter(
      (f) => f.endsWith('.json') && !f.includes('.schema.') && !f.includes('.site.'),
    );
    assert.ok(files.includes('emulator.json') && files.includes('example-controller.json'));
    for (const file of files) {
      const loaded = await loadProfile(`profiles/${file}`, { CONTROLLER_RIG_TOKEN: 'x' });
      assert.equal(loaded.file, `profiles/${file}`);
    }
  });

  it('reads the token from the profile or from the variable it names', async () => {
    assert.equal((await checkProfile('p.json', VALID, {})).rigToken, 's3cret-token-value');
    const byEnv = withKey(['rig'], { url: 'http://h/rig/v1', token_env: 'MY_TOKEN' });
    assert.equal((await checkProfile('p.json', byEnv, { MY_TOKEN: 'from-env' })).rigToken, 'from-env');
  });

  for (const [what, path, value, expected] of [
    ['a missing key', ['capabilities', 'operator'], undefined, /^capabilities\.operator: missing$/],
    ['a wrong type', ['capabilities', 'json'], 'yes', /^capabilities\.json: must be boolean, got "yes"$/],
    ['an unknown key', ['capabilites'], {}, /^capabilites: unknown key/],
    [
      'a port out of range',
      ['fixtures', 'autocase_ports'],
      [4, 2001],
      /^fixtures\.autocase_ports\[1\]: must be <= 2000/,
    ],
    [
      'a type that is not a code',
      ['fixtures', 'other_ports'],
      [{ port_id: 12, type: 'XX' }],
      /^fixtures\.other_ports\[0\]\.type: must be one of CO/,
    ],
    [
      'bins of the wrong form',
      ['fixtures', 'bins'],
      'all',
      /^fixtures\.bins: The bin ids the tests may open/,
    ],
    [
      'a missing identity field',
      ['identity', 'software_release'],
      undefined,
      /^identity\.software_release: missing$/,
    ],
    ['a task URL that is not one', ['task_url'], 'ftp://x', /^task_url: only http:\/\/ and https:\/\/ URLs/],
    ['a timeout of zero', ['timeouts', 'call_ms'], 0, /^timeouts\.call_ms: must be >= 1/],
    [
      'an operator command that is a string',
      ['operator'],
      { command: 'rig-op' },
      /^operator\.command: must be array/,
    ],
    [
      'an empty operator command',
      ['operator'],
      { command: [] },
      /^operator\.command: must NOT have fewer than 1 items/,
    ],
    [
      'an empty program',
      ['operator'],
      { command: [''] },
      /^operator\.command\[0\]: must NOT have fewer than 1 characters/,
    ],
    ['an operator without a command', ['operator'], {}, /^operator\.command: missing$/],
    [
      'an operator command without the capability',
      ['operator'],
      { command: ['rig-op'] },
      /^operator\.command: the profile declares no operator \(capabilities\.operator is false\): set it to true, or leave the command out$/,
    ],
    [
      'a port declared twice',
      ['fixtures', 'other_ports'],
      [{ port_id: 4, type: 'CO' }],
      /^fixtures\.other_ports\[0\]\.port_id: port 4 is already declared at fixtures\.autocase_ports\[0\]$/,
    ],
  ] as const) {
    it(`names the key of ${what}`, async () => {
      const problems = await problemsOf(withKey(path, value));
      assert.ok(
        problems.some((p) => expected.test(p)),
        problems.join('\n'),
      );
    });
  }

  it('takes a scripted operator with the capability', async () => {
    const profile = structuredClone(VALID) as Record<string, unknown>;
    profile.capabilities = { ...VALID.capabilities, operator: true };
    profile.operator = { command: ['node', 'rig/operate.mjs'] };
    const loaded = await checkProfile('p.json', profile, {});
    assert.deepEqual(loaded.profile.operator?.command, ['node', 'rig/operate.mjs']);
  });

  it('refuses a token and a token variable together, and a token variable that is not set', async () => {
    const both = await problemsOf(withKey(['rig', 'token_env'], 'X'));
    assert.deepEqual(both, ['rig: give token or token_env, not both']);
    const unset = await problemsOf(withKey(['rig'], { url: 'http://h/rig/v1', token_env: 'NOT_SET_HERE' }));
    assert.deepEqual(unset, ['rig.token_env: the environment variable NOT_SET_HERE is not set']);
  });

  it('never repeats the token in a message', async () => {
    const problems = await problemsOf(withKey(['rig', 'token'], ''));
    assert.ok(
      problems.some((p) => p.startsWith('rig.token:')),
      problems.join('\n'),
    );
    const tokenProblems = await problemsOf({ ...(withKey(['rig', 'token'], 42) as object) });
    assert.ok(
      tokenProblems.every((p) => !p.includes('42')),
      tokenProblems.join('\n'),
    );
  });

  it('says when the file is missing or not JSON', async () => {
    await assert.rejects(loadProfile('profiles/nope.json'), /profile profiles\/nope\.json: no such file/);
    await assert.rejects(loadProfile('package-lock.json'), (error: unknown) => error instanceof ProfileError);
    await assert.rejects(loadProfile('README-does-not-exist'), /no such file/);
  });

  it('redacts the token and nothing else', async () => {
    const redacted = redactProfile(VALID as never);
    assert.equal(redacted.rig?.token, REDACTED);
    assert.equal(redacted.rig?.url, VALID.rig.url);
    assert.deepEqual(redacted.fixtures, VALID.fixtures);
    const text = JSON.stringify(redacted);
    assert.ok(!text.includes(VALID.rig.token));
    assert.equal(JSON.parse(await readFile('profiles/emulator.json', 'utf8')).rig, undefined);
  });

  it('writes JSON pointers as keys a person reads', () => {
    assert.equal(keyOf('/fixtures/other_ports/1/type'), 'fixtures.other_ports[1].type');
    assert.equal(keyOf('', 'identity'), 'identity');
    assert.equal(keyOf(''), '(top level)');
  });
});
