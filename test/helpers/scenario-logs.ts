// What each scenario of a run wrote as evidence (its log lines), read back from the run's messages.ndjson.
import { readFile } from 'node:fs/promises';

/** Every log line each scenario wrote, by scenario name, in order. */
export async function logsOf(messagesFile: string): Promise<Map<string, string[]>> {
  const envelopes = (await readFile(messagesFile, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const pickles = new Map<string, string>();
  const testCases = new Map<string, string>();
  const started = new Map<string, string>();
  const logs = new Map<string, string[]>();
  for (const e of envelopes) {
    if (e.pickle) pickles.set(e.pickle.id, e.pickle.name);
    if (e.testCase) testCases.set(e.testCase.id, e.testCase.pickleId);
    if (e.testCaseStarted)
      started.set(e.testCaseStarted.id, pickles.get(testCases.get(e.testCaseStarted.testCaseId) ?? '') ?? '');
    if (e.attachment?.mediaType === 'text/x.cucumber.log+plain') {
      const name = started.get(e.attachment.testCaseStartedId) ?? '';
      logs.set(name, [...(logs.get(name) ?? []), e.attachment.body]);
    }
  }
  return logs;
}
