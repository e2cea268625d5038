// Stage 2, before the target is reached: how its certificates are trusted (wire/tls.ts). --ca (relative to the
// working directory) or the profile's tls.ca (relative to the profile) adds an authority; --insecure verifies
// nothing, and says so on every run.
import path from 'node:path';
import type { HarnessOptions } from '../options.ts';
import { type LoadedProfile, ProfileError } from '../profile/profile.ts';
import { INSECURE_WARNING, type LoadedTrust, setTlsTrust, TlsTrustError } from '../wire/tls.ts';
import { RunError } from './run-error.ts';

/** Sets the run's trust for this process and the ones it starts; a file that holds no certificate is exit 2. */
export function settleTls(options: HarnessOptions, loaded: LoadedProfile | undefined): LoadedTrust {
  if (options.flags.insecure) {
    console.warn(INSECURE_WARNING);
    return setTlsTrust({ insecure: true });
  }
  const flag = options.flags.ca;
  const fromProfile = loaded?.profile.tls?.ca;
  try {
    if (flag !== undefined) return setTlsTrust({ caFile: path.resolve(flag), caSource: '--ca' });
    if (fromProfile !== undefined && loaded !== undefined)
      return setTlsTrust({
        caFile: path.resolve(path.dirname(loaded.file), fromProfile),
        caSource: 'tls.ca',
      });
    return setTlsTrust({});
  } catch (error) {
    if (!(error instanceof TlsTrustError)) throw error;
    if (flag === undefined && loaded !== undefined) throw new ProfileError(loaded.file, [error.message]);
    throw new RunError(error.message);
  }
}
