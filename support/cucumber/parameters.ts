// The words of the feature files that stand for protocol values.
import { defineParameterType } from '@cucumber/cucumber';
import { CASE_STATES, PORT_MODES, PORT_TYPES } from '../model.ts';
import { CLIENT_FORM_PATTERN, CLIENT_FORMS, type ClientForm } from '../vocabulary/forms.ts';
import { type ParamSpec, parseParamSpec } from '../vocabulary/params.ts';

const oneOf = (values: readonly string[]) => new RegExp(values.join('|'));

defineParameterType({ name: 'encoding', regexp: /XML|JSON/, transformer: (s: string) => s });
defineParameterType({ name: 'port_type', regexp: oneOf(PORT_TYPES), transformer: (s: string) => s });
// Longest first, so MULTIPORT_PUPPET is not read as something shorter.
defineParameterType({
  name: 'port_mode',
  regexp: oneOf([...PORT_MODES].sort((a, b) => b.length - a.length)),
  transformer: (s: string) => s,
});
defineParameterType({ name: 'case_state', regexp: oneOf(CASE_STATES), transformer: (s: string) => s });
defineParameterType({
  name: 'case_error',
  regexp: /in error|without error/,
  transformer: (s: string) => s === 'in error',
});
defineParameterType({
  name: 'selection',
  regexp: /bin \d+ selected|no bin selected/,
  transformer: (s: string): number | null => (s === 'no bin selected' ? null : Number(/\d+/.exec(s)?.[0])),
});
defineParameterType({
  name: 'param',
  regexp: /missing|-?\d+|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/,
  transformer: (s: string): ParamSpec => parseParamSpec(s),
});
defineParameterType({
  name: 'client_form',
  regexp: CLIENT_FORM_PATTERN,
  transformer: (s: string): ClientForm => CLIENT_FORMS[s] as ClientForm,
});
defineParameterType({
  name: 'doctype',
  regexp: /a DOCTYPE that declares an external entity|a DOCTYPE that declares an entity|a DOCTYPE/,
  transformer: (s: string) => s,
});
