// What the support code keeps for the run it serves, and what it must forget when its process serves another.
// `npm test` makes one run a process; the self-check makes many runs in one process (test/helpers/
// harness-session.ts), so that each pays no start-up of its own. cucumber loads the support code once a process:
// a module that keeps state for a run registers here how to forget it, and a setting cucumber takes only when it
// loads the support code (a step timeout) is checked against every later run, which must not need another.

/** Thrown at the start of a run that needs a setting other than the one its process loaded the support code with. */
export class RunScopeError extends Error {}

/** The registry; the process has one (the functions below), a test makes its own. */
export class RunScope {
  private readonly forgetting: (() => void)[] = [];
  private readonly fixed: {
    readonly what: string;
    readonly compute: () => unknown;
    readonly value: string;
  }[] = [];

  /** How to forget a run's state: called at the start of every run. */
  forgetAtNewRun(forget: () => void): void {
    this.forgetting.push(forget);
  }

  /**
   * A setting cucumber takes once, when it loads the support code: computed now from the run's configuration,
   * and computed again at the start of each later run of the process, which fails if it differs.
   */
  fixedAtLoad<T>(what: string, compute: () => T): T {
    const value = compute();
    this.fixed.push({ what, compute, value: JSON.stringify(value) });
    return value;
  }

  /**
   * A run begins: throws a RunScopeError if it needs a setting that cucumber took when it loaded the support code
   * for an earlier run (then the run needs a process of its own); else every module forgets the last run's state.
   */
  startRun(): void {
    for (const { what, compute, value } of this.fixed) {
      const now = JSON.stringify(compute());
      if (now !== value)
        throw new RunScopeError(
          `harness bug: this process loaded the support code for a run whose ${what} is ${value}; this run's is ${now}: it needs a process of its own`,
        );
    }
    for (const forget of this.forgetting) forget();
  }
}

const scope = new RunScope();

/** How to forget a run's state: called at the start of every run (hooks.ts, in cucumber's BeforeAll). */
export function forgetAtNewRun(forget: () => void): void {
  scope.forgetAtNewRun(forget);
}

/** See RunScope.fixedAtLoad. */
export function fixedAtLoad<T>(what: string, compute: () => T): T {
  return scope.fixedAtLoad(what, compute);
}

/** See RunScope.startRun. */
export function startRun(): void {
  scope.startRun();
}
