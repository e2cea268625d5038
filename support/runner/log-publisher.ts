// Stage 3b of the pre-flight: which Log Publisher the scenarios read, if any, said in one line. Given (flag or
// profile), it must answer (exit 2 otherwise); without a rig the target's host is tried on 44001 and used when it
// answers; with a rig and none given, GET /events is the witness.
import {
  CONNECT_TIMEOUT_MS,
  DEFAULT_LOG_PUBLISHER_PORT,
  LogListener,
  LogPublisherUnreachable,
} from '../log-publisher/listener.ts';
import {
  DEFAULT_LOG_EXPECT_MS,
  DEFAULT_LOG_QUIET_MS,
  DEFAULT_LOG_QUIET_MS_WITH_RIG,
  type LogPublisherConfig,
} from '../log-publisher/stream.ts';
import { dialFor, parseLogPublisherUrl } from '../log-publisher/tls-dial.ts';
import { DEFAULT_TASK_PORT, type HarnessOptions, UsageError } from '../options.ts';
import type { LoadedProfile } from '../profile/profile.ts';
import { RunError } from './run-error.ts';
import type { Target } from './target.ts';

export interface LogPublisherInput {
  readonly options: HarnessOptions;
  readonly loaded?: LoadedProfile;
  readonly target: Target;
  readonly timeoutMs: number;
}

/** tls: the stream goes over TLS (tls://HOST:PORT), trusted as the run's certificates are (--ca, --insecure). */
type Address = { readonly host: string; readonly port: number; readonly tls?: boolean };

/** Where to look, and whether it was asked for (then it must answer). */
function chooseAddress({
  options,
  loaded,
  target,
}: LogPublisherInput): { address: Address | undefined; given: string } | undefined {
  const flag = options.flags['log-publisher'];
  if (flag !== undefined) {
    const address = parseLogPublisherUrl(flag);
    if (!address)
      throw new UsageError(
        `--log-publisher=${flag}: expected HOST, HOST:PORT or tls://HOST:PORT (port 1-65535)`,
      );
    return { address, given: '--log-publisher' };
  }
  const fromProfile = loaded?.profile.log_publisher;
  if (fromProfile !== undefined) {
    const address = parseLogPublisherUrl(fromProfile);
    if (!address)
      throw new RunError(
        `profile ${loaded?.file}: log_publisher: ${JSON.stringify(fromProfile)} is not HOST, HOST:PORT or tls://HOST:PORT`,
      );
    return { address, given: 'the profile' };
  }
  if (target.logAddress) return { address: target.logAddress, given: 'the embedded emulator' };
  if (target.rigUrl) return undefined;
  // The vendor pairs the Task Interface's 44000 with the Log Publisher's 44001; a target elsewhere (a simulator on
  // another port) says nothing of where its stream is, and a guess could read another controller's.
  const task = new URL(target.taskUrl);
  if (task.port !== String(DEFAULT_TASK_PORT)) return { address: undefined, given: '' };
  const host = task.hostname.replace(/^\[|\]$/g, '');
  // A controller that serves its Task Interface over HTTPS is taken to serve its stream over TLS too.
  return { address: { host, port: DEFAULT_LOG_PUBLISHER_PORT, tls: task.protocol === 'https:' }, given: '' };
}

function where(address: Address): string {
  return `${address.tls ? 'tls' : 'tcp'}://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}

/** The Log Publisher the scenarios read, or undefined; prints one line when it was looked for. */
export async function logPublisherStage(input: LogPublisherInput): Promise<LogPublisherConfig | undefined> {
  const chosen = chooseAddress(input);
  if (!chosen) return undefined;
  const { address, given } = chosen;
  if (!address) {
    console.log(
      "log publisher: not looked for (the target is not on port 44000, so its Log Publisher is not on 44001 by the vendor's pairing); without a rig, what a call publishes is INCONCLUSIVE (give --log-publisher=HOST:PORT)",
    );
    return undefined;
  }
  try {
    const listener = await LogListener.connect({
      host: address.host,
      port: address.port,
      dial: dialFor({ ...address, tls: address.tls === true }),
      connectTimeoutMs: Math.min(input.timeoutMs, CONNECT_TIMEOUT_MS),
    });
    await listener.close();
  } catch (error) {
    const why = error instanceof LogPublisherUnreachable ? error.message : String(error);
    if (given) throw new RunError(`the Log Publisher ${given} names does not answer: ${why}`);
    console.log(
      `log publisher: none at ${where(address)} (${why}); without a rig, what a call publishes is INCONCLUSIVE (give --log-publisher=HOST:PORT)`,
    );
    return undefined;
  }
  const timeouts = input.loaded?.profile.timeouts;
  const withRig = input.target.rigUrl !== undefined;
  console.log(
    `log publisher: ${where(address)}${given ? ` (${given})` : ''} answers; what a call publishes is judged on its stream${withRig ? ' as well as by the rig' : ''}`,
  );
  return {
    ...address,
    expectMs: timeouts?.log_ms ?? DEFAULT_LOG_EXPECT_MS,
    quietMs: timeouts?.log_quiet_ms ?? (withRig ? DEFAULT_LOG_QUIET_MS_WITH_RIG : DEFAULT_LOG_QUIET_MS),
  };
}
