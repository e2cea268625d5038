// The four properties of case_cancel the @fuzz scenarios check, each a generator, the requests its values
// send (validated in one batch before the runs) and one run against a session.
import type fc from 'fast-check';
import { FAULT } from '../spec.ts';
import type { PlannedCall } from '../target/client.ts';
import type { Encoding } from '../target/types.ts';
import {
  cancellable,
  type LiteralCall,
  literalBounds,
  literalCall,
  refusedBounds,
  refusedCall,
  type SentCall,
  SITE_CALL_BOUNDS,
  type SiteCall,
  siteCall,
} from './arbitraries.ts';
import { checkParams, readParam } from './oracle.ts';
import { runSequence, SEQUENCE_BOUNDS, type Sequence, sequence, sequenceCalls } from './sequences.ts';
import { cancelRequest, type FuzzSession } from './session.ts';

export interface FuzzProperty<T> {
  /** Short and stable: it names the property in --fuzz-path and seeds its generator. */
  readonly id: string;
  readonly title: string;
  /** Without a rig the property cannot run at all (it reports INCONCLUSIVE). */
  readonly needsRig: boolean;
  readonly defaultRuns: number;
  /** The one answer the property means to get nearly every time (so that the self-diagnosis does not flag it). */
  intended?(hasRig: boolean): string | undefined;
  /** `replay`: what replayHint gave for a counterexample, when one is being replayed. */
  arbitrary(encoding: Encoding, replay?: string): fc.Arbitrary<T>;
  /** Besides seed and path, what fast-check needs to rebuild a counterexample (model runs: the commands' replayPath). */
  replayHint?(value: T): string | undefined;
  /** Always run first: the bounds. */
  examples(encoding: Encoding): readonly T[];
  /** Every request a value can send, so that they are validated in one batch before they are sent. */
  plan(value: T, encoding: Encoding): PlannedCall[];
  run(value: T, session: FuzzSession): Promise<void>;
}

export const IN_RANGE: FuzzProperty<SiteCall> = {
  id: 'in-range',
  title: 'any port_id and bin_id in the documented ranges on a randomly arranged site',
  needsRig: true,
  defaultRuns: 100,
  arbitrary: () => siteCall,
  examples: () => SITE_CALL_BOUNDS,
  plan: (value, encoding) => [cancelRequest(value.port_id, value.bin_id, encoding)],
  async run(value, session) {
    await session.reset();
    for (const { port_id, state } of value.site) await session.arrange(port_id, state);
    await session.cancel(value.port_id, value.bin_id);
    await session.expectPort(value.port_id);
  },
};

const PARAMETER_CODES: readonly number[] = [
  FAULT.PORT_ID_MISSING,
  FAULT.PORT_ID_INVALID,
  FAULT.BIN_ID_INVALID,
];

export const REFUSED: FuzzProperty<SentCall> = {
  id: 'refused',
  title: 'values outside the ranges and literals the specification refuses',
  needsRig: false,
  defaultRuns: 150,
  arbitrary: refusedCall,
  examples: refusedBounds,
  plan: (value, encoding) => [cancelRequest(value.port_id, value.bin_id, encoding)],
  async run(value, session) {
    const params = checkParams(
      readParam(value.port_id, session.encoding),
      readParam(value.bin_id, session.encoding),
    );
    const code =
      'expected' in params && params.expected.kind === 'answer' && params.expected.answer.kind === 'fault';
    if (!code || !PARAMETER_CODES.includes(params.expected.answer.code)) {
      throw new Error(
        `harness bug: the generator of refused values made a valid call ${JSON.stringify(value)}`,
      );
    }
    // The parameter checks come before the port lookup: no arrangement, the port need not exist.
    await session.cancel(value.port_id, value.bin_id);
  },
};

export const LITERALS: FuzzProperty<LiteralCall> = {
  id: 'literals',
  title: 'literal forms the specification accepts, meaning their value',
  needsRig: false,
  defaultRuns: 100,
  intended: (hasRig) => (hasRig ? 'success' : undefined),
  arbitrary: literalCall,
  examples: literalBounds,
  plan: (value, encoding) => [cancelRequest(value.port_id, value.bin_id, encoding)],
  async run(value, session) {
    if (session.hasRig) {
      // The port is arranged so that only the values written succeed: another port answers 1000 or its own code, another bin 1149.
      await session.reset();
      await session.arrange(value.port, cancellable(value.bin));
    }
    // Without a rig the oracle knows no port: the answer must only be past the parameter checks.
    await session.cancel(value.port_id, value.bin_id);
  },
};

export const SEQUENCES: FuzzProperty<Sequence> = {
  id: 'sequences',
  title: 'sequences of arranging ports, cancelling with matching or other ids and reading the ports back',
  needsRig: true,
  defaultRuns: 80,
  arbitrary: (_encoding, replay) => sequence(replay),
  replayHint: (value) => /replayPath="([^"]*)"/.exec(String(value.commands))?.[1],
  examples: () => SEQUENCE_BOUNDS,
  plan: (value, encoding) =>
    sequenceCalls(value).map((call) => cancelRequest(call.port_id, call.bin_id, encoding)),
  run: runSequence,
};
