// Requests as real clients in the field send them: each form names one way a client differs from the vendor sample.
import type { RequestForm } from '../wire/request-encoding.ts';

export interface ClientForm {
  readonly form: RequestForm;
  /** Send bin_id before port_id. */
  readonly binFirst?: boolean;
}

export const CLIENT_FORMS: Readonly<Record<string, ClientForm>> = {
  'as the vendor sample': { form: {} },
  'as text/xml': { form: { contentType: 'text/xml' } },
  'as text/plain; charset=utf-8': { form: { contentType: 'text/plain; charset=utf-8' } },
  'as application/json; charset=utf-8': { form: { contentType: 'application/json; charset=utf-8' } },
  'with standalone="yes"': { form: { standalone: true } },
  'without whitespace': { form: { compact: true } },
  'with an ISO-8859-1 declaration': { form: { declaration: '<?xml version="1.0" encoding="ISO-8859-1"?>' } },
  'with bin_id before port_id': { form: {}, binFirst: true },
};

export const CLIENT_FORM_PATTERN = new RegExp(
  Object.keys(CLIENT_FORMS)
    .map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|'),
);
