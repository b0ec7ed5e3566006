/**
 * The worker bridge in Chromium: a cancel stops one job and strands no other, and the production
 * build does not hand the bridge to the page. Bridge calls run in the e2e build (the same app,
 * offering its bridge as globalThis.ovmfGop); the UI flow runs in build/, as users get it.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { compressLzma } from '../../src/lib/firmware/api';
import { patchOvmf } from '../../src/lib/firmware/ovmf/patch';
import { parseFirmware } from '../../src/lib/firmware/parse';
import { walk } from '../../src/lib/firmware/tree/node';
import {
  E2E_BUILD,
  launch,
  noBridgeReason,
  noBrowserReason,
  pageFiles,
  serveBuild,
} from '../helpers/browser';
import { servedApp } from '../helpers/browser-suite';
import { fixtureJson, fixturePath, haveFixtures, noFixturesReason } from '../helpers/fixtures';

interface Expected {
  file: string;
  gops: { sha256: string }[];
  vbts: { sha256_exact: string; vbt_size: number }[];
}

if (noBridgeReason) console.warn(`[skip] bridge tests: ${noBridgeReason}`);

const SPI = 'vendor-like-2/aptio5-spi-adl.bin';
const OVMF = 'ovmf/debian-bookworm/OVMF_CODE_4M.fd';
const noFixtures = !haveFixtures ? noFixturesReason : '';

type Bridge = typeof import('../../src/lib/worker/bridge');

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const read = (rel: string) => new Uint8Array(readFileSync(fixturePath(rel)));

/** Letters in runs: compressible, and the same bytes here and in the page. */
function sample(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = 97 + (Math.imul((i >>> 3) + seed, 2654435761) >>> 29);
  return b;
}

/** Every JavaScript file of a build, as text. */
function scripts(dir: string): string[] {
  const out: string[] = [];
  const walkDir = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walkDir(p);
      else if (name.endsWith('.js')) out.push(readFileSync(p, 'utf8'));
    }
  };
  walkDir(dir);
  return out;
}

describe.skipIf(!!noBridgeReason)('production build and the test hook', () => {
  it('build/ has no trace of the bridge hook; the e2e build has it', () => {
    const production = scripts('build');
    const e2e = scripts(E2E_BUILD);
    expect(production.length).toBeGreaterThan(0);
    expect(production.filter((s) => s.includes('ovmfGop'))).toEqual([]);
    expect(production.filter((s) => s.includes('__E2E_BUILD__'))).toEqual([]);
    // The name searched for is the one the hook uses.
    expect(e2e.filter((s) => s.includes('ovmfGop')).length).toBeGreaterThan(0);
  });

  it('the production page does not publish the bridge on globalThis', async () => {
    const site = await serveBuild('/');
    const session = await launch();
    try {
      const page = await session.context.newPage();
      await page.goto(site.url);
      await page.getByTestId('dropzone').waitFor();
      // The page is mounted (the language picker works), and still no bridge.
      await page.getByTestId('lang').selectOption('zh-CN');
      await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
      expect(await page.evaluate(() => 'ovmfGop' in globalThis)).toBe(false);
    } finally {
      await session.close();
      await site.stop();
    }
  });
});

