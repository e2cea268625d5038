// Requests as real clients in the field send them: each form names one way a client differs from the vendor sample.
import type { RequestForm } from '../wire/request-encoding.ts';

export interface ClientForm {
  readonly form: RequestForm;
  /** Send bin_id before port_id. */
  readonly binFirst?: boolean;
  /** Unknown parameters sent after the two (case_cancel.md: ignored), each as text. */
  readonly extra?: Readonly<Record<string, string>>;
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
  // the reason a client declares ISO-8859-1: text past ASCII, here in a parameter case_cancel ignores
  'in ISO-8859-1 with a note past ASCII': {
    form: { declaration: '<?xml version="1.0" encoding="ISO-8859-1"?>' },
    extra: { note: 'Kühlhaus Süd' },
  },
};

export const CLIENT_FORM_PATTERN = new RegExp(
  Object.keys(CLIENT_FORMS)
    .map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|'),
);
