// The XSD verdicts held to a record: test/fixtures/xsd-verdicts.ndjson has 541 documents (the four schemas; every
// declared encoding and byte order, BOMs, entities internal and external, DOCTYPEs, entity bombs, namespace
// errors, xsi attributes, the hostile corpus's bodies, seeded mutations of the documented ones) with the verdict
// xmllint --schema --nonet gave them (xmllint-wasm 5.3.0, libxml2 2.13, the validator the harness used before
// libxml2-wasm). Each line: {schema, label, valid, b64}, b64 the exact bytes validated. Left out: an external
// entity naming another file of xmllint's batch, which xmllint read and this validator reads from nowhere.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type SchemaName, validateXmlBytes } from '../support/checks/schema.ts';

interface Recorded {
  readonly schema: SchemaName;
  readonly label: string;
  readonly valid: boolean;
  readonly b64: string;
}

const recorded = readFileSync(new URL('fixtures/xsd-verdicts.ndjson', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Recorded);

describe('XSD verdicts as recorded', () => {
  it('gives every recorded document the verdict xmllint gave it', () => {
    assert.equal(recorded.length, 541);
    const wrong: string[] = [];
    for (const doc of recorded) {
      const problems = validateXmlBytes(doc.schema, Buffer.from(doc.b64, 'base64'));
      if ((problems.length === 0) !== doc.valid) {
        wrong.push(
          `${doc.schema} ${doc.label}: recorded ${doc.valid ? 'valid' : 'invalid'}, got ${JSON.stringify(problems)}`,
        );
      }
      for (const problem of problems) assert.doesNotMatch(problem, /\n/);
    }
    assert.deepEqual(wrong, []);
  });
});
