#!/usr/bin/env node
// `npm test`: lint, typecheck, format (prettier --check), unit tests, the BPF conformance suite, build, end-to-end
// specs. Every step runs even when an earlier one fails; the last line totals every test that ran:
// `N passed, N failed, N skipped`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const results = path.join(root, 'test-results');
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

const totals = { passed: 0, failed: 0, skipped: 0 };
const failedSteps = [];

function step(name, cmd, args, env = {}) {
  console.log(`\n━━ ${name}: ${[path.basename(cmd), ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const ok = r.status === 0;
  if (!ok) failedSteps.push(name);
  return ok;
}

/** A step that is one check (lint, typecheck, build): it counts as one test. */
function check(name, cmd, args) {
  const ok = step(name, cmd, args);
  totals[ok ? 'passed' : 'failed'] += 1;
  return ok;
}

check('lint', bin('eslint'), ['.', '--max-warnings=0']);
check('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
check('format', bin('prettier'), ['--check', '.', '--log-level', 'warn']);

const unitJson = path.join(results, 'unit.json');
const unitOk = step('unit', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${unitJson}`,
]);
if (existsSync(unitJson)) {
  const j = JSON.parse(readFileSync(unitJson, 'utf8'));
  totals.passed += j.numPassedTests;
  totals.failed += j.numFailedTests;
  totals.skipped += (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  if (!unitOk && j.numFailedTests === 0) totals.failed += 1; // failed outside any test (a suite that did not load)
} else if (!unitOk) totals.failed += 1;

if (existsSync(path.join(root, 'scripts/conformance.ts'))) {
  console.log('\n━━ conformance: tsx scripts/conformance.ts');
  const r = spawnSync(bin('tsx'), ['scripts/conformance.ts'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.stdout.write(r.stdout ?? '');
  const m = /(\d+) passed, (\d+) failed/.exec(r.stdout ?? '');
  if (m) {
    totals.passed += Number(m[1]);
    totals.failed += Number(m[2]);
  } else totals.failed += 1;
  if (r.status !== 0) failedSteps.push('conformance');
}

const built = check('build', process.execPath, [
  path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'),
  'build',
]);

const { tsImport } = await import('tsx/esm/api');
const { findBrowser, findElectron, NO_BROWSER_HINT } = await tsImport('../e2e/browsers.ts', import.meta.url);
if (!findElectron(root))
  console.log("\ne2e: the electron project is skipped: Electron's binary is not installed here.");
if (!built) {
  console.log('e2e: skipped, the build failed');
} else if (!findBrowser()) {
  console.log(`e2e: the browser specs are skipped: ${NO_BROWSER_HINT}`);
} else {
  const e2eJson = path.join(results, 'e2e.json');
  const ok = step('e2e', bin('playwright'), ['test'], { PLAYWRIGHT_JSON_OUTPUT_NAME: e2eJson });
  if (existsSync(e2eJson)) {
    const s = JSON.parse(readFileSync(e2eJson, 'utf8')).stats;
    totals.passed += s.expected + (s.flaky ?? 0);
    totals.failed += s.unexpected;
    totals.skipped += s.skipped;
    if (!ok && s.unexpected === 0) totals.failed += 1;
  } else if (!ok) totals.failed += 1;
}

if (failedSteps.length) console.log(`\nfailed steps: ${failedSteps.join(', ')}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedSteps.length ? 1 : 0);
