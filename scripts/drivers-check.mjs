#!/usr/bin/env node
// Reproducibility check: rebuilds the UEFI drivers into a temporary place and fails if any
// image differs by a single byte from the committed src/lib/firmware/drivers/generated.ts.
//   node scripts/drivers-check.mjs
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDrivers, defaultGenerated } from '../src/drivers/build.mjs';

/** exported name → { sha256, size, base64 } as written in a generated module. */
function parseGenerated(text) {
  const images = new Map();
  const re = /export const (\w+): DriverImage = \{([\s\S]*?)\n\};/g;
  for (const m of text.matchAll(re)) {
    const body = m[2];
    const base64 = [...body.matchAll(/'([A-Za-z0-9+/=]+)'/g)]
      .map((x) => x[1])
      .filter((s) => !/^[0-9a-f]{64}$/.test(s))
      .join('');
    images.set(m[1], {
      sha256: /sha256: '([0-9a-f]{64})'/.exec(body)?.[1],
      size: Number(/size: (\d+)/.exec(body)?.[1]),
      base64,
    });
  }
  return images;
}

const dir = mkdtempSync(join(tmpdir(), 'drivers-check-'));
let failed = false;
try {
  const fresh = join(dir, 'generated.ts');
  await buildDrivers({ generatedPath: fresh });
  const want = parseGenerated(readFileSync(defaultGenerated, 'utf8'));
  const got = parseGenerated(readFileSync(fresh, 'utf8'));
  if (want.size === 0) {
    console.error(`no images found in ${defaultGenerated}`);
    failed = true;
  }
  for (const name of new Set([...want.keys(), ...got.keys()])) {
    const a = want.get(name);
    const b = got.get(name);
    if (!a || !b) {
      console.error(`${name}: ${a ? 'no longer built' : 'not committed'}`);
      failed = true;
    } else if (a.base64 !== b.base64 || a.sha256 !== b.sha256 || a.size !== b.size) {
      const x = Buffer.from(a.base64, 'base64');
      const y = Buffer.from(b.base64, 'base64');
      let i = 0;
      while (i < x.length && i < y.length && x[i] === y[i]) i++;
      const where =
        i < Math.max(x.length, y.length)
          ? `first difference at byte 0x${i.toString(16)}`
          : 'bytes equal, recorded size/sha256 wrong';
      console.error(
        `${name}: rebuilt image differs (committed ${a.size} bytes sha256 ${a.sha256}, ` +
          `rebuilt ${b.size} bytes sha256 ${b.sha256}; ${where})`,
      );
      failed = true;
    } else {
      console.log(`${name}: identical (${a.size} bytes, sha256 ${a.sha256})`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (failed) {
  console.error(
    'drivers:check failed: run `npm run drivers:build` with Debian clang/lld and commit the result',
  );
  process.exit(1);
}
