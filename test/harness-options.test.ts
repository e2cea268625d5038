import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOptions, resolveRigUrl, resolveTaskUrl, UsageError } from '../support/options.ts';

describe('the harness command line', () => {
  it('takes its own flags in both forms and hands the rest to cucumber unchanged', () => {
    const options = parseOptions([
      '--target=10.20.0.5',
      '--encoding',
      'xml',
      '--tags',
      '@error:1087',
      '--profile',
      'ci',
      'features/errors.feature:12',
      '--parallel',
      '2',
    ]);
    assert.equal(options.target, '10.20.0.5');
    assert.equal(options.encoding, 'xml');
    assert.deepEqual(options.cucumberArgs, [
      '--tags',
      '@error:1087',
      '--profile',
      'ci',
      'features/errors.feature:12',
      '--parallel',
      '2',
    ]);
    assert.deepEqual(options.ownArgs, ['--target=10.20.0.5', '--encoding=xml']);
  });

  it('hands every argument that is not ours to cucumber as given, in order, whatever its form', () => {
    const options = parseOptions([
      '--tags',
      '@a and @b',
      '--fuzz-path',
      '-7:0',
      '--name',
      'A port that does not exist',
      '--parallel=2',
      '-p',
      'ci',
      '--certify',
      'features/errors.feature',
      '--',
      '--target=z',
    ]);
    assert.deepEqual(options.cucumberArgs, [
      '--tags',
      '@a and @b',
      '--name',
      'A port that does not exist',
      '--parallel=2',
      '-p',
      'ci',
      'features/errors.feature',
      '--',
      '--target=z',
    ]);
    assert.deepEqual(options.ownArgs, ['--fuzz-path=-7:0', '--certify']);
    assert.equal(options.target, 'emulator', "past --, everything is cucumber's");
  });

  it('keeps every flag of ours as given in options.flags', () => {
    const { flags } = parseOptions(['--rig', 'http://127.0.0.1:1/rig/v1', '--interactive', '--ports=1-3']);
    assert.equal(flags.rig, 'http://127.0.0.1:1/rig/v1');
    assert.equal(flags.ports, '1-3');
    assert.equal(flags.interactive, true);
    assert.equal(flags.certify, false);
    assert.equal(flags.target, undefined);
  });

  it('splits --operator-command into a program and its arguments, and keeps it as given for the re-run', () => {
    const options = parseOptions([
      '--operator-command',
      "node rig/operate.mjs --rig 'bay B'",
      '--tags',
      '@x',
    ]);
    assert.deepEqual(options.operatorCommand, ['node', 'rig/operate.mjs', '--rig', 'bay B']);
    assert.deepEqual(options.ownArgs, ["--operator-command=node rig/operate.mjs --rig 'bay B'"]);
    assert.deepEqual(options.cucumberArgs, ['--tags', '@x']);
    assert.equal(parseOptions([]).operatorCommand, undefined);
  });

  it('defaults to the embedded emulator, both encodings', () => {
    const options = parseOptions([]);
    assert.equal(options.target, 'emulator');
    assert.equal(options.encoding, 'both');
    assert.equal(options.reportsDir, 'reports');
  });

  for (const [argv, message] of [
    [['--encoding=yaml'], /--encoding=yaml: expected xml, json or both/],
    [['--target'], /--target needs a value/],
    [['--target='], /--target needs a value/],
    [['--target', '--tags', '@x'], /--target needs a value/],
    [['--timeout=soon'], /--timeout=soon: expected a whole number/],
    [['--timeout=0'], /--timeout=0: expected 1 to 600000/],
    [['--seed=-1'], /--seed=-1: expected a whole number/],
    [['--fuzz-runs=1.5'], /expected a whole number/],
    [['--target=a', '--target=b'], /--target given twice/],
    [['--certify=yes'], /--certify takes no value/],
    [
      ['--interactive', '--operator-command=rig-op'],
      /^--interactive and --operator-command exclude each other: the operator is either the person at this terminal or the command$/,
    ],
    [['--operator-command="rig op'], /^--operator-command="rig op: a " quote is not closed$/],
    [['--operator-command=  '], /^--operator-command= {2}: no command in it$/],
  ] as const) {
    it(`refuses ${argv.join(' ')} with a clear line`, () => {
      assert.throws(
        () => parseOptions(argv),
        (error: Error) => error instanceof UsageError && message.test(error.message),
      );
    });
  }

  it('resolves every --target form to a task URL', () => {
    assert.equal(resolveTaskUrl('host'), 'http://127.0.0.1:44000/api/v2/task');
    assert.equal(resolveTaskUrl('10.20.0.5'), 'http://10.20.0.5:44000/api/v2/task');
    assert.equal(resolveTaskUrl('10.20.0.5:45000'), 'http://10.20.0.5:45000/api/v2/task');
    assert.equal(resolveTaskUrl('controller.local'), 'http://controller.local:44000/api/v2/task');
    assert.equal(resolveTaskUrl('[::1]:44001'), 'http://[::1]:44001/api/v2/task');
    assert.equal(resolveTaskUrl('http://10.20.0.5:44000/api/v2/task'), 'http://10.20.0.5:44000/api/v2/task');
    assert.equal(resolveTaskUrl('http://127.0.0.1:9'), 'http://127.0.0.1:9/api/v2/task');
  });

  for (const bad of ['10.20.0.5:99999', 'ftp://x/y', 'not a host', '10.20.0.5:', 'http://']) {
    it(`refuses the target ${JSON.stringify(bad)}`, () => {
      assert.throws(() => resolveTaskUrl(bad), UsageError);
    });
  }

  it('resolves a rig URL without a trailing slash, and refuses a bad one', () => {
    assert.equal(resolveRigUrl('http://127.0.0.1:44000/rig/v1/'), 'http://127.0.0.1:44000/rig/v1');
    assert.throws(() => resolveRigUrl('127.0.0.1:44000/rig/v1'), UsageError);
  });
});
