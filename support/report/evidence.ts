// An exchange rendered for a person reading a report: the request and the answer as they went over the wire.
import type { Exchange } from '../model.ts';

function headerLines(headers: Readonly<Record<string, string>>): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n');
}

export function renderExchange(exchange: Exchange): string {
  const request = `${exchange.request.method} ${exchange.request.url}\n${headerLines(exchange.request.headers)}\n\n${exchange.request.body}`;
  const answer = exchange.response
    ? `HTTP ${exchange.response.status}${exchange.response.truncated ? ' (truncated at the size cap)' : ''}\n${headerLines(exchange.response.headers)}\n\n${exchange.response.body}`
    : `no answer: ${exchange.error ?? 'unknown'}`;
  const resent = exchange.resent === undefined ? '' : `\n(${exchange.resent})`;
  return `${exchange.label} at ${exchange.startedAt}, ${exchange.ms} ms${resent}\n\n${request}\n\n--- answer ---\n${answer}\n`;
}
