/**
 * The AMD APU flow in Chromium: step 1 lists the AMD GOP and VBIOS, step 2 builds the AMD ROMs in
 * the worker (the same bytes the Node core builds), step 3 writes hostpci0/hostpci1 for a pasted
 * AMD lspci with the built ROMs' names, step 4 zips them with a README; and all of it in 简体中文.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  downloaded,
  launch,
  noBrowserReason,
  serveBuild,
  type BrowserSession,
  type Site,
} from '../helpers/browser';
import { buildAmdRoms, type AmdRoms } from '../../src/lib/firmware/amd/rom';
import { parseLspci } from '../../src/lib/firmware/config/inputs';
import { renderConfig } from '../../src/lib/firmware/config/render';
import { PVE_RELEASES } from '../../src/lib/firmware/config/facts';
import { en } from '../../src/lib/i18n/en';
import { zhCN } from '../../src/lib/i18n/zh-CN';
import { fixturePath, haveFixtures, noFixturesReason } from '../helpers/fixtures';

const reason = noBrowserReason || (!haveFixtures ? noFixturesReason : '');
if (reason) console.warn(`[skip] browser AMD flow tests: ${reason}`);

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const read = (rel: string) => new Uint8Array(readFileSync(fixturePath(rel)));

/** The community Renoir ROM: the VBIOS image (1002:1636) first, then the EFI GOP image. */
const RENOIR_DIR = 'amd/oprom/thieuson-renoir-1636-vbios+gop';
const RENOIR_ROM = `${RENOIR_DIR}/Renoir_Generic_VBIOS_updGOP.bin`;
/** What the reader finds in it: the GOP as a PE (the fixture's own .efi), the VBIOS image. */
function renoirParts() {
  const gop = read(`${RENOIR_DIR}/AmdGop_from_Renoir_updGOP_decompressed.efi`);
  const rom = read(RENOIR_ROM);
  // The first image's length, from its PCIR (offset at 0x18, image length in 512-byte blocks).
  const pcir = rom[0x18] | (rom[0x19] << 8);
  const vbios = rom.slice(0, (rom[pcir + 0x10] | (rom[pcir + 0x11] << 8)) * 512);
  return { gop, vbios };
}

const RENOIR_LSPCI = [
  '06:00.0 VGA compatible controller [0300]: Advanced Micro Devices, Inc. [AMD/ATI] Renoir [Radeon Vega Series / Radeon Vega Mobile Series] [1002:1636] (rev c6)',
  '06:00.1 Audio device [0403]: Advanced Micro Devices, Inc. [AMD/ATI] Renoir Radeon High Definition Audio Controller [1002:1637]',
].join('\n');

async function openPage(session: BrowserSession, site: Site, width = 1280): Promise<Page> {
  const page = await session.context.newPage();
  await page.setViewportSize({ width, height: 900 });
  await page.goto(site.url);
  return page;
}

/** Step 3 starts closed unless settings are remembered; opens it either way. */
async function openConfig(page: Page) {
  const either = page.locator('[data-testid="open-config"], [data-testid="vmid"]').first();
  await either.waitFor();
  if ((await either.getAttribute('data-testid')) === 'open-config') await either.click();
  await page.getByTestId('vmid').waitFor();
}

async function buildInPage(page: Page, node: AmdRoms) {
  await page.getByTestId('build-amd-roms').click();
  await page.getByTestId('amd-rom-result').waitFor({ timeout: 60_000 });
  expect(await page.getByTestId('amd-rom-name').allTextContents()).toEqual(
    node.roms.map((r) => r.fileName),
  );
  expect(await page.getByTestId('amd-rom-sha256').allTextContents()).toEqual(
    node.roms.map((r) => r.sha256),
  );
}

