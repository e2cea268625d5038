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
    format: [
      'progress',
      `message:${path.join(reports, 'messages.ndjson')}`,
      // No junit formatter: the runner writes junit.xml from the verdicts (support/report/verdicts-junit.ts),
      // which cucumber's knows nothing of; cucumber's own was overwritten, and cost a second a suite.
      ...(full
        ? [
            `html:${path.join(reports, 'cucumber.html')}`,
            './support/report/allure-formatter.ts',
          ]
        : []),
    ],
    formatOptions: {
      resultsDir: path.join(reports, 'allure-results'),
      labels: [
        { pattern: [/@req:(.*)/], name: 'story' },
        { pattern: [/@error:(.*)/], name: 'feature' },
        { pattern: [/@source:(.*)/], name: 'tag' },
      ],
    },
  },
};
