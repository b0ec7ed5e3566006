// `npm test`: static checks, unit tests, the build, Chromium end-to-end and QEMU tests.
// Every step runs even when an earlier one fails; the last line sums up all test results.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const results = { passed: 0, failed: 0, skipped: 0 };
const failedSteps = [];
const out = '.tmp/test-results';
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

function step(name, cmd, args, env = {}) {
  console.log(`\n── ${name}: ${cmd} ${args.join(' ')}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const ok = r.status === 0;
  console.log(
    `── ${name}: ${ok ? 'ok' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  if (!ok) failedSteps.push(name);
  return ok;
}

function vitest(project) {
  const file = `${out}/${project}.json`;
  step(`${project} tests`, 'npx', [
    'vitest',
    'run',
    '--project',
    project,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${file}`,
  ]);
  if (!existsSync(file)) return;
  const r = JSON.parse(readFileSync(file, 'utf8'));
  results.passed += r.numPassedTests;
  results.failed += r.numFailedTests;
  results.skipped += r.numPendingTests + r.numTodoTests;
}

step('svelte-kit sync', 'npx', ['svelte-kit', 'sync']);
step('type check', 'npx', ['svelte-check', '--tsconfig', './tsconfig.json', '--fail-on-warnings']);
step('eslint', 'npx', ['eslint', '.']);
step('prettier', 'npx', ['prettier', '--check', '.']);
vitest('unit');
const built = step('build', 'npm', ['run', 'build']);
if (built) vitest('browser');
else console.log('[skip] browser tests: the build failed');
vitest('qemu');
if (existsSync('src/drivers/build.mjs')) {
  const haveClang = spawnSync('clang', ['--version'], { stdio: 'ignore' }).status === 0;
  if (haveClang) step('drivers reproducible', 'npm', ['run', 'drivers:check']);
  else console.log('[skip] drivers:check: clang/lld not installed (Debian packages clang, lld)');
}

console.log(`\n${failedSteps.length ? `failed steps: ${failedSteps.join(', ')}` : 'all steps ok'}`);
console.log(
  `tests: ${results.passed} passed, ${results.failed} failed, ${results.skipped} skipped`,
);
process.exit(failedSteps.length || results.failed ? 1 : 0);
