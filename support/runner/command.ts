// The commands the runner prints: the one that repeats this run, and the one that re-runs a single scenario.

/** An argument as a POSIX shell reads it back. */
export function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/** `npm test -- ARGS`, each argument quoted for the shell. */
export function npmTestCommand(args: readonly string[]): string {
  return ['npm test --', ...args].map((a, i) => (i === 0 ? a : quote(a))).join(' ');
}

/** This run's own flags and its seed, without a feature path: a scenario's place completes it. */
export function rerunPrefix(ownArgs: readonly string[], seed: number): string {
  const keep = ownArgs.filter((a) => !a.startsWith('--seed=') && !a.startsWith('--fuzz-path='));
  return npmTestCommand([...keep, `--seed=${seed}`]);
}
