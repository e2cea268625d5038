// The stateful property's commands (fast-check asyncModelRun): arrange a port through the rig, cancel with
// matching or other ids, read a port back. Each run works on a small pool of port ids and bin ids so
// that arrangements and cancels meet; the oracle's model lives in the session's run record.
import fc from 'fast-check';
import type { PortState } from '../model.ts';
import { BIN_ID, PORT_ID } from '../spec.ts';
import { binIdInRange, cancellable, portIdInRange, portState } from './arbitraries.ts';
import type { FuzzSession, Opening } from './session.ts';

export interface Pools {
  readonly ports: readonly number[];
  readonly bins: readonly number[];
}

interface Real {
  readonly session: FuzzSession;
  readonly pools: Pools;
}

type Model = Record<string, never>;

function pick(pool: readonly number[], index: number): number {
  return pool[index % pool.length] as number;
}

/** A port state whose selected_bin is an index into the bin pool (null: the port does not exist). */
type PooledState = PortState | null;

function resolve(state: PooledState, bins: readonly number[]): PortState | null {
  if (state === null || state.selected_bin === null) return state;
  return { ...state, selected_bin: pick(bins, state.selected_bin) };
}

class ArrangePort implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly port: number,
    readonly state: PooledState,
  ) {}
  check(): boolean {
    return true;
  }
  async run(_model: Model, { session, pools }: Real): Promise<void> {
    await session.arrange(pick(pools.ports, this.port), resolve(this.state, pools.bins));
  }
  toString(): string {
    if (this.state === null) return `delete(port#${this.port})`;
    const bin = this.state.selected_bin === null ? 'none' : `bin#${this.state.selected_bin}`;
    return `arrange(port#${this.port}, ${this.state.type} ${this.state.mode} ${bin} ${this.state.case_state} ${this.state.case_error ? 'error' : 'ok'})`;
  }
}

class Cancel implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly port: number,
    readonly bin: number,
  ) {}
  check(): boolean {
    return true;
  }
  async run(_model: Model, { session, pools }: Real): Promise<void> {
    await session.cancel(pick(pools.ports, this.port), pick(pools.bins, this.bin));
  }
  toString(): string {
    return `cancel(port#${this.port}, bin#${this.bin})`;
  }
}

class ReadPort implements fc.AsyncCommand<Model, Real> {
  constructor(readonly port: number) {}
  check(): boolean {
    return true;
  }
  async run(_model: Model, { session, pools }: Real): Promise<void> {
    await session.expectPort(pick(pools.ports, this.port));
  }
  toString(): string {
    return `read(port#${this.port})`;
  }
}

const POOL = 3;
const index = fc.nat({ max: POOL - 1 });

/** Mostly a port (usually one a cancel can succeed on), sometimes none. */
const pooledState: fc.Arbitrary<PooledState> = fc.oneof(
  { weight: 5, arbitrary: portState(index) },
  { weight: 1, arbitrary: fc.constant(null) },
);

const command: fc.Arbitrary<fc.AsyncCommand<Model, Real>> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(index, pooledState).map(([port, state]) => new ArrangePort(port, state)) },
  { weight: 4, arbitrary: fc.tuple(index, index).map(([port, bin]) => new Cancel(port, bin)) },
  { weight: 1, arbitrary: index.map((port) => new ReadPort(port)) },
);

export interface Sequence {
  readonly pools: Pools;
  /** How each pool port starts out, by index. */
  readonly initial: readonly PooledState[];
  readonly commands: Iterable<fc.AsyncCommand<Model, Real>>;
}

export const MAX_COMMANDS = 12;

/** `replayPath`: fast-check's record of which commands ran, to rebuild a counterexample from its path. */
export function sequence(replayPath?: string): fc.Arbitrary<Sequence> {
  return fc.record({
    pools: fc.record({
      ports: fc.uniqueArray(portIdInRange, { minLength: 1, maxLength: POOL }),
      bins: fc.uniqueArray(binIdInRange, { minLength: 1, maxLength: POOL }),
    }),
    initial: fc.array(pooledState, { minLength: POOL, maxLength: POOL }),
    commands: fc.commands([command], { maxCommands: MAX_COMMANDS, size: 'medium', replayPath }),
  });
}

/** The bounds, always run first: port 2000 cancelled with bin 4 000 000 beside port 1 with bin 1 selected, both read back. */
export const SEQUENCE_BOUNDS: readonly Sequence[] = [
  {
    pools: { ports: [PORT_ID.min, PORT_ID.max], bins: [BIN_ID.min, BIN_ID.max] },
    initial: [cancellable(0), cancellable(1), null],
    commands: [new Cancel(1, 1), new ReadPort(1)],
  },
];

/** A sequence opens on the site reset, its Log Publisher lines judged, the pool ports as the value says. */
export function sequenceOpening({ pools, initial }: Pick<Sequence, 'pools' | 'initial'>): Opening {
  return {
    judgeEvents: true,
    ports: pools.ports.map((port_id, i) => ({ port_id, state: resolve(initial[i] ?? null, pools.bins) })),
  };
}

/** The pool ports start as the value says; the commands run; then the whole pool and the Log Publisher read back. */
export async function runSequence(value: Sequence, session: FuzzSession): Promise<void> {
  const { pools, commands } = value;
  await session.open(sequenceOpening(value));
  await fc.asyncModelRun(() => ({ model: {}, real: { session, pools } }), commands);
  // the whole pool, then the Log Publisher lines, read in one request where the rig allows, judged in that order
  await session.readBack(pools.ports, true, { last: true });
}

/** Every case_cancel a sequence can send: each pool port with each pool bin. */
export function sequenceCalls({ pools }: Sequence): { port_id: number; bin_id: number }[] {
  return pools.ports.flatMap((port_id) => pools.bins.map((bin_id) => ({ port_id, bin_id })));
}
