// A port_id written as XML markup (`<![CDATA[4]]>`, `&#52;`, `4<!-- c -->`) on a site as found
// (docs/spec/as-found.md): what it means is its text as XML reads it, so the scenario's port in it is written
// around the port that plays it in the same form (`&#52;` around 12 is `&#49;&#50;`), not digit by digit; and it
// is not sent when a reading of it, as XML reads it or as a reader that takes the characters between the tags
// does, could be a port the run may not use. Pure: no I/O.
import { markupAround } from './as-found.ts';
import { digitRuns, markupReadings, type OnSite, portLiteralOnSite, type SitePlay } from './literal-ids.ts';
import { xmlContentText } from './xml-content.ts';

export function markupOnSite(content: string, play: SitePlay): OnSite {
  const text = xmlContentText(content);
  // Child elements, or markup that is no element content: the digits as written, as any literal.
  if (text === undefined) return portLiteralOnSite(content, play);
  let sent = content;
  const named = digitRuns(text)
    .map((run) => ({ run, port: play.port(run.value) }))
    .filter(({ run, port }) => port !== undefined && port !== run.value);
  if (named.length > 0) {
    const [first] = named;
    const around = named.length === 1 && first ? markupAround(content, first.port as number) : undefined;
    if (around === undefined)
      return {
        reason: `the port_id \`${content}\` cannot be written in the same form around the port that plays the scenario's (${named.map(({ run, port }) => `${run.value} by ${port}`).join(', ')}): not sent`,
      };
    sent = around;
  }
  for (const port of markupReadings(sent, 'port_id')) {
    const why = play.offLimits(port);
    if (why)
      return { reason: `the port_id \`${sent}\` could be read as port ${port}, which is ${why}: not sent` };
  }
  return { text: sent };
}
