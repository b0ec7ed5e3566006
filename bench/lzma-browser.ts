/**
 * The LZMA encoder in a Chromium Web Worker (the app's own bridge) against the same code in
 * Node: throughput and peak memory per preset on the OVMF DXE payload, and whether both
 * give the same bytes. Needs `npm run build` and Chromium.
 * Run: `npx tsx bench/lzma-browser.ts [--runs N]`.
 *
 * Each preset gets a fresh browser; its time is the best of `--runs` (default 2) encodes in
 * the worker. Peak memory is the largest peak RSS (VmHWM) among that browser's renderer
 * processes, which hold the page and its worker (Linux only), after the encodes and
 * before them (the app with the payload loaded). Node runs in this process,
 * after the browser is closed.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { lzmaDecompress } from '../src/lib/firmware/compress/lzma/decoder';
import { lzmaCompress } from '../src/lib/firmware/compress/lzma/encoder';
import { findLzmaSections } from '../src/lib/firmware/compress/lzma/test-support';
import { E2E_BUILD, launch, noBridgeReason, serveBuild } from '../tests/helpers/browser';

const ovmf = '/usr/share/OVMF/OVMF_CODE_4M.fd';

/** Peak RSS (MiB) of the Chromium renderer processes started under this process. */
function rendererPeakMiB(): number | undefined {
  if (!existsSync('/proc/self/status')) return undefined;
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The field after the parenthesised command name: state, then the parent id.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(name), ppid);
    } catch {
      // The process ended while we looked.
    }
  }
  const mine = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p))
      if (p === process.pid) return true;
    return false;
  };
  let peak: number | undefined;
  for (const pid of parent.keys()) {
    if (!mine(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (hwm) peak = Math.max(peak ?? 0, Number(hwm[1]) / 1024);
    } catch {
      // Gone.
    }
  }
  return peak;
}

interface BrowserRun {
  seconds: number;
  size: number;
  sha: string;
}

async function inBrowser(
  siteUrl: string,
  payload: Uint8Array,
  preset: 'default' | 'fast',
  runs: number,
): Promise<BrowserRun & { peakMiB?: number; beforeMiB?: number }> {
  const session = await launch();
  try {
    const page = await session.context.newPage();
    await page.route('**/bench-payload.bin', (route) =>
      route.fulfill({ body: Buffer.from(payload), contentType: 'application/octet-stream' }),
    );
    await page.goto(siteUrl);
    await page.waitForFunction(() => 'ovmfGop' in globalThis);
    // Fetch once, before the service worker takes over (its fetches bypass page.route).
    await page.evaluate(async () => {
      const bytes = new Uint8Array(await (await fetch('bench-payload.bin')).arrayBuffer());
      (globalThis as unknown as { benchPayload: Uint8Array }).benchPayload = bytes;
    });
    const beforeMiB = rendererPeakMiB();
    let best: BrowserRun | undefined;
    for (let r = 0; r < runs; r++) {
      const run = await page.evaluate(async (preset) => {
        type Bridge = typeof import('../src/lib/worker/bridge');
        const bridge = (globalThis as unknown as { ovmfGop: Bridge }).ovmfGop;
        // The bridge copies what it is given (a cancel may make it send a job again).
        const input = (globalThis as unknown as { benchPayload: Uint8Array }).benchPayload;
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
      if (!best || run.seconds < best.seconds) best = run;
    }
    return { ...best!, peakMiB: rendererPeakMiB(), beforeMiB };
  } finally {
    await session.close();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const runsAt = argv.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 2;
  if (noBridgeReason) {
    console.log(`[skip] ${noBridgeReason}`);
    return;
  }
  if (!existsSync(ovmf)) {
    console.log(`[skip] ${ovmf} not found (Debian package ovmf)`);
    return;
  }
  const [section] = findLzmaSections(new Uint8Array(readFileSync(ovmf)));
  const payload = lzmaDecompress(section.stream);
  const mb = payload.length / 1e6;
  // The e2e build: the same app, handing its bridge to the bench.
  const site = await serveBuild('/', E2E_BUILD);
  const rows: string[] = [];
  try {
    for (const preset of ['default', 'fast'] as const) {
      const b = await inBrowser(site.url, payload, preset, runs);
      let nodeSeconds = Infinity;
      let node: Uint8Array = new Uint8Array();
      for (let r = 0; r < runs; r++) {
        const t0 = performance.now();
        node = lzmaCompress(payload, { preset });
        nodeSeconds = Math.min(nodeSeconds, (performance.now() - t0) / 1000);
      }
      const nodeSha = createHash('sha256').update(node).digest('hex');
      rows.push(
        `| ${preset} | ${b.size} | ${b.seconds.toFixed(2)} | ${(mb / b.seconds).toFixed(1)} | ` +
          `${b.peakMiB === undefined ? 'n/a' : b.peakMiB.toFixed(0)} | ` +
          `${b.beforeMiB === undefined ? 'n/a' : b.beforeMiB.toFixed(0)} | ` +
          `${nodeSeconds.toFixed(2)} | ${(mb / nodeSeconds).toFixed(1)} | ${b.sha === nodeSha ? 'yes' : 'NO'} |`,
      );
    }
  } finally {
    await site.stop();
  }
  console.log(
    `\nLZMA encode of the OVMF DXE payload (${payload.length} bytes), best of ${runs}: Chromium worker vs Node`,
  );
  console.log(
    '| preset | out bytes | Chromium s | MB/s | renderer peak MiB | before encoding | Node s | MB/s | same bytes |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows) console.log(r);
}

await main();
