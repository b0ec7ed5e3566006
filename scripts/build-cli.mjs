// Bundles the CLI into one ESM file for `node dist-cli/ovmf-gop.js`.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist-cli/ovmf-gop.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
chmodSync('dist-cli/ovmf-gop.js', 0o755);
