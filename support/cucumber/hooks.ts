// Every scenario starts from a known state, and scenarios that share a target never interleave. Each ends
// with its verdict attached (docs/architecture.md): what the console, JUnit, Allure and a certification report.
import {
  After,
  AfterAll,
  Before,
  BeforeAll,
  setDefaultTimeout,
  setParallelCanAssign,
} from '@cucumber/cucumber';
import { OPERATOR_ABORTED, operatorAborted } from '../arrange/operator.ts';
import { closeLogStream } from '../log-publisher/stream.ts';
import { VERDICT_MEDIA_TYPE, type VerdictAttachment } from '../report/messages.ts';
import { scenarioPlace } from '../report/place.ts';
import { decideVerdict, encodingOf, requirementsOf } from '../report/verdicts.ts';
import { expectationFor } from '../report/verdicts-expect.ts';
import { type RunConfig, sharesTarget } from '../run-config.ts';
import { fixedAtLoad, loadedRun, startRun } from '../run-scope.ts';
import type { HarnessWorld } from './world.ts';

let run = loadedRun();

// A step makes a few calls, each bounded by the call deadline; cucumber's own timeout only catches a harness
// hang. Arranging through the Task Interface may wait for the port to read back, and an operator for a person
// or the scripted operator's command (killed at timeouts.operator_s), then for its move on the Log Publisher.
function stepTimeoutMs(config: RunConfig): number {
  const arranging = (config.profile?.arrangementMs ?? 0) * 2;
  const asked =
    (config.interactive || config.operatorCommand !== undefined) && config.profile?.capabilities.operator;
  const operator =
    asked && config.profile ? config.profile.operatorMs + (config.logPublisher?.expectMs ?? 0) : 0;
  return config.timeoutMs * 6 + 5000 + arranging + operator;
}
setDefaultTimeout(fixedAtLoad('step timeout', stepTimeoutMs));

// Scenarios that share one target's state (a reset in one would undo another's arrangement) never overlap: with
// --parallel and no target (or port set) a worker, a worker only starts a scenario when no other is running.
// With one a worker (run.workers: an embedded emulator each, or a port set each), they all run at once.
if (fixedAtLoad('sharing of one target among workers', sharesTarget))
  setParallelCanAssign((_pickle, running) => running.length === 0);

// A process may serve several runs (support/run-scope.ts): each starts from its own configuration and no state of
// the last.
BeforeAll(() => {
  run = startRun();
});

Before(async function (this: HarnessWorld, { pickle, gherkinDocument }) {
  const { uri, line } = scenarioPlace(pickle, gherkinDocument);
  this.place = { uri, line, name: pickle.name };
  const tags = pickle.tags.map((t) => t.name);
  this.scenarioInfo = { name: pickle.name, tags };
  if (operatorAborted()) return this.skip({ verdict: 'INCONCLUSIVE', reason: OPERATOR_ABORTED });
  const profile = run.profile;
  if (profile && !profile.capabilities.json && encodingOf(tags, pickle.name) === 'JSON') {
    return this.skip({
      verdict: 'NOT APPLICABLE',
      reason: `the profile ${profile.file} declares no JSON encoding (capabilities.json: false)`,
    });
  }
  await this.arranger.reset();
  await this.beginStream();
  return undefined;
});

After(async function (this: HarnessWorld, { pickle, gherkinDocument, result }) {
  // a success's line published a moment after the answer is this scenario's, not the next one's
  await this.settlePublished();
  // The place travels with the verdict: the runner's reader takes it from there.
  const { uri, line } = this.place ?? scenarioPlace(pickle, gherkinDocument);
  const tags = pickle.tags.map((t) => t.name);
  const expectation = expectationFor(run.expectations ?? [], {
    uri,
    line,
    requirements: requirementsOf(tags),
    encoding: encodingOf(tags, pickle.name),
  });
  const verdict = decideVerdict(
    {
      status: result?.status ?? 'UNKNOWN',
      message: result?.message,
      skip: this.skipped,
      // Input that is not a call must still be answered: there a timeout is the failure, not an open question.
      timeout: tags.includes('@robustness') ? undefined : this.timeouts[0],
      unread: this.unread[0],
    },
    expectation?.reason,
  );
  const attachment: VerdictAttachment = { ...verdict, place: { uri, line } };
  this.attach(JSON.stringify(attachment), { mediaType: VERDICT_MEDIA_TYPE });
});

// The Log Publisher connection is the process's: closed once the scenarios are done, or the process would wait on it.
AfterAll(() => closeLogStream());
