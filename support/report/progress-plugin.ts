// On a terminal, the run's progress on one live line of stderr: `scenario 37 of 294: <name>`, cleared when the run
// ends. A cucumber plugin rather than a formatter: cucumber keeps one formatter on stdout (the reports one).
// Off when stderr is not a terminal (CI, a log) and when the runner says so (HARNESS_PROGRESS=off: --interactive,
// whose operator prompts share the terminal).
import type { Writable } from 'node:stream';
import type * as messages from '@cucumber/messages';
import { progressLine } from './progress-line.ts';

/** What cucumber 12 hands a plugin's coordinator (its Plugin type is not exported from the package). */
interface CoordinatorContext {
  readonly operation: string;
  on(event: 'message', handler: (envelope: messages.Envelope) => void): void;
  readonly environment: { readonly stderr: Writable; readonly env: Record<string, string | undefined> };
}

/** Follows the envelopes and says which scenario of how many is running. */
export function scenarioProgress(show: (text: string) => void): (envelope: messages.Envelope) => void {
  const names = new Map<string, string>();
  const pickleOf = new Map<string, string>();
  let total = 0;
  let started = 0;
  return (envelope) => {
    if (envelope.pickle) names.set(envelope.pickle.id, envelope.pickle.name);
    else if (envelope.testCase) {
      pickleOf.set(envelope.testCase.id, envelope.testCase.pickleId);
      total++;
    } else if (envelope.testCaseStarted && envelope.testCaseStarted.attempt === 0) {
      started++;
      const name = names.get(pickleOf.get(envelope.testCaseStarted.testCaseId) ?? '') ?? '';
      show(`scenario ${started} of ${total}: ${name}`);
    }
  };
}

export default {
  type: 'plugin',
  coordinator({ operation, on, environment }: CoordinatorContext) {
    const stderr = environment.stderr as NodeJS.WriteStream;
    if (operation !== 'runCucumber' || environment.env.HARNESS_PROGRESS === 'off') return;
    const line = progressLine(stderr);
    if (!line) return;
    const follow = scenarioProgress((text) => line.show(text));
    on('message', (envelope) => {
      if (envelope.testRunFinished) line.clear();
      else follow(envelope);
    });
    return () => line.clear();
  },
};
