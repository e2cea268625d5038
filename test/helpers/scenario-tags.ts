// The tags of scenarios of errors.feature, order.feature and parameters.feature, as their pickles carry them: what
// the as-found player is told a scenario is about.
export const ORDER = ['@case_cancel', '@assumed', '@source:decided', '@req:ORDER', '@xml'];
export const ERRORS_1152_SEED = ['@case_cancel', '@error:1152', '@source:seed', '@req:CC-1152', '@xml'];
export const ERRORS_1152_STATES = [
  '@case_cancel',
  '@error:1152',
  '@assumed',
  '@source:decided',
  '@req:CC-1152',
  '@xml',
];
/** parameters.feature's literal forms and unknown parameter (XML rows). */
export const LITERALS = ['@case_cancel', '@assumed', '@source:decided', '@req:PARAM-LITERALS', '@xml'];
