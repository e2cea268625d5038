// Input that is not a call is refused with a 4xx and a short explanation (docs/spec/decisions.md): any text in any
// media type explains; an empty body does not, whatever its status.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectRefused } from '../support/checks/expect.ts';
import type { Exchange } from '../support/model.ts';

function refusal(status: number, body: string, contentType = 'text/plain; charset=utf-8'): Exchange {
  return {
    label: 'not a call',
    startedAt: '2026-12-03T00:00:00.000Z',
    ms: 1,
    request: { method: 'POST', url: 'http://127.0.0.1:1/api/v2/task', headers: {}, body: '<methodcall>' },
    response: { status, headers: { 'content-type': contentType }, body, truncated: false },
  };
}

describe('a refusal of input that is not a call', () => {
  it('passes with a 4xx and any explanation', () => {
    expectRefused(refusal(400, 'the body is not well-formed XML'), [400]);
    expectRefused(refusal(413, '{"error":"too large"}', 'application/json'));
    expectRefused(refusal(405, '<html><body>Method Not Allowed</body></html>', 'text/html'));
  });

  it('fails with the right status and an empty or blank body, saying so', () => {
    for (const body of ['', ' \r\n'])
      assert.throws(
        () => expectRefused(refusal(400, body), [400]),
        /expected HTTP 400 with a short explanation, got HTTP 400 with an empty body/,
      );
  });

  it('fails with another status, whatever the body', () => {
    assert.throws(() => expectRefused(refusal(422, 'unprocessable'), [400]), /expected HTTP 400, got/);
    assert.throws(() => expectRefused(refusal(200, 'ok')), /expected an HTTP 4xx refusal, got/);
  });
});
