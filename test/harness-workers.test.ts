// --parallel: how many cucumber workers a run gets, what each keeps to, and every combination refused in one line
// (support/runner/workers.ts); the profile's parallel.port_sets (support/profile/profile.ts); and what a worker
// reads of the run config (support/run-config.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOptions, UsageError } from '../support/options.ts';
import { checkProfile, type LoadedProfile, ProfileError } from '../support/profile/profile.ts';
import {
  ownPorts,
  type RunConfig,
  readRunConfig,
  runConfigEnvironment,
  sharesTarget,
} from '../support/run-config.ts';
import {
  DEFAULT_EMBEDDED_PARALLEL,
  planWorkers,
  requestedParallel,
  type TargetKind,
} from '../support/runner/workers.ts';

const AS_FOUND = {
  identity: { vendor: 'V', product: 'P', software_release: '1' },
  task_url: 'http://10.20.0.5:44000/api/v2/task',
  capabilities: { json: true, rig: false, task_interface_arrangement: false, operator: false },
  fixtures: {
    absent_port: 1999,
    autocase_ports: [1, 4, 7, 2000],
    other_ports: [
      { port_id: 12, type: 'CO' },
      { port_id: 13, type: 'VE' },
    ],
    bins: 'any',
  },
  parallel: { port_sets: ['1,4,12', '7,13,2000'] },
};

function profile(change: (p: Record<string, unknown>) => void = () => {}): Promise<LoadedProfile> {
  const copy = structuredClone(AS_FOUND) as Record<string, unknown>;
  change(copy);
  return checkProfile('p.json', copy, {});
}

async function problemsOf(change: (p: Record<string, unknown>) => void): Promise<readonly string[]> {
  try {
    await profile(change);
  } catch (error) {
    assert.ok(error instanceof ProfileError, String(error));
    return error.problems;
  }
  assert.fail('the profile was accepted');
}

const EMBEDDED: TargetKind = { embedded: true, rig: false };
const NO_RIG: TargetKind = { embedded: false, rig: false };
const RIG: TargetKind = { embedded: false, rig: true };

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    assert.ok(!error.message.includes('\n'), `one line: ${error.message}`);
    return error.message;
  }
  assert.fail('accepted');
}

