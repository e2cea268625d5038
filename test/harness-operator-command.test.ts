// The scripted operator: a real program per request (node -e), its answers, and everything that is not one: garbage,
// a non-zero exit, a signal, no answer in time (its whole process group killed), output beyond the bound.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { OperatorReply, OperatorRequest } from '../support/arrange/operator.ts';
import {
  CommandOperator,
  OPERATOR_STDOUT_LIMIT,
  operatorCommandFor,
  splitCommandLine,
} from '../support/arrange/operator-command.ts';
import type { LoadedProfile } from '../support/profile/profile.ts';

const REQUEST: OperatorRequest = {
  instruction: 'put the AutoCase on port 4 into an error during the extraction of bin 101337',
  port: 4,
  wanted: { type: 'AC', mode: 'OPEN', selected_bin: 101337, case_state: 'EREQ', case_error: true },
};

/** `node -e SCRIPT`, asked once with the request. */
function ask(
  script: string,
  timeoutMs = 10_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<OperatorReply> {
  const operator = new CommandOperator(
    { argv: [process.execPath, '-e', script], cwd: process.cwd(), from: '--operator-command' },
    timeoutMs,
    env,
  );
  return operator.ask(REQUEST);
}

function failureOf(reply: OperatorReply): string {
  assert.equal(typeof reply, 'object', `expected no answer, got ${String(reply)}`);
  return (reply as { failure: string }).failure;
}

/** Whether a process is gone (a zombie waiting for a parent that does not reap counts as gone). */
async function gone(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat === '' || / Z /.test(stat);
}

describe('the scripted operator', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'operator-command-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the request on stdin and in the environment, without the harness variables, and reads the answer', async () => {
    const seen = path.join(dir, 'seen.json');
    const script = `
      let input = '';
      process.stdin.on('data', (c) => { input += c; });
      process.stdin.on('end', () => {
        const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('HARNESS_')));
        require('node:fs').writeFileSync(${JSON.stringify(seen)}, JSON.stringify({ input, env }));
        process.stdout.write('confirm\\n');
      });`;
    const reply = await ask(script, 10_000, {
      ...process.env,
      HARNESS_RIG_TOKEN: 'never-passed-on',
      HARNESS_RUN: '{}',
    });
    assert.equal(reply, 'confirm');
    const { input, env } = JSON.parse(await readFile(seen, 'utf8'));
    assert.ok(input.endsWith('\n') && !input.slice(0, -1).includes('\n'), 'one JSON object on one line');
    assert.deepEqual(JSON.parse(input), {
      protocol: 1,
      port: 4,
      bin: 101337,
      wanted: REQUEST.wanted,
      instruction: REQUEST.instruction,
      timeout_s: 10,
    });
    assert.deepEqual(env, {
      HARNESS_OPERATOR_PROTOCOL: '1',
      HARNESS_OPERATOR_PORT: '4',
      HARNESS_OPERATOR_BIN: '101337',
      HARNESS_OPERATOR_TYPE: 'AC',
      HARNESS_OPERATOR_MODE: 'OPEN',
      HARNESS_OPERATOR_CASE_STATE: 'EREQ',
      HARNESS_OPERATOR_CASE_ERROR: 'true',
      HARNESS_OPERATOR_INSTRUCTION: REQUEST.instruction,
    });
  });

  it("takes the terminal's words, and a command that does not read its input", async () => {
    assert.equal(await ask("console.log('not-applicable')"), 'not-applicable');
    assert.equal(await ask("console.log('  abort  ')"), 'abort');
    assert.equal(await ask("process.stdout.write('c')"), 'confirm');
  });

  it('reads garbage, several lines or nothing as no answer, and says what came', async () => {
    assert.match(
      failureOf(await ask("console.log('maybe later')")),
      /^the operator command \(--operator-command\) answered "maybe later", not one of confirm, not-applicable or abort$/,
    );
    assert.match(
      failureOf(await ask("console.log('confirm'); console.log('confirm')")),
      /answered "confirm\\n/,
    );
    assert.match(
      failureOf(await ask("console.error('nothing to say')")),
      /exited 0 without an answer on standard output .*; its standard error ends: "nothing to say"$/,
    );
  });

  it('takes a non-zero exit or a signal as no answer, with the code and the end of its stderr', async () => {
    assert.match(
      failureOf(
        await ask(
          "console.log('confirm'); console.error('rig B: ' + 'x'.repeat(1000) + 'gripper offline'); process.exit(3)",
        ),
      ),
      /^the operator command \(--operator-command\) exited with code 3; its standard error ends: "\.\.\.x+gripper offline"$/,
    );
    assert.match(failureOf(await ask("process.kill(process.pid, 'SIGTERM')")), /was ended by SIGTERM/);
    const missing = new CommandOperator(
      { argv: [path.join(dir, 'no-such-program')], cwd: dir, from: 'operator.command in p.json' },
      10_000,
    );
    assert.match(
      failureOf(await missing.ask(REQUEST)),
      /^the operator command \(operator\.command in p\.json\) could not be started \(.*no-such-program\): .*ENOENT/,
    );
  });

  it('kills its whole process group when it does not answer in time', async () => {
    // It starts a child that shares its output and never ends, says both process ids, and waits forever.
    const script = `
      const { spawn } = require('node:child_process');
      const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'inherit' });
      console.error('pids ' + process.pid + ' ' + child.pid);
      setInterval(() => {}, 1000);`;
    const started = performance.now();
    const failure = failureOf(await ask(script, 1000));
    const waited = performance.now() - started;
    assert.match(
      failure,
      /^no answer from the operator command \(--operator-command\) within 1 s \(timeouts\.operator_s\): its process group was killed; its standard error ends: "pids \d+ \d+"$/,
    );
    assert.ok(waited < 5000, `answered after ${waited} ms`);
    const pids = (/pids (\d+) (\d+)/.exec(failure) ?? []).slice(1).map(Number);
    assert.equal(pids.length, 2);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !(await Promise.all(pids.map(gone))).every(Boolean))
      await new Promise((resolve) => setTimeout(resolve, 50));
    for (const pid of pids) assert.ok(await gone(pid), `process ${pid} still runs`);
  });

  it('kills the command, and what it started, when the harness is ended while it runs', async () => {
    const pids = path.join(dir, 'pids');
    const script = `
      const { spawn } = require('node:child_process');
      const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'inherit' });
      require('node:fs').writeFileSync(${JSON.stringify(pids)}, process.pid + ' ' + child.pid);
      setInterval(() => {}, 1000);`;
    const harness = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/helpers/ask-operator.ts', process.execPath, '-e', script],
      { stdio: 'ignore' },
    );
    const ended = new Promise<NodeJS.Signals | null>((resolve) =>
      harness.once('exit', (_, signal) => resolve(signal)),
    );
    let started: number[] = [];
    const deadline = Date.now() + 20_000;
    while (started.length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      started = (await readFile(pids, 'utf8').catch(() => '')).split(' ').filter(Boolean).map(Number);
    }
    assert.equal(started.length, 2, 'the command started and said its process ids');
    harness.kill('SIGTERM');
    assert.equal(await ended, 'SIGTERM', 'the harness still ends as the signal ends it');
    const gone_by = Date.now() + 5000;
    while (Date.now() < gone_by && !(await Promise.all(started.map(gone))).every(Boolean))
      await new Promise((resolve) => setTimeout(resolve, 50));
    for (const pid of started) assert.ok(await gone(pid), `process ${pid} still runs`);
  });

  it('reads no more than its bound: a flood on stdout is no answer, one on stderr is kept to its end', async () => {
    const flood = failureOf(
      await ask("process.stdout.write('x'.repeat(16 * 1024 * 1024)); setInterval(() => {}, 1000)"),
    );
    assert.match(
      flood,
      new RegExp(
        `printed more than ${OPERATOR_STDOUT_LIMIT} bytes on standard output, .*its process group was killed`,
      ),
    );
    const noisy = await ask(
      "process.stderr.write('y'.repeat(8 * 1024 * 1024), () => console.log('confirm'))",
    );
    assert.equal(noisy, 'confirm');
  });
});

