// Prints the plain closing line CI reads ("Tests: N passed, N failed, N skipped") from vitest's JSON reports: the
// suite's, and the load test's, which runs on its own after it (npm test).
import { readFileSync } from 'node:fs';

const files = process.argv.length > 2 ? process.argv.slice(2) : ['test-artifacts/vitest.json'];
const reports = files.map((file) => JSON.parse(readFileSync(file, 'utf8')));
const sum = (field) => reports.reduce((total, report) => total + report[field], 0);
const skipped = sum('numPendingTests') + sum('numTodoTests');
process.stdout.write(`Tests: ${sum('numPassedTests')} passed, ${sum('numFailedTests')} failed, ${skipped} skipped\n`);
process.exitCode = sum('numFailedTests') === 0 && reports.every((report) => report.numTotalTests > 0) ? 0 : 1;
