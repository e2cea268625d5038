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
/**
 * libxml2-wasm loaded before tsx's loader, in the runner (where cucumber runs), in a --parallel run's cucumber
 * process and (through its execArgv) in its workers: tsx rewrites every dynamic import() of an ES module it loads
 * and maps the rewrite, and libxml2-wasm's 963 KB module holds one; that cost about 0.6 CPU-seconds a process.
 * Loaded first it is the same file and the same instance (support/checks/xsd.ts finds it loaded).
 */
export const LIBXML2_PRELOAD: readonly string[] = ['--import', 'libxml2-wasm'];
/** The runner (`npm test`) and the node arguments it is started with, as package.json's script starts it. */
export const RUNNER = path.join(PROJECT_ROOT, 'support', 'run.ts');
export const RUNNER_NODE_ARGS: readonly string[] = [...LIBXML2_PRELOAD, '--import', 'tsx', RUNNER];
export const FEATURES_DIR = path.join(PROJECT_ROOT, 'features');
export const REQUIREMENTS_FILE = path.join(FEATURES_DIR, 'requirements.json');
export const REPORTS_ROOT = path.join(PROJECT_ROOT, 'reports');
