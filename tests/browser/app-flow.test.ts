import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { downloaded } from '../helpers/browser';
import { browserSkipReason, openConfig, servedApp } from '../helpers/browser-suite';
import { buildIgdRom } from '../../src/lib/firmware/igd/rom';
import { PVE_RELEASES } from '../../src/lib/firmware/config/facts';
import { renderConfig } from '../../src/lib/firmware/config/render';
import { ASK_DEVICE_ID_LINE } from '../../src/lib/firmware/config/device-id';
import { vmMergeLines } from '../../src/lib/firmware/config/vm-plan';
import { igpuGeneration, representativeIgpu } from '../../src/lib/firmware/igpu/devices';
import { zhCN } from '../../src/lib/i18n/zh-CN';
import { fixtureJson, fixturePath } from '../helpers/fixtures';

interface Expected {
  file: string;
  gops: { sha256: string }[];
  vbts: { sha256_exact: string; vbt_size: number; platform: string }[];
}

const reason = browserSkipReason('app-flow', { fixtures: true });

const screens = join(process.cwd(), '.tmp/screens');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The ADL pair of the fixtures, checked against the SPI image's expected ranking first. */
function adlPair() {
  const spi = fixtureJson<Expected[]>('vendor-like-2/expected.json').find(
    (e) => e.file === 'aptio5-spi-adl.bin',
  )!;
  const gop = new Uint8Array(readFileSync(fixturePath('gop-vbt/adl/IntelGopDriver.efi')));
  const vbt = new Uint8Array(readFileSync(fixturePath('gop-vbt/adl/vbt.bin'))).slice(
    0,
    spi.vbts[0].vbt_size,
  );
  expect(sha(gop)).toBe(spi.gops[0].sha256);
  expect(sha(vbt)).toBe(spi.vbts[0].sha256_exact);
  return { gop, vbt };
}

/** Presses Tab until the element with this test id has focus; fails if it is never reached. */
async function tabTo(page: Page, testid: string, max = 60) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const at = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
    if (at === testid) return;
  }
  throw new Error(`${testid} not reachable with Tab`);
}