describe.skipIf(!!reason)('the AMD APU flow in Chromium', () => {
  let site: Site;
  let session: BrowserSession;

  beforeAll(async () => {
    site = await serveBuild('/');
    session = await launch();
  });
  afterAll(async () => {
    await session?.close();
    await site?.stop();
  });

  it('Renoir ROM → GOP + VBIOS listed → ROMs equal Node’s → AMD config → zip', async () => {
    const { gop, vbios } = renoirParts();
    const node = await buildAmdRoms({ gop, vbios });
    expect(node.roms.map((r) => r.kind)).toEqual(['combined', 'gop-only', 'vbios']);
    const page = await openPage(session, site);
    await page.getByTestId('file-input').setInputFiles(fixturePath(RENOIR_ROM));
    await page.getByTestId('step-output').waitFor({ timeout: 60_000 });

    // Step 1: what the reader found, as a person checks it.
    const gopCard = page.getByTestId('amd-gop');
    expect(await gopCard.count()).toBe(1);
    expect(await gopCard.getByTestId('amd-gop-version').textContent()).toBe('2.8.0.0.0');
    expect(await gopCard.getByTestId('amd-gop-sha256').textContent()).toBe(sha(gop));
    expect(await gopCard.getByTestId('amd-gop-device').textContent()).toBe('1002:1636');
    expect(await gopCard.getByTestId('amd-gop-family').textContent()).toBe('Renoir');
    const vbiosCard = page.getByTestId('vbios');
    expect(await vbiosCard.count()).toBe(1);
    expect(await vbiosCard.getByTestId('vbios-version').textContent()).toBe(
      '017.010.000.029.000000',
    );
    expect(await vbiosCard.getByTestId('vbios-sha256').textContent()).toBe(sha(vbios));
    expect(await vbiosCard.getByTestId('vbios-device').textContent()).toContain('1002:1636');
    expect(await vbiosCard.getByTestId('vbios-family').textContent()).toContain('Renoir');
    // An AMD-only image: no "no Intel GOP" noise, and no Intel-only options in step 2.
    expect(await page.getByTestId('no-gop').count()).toBe(0);
    expect(await page.getByTestId('mode-ovmf').count()).toBe(0);
    expect(await page.getByTestId('build-rom').count()).toBe(0);
    expect(await page.getByTestId('amd-no-ovmf').textContent()).toBe(en['output.amdNoOvmf']);

    // Step 2: the worker's ROMs are the Node core's, byte for byte.
    await buildInPage(page, node);
    const downloads = page.getByTestId('download-amd-rom');
    for (let i = 0; i < node.roms.length; i++) {
      const file = await downloaded(page, () => downloads.nth(i).click());
      expect(file.name).toBe(node.roms[i].fileName);
      expect(file.bytes.length).toBe(node.roms[i].rom.length);
      expect(sha(file.bytes)).toBe(node.roms[i].sha256);
    }

    // Step 3: asks for the AMD lspci, then writes both functions with the built ROMs.
    await openConfig(page);
    // Settings are remembered between pages of the session: start with no lspci.
    await page.getByTestId('lspci').fill('');
    expect(await page.getByTestId('amd-lspci-expected').isVisible()).toBe(true);
    await page.getByTestId('lspci').fill(RENOIR_LSPCI);
    await page.getByTestId('block-vm-conf').waitFor();
    expect(await page.getByTestId('amd-lspci-expected').count()).toBe(0);
    const amd = parseLspci(RENOIR_LSPCI).amd!;
    const expected = renderConfig({
      pve: PVE_RELEASES[PVE_RELEASES.length - 1].pve,
      boot: 'systemd-boot',
      igpu: amd,
      mode: 'rom',
      vmid: 100,
      romFile: 'vbios-1636.bin',
      gopRomFile: 'amd-gop-1636-audio.rom',
    });
    const vmLines = expected.blocks
      .find((b) => b.id === 'vm-conf')!
      .lines.map((l) => l.text)
      .join('\n');
    expect(vmLines).toContain('hostpci0: 0000:06:00.0,pcie=1,romfile=vbios-1636.bin');
    expect(vmLines).toContain('hostpci1: 0000:06:00.1,pcie=1,romfile=amd-gop-1636-audio.rom');
    expect(await page.getByTestId('block-vm-conf').getByTestId('code-text').textContent()).toBe(
      vmLines,
    );

    // Step 4: the zip holds the three ROMs, their sums and a README saying where each goes.
    const zip = await downloaded(page, () => page.getByTestId('download-zip').click());
    const files = unzipSync(zip.bytes);
    const dir = 'igd-passthrough-vm100/';
    for (const r of node.roms) expect(sha(files[dir + r.fileName])).toBe(r.sha256);
    const sums = new TextDecoder().decode(files[dir + 'SHA256SUMS']);
    expect(sums).toBe(node.roms.map((r) => `${r.sha256}  ${r.fileName}\n`).join(''));
    const readme = new TextDecoder().decode(files[dir + 'README.md']);
    expect(readme).toContain(`## ${en['readme.amd']}`);
    expect(readme).toContain('(here 06)');
    expect(readme).toContain(en['readme.amd.reset']);
    expect(readme).toContain(`\`amd-gop-1636-audio.rom\` — ${en['readme.file.amd.gop-only']}`);
    expect(readme).not.toContain('legacy-igd');
    await page.close();
  });

  it('pairs a dropped AMD GOP .efi with a VBIOS .bin and builds what the CLI builds', async () => {
    const gopPath = 'amd/gop/thieuson-gop-renoir-v2.10.0.0.0/AMDGopDriver_org.efi';
    const vbiosPath = 'amd/vbios/thieuson-vbios-1636-renoir/vbios_1636_org.dat';
    // What `rom --gop GOP.efi --vbios VBIOS.bin` builds (rom-amd.ts): the files as they are.
    const node = await buildAmdRoms({ gop: read(gopPath), vbios: read(vbiosPath) });
    const page = await openPage(session, site);
    await page
      .getByTestId('file-input')
      .setInputFiles([fixturePath(gopPath), fixturePath(vbiosPath)]);
    await page.getByTestId('step-output').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('result').count()).toBe(2);
    expect(await page.getByTestId('amd-gop').count()).toBe(1);
    expect(await page.getByTestId('vbios').count()).toBe(1);
    await buildInPage(page, node);
    const combined = await downloaded(page, () =>
      page.getByTestId('download-amd-rom').first().click(),
    );
    expect(sha(combined.bytes)).toBe(node.roms[0].sha256);
    await page.close();
  });

  it('renders the AMD steps in 简体中文 without stray English or sideways overflow', async () => {
    const { gop, vbios } = renoirParts();
    const node = await buildAmdRoms({ gop, vbios });
    const page = await openPage(session, site);
    await page.getByTestId('lang').selectOption('zh-CN');
    await page.getByTestId('file-input').setInputFiles(fixturePath(RENOIR_ROM));
    await page.getByTestId('step-output').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('amd-no-ovmf').textContent()).toBe(zhCN['output.amdNoOvmf']);
    await buildInPage(page, node);
    await openConfig(page);
    await page.getByTestId('lspci').fill('');
    expect(await page.getByTestId('amd-lspci-expected').textContent()).toBe(
      zhCN['config.amdExpected'],
    );
    await page.getByTestId('lspci').fill(RENOIR_LSPCI);
    await page.getByTestId('block-vm-conf').waitFor();
    const zip = await downloaded(page, () => page.getByTestId('download-zip').click());
    const readme = new TextDecoder().decode(
      unzipSync(zip.bytes)['igd-passthrough-vm100/README.md'],
    );
    expect(readme).toContain(`## ${zhCN['readme.amd']}`);
    expect(readme).toContain(zhCN['readme.amd.reset']);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        width,
      );
    }
    // The same reading as web-app.test.ts: prose outside lang="en", monospace and code.
    const words = await page.evaluate(() => {
      const out = new Set<string>();
      const skip = (el: Element | null) =>
        !el ||
        !!el.closest('[lang="en"], .mono, code, pre, [hidden], option, script, style') ||
        !el.checkVisibility({ visibilityProperty: true });
      const prose = (text: string) =>
        text
          .split(/\s+/)
          .filter((tok) => !/[./_:=0-9<>$]/.test(tok))
          .flatMap((tok) => tok.match(/[A-Za-z][A-Za-z-]{3,}/g) ?? [])
          .filter((w) => w !== w.toUpperCase() && !/[a-z][A-Z]/.test(w));
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (!skip(n.parentElement)) for (const w of prose(n.textContent!)) out.add(w);
      }
      for (const el of document.querySelectorAll('[aria-label], [placeholder]')) {
        if (skip(el)) continue;
        const text = `${el.getAttribute('aria-label') ?? ''} ${el.getAttribute('placeholder') ?? ''}`;
        for (const w of prose(text)) out.add(w);
      }
      return [...out].sort();
    });
    // Product names stay as they are; the core's reset notes name Radeon devices.
    const technical = new Set([
      'Intel',
      'Option',
      'Proxmox',
      'Radeon',
      'Renoir',
      'initramfs',
      'libvirt',
      'lspci',
      'proxmox-boot-tool',
      'systemd-boot',
      'vendor-reset',
    ]);
    expect(words.filter((w) => !technical.has(w))).toEqual([]);
    await page.getByTestId('lang').selectOption('en');
    await page.close();
  });
});
