// `npm run report`: turns reports/allure-results into an HTML report with allure-commandline (a Java program).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const reports = path.resolve(process.argv[2] ?? path.join(ROOT, 'reports'));
const results = path.join(reports, 'allure-results');
const output = path.join(reports, 'allure-report');

function main(): number {
  if (!existsSync(results)) {
    console.error(`report: no Allure results at ${results}: run "npm test" first`);
    return 2;
  }
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.error || java.status !== 0) {
    console.error(
      'report: Java is missing, and allure-commandline needs it. Install a Java runtime 8 or newer ' +
        '(Debian/Ubuntu: apt-get install default-jre-headless; macOS: brew install openjdk), then run "npm run report" again.',
    );
    return 2;
  }
  const allure = path.join(ROOT, 'node_modules', 'allure-commandline', 'bin', 'allure');
  const run = spawnSync(allure, ['generate', results, '-o', output, '--clean'], { stdio: 'inherit' });
  if (run.status !== 0) return 1;
  console.log(`report: open ${path.join(output, 'index.html')} (or: npx allure open ${output})`);
  return 0;
}

process.exitCode = main();
