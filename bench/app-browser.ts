/**
 * The app's own timings in Chromium, through the page as a user drives it: a 16 MiB vendor image
 * dropped → GOP/VBT shown; the option ROM built and checked; OVMF patched and verified. Next to
 * each, the longest main-thread task meanwhile (the page must never freeze), and through the
 * bridge the longest gap between two progress reports of the worker (goal: ≤ 100 ms).
 * Needs `npm run build`, Chromium and the fixtures. Run: `npx tsx bench/app-browser.ts`.
 */
import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { E2E_BUILD, launch, noBridgeReason, pageFiles, serveBuild } from '../tests/helpers/browser';
import { fixturePath, haveFixtures, noFixturesReason } from '../tests/helpers/fixtures';

const SPI = 'vendor-like-2/aptio5-spi-adl.bin';
const OVMF = 'ovmf/debian-bookworm/OVMF_CODE_4M.fd';

if (noBridgeReason || !haveFixtures) {
  console.log(`[skip] ${noBridgeReason || noFixturesReason}`);
  process.exit(0);
}
if (!existsSync(fixturePath(SPI)) || !existsSync(fixturePath(OVMF))) {
  console.log(`[skip] ${SPI} or ${OVMF} missing from the fixtures`);
  process.exit(0);
}

type Win = {
  longTasks: number[];
  marks: Record<string, number>;
};

/** Watches main-thread long tasks and the moment a test id appears, inside the page. */
async function instrument(page: Page) {
  await page.evaluate(() => {
    const w = globalThis as unknown as Win;
    w.longTasks = [];
    w.marks = {};
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: false });
  });
}

/** Starts a clock in the page, runs `act`, and stops it when `testid` shows; ms and long tasks. */
async function timeUntil(page: Page, testid: string, act: () => Promise<void>, timeout = 600_000) {
  await page.evaluate((testid) => {
    const w = globalThis as unknown as Win & { done?: Promise<number> };
    w.longTasks = [];
    const start = performance.now();
    w.done = new Promise<number>((resolve) => {
      const check = () => {
        if (document.querySelector(`[data-testid="${testid}"]`)) {
          observer.disconnect();
          resolve(performance.now() - start);
        }
      };
      const observer = new MutationObserver(check);
      observer.observe(document.body, { childList: true, subtree: true });
    });
  }, testid);
  await act();
  await page.getByTestId(testid).first().waitFor({ timeout });
  return page.evaluate(async () => {
    const w = globalThis as unknown as Win & { done: Promise<number> };
    const ms = await w.done;
    return { ms, longest: Math.max(0, ...w.longTasks) };
  });
}

/** Longest gap between progress reports of one bridge job, and its total time. */
async function progressGaps(page: Page, job: 'analyze' | 'patch') {
  return page.evaluate(async (job) => {
    type Bridge = typeof import('../src/lib/worker/bridge');
    const bridge = (globalThis as unknown as { ovmfGop: Bridge }).ovmfGop;
    const files = (globalThis as unknown as { benchFiles: Record<string, Uint8Array> }).benchFiles;
    // The bridge copies what it is given (a cancel may make it send a job again).
    const spi = files.spi;
    let last = performance.now();
    let gap = 0;
    let reports = 0;
    // Where the longest gap lies: the reports either side of it.
    let lastAt = 'start';
    let where = '';
    // When the first report arrived after the call (copying the input to the worker included).
    let first = -1;
    const onProgress = (p: { phase: string; done: number; total: number }) => {
      const now = performance.now();
      if (first < 0) first = now - t0;
      const at = `${p.phase} ${((100 * p.done) / Math.max(1, p.total)).toFixed(0)}%`;
      if (now - last > gap) {
        gap = now - last;
        where = `${lastAt} → ${at}`;
      }
      last = now;
      lastAt = at;
      reports++;
    };
    let t0 = performance.now();
    last = t0;
    if (job === 'analyze') await bridge.analyze(spi, { onProgress });
    else {
      // The analysis the patch starts from is not part of the patch job: time from after it.
      const found = await bridge.openFile(new Blob([spi as Uint8Array<ArrayBuffer>]));
      // The worker re-parses the BIOS in the background while a person reads the results (and
      // drops the OVMF file): give it that moment, as the page does.
      await new Promise((r) => setTimeout(r, 1500));
      t0 = last = performance.now();
      await bridge.patchOvmfWith(
        [found.kept],
        {
          ovmf: files.ovmf,
          gopSha256: found.result.gops[0].sha256,
          vbtSha256: found.result.vbts[0].sha256,
        },
        { onProgress },
      );
    }
    const end = performance.now();
    if (end - last > gap) {
      gap = end - last;
      where = `${lastAt} → result`;
    }
    return { ms: end - t0, gap, reports, where, first };
  }, job);
}

