import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { E2E_BUILD, noBridgeReason } from '../helpers/browser';
import { browserSkipReason, servedApp } from '../helpers/browser-suite';
import { zipArchive } from '../../fixtures/builder/containers';
import { buildIgdRom } from '../../src/lib/firmware/igd/rom';
import { fixtureJson, fixturePath } from '../helpers/fixtures';

interface Expected {
  file: string;
  expect: string;
  gops: { sha256: string }[];
  vbts: { sha256_exact: string; platform: string }[];
}

const reason = browserSkipReason('reader', { fixtures: true });

describe.skipIf(!!reason)('reader in the browser worker', () => {
  const app = servedApp();

  it('shows the expected GOP and VBT of a 16 MiB vendor SPI image, recommended first', async () => {
    const all = fixtureJson<Expected[]>('vendor-like-2/expected.json');
    const spi = all.find((e) => e.file === 'aptio5-spi-adl.bin')!;
    const page = await app.session.context.newPage();
    await page.goto(app.site.url);
    await page
      .getByTestId('file-input')
      .setInputFiles(fixturePath('vendor-like-2/aptio5-spi-adl.bin'));
    await page.getByTestId('found').waitFor({ timeout: 60_000 });
    const gopShas = await page.getByTestId('gop-sha256').allTextContents();
    expect(gopShas).toEqual(spi.gops.map((g) => g.sha256));
    const vbtShas = await page.getByTestId('vbt-sha256').allTextContents();
    expect(vbtShas[0]).toBe(spi.vbts[0].sha256_exact);
    expect(await page.getByTestId('vbt-platform').first().textContent()).toBe(spi.vbts[0].platform);
    await page.close();
  });

  it('finds the same GOP and VBT in the SPI image dropped as a zip download', async () => {
    const all = fixtureJson<Expected[]>('vendor-like-2/expected.json');
    const spi = all.find((e) => e.file === 'aptio5-spi-adl.bin')!;
    const bios = new Uint8Array(readFileSync(fixturePath('vendor-like-2/aptio5-spi-adl.bin')));
    const readme = new TextEncoder().encode('Flash with the EFI shell tool.\r\n');
    const zip = join(mkdtempSync(join(tmpdir(), 'zip-drop-')), 'BIOS-update.zip');
    writeFileSync(
      zip,
      zipArchive([
        { name: 'README.TXT', data: readme, method: 'deflate' },
        { name: 'BIOS/E7D25IMS.1C0', data: bios, method: 'deflate' },
      ]),
    );
    const page = await app.session.context.newPage();
    await page.goto(app.site.url);
    await page.getByTestId('file-input').setInputFiles(zip);
    await page.getByTestId('found').waitFor({ timeout: 60_000 });
    const gopShas = await page.getByTestId('gop-sha256').allTextContents();
    expect(gopShas).toEqual(spi.gops.map((g) => g.sha256));
    const vbtShas = await page.getByTestId('vbt-sha256').allTextContents();
    expect(vbtShas[0]).toBe(spi.vbts[0].sha256_exact);
    await page.close();
  });

  it('lists a deleted GOP copy as ignored, never as a candidate', async () => {
    const all = fixtureJson<(Expected & { must_ignore?: string[] })[]>(
      'vendor-like-2/expected.json',
    );
    const insyde = all.find((e) => e.file === 'insyde-like-apl.fd')!;
    const page = await app.session.context.newPage();
    await page.goto(app.site.url);
    await page
      .getByTestId('file-input')
      .setInputFiles(fixturePath('vendor-like-2/insyde-like-apl.fd'));
    await page.getByTestId('found').waitFor({ timeout: 60_000 });
    const gopShas = await page.getByTestId('gop-sha256').allTextContents();
    expect(gopShas).toEqual(insyde.gops.map((g) => g.sha256));
    for (const bad of insyde.must_ignore ?? []) expect(gopShas).not.toContain(bad);
    expect(await page.getByTestId('ignored').count()).toBeGreaterThan(0);
    await page.close();
  });
});

const bridgeReason = noBridgeReason || reason;

describe.skipIf(!!bridgeReason)('option ROM in the browser worker', () => {
  // The e2e build: the page hands its bridge to tests there.
  const app = servedApp('/', E2E_BUILD);

  it('builds the same ROM bytes as Node from the same GOP and VBT', async () => {
    const gop = readFileSync(fixturePath('gop-vbt/adl/IntelGopDriver.efi'));
    const vbt = readFileSync(fixturePath('gop-vbt/adl/vbt.bin'));
    const node = await buildIgdRom({
      variant: 'full',
      gop: new Uint8Array(gop),
      vbt: new Uint8Array(vbt),
      deviceId: 0x46a6,
    });
    const page = await app.session.context.newPage();
    await page.goto(app.site.url);
    await page.waitForFunction(() => 'ovmfGop' in globalThis);
    const browser = await page.evaluate(
      async ({ gop, vbt }) => {
        type Bridge = typeof import('../../src/lib/worker/bridge');
        const bridge = (globalThis as unknown as { ovmfGop: Bridge }).ovmfGop;
        const rom = await bridge.buildIgdRom({
          variant: 'full',
          gop: new Uint8Array(gop),
          vbt: new Uint8Array(vbt),
          deviceId: 0x46a6,
        });
        const digest = await crypto.subtle.digest('SHA-256', rom.rom as Uint8Array<ArrayBuffer>);
        const hex = [...new Uint8Array(digest)]
          .map((b) => b.toString(16).padStart(2, '0'))
          .join('');
        return { size: rom.rom.length, sha256: rom.sha256, recomputed: hex };
      },
      { gop: Array.from(gop), vbt: Array.from(vbt) },
    );
    expect(browser.size).toBe(node.rom.length);
    expect(browser.recomputed).toBe(createHash('sha256').update(node.rom).digest('hex'));
    expect(browser.sha256).toBe(node.sha256);
    await page.close();
  });
});