describe('the operator command line', () => {
  it('splits on blanks, keeps quoted text as it is, and expands nothing', () => {
    assert.deepEqual(
      splitCommandLine('node --import tsx test/helpers/operator-stand-in.ts http://127.0.0.1:1/'),
      ['node', '--import', 'tsx', 'test/helpers/operator-stand-in.ts', 'http://127.0.0.1:1/'],
    );
    assert.deepEqual(
      splitCommandLine(`  "/opt/rig tools/operate" --site 'B $HOME' a\\ b "say \\"hi\\" \\\\ \\n" '' `),
      ['/opt/rig tools/operate', '--site', 'B $HOME', 'a b', 'say "hi" \\ \\n', ''],
    );
    assert.deepEqual(splitCommandLine('sh -c "rig-operate | tee -a rig.log"'), [
      'sh',
      '-c',
      'rig-operate | tee -a rig.log',
    ]);
  });

  it('refuses what it cannot split', () => {
    assert.throws(() => splitCommandLine('"open'), /a " quote is not closed/);
    assert.throws(() => splitCommandLine("it's"), /a ' quote is not closed/);
    assert.throws(() => splitCommandLine('trailing\\'), /ends with a backslash/);
    assert.throws(() => splitCommandLine('   '), /no command in it/);
  });

  it("runs --operator-command where the harness started, the profile's in its directory, neither with --interactive", () => {
    const loaded = {
      file: 'profiles/site.json',
      profile: { operator: { command: ['./operate.sh', '--rig', 'B'] } },
    } as unknown as LoadedProfile;
    assert.deepEqual(operatorCommandFor(['rig-op'], false, loaded, '/work'), {
      argv: ['rig-op'],
      cwd: '/work',
      from: '--operator-command',
    });
    assert.deepEqual(operatorCommandFor(undefined, false, loaded, '/work'), {
      argv: ['./operate.sh', '--rig', 'B'],
      cwd: '/work/profiles',
      from: 'operator.command in profiles/site.json',
    });
    assert.equal(operatorCommandFor(undefined, true, loaded, '/work'), undefined);
    assert.equal(operatorCommandFor(undefined, false, undefined, '/work'), undefined);
  });
});
