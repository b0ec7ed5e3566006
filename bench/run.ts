// `npm run bench`: every benchmark, one after the other, each printing its own table of ratios.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const benches = [
  'bench/parse.ts',
  'bench/analyze-progress.ts',
  'bench/lzma.ts',
  'bench/lzma-decoder-forms.ts',
  'bench/bcj2.ts',
  'bench/lzma-browser.ts',
  'bench/ovmf-patch.ts',
  'bench/app-browser.ts',
].filter((b) => existsSync(b));
let failed = 0;
for (const b of benches) {
  console.log(`\n=== ${b}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', b, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
