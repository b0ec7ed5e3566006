/**
 * The LZMA encoder in a Chromium Web Worker (the app's own bridge), against the same code in
 * Node: throughput per preset on the OVMF DXE payload. Needs `npm run build` and Chromium.
 * Run: `npx tsx bench/lzma-browser.ts`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { lzmaDecompress } from '../src/lib/firmware/compress/lzma/decoder';
import { lzmaCompress } from '../src/lib/firmware/compress/lzma/encoder';
import { launch, noBrowserReason, serveBuild } from '../tests/helpers/browser';

const ovmf = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const LZMA_GUID = [
  0x98, 0x58, 0x4e, 0xee, 0x14, 0x39, 0x59, 0x42, 0x9d, 0x6e, 0xdc, 0x7b, 0xd7, 0x94, 0x03, 0xcf,
];

function dxePayload(): Uint8Array | undefined {
  if (!existsSync(ovmf)) return undefined;
  const f = new Uint8Array(readFileSync(ovmf));
  outer: for (let at = 4; at + 20 <= f.length; at++) {
    for (let k = 0; k < 16; k++) if (f[at + k] !== LZMA_GUID[k]) continue outer;
    const sec = at - 4;
    const size = f[sec] | (f[sec + 1] << 8) | (f[sec + 2] << 16);
    const dataOffset = f[at + 16] | (f[at + 17] << 8);
    return lzmaDecompress(f.subarray(sec + dataOffset, sec + size));
  }
  return undefined;
}

if (noBrowserReason) {
  console.log(`[skip] ${noBrowserReason}`);
  process.exit(0);
}
const payload = dxePayload();
if (!payload) {
  console.log(`[skip] ${ovmf} not found (Debian package ovmf)`);
  process.exit(0);
}

const site = await serveBuild('/');
const session = await launch();
try {
  const page = await session.context.newPage();
  await page.route('**/bench-payload.bin', (route) =>
    route.fulfill({ body: Buffer.from(payload), contentType: 'application/octet-stream' }),
  );
  await page.goto(site.url);
  await page.waitForFunction(() => 'ovmfGop' in globalThis);
  // Fetch once, before the service worker takes over (its fetches bypass page.route).
  await page.evaluate(async () => {
    const bytes = new Uint8Array(await (await fetch('bench-payload.bin')).arrayBuffer());
    (globalThis as unknown as { benchPayload: Uint8Array }).benchPayload = bytes;
  });
  console.log(
    `\nLZMA encode of the OVMF DXE payload (${payload.length} bytes): Chromium worker vs Node`,
  );
  console.log('| preset | out bytes | Chromium s | MB/s | Node s | MB/s | same bytes |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const preset of ['default', 'fast'] as const) {
    const browser = await page.evaluate(async (preset) => {
      type Bridge = typeof import('../src/lib/worker/bridge');
      const bridge = (globalThis as unknown as { ovmfGop: Bridge }).ovmfGop;
      // A copy: the bridge transfers (detaches) what it is given.
      const input = (globalThis as unknown as { benchPayload: Uint8Array }).benchPayload.slice();
      const t0 = performance.now();
      const out = await bridge.lzmaCompress(input, { preset });
      const seconds = (performance.now() - t0) / 1000;
      const digest = await crypto.subtle.digest('SHA-256', out as Uint8Array<ArrayBuffer>);
      return {
        seconds,
        size: out.length,
        sha: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join(''),
      };
    }, preset);
    const t0 = performance.now();
    const node = lzmaCompress(payload, { preset });
    const nodeSeconds = (performance.now() - t0) / 1000;
    const nodeSha = (await import('node:crypto')).createHash('sha256').update(node).digest('hex');
    const mb = payload.length / 1e6;
    console.log(
      `| ${preset} | ${browser.size} | ${browser.seconds.toFixed(2)} | ${(mb / browser.seconds).toFixed(1)} | ` +
        `${nodeSeconds.toFixed(2)} | ${(mb / nodeSeconds).toFixed(1)} | ${browser.sha === nodeSha ? 'yes' : 'NO'} |`,
    );
  }
} finally {
  await session.close();
  await site.stop();
}