describe('--parallel: the workers of a run', () => {
  it('reads --parallel N and --parallel=N, the last one as cucumber does, and refuses what is not a count', () => {
    assert.equal(requestedParallel(['--tags', '@x']), undefined);
    assert.equal(requestedParallel(['--parallel', '3']), 3);
    assert.equal(requestedParallel(['--parallel=2', '--parallel', '0']), 0);
    assert.equal(requestedParallel(['--', '--parallel', '3']), undefined);
    assert.match(
      refusal(() => requestedParallel(['--parallel', 'two'])),
      /--parallel two: expected a whole/,
    );
    assert.match(
      refusal(() => requestedParallel(['--parallel'])),
      /--parallel needs a number/,
    );
    assert.match(
      refusal(() => requestedParallel(['--parallel=99'])),
      /expected 0 to 32/,
    );
  });

  it('gives the embedded emulator the default when none is given, and nothing to any other target', () => {
    const plan = planWorkers(parseOptions([]), undefined, EMBEDDED);
    assert.equal(plan.workers, DEFAULT_EMBEDDED_PARALLEL);
    assert.deepEqual(plan.args, plan.workers > 0 ? ['--parallel', String(plan.workers)] : []);
    assert.deepEqual(planWorkers(parseOptions(['--target=10.0.0.1']), undefined, NO_RIG), {
      workers: 0,
      args: [],
    });
  });

  it('gives no default to a run of one scenario: a re-run command, or the replay of a counterexample', () => {
    assert.equal(planWorkers(parseOptions(['features/errors.feature:12']), undefined, EMBEDDED).workers, 0);
    assert.equal(planWorkers(parseOptions(['--fuzz-path=3:1']), undefined, EMBEDDED).workers, 0);
    assert.equal(
      planWorkers(parseOptions(['features/errors.feature']), undefined, EMBEDDED).workers,
      DEFAULT_EMBEDDED_PARALLEL,
    );
  });

  it('takes the --parallel given on the embedded emulator, whatever N', () => {
    assert.deepEqual(planWorkers(parseOptions(['--parallel', '4']), undefined, EMBEDDED), {
      workers: 4,
      args: [],
    });
    assert.deepEqual(planWorkers(parseOptions(['--parallel=0']), undefined, EMBEDDED), {
      workers: 0,
      args: [],
    });
  });

  it('--interactive refuses --parallel, and gets no default', () => {
    assert.match(
      refusal(() => planWorkers(parseOptions(['--interactive', '--parallel', '2']), undefined, EMBEDDED)),
      /--interactive .* refuses --parallel/,
    );
    assert.equal(planWorkers(parseOptions(['--interactive']), undefined, EMBEDDED).workers, 0);
  });

  it('allows one worker on any target: it shares the target with no one', () => {
    assert.equal(planWorkers(parseOptions(['--parallel', '1']), undefined, RIG).workers, 1);
  });

  it('refuses several workers on a shared target without port sets, in one line', () => {
    assert.match(
      refusal(() => planWorkers(parseOptions(['--target=10.0.0.1', '--parallel', '2']), undefined, NO_RIG)),
      /^--parallel 2: the workers would share this target's ports.*parallel\.port_sets/,
    );
  });

  it('refuses several workers with a rig, port sets or not: its reset and events are the whole target', async () => {
    const loaded = await profile();
    assert.match(
      refusal(() => planWorkers(parseOptions(['--parallel', '2']), loaded, RIG)),
      /^--parallel 2: a rig's POST \/reset and GET \/events are the whole target's/,
    );
  });

  it('refuses several workers arranging through the Task Interface, port sets or not', async () => {
    const loaded = await profile((p) => {
      p.capabilities = { json: true, rig: false, task_interface_arrangement: true, operator: false };
    });
    assert.match(
      refusal(() => planWorkers(parseOptions(['--parallel', '2']), loaded, NO_RIG)),
      /^--parallel 2: arranging through the Task Interface uses an AutoCase port by the scenario's own id/,
    );
  });

  it('gives each worker its own port set, and refuses more workers than sets', async () => {
    const loaded = await profile();
    const plan = planWorkers(parseOptions(['--parallel', '2']), loaded, NO_RIG);
    assert.deepEqual(plan.portSets, [
      [1, 4, 12],
      [7, 13, 2000],
    ]);
    assert.match(
      refusal(() => planWorkers(parseOptions(['--parallel', '3']), loaded, NO_RIG)),
      /^--parallel 3: the profile p\.json names 2 port sets \(parallel\.port_sets\): one a worker is needed$/,
    );
  });
});