describe.skipIf(!!noBridgeReason)('cancelling one bridge job strands no other', () => {
  const app = servedApp('/', E2E_BUILD);

  async function bridgePage(): Promise<Page> {
    const page = await app.session.context.newPage();
    await page.goto(app.site.url);
    await page.waitForFunction(() => 'ovmfGop' in globalThis);
    return page;
  }

  it('cancels a long worker job and keeps working afterwards', async () => {
    const page = await bridgePage();
    const outcome = await page.evaluate(async () => {
      const bridge = (globalThis as unknown as { ovmfGop: Bridge }).ovmfGop;
      const input = new Uint8Array(24 << 20);
      for (let i = 0; i < input.length; i++) input[i] = (i * 2654435761) >>> 24;
      const ctrl = new AbortController();
      let progressCalls = 0;
      const started = performance.now();
      const job = bridge.lzmaCompress(input, {
        signal: ctrl.signal,
        onProgress: () => {
          progressCalls++;
          if (progressCalls === 1) ctrl.abort();
        },
      });
      let error = '';
      try {
        await job;
      } catch (e) {
        error = (e as Error).name;
      }
      const elapsed = performance.now() - started;
      const after = await bridge.inspect(new Uint8Array([0x4d, 0x5a, 0, 0]));
      return { error, progressCalls, elapsed, afterSize: after.size };
    });
    expect(outcome.error).toBe('AbortError');
    expect(outcome.progressCalls).toBeGreaterThanOrEqual(1);
    expect(outcome.afterSize).toBe(4);
    await page.close();
  });

  it('two LZMA jobs at once: one cancelled after 150 ms, the other and a third finish', async () => {
    const page = await bridgePage();
    const outcome = await page.evaluate(async () => {
      const bridge = (globalThis as unknown as { ovmfGop: Bridge }).ovmfGop;
      // sample() above, in the page (its CSP allows no eval of the Node copy).
      const make = (n: number, seed: number) => {
        const b = new Uint8Array(n);
        for (let i = 0; i < n; i++) b[i] = 97 + (Math.imul((i >>> 3) + seed, 2654435761) >>> 29);
        return b;
      };
      const digest = async (b: Uint8Array) =>
        [...new Uint8Array(await crypto.subtle.digest('SHA-256', b as Uint8Array<ArrayBuffer>))]
          .map((x) => x.toString(16).padStart(2, '0'))
          .join('');
      /** A promise's outcome, or 'pending' if it has none after 60 s. */
      const within = <T>(p: Promise<T>) =>
        Promise.race([
          p.then(
            (value) => ({ value, error: '' }),
            (e: Error) => ({ value: undefined, error: `${e.name}: ${e.message}` }),
          ),
          new Promise<{ value: undefined; error: string }>((r) =>
            setTimeout(() => r({ value: undefined, error: 'pending' }), 60_000),
          ),
        ]);

      const ctrl = new AbortController();
      let aborted = false;
      let longProgress = 0;
      let longProgressAfterAbort = 0;
      let otherProgress = 0;
      // A call made while the cancel is under way (before the bridge hears of it).
      let during: Promise<{ size: number }> | undefined;
      let otherDone = false;
      let otherDoneAtAbort = true;
      ctrl.signal.addEventListener('abort', () => {
        aborted = true;
        otherDoneAtAbort = otherDone;
        during = bridge.inspect(new Uint8Array([0x4d, 0x5a, 0, 0, 0]));
      });
      // Incompressible bytes, so the job to cancel is still running at 150 ms on a fast
      // machine too (the patterned sample compresses 16 MiB in about that time).
      const noise = (n: number) => {
        const b = new Uint8Array(n);
        let x = 0x9e3779b9;
        for (let i = 0; i < n; i++) {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          b[i] = x;
        }
        return b;
      };
      const long = bridge.lzmaCompress(noise(16 << 20), {
        signal: ctrl.signal,
        onProgress: () => {
          longProgress++;
          if (aborted) longProgressAfterAbort++;
        },
      });
      const other = bridge.lzmaCompress(make(1 << 20, 2), {
        preset: 'fast',
        onProgress: () => otherProgress++,
      });
      void other.then(() => (otherDone = true)).catch(() => (otherDone = true));
      setTimeout(() => ctrl.abort(), 150);
      await new Promise((r) => setTimeout(r, 200));
      const [longOutcome, otherOutcome, duringOutcome] = await Promise.all([
        within(long),
        within(other),
        within(during!),
      ]);
      const third = await within(bridge.lzmaCompress(make(300_000, 3)));
      // Anything the stopped worker still had on its way has arrived by now.
      await new Promise((r) => setTimeout(r, 200));
      return {
        long: longOutcome.error,
        longProgress,
        longProgressAfterAbort,
        other: otherOutcome.value ? await digest(otherOutcome.value) : otherOutcome.error,
        otherDoneAtAbort,
        otherProgress,
        during: duringOutcome.value?.size ?? duringOutcome.error,
        third: third.value ? await digest(third.value) : third.error,
      };
    });
    expect(outcome.long).toBe('AbortError: The operation was cancelled.');
    expect(outcome.longProgressAfterAbort).toBe(0);
    // The other job was still waiting for the worker the cancel stopped.
    expect(outcome.otherDoneAtAbort).toBe(false);
    expect(outcome.other).toBe(sha(compressLzma(sample(1 << 20, 2), { preset: 'fast' })));
    expect(outcome.otherProgress).toBeGreaterThan(0);
    expect(outcome.during).toBe(5);
    expect(outcome.third).toBe(sha(compressLzma(sample(300_000, 3))));
    await page.close();
  });

  it.skipIf(!!noFixtures)(
    'cancelling the explorer’s load leaves the OVMF patch running to Node’s bytes',
    async () => {
      const page = await bridgePage();
      await pageFiles(page, [fixturePath(SPI), fixturePath(OVMF)]);
      const outcome = await page.evaluate(async () => {
        const bridge = (globalThis as unknown as { ovmfGop: Bridge }).ovmfGop;
        const [spi, ovmf] = (document.getElementById('test-files') as HTMLInputElement).files!;
        const { kept, result } = await bridge.openFile(spi);
        const choice = { gopSha256: result.gops[0].sha256, vbtSha256: result.vbts[0].sha256 };
        const explorerCtrl = new AbortController();
        // A file of its own, as the explorer's drop zone makes: kept and parsed anew.
        const tree = bridge.explorerTree(
          { file: spi, jobId: -1, generation: -1 },
          { signal: explorerCtrl.signal },
        );
        let reports = 0;
        const patch = bridge.patchOvmfWith(
          [kept],
          { ovmf, ...choice },
          { onProgress: () => reports++ },
        );
        let patchDone = false;
        let patchDoneAtAbort = true;
        void patch.then(() => (patchDone = true)).catch(() => (patchDone = true));
        explorerCtrl.signal.addEventListener('abort', () => (patchDoneAtAbort = patchDone));
        setTimeout(() => explorerCtrl.abort(), 150);
        const settled = <T>(p: Promise<T>) =>
          p.then(
            (v) => ({ v, e: '' }),
            (e: Error) => ({ v: undefined, e: e.name }),
          );
        const pending = new Promise<'pending'>((r) => setTimeout(() => r('pending'), 60_000));
        const [treeOutcome, patchOutcome] = await Promise.all([
          Promise.race([settled(tree), pending]),
          Promise.race([settled(patch), pending]),
        ]);
        // And the explorer again, now on the fresh worker.
        const again = await bridge.explorerTree(kept);
        return {
          tree: treeOutcome === 'pending' ? 'pending' : treeOutcome.e,
          patch:
            patchOutcome === 'pending' ? 'pending' : (patchOutcome.v?.sha256 ?? patchOutcome.e),
          patchDoneAtAbort,
          reports,
          nodes: again.nodes.length,
        };
      });
      const node = await patchOvmf({ ovmf: read(OVMF), ...adlPairFromSpi() });
      let count = 0;
      walk(await parseFirmware(read(SPI)), () => void count++);
      expect(outcome.tree).toBe('AbortError');
      // The patch was still waiting for the worker the cancel stopped.
      expect(outcome.patchDoneAtAbort).toBe(false);
      expect(outcome.patch).toBe(node.sha256);
      expect(outcome.reports).toBeGreaterThan(0);
      expect(outcome.nodes).toBe(count);
      await page.close();
    },
  );
});

