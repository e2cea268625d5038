// Cucumber's configuration. Run the suite through `npm test` (support/run.ts): it resolves the target, checks
// that it answers and passes the run's settings to every cucumber process.
const path = require('node:path');

const reports = process.env.HARNESS_REPORTS_DIR || path.join(__dirname, 'reports');
// The selftest runs the suite fifty times and reads only the message stream: it skips the slower reports.
const full = process.env.HARNESS_REPORTS !== 'messages';

// No paths here: cucumber's default is features/, and paths given on the command line would be added to ours.
module.exports = {
  default: {
    import: ['support/cucumber/**/*.ts', 'steps/**/*.ts'],
    // The reports are written off cucumber's main thread (support/report/reports-formatter.ts): messages.ndjson
    // always, cucumber.html and allure-results/ unless only the messages are asked for. No junit formatter:
    // the runner writes junit.xml from the verdicts (support/report/verdicts-junit.ts), which cucumber's
    // own knows nothing of.
    format: ['progress', './support/report/reports-formatter.ts'],
    // On a terminal, `scenario 37 of 294: <name>` on one live line of stderr (support/report/progress-plugin.ts).
    plugin: ['./support/report/progress-plugin.ts'],
    formatOptions: {
      harnessReports: {
        messages: path.join(reports, 'messages.ndjson'),
        ...(full ? { html: path.join(reports, 'cucumber.html'), allure: true } : {}),
      },
      resultsDir: path.join(reports, 'allure-results'),
      labels: [
        { pattern: [/@req:(.*)/], name: 'story' },
        { pattern: [/@error:(.*)/], name: 'feature' },
        { pattern: [/@source:(.*)/], name: 'tag' },
      ],
    },
  },
};