describe('the profile key parallel.port_sets', () => {
  it('accepts disjoint sets of the ports the run reads', async () => {
    assert.deepEqual((await profile()).profile.parallel?.port_sets, ['1,4,12', '7,13,2000']);
  });

  it('refuses sets that overlap, naming both', async () => {
    const problems = await problemsOf((p) => {
      p.parallel = { port_sets: ['1,4', '4,7,12'] };
    });
    assert.ok(
      problems.some((line) =>
        /^parallel\.port_sets\[1\]: port 4 also in parallel\.port_sets\[0\]: the sets must be disjoint/.test(
          line,
        ),
      ),
      problems.join('\n'),
    );
  });

  it('refuses ports outside the fixtures, or outside discovery.ports when the profile gives them', async () => {
    const outside = await problemsOf((p) => {
      p.parallel = { port_sets: ['1-5', '7'] };
    });
    assert.ok(
      outside.some((line) => /^parallel\.port_sets\[0\]: ports 2, 3, 5 not a fixture/.test(line)),
      outside.join('\n'),
    );
    const scanned = await profile((p) => {
      p.discovery = { ports: '1-40' };
      p.parallel = { port_sets: ['1-20', '21-40'] };
    });
    assert.equal(scanned.profile.parallel?.port_sets.length, 2);
    const beyond = await problemsOf((p) => {
      p.discovery = { ports: '1-40' };
      p.parallel = { port_sets: ['1-20', '21-41'] };
    });
    assert.ok(
      beyond.some((line) =>
        /^parallel\.port_sets\[1\]: port 41 not among discovery\.ports \(1-40\)/.test(line),
      ),
      beyond.join('\n'),
    );
  });

  it('refuses an excluded port, a list that is not one, and an empty key', async () => {
    const excluded = await problemsOf((p) => {
      p.discovery = { ports: '1-40', exclude_ports: [30] };
      p.parallel = { port_sets: ['1-20', '21-40'] };
    });
    assert.ok(
      excluded.some((line) =>
        /^parallel\.port_sets\[1\]: port 30 excluded \(discovery\.exclude_ports\)/.test(line),
      ),
      excluded.join('\n'),
    );
    const bad = await problemsOf((p) => {
      p.parallel = { port_sets: ['1-', '7'] };
    });
    assert.ok(
      bad.some((line) => line.startsWith('parallel.port_sets[0]: ')),
      bad.join('\n'),
    );
    const empty = await problemsOf((p) => {
      p.parallel = { port_sets: [] };
    });
    assert.ok(
      empty.some((line) => line.startsWith('parallel.port_sets: ')),
      empty.join('\n'),
    );
  });
});

describe('what a worker reads of the run config', () => {
  const base: RunConfig = {
    taskUrl: 'http://127.0.0.1:1/api/v2/task',
    rigUrl: 'http://127.0.0.1:1/rig/v1',
    timeoutMs: 1000,
    maxResponseBytes: 1024,
    encodings: ['XML'],
    seed: 1,
    reportsDir: '/tmp',
    rerunPrefix: 'npm test --',
    workers: [
      { taskUrl: 'http://127.0.0.1:2/api/v2/task', rigUrl: 'http://127.0.0.1:2/rig/v1' },
      { taskUrl: 'http://127.0.0.1:3/api/v2/task', ports: [7, 13] },
    ],
  };
  const env = (worker?: string) => ({
    ...runConfigEnvironment(base),
    ...(worker === undefined ? {} : { CUCUMBER_WORKER_ID: worker }),
  });

  it("gives each worker its own target, and cucumber's own process the run's", () => {
    assert.equal(readRunConfig(env()).taskUrl, base.taskUrl);
    assert.equal(readRunConfig(env('0')).taskUrl, 'http://127.0.0.1:2/api/v2/task');
    assert.equal(readRunConfig(env('0')).rigUrl, 'http://127.0.0.1:2/rig/v1');
    assert.equal(readRunConfig(env('1')).rigUrl, undefined);
    assert.deepEqual([...(ownPorts(readRunConfig(env('1'))) ?? [])], [7, 13]);
    assert.equal(ownPorts(readRunConfig(env('0'))), undefined);
    assert.throws(() => readRunConfig(env('2')), /worker 2 has no target of its own/);
  });

  it('excludes from a worker with a port set every port of the site outside it', () => {
    const site = {
      source: { kind: 'range', from: 1, to: 20 },
      ports: [7, 8, 13].map((port_id) => ({ port_id, type: 'AC', mode: 'CLOSED', selected_bin: null })),
      absent: [2, 14],
      excluded: [3],
      readAt: '2026-12-02T08:00:00Z',
      ms: 1,
    } as const;
    const config = { ...base, site } as RunConfig;
    const seen = (worker: string) =>
      readRunConfig({ ...runConfigEnvironment(config), CUCUMBER_WORKER_ID: worker }).site?.excluded;
    assert.deepEqual(seen('1'), [2, 3, 8, 14]);
    assert.deepEqual(seen('0'), [3]);
  });

  it('serialises scenarios only when the workers share one target', () => {
    assert.equal(sharesTarget(readRunConfig(env())), false);
    const { workers: _, ...shared } = base;
    assert.equal(sharesTarget(readRunConfig(runConfigEnvironment(shared))), true);
  });
});