describe.skipIf(!!reason)('the app flow in Chromium', () => {
  const app = servedApp();

  beforeAll(() => {
    mkdirSync(screens, { recursive: true });
  });

  it('drop a vendor SPI image → build the ROM → the download equals Node’s ROM', async () => {
    const { gop, vbt } = adlPair();
    const node = await buildIgdRom({ variant: 'full', gop, vbt, deviceId: 0x46a6 });
    for (const width of [1280, 390]) {
      const page = await app.openPage(width);
      await page.screenshot({ path: join(screens, `0-start-${width}.png`), fullPage: true });
      await page
        .getByTestId('file-input')
        .setInputFiles(fixturePath('vendor-like-2/aptio5-spi-adl.bin'));
      await page.getByTestId('step-output').waitFor({ timeout: 60_000 });
      await page.screenshot({ path: join(screens, `1-bios-${width}.png`), fullPage: true });
      await page.getByTestId('device-id').fill('46A6');
      await page.getByTestId('build-rom').click();
      await page.getByTestId('rom-result').waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('rom-sha256').textContent()).toBe(node.sha256);
      expect(await page.getByTestId('rom-image').count()).toBe(node.images.length);
      await page
        .getByTestId('step-output')
        .screenshot({ path: join(screens, `2-output-${width}.png`) });
      const file = await downloaded(page, () => page.getByTestId('download-rom').click());
      expect(file.name).toBe('igd.rom');
      expect(file.bytes.length).toBe(node.rom.length);
      expect(sha(file.bytes)).toBe(sha(node.rom));
      await page.close();
    }
  });

  it('shows the config blocks of PVE 9.1 + systemd-boot + ADL as renderConfig writes them', async () => {
    // No lspci line: the config of the generation, which asks for the device ID.
    const expected = renderConfig({
      pve: '9.1',
      boot: 'systemd-boot',
      igpu: igpuGeneration('ADL'),
      mode: 'rom',
      vmid: 123,
    });
    expect(expected.blocks.flatMap((b) => b.lines.map((l) => l.text))).toContain('machine: pc');
    expect(expected.blocks.flatMap((b) => b.lines.map((l) => l.text))).toContain(
      ASK_DEVICE_ID_LINE,
    );
    for (const width of [1280, 390]) {
      const page = await app.openPage(width);
      await openConfig(page);
      await page.getByTestId('pve').selectOption('9.1');
      await page.getByTestId('boot').selectOption('systemd-boot');
      await page.getByTestId('igpu').selectOption('ADL');
      await page.getByTestId('mode').selectOption('rom');
      await page.getByTestId('vmid').fill('123');
      for (const b of expected.blocks) {
        const text = await page.getByTestId(`block-${b.id}`).getByTestId('code-text').textContent();
        expect(text).toBe(b.lines.map((l) => l.text).join('\n'));
      }
      expect(await page.getByTestId('igpu-id-unknown').isVisible()).toBe(true);
      expect(await page.getByTestId('config-blocks').locator('figure').count()).toBe(
        expected.blocks.length,
      );
      // The checker: the generated VM block, pasted back, has no errors.
      const vmBlock = expected.blocks.find((b) => b.path?.endsWith('123.conf'));
      if (vmBlock) {
        await page.getByTestId('vmconf').fill(vmBlock.lines.map((l) => l.text).join('\n'));
        await expect
          .poll(async () => page.locator('[data-testid="check-findings"] .finding.error').count())
          .toBe(0);
        // Known VM: the qm set block merges into it (vm-merge.ts); a Windows ostype only with consent.
        const conf = vmBlock.lines.map((l) => l.text).join('\n') + '\nostype: win11';
        await page.getByTestId('vmconf').fill(conf);
        const qmSet = () => page.getByTestId('block-qm-set').getByTestId('code-text').textContent();
        const merged = (ostype: boolean) =>
          vmMergeLines(123, conf, expected.vm.want, { ostype }, expected.vm.propReasons)
            .lines.map((l) => l.text)
            .join('\n');
        await expect.poll(qmSet).toBe(merged(false));
        expect(merged(false)).toContain('# ostype: win11');
        await page.getByTestId('consent-ostype').check();
        await expect.poll(qmSet).toBe(merged(true));
        expect(merged(true)).toContain('qm set 123 --ostype l26');
      }
      await page
        .getByTestId('step-config')
        .screenshot({ path: join(screens, `3-config-${width}.png`) });
      await page.close();
    }
  });

  it('remembers settings across reloads, and forgets them', async () => {
    const page = await app.session.context.newPage();
    await page.goto(app.site.url);
    await openConfig(page);
    await page.getByTestId('vmid').fill('4321');
    await page.getByTestId('boot').selectOption('grub');
    await page.waitForTimeout(300);
    await page.reload();
    await expect.poll(() => page.getByTestId('vmid').inputValue()).toBe('4321');
    expect(await page.getByTestId('boot').inputValue()).toBe('grub');
    await page.getByTestId('forget').click();
    await expect.poll(() => page.getByTestId('vmid').inputValue()).toBe('100');
    await page.reload();
    // Nothing remembered: step 3 starts closed again.
    await openConfig(page);
    await page.waitForTimeout(300);
    expect(await page.getByTestId('vmid').inputValue()).toBe('100');
    await page.close();
  });

  it('a BIOS with a Skylake … Comet Lake GOP: step 3 takes its generation, the device ID still asked for', async () => {
    const expected = renderConfig({
      pve: PVE_RELEASES[PVE_RELEASES.length - 1].pve,
      boot: 'systemd-boot',
      igpu: igpuGeneration('SKL'),
      mode: 'rom',
      vmid: 100,
    });
    const page = await app.session.context.newPage();
    await page.goto(app.site.url);
    // Start from no remembered settings (an earlier test chose ADL).
    await openConfig(page);
    await page.getByTestId('forget').click();
    await page.getByTestId('file-input').setInputFiles(fixturePath('vendor-like/efi-capsule.cap'));
    await page.getByTestId('step-output').waitFor({ timeout: 60_000 });
    await page.getByTestId('igpu').waitFor();
    await expect.poll(() => page.getByTestId('igpu').inputValue()).toBe('SKL');
    expect(await page.getByTestId('igpu-id-unknown').isVisible()).toBe(true);
    for (const b of expected.blocks) {
      const text = await page.getByTestId(`block-${b.id}`).getByTestId('code-text').textContent();
      expect(text).toBe(b.lines.map((l) => l.text).join('\n'));
    }
    expect(expected.blocks.find((b) => b.id === 'modprobe')!.lines[0].text).toBe(
      ASK_DEVICE_ID_LINE,
    );
    await page.close();
  });

  it('runs the main flow with the keyboard only', async () => {
    const { gop, vbt } = adlPair();
    const node = await buildIgdRom({ variant: 'full', gop, vbt });
    const page = await app.session.context.newPage();
    await page.goto(app.site.url);
    await tabTo(page, 'file-input');
    // Headless Chromium opens no native dialog for a key press; the focused input takes the file.
    await page.locator(':focus').setInputFiles(fixturePath('vendor-like-2/aptio5-spi-adl.bin'));
    await page.getByTestId('step-output').waitFor({ timeout: 60_000 });
    await tabTo(page, 'build-rom');
    await page.keyboard.press('Enter');
    await page.getByTestId('rom-result').waitFor({ timeout: 60_000 });
    await tabTo(page, 'download-rom');
    const file = await downloaded(page, () => page.keyboard.press('Enter'));
    expect(sha(file.bytes)).toBe(sha(node.rom));
    await page.close();
  });

  it('renders in 简体中文', async () => {
    const expected = renderConfig({
      pve: '9.1',
      boot: 'systemd-boot',
      igpu: representativeIgpu('ADL'),
      mode: 'rom',
      vmid: 100,
    });
    for (const width of [1280, 390]) {
      const page = await app.openPage(width);
      await page.getByTestId('lang').selectOption('zh-CN');
      if (await page.getByTestId('open-config').isVisible()) await openConfig(page);
      await page.getByTestId('vmid').fill('100');
      expect(await page.locator('#step-config').textContent()).toBe(zhCN['step.config']);
      expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
      const first = expected.blocks[0];
      expect(
        await page.getByTestId(`block-${first.id}`).locator('figcaption .title').textContent(),
      ).toBe(first.title['zh-CN']);
      await page
        .getByTestId('file-input')
        .setInputFiles(fixturePath('vendor-like-2/aptio5-spi-adl.bin'));
      await page.getByTestId('step-output').waitFor({ timeout: 60_000 });
      expect(await page.locator('#step-output').textContent()).toBe(zhCN['step.output']);
      await page.screenshot({ path: join(screens, `4-zh-${width}.png`), fullPage: true });
      await page
        .getByTestId('step-output')
        .screenshot({ path: join(screens, `4-zh-output-${width}.png`) });
      await page.close();
    }
  });
});
