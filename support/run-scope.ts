// What the support code keeps for the run it serves, and what it must forget when its process serves another.
// `npm test` makes one run a process; the self-check makes many runs in one process (test/helpers/
// harness-session.ts), so that each pays no start-up of its own. cucumber loads the support code once a process:
// a module that keeps state for a run registers here how to forget it, and a setting cucumber takes only when it
// loads the support code (a step timeout) is checked against every later run, which must not need another.

import { type RunConfig, readRunConfig } from './run-config.ts';

/** Thrown at the start of a run that needs a setting other than the one its process loaded the support code with. */
export class RunScopeError extends Error {}

/**
 * The registry; the process has one (the functions below), a test makes its own. The run's configuration is read
 * once when the support code is loaded and once at the start of each run, and handed to what is registered.
 */
export class RunScope {
  private readonly forgetting: ((run: RunConfig) => void)[] = [];
  private readonly fixed: {
    readonly what: string;
    readonly compute: (run: RunConfig) => unknown;
    readonly value: string;
  }[] = [];
  /** The configuration of the run the support code is being loaded for (read on first use). */
  private loading: RunConfig | undefined;

  constructor(private readonly read: () => RunConfig = readRunConfig) {}

  /** How to forget a run's state, given the next run's configuration: called at the start of every run. */
  forgetAtNewRun(forget: (run: RunConfig) => void): void {
    this.forgetting.push(forget);
  }

  /**
   * The configuration of the run the support code is being loaded for, read once however many modules ask (it may
   * hold a whole site as found): what a module holds until the first run starts and hands it its own.
   */
  loadedRun(): RunConfig {
    this.loading ??= this.read();
    return this.loading;
  }

  /**
   * A setting cucumber takes once, when it loads the support code: computed now from the run's configuration,
   * and computed again at the start of each later run of the process, which fails if it differs.
   */
  fixedAtLoad<T>(what: string, compute: (run: RunConfig) => T): T {
    const value = compute(this.loadedRun());
    this.fixed.push({ what, compute, value: JSON.stringify(value) });
    return value;
  }

  /**
   * A run begins: throws a RunScopeError if it needs a setting that cucumber took when it loaded the support code
   * for an earlier run (then the run needs a process of its own); else every module forgets the last run's state.
   * The run's configuration, as handed to them.
   */
  startRun(): RunConfig {
    const run = this.read();
    for (const { what, compute, value } of this.fixed) {
      const now = JSON.stringify(compute(run));
      if (now !== value)
        throw new RunScopeError(
          `harness bug: this process loaded the support code for a run whose ${what} is ${value}; this run's is ${now}: it needs a process of its own`,
        );
    }
    for (const forget of this.forgetting) forget(run);
    return run;
  }
}

const scope = new RunScope();

/** How to forget a run's state: called at the start of every run (hooks.ts, in cucumber's BeforeAll). */
export function forgetAtNewRun(forget: (run: RunConfig) => void): void {
  scope.forgetAtNewRun(forget);
}

/** See RunScope.loadedRun. */
export function loadedRun(): RunConfig {
  return scope.loadedRun();
}

/** See RunScope.fixedAtLoad. */
export function fixedAtLoad<T>(what: string, compute: (run: RunConfig) => T): T {
  return scope.fixedAtLoad(what, compute);
}

/** See RunScope.startRun. */
export function startRun(): RunConfig {
  return scope.startRun();
}