/** The GOP and exact VBT the SPI image holds (the page's first candidates), checked. */
function adlPairFromSpi() {
  const spi = fixtureJson<Expected[]>('vendor-like-2/expected.json').find(
    (e) => e.file === SPI.split('/')[1],
  )!;
  const gop = read('gop-vbt/adl/IntelGopDriver.efi');
  const vbt = read('gop-vbt/adl/vbt.bin').slice(0, spi.vbts[0].vbt_size);
  expect(sha(gop)).toBe(spi.gops[0].sha256);
  expect(sha(vbt)).toBe(spi.vbts[0].sha256_exact);
  return { gop, vbt };
}

describe.skipIf(!!(noBrowserReason || noFixtures))(
  'cancel in one panel, the other finishes',
  () => {
    const app = servedApp();

    it(
      'cancelling the OVMF patch while the explorer loads: the explorer still shows the tree',
      {
        timeout: 300_000,
      },
      async () => {
        let count = 0;
        walk(await parseFirmware(read(SPI)), () => void count++);
        const page = await app.openPage();
        await page.getByTestId('file-input').setInputFiles(fixturePath(SPI));
        await page.getByTestId('step-output').waitFor({ timeout: 90_000 });
        await page.getByTestId('mode-ovmf').check();
        await page.getByTestId('ovmf-input').setInputFiles(fixturePath(OVMF));
        // The explorer is shown once, so it stays in the page when the steps come back.
        await page.getByTestId('tab-explorer').click();
        await page.getByTestId('tab-steps').click();
        await pageFiles(page, [fixturePath(SPI)]);
        // Within moments in the page, so the explorer is surely still loading at the cancel: it
        // loads the image as a file of its own (kept and parsed anew), the patch starts, and the
        // patch is cancelled as soon as its cancel button shows.
        const loadingAtCancel = await page.evaluate(async () => {
          const spi = (document.getElementById('test-files') as HTMLInputElement).files![0];
          const input = document.querySelector(
            '[data-testid="explorer-input"]',
          ) as HTMLInputElement;
          const picked = new DataTransfer();
          picked.items.add(spi);
          input.files = picked.files;
          input.dispatchEvent(new Event('change', { bubbles: true }));
          (document.querySelector('[data-testid="patch-ovmf"]') as HTMLButtonElement).click();
          let cancel: HTMLButtonElement | null;
          while (!(cancel = document.querySelector('[data-testid="ovmf-cancel"]')))
            await new Promise((r) => setTimeout(r, 0));
          const loading = !!document.querySelector('[data-testid="explorer"] progress');
          cancel.click();
          return loading;
        });
        expect(loadingAtCancel).toBe(true);
        // Cancelled is a neutral state, not an error.
        await page.getByTestId('ovmf-cancelled').waitFor();
        expect(await page.getByTestId('ovmf-error').count()).toBe(0);
        await page.getByTestId('tab-explorer').click();
        await page.getByTestId('explorer-tree').waitFor({ timeout: 60_000 });
        expect(await page.locator('[data-testid="explorer"] .count').textContent()).toContain(
          String(count),
        );
        expect(await page.getByTestId('explorer-error').count()).toBe(0);
        // A third job: the patch again, to Node's bytes.
        await page.getByTestId('tab-steps').click();
        await page.getByTestId('patch-ovmf').click();
        await page.getByTestId('ovmf-result').waitFor({ timeout: 300_000 });
        const node = await patchOvmf({ ovmf: read(OVMF), ...adlPairFromSpi() });
        expect(await page.getByTestId('ovmf-sha256').textContent()).toBe(node.sha256);
        await page.close();
      },
    );

    it('cancelling the explorer’s load shows a neutral “cancelled”, not an error', async () => {
      const page = await app.session.context.newPage();
      await page.goto(app.site.url);
      await page.getByTestId('tab-explorer').click();
      await page.getByTestId('explorer-input').setInputFiles(fixturePath(SPI));
      await page.locator('[data-testid="explorer"] .status button').click();
      await page.getByTestId('explorer-cancelled').waitFor();
      expect(await page.getByTestId('explorer-error').count()).toBe(0);
      expect(await page.getByTestId('explorer-tree').count()).toBe(0);
      await page.close();
    });
  },
);
