// Where the runner finds the project: cucumber, the features and their requirements, the reports root.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CUCUMBER_BIN = path.join(
  PROJECT_ROOT,
  'node_modules',
  '@cucumber',
  'cucumber',
  'bin',
  'cucumber.js',
);
/** Preloaded into cucumber and its workers: step arguments read with V8's own RegExp `d` flag (the file says why). */
export const NATIVE_MATCH_INDICES = path.join(PROJECT_ROOT, 'support', 'runner', 'native-match-indices.cjs');
export const FEATURES_DIR = path.join(PROJECT_ROOT, 'features');
export const REQUIREMENTS_FILE = path.join(FEATURES_DIR, 'requirements.json');
export const REPORTS_ROOT = path.join(PROJECT_ROOT, 'reports');
