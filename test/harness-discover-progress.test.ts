// The live progress line: drawn in place on a terminal, cut to its width, cleared at the end; nothing at all when
// the stream is not a terminal (CI). The cucumber plugin's count of scenarios follows cucumber's messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as messages from '@cucumber/messages';
import { progressLine } from '../support/report/progress-line.ts';
import progressPlugin, { scenarioProgress } from '../support/report/progress-plugin.ts';

function fakeStream(isTTY: boolean, columns = 60): NodeJS.WriteStream & { written: string[] } {
  const written: string[] = [];
  return {
    isTTY,
    columns,
    written,
    write(chunk: string) {
      written.push(chunk);
      return true;
    },
  } as unknown as NodeJS.WriteStream & { written: string[] };
}

describe('the live progress line', () => {
  it('is off when the stream is not a terminal', () => {
    assert.equal(progressLine(fakeStream(false)), undefined);
  });

  it('redraws one line in place, cut to the terminal width, and clears it', () => {
    const stream = fakeStream(true, 40);
    const line = progressLine(stream);
    assert.ok(line);
    line.show('reading the site: 1/2000 ports', true);
    line.show('reading the site: 2/2000 ports'); // within the redraw interval: skipped
    line.show('reading the site: 2000/2000 ports', true);
    line.show(`scenario 1 of 294: ${'a very long scenario name '.repeat(5)}`, true);
    line.clear();
    line.clear(); // once is enough
    assert.deepEqual(stream.written.slice(0, 2), [
      '\r\x1b[Kreading the site: 1/2000 ports',
      '\r\x1b[Kreading the site: 2000/2000 ports',
    ]);
    const long = stream.written[2] ?? '';
    assert.equal(long.length, '\r\x1b[K'.length + 39);
    assert.ok(long.endsWith('...'));
    assert.deepEqual(stream.written.slice(3), ['\r\x1b[K']);
  });
});

describe('the scenario progress plugin', () => {
  const envelopes: messages.Envelope[] = [
    { pickle: { id: 'p1', name: 'A port that does not exist (XML)' } },
    { pickle: { id: 'p2', name: 'A port that does not exist (JSON)' } },
    { testCase: { id: 't1', pickleId: 'p1' } },
    { testCase: { id: 't2', pickleId: 'p2' } },
    { testCaseStarted: { id: 's1', testCaseId: 't1', attempt: 0 } },
    { testCaseStarted: { id: 's2', testCaseId: 't1', attempt: 1 } },
    { testCaseStarted: { id: 's3', testCaseId: 't2', attempt: 0 } },
  ] as unknown as messages.Envelope[];

  it('says which scenario of how many is running, a retry not counted again', () => {
    const shown: string[] = [];
    const follow = scenarioProgress((text) => shown.push(text));
    for (const envelope of envelopes) follow(envelope);
    assert.deepEqual(shown, [
      'scenario 1 of 2: A port that does not exist (XML)',
      'scenario 2 of 2: A port that does not exist (JSON)',
    ]);
  });

  function coordinate(stderr: NodeJS.WriteStream, env: Record<string, string | undefined>) {
    let handler: ((envelope: messages.Envelope) => void) | undefined;
    progressPlugin.coordinator({
      operation: 'runCucumber',
      on: (_event, h) => {
        handler = h;
      },
      environment: { stderr, env },
    });
    return handler;
  }

  it('draws on a terminal and clears the line when the run finishes', () => {
    const stderr = fakeStream(true, 200);
    const handler = coordinate(stderr, {});
    assert.ok(handler);
    for (const envelope of envelopes) handler(envelope);
    handler({ testRunFinished: { success: true } } as unknown as messages.Envelope);
    assert.equal(stderr.written[0], '\r\x1b[Kscenario 1 of 2: A port that does not exist (XML)');
    assert.equal(stderr.written[stderr.written.length - 1], '\r\x1b[K');
  });

  it('stays off on a stream that is not a terminal, and with HARNESS_PROGRESS=off', () => {
    assert.equal(coordinate(fakeStream(false), {}), undefined);
    assert.equal(coordinate(fakeStream(true), { HARNESS_PROGRESS: 'off' }), undefined);
  });
});