// The e2e build: the same app, handing its bridge to the bench.
const site = await serveBuild('/', E2E_BUILD);
const session = await launch();
try {
  const page = await session.context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  // tsx keeps function names with a __name helper that the page does not have.
  await page.addInitScript('globalThis.__name = (f) => f;');
  await page.goto(site.url);
  await page.waitForFunction(() => 'ovmfGop' in globalThis);
  // The bridge runs read the fixtures through a file input of their own, as the page would.
  await pageFiles(page, [fixturePath(SPI), fixturePath(OVMF)], 'bench-files');
  await page.evaluate(async () => {
    const input = document.getElementById('bench-files') as HTMLInputElement;
    const [spi, ovmf] = await Promise.all(
      [...input.files!].map(async (f) => new Uint8Array(await f.arrayBuffer())),
    );
    (globalThis as unknown as { benchFiles: Record<string, Uint8Array> }).benchFiles = {
      spi,
      ovmf,
    };
    input.remove();
  });
  await instrument(page);

  const rows: [string, string, string, string][] = [];
  const s = (ms: number) => (ms / 1000).toFixed(2);

  const drop = await timeUntil(page, 'gop', () =>
    page.getByTestId('file-input').setInputFiles(fixturePath(SPI)),
  );
  rows.push([
    '16 MiB SPI image dropped → GOP/VBT shown',
    s(drop.ms),
    '1.5',
    drop.longest.toFixed(0),
  ]);

  await page.getByTestId('mode-rom').check();
  const rom = await timeUntil(page, 'rom-result', () => page.getByTestId('build-rom').click());
  rows.push(['option ROM built and checked', s(rom.ms), '1', rom.longest.toFixed(0)]);

  await page.getByTestId('mode-ovmf').check();
  await page.getByTestId('ovmf-input').setInputFiles(fixturePath(OVMF));
  const ovmf = await timeUntil(page, 'ovmf-result', () => page.getByTestId('patch-ovmf').click());
  rows.push(['OVMF_CODE_4M.fd patched and verified', s(ovmf.ms), '3', ovmf.longest.toFixed(0)]);
  // The first patch also pays for compiling the encoder; a second file (secboot) does not.
  const again = await timeUntil(page, 'ovmf-result', () => page.getByTestId('patch-ovmf').click());
  rows.push(['the same, again (worker warm)', s(again.ms), '3', again.longest.toFixed(0)]);
  await page.getByTestId('mode-rom').check();

  console.log('\nThe app in Chromium (page → worker → page), this machine');
  console.log('| step | seconds | goal s | longest main-thread task ms |');
  console.log('|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);

  console.log('\nProgress reports from the worker (through the bridge)');
  console.log(
    '| job | seconds | reports | first report ms | longest gap ms (goal ≤ 100) | between |',
  );
  console.log('|---|---:|---:|---:|---:|---|');
  for (const job of ['analyze', 'patch'] as const) {
    const g = await progressGaps(page, job);
    const name = job === 'analyze' ? 'analyse the 16 MiB SPI image' : 'patch OVMF_CODE_4M.fd';
    console.log(
      `| ${name} | ${s(g.ms)} | ${g.reports} | ${g.first.toFixed(0)} | ${g.gap.toFixed(0)} | ${g.where} |`,
    );
  }
} finally {
  await session.close();
  await site.stop();
}
