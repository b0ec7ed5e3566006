/**
 * The AMD APU flow in Chromium: step 1 lists the AMD GOP and VBIOS, step 2 builds the AMD ROMs in
 * the worker (the same bytes the Node core builds), step 3 writes hostpci0/hostpci1 for a pasted
 * AMD lspci with the built ROMs' names (two ROMs, or one combined ROM), step 4 zips the chosen
 * layout's ROMs with a README. A BIOS without a VBIOS gets the GOP ROM alone and a config and zip
 * that name no VBIOS, until the host's VFCT table brings it. In 简体中文 too, checked by axe-core,
 * and by keyboard alone.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  buildFile,
  buildSection,
  buildVolume,
  FileType,
  SectionType,
  uiSection,
} from '../../fixtures/builder/index';
import {
  axeViolations,
  downloaded,
  PRODUCT_NAMES,
  strayEnglishWords,
  tabTo,
} from '../helpers/browser';
import {
  amdVmConf,
  browserSkipReason,
  openConfig,
  pageVmConf,
  servedApp,
} from '../helpers/browser-suite';
import { buildAmdRoms, type AmdRoms } from '../../src/lib/firmware/amd/rom';
import { en } from '../../src/lib/i18n/en';
import { zhCN } from '../../src/lib/i18n/zh-CN';
import { fixturePath } from '../helpers/fixtures';
import { PHOENIX_LSPCI, PHOENIX_SPLIT_ROMS } from '../helpers/mixed-graphics';

const reason = browserSkipReason('AMD flow', { fixtures: true });

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

/** A Phoenix APU whose BIOS gave the GOP but no VBIOS (PHOENIX_LSPCI). */
const PHOENIX_GOP = 'amd/gop/isc30-gop-8745hs-v3.8.9/AMDGopDriver_8745hs.efi';
const PHOENIX_VBIOS = 'amd/vbios/isc30-vbios-15bf-022.012.000.027.000001/vbios_7840hs.bin';
/** A ROM file name the default config gives the VBIOS alone (names.ts: vbios-<id>.bin). */
const VBIOS_NAME = /vbios-[0-9a-f]{4}\.bin/;

const tmp = mkdtempSync(join(tmpdir(), 'amd-flow-'));
function writeTmp(name: string, bytes: Uint8Array): string {
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
}

/** A BIOS-like volume holding the AMD GOP as a DXE driver and no VBIOS anywhere. */
function biosWithGopOnly(gop: Uint8Array): Uint8Array {
  const dxe = buildFile({
    guid: '3A9C6E1F-5B2D-4E7A-9C1B-2D3E4F5A6B7C',
    type: FileType.DRIVER,
    sections: [buildSection(SectionType.PE32, gop), uiSection('AmdGopDriver')],
  });
  return buildVolume({ files: [dxe], size: 0x20000 });
}

/**
 * The host's ACPI VFCT table as /sys/firmware/acpi/tables/VFCT reads: the 36-byte ACPI header,
 * VFCT's own fields, an image header naming the PCI function, then the VBIOS image.
 */
function vfctTable(vbios: Uint8Array): Uint8Array {
  // UUID, VBIOS image offset, library image offset, 4 reserved words.
  const head = 36 + 16 + 4 + 4 + 16;
  const imageHead = 28;
  const out = new Uint8Array(head + imageHead + vbios.length);
  const dv = new DataView(out.buffer);
  out.set(new TextEncoder().encode('VFCT'), 0);
  dv.setUint32(4, out.length, true);
  out[8] = 1;
  dv.setUint32(36 + 16, head, true); // offset of the first image
  dv.setUint16(head + 12, 0x1002, true);
  dv.setUint16(head + 14, 0x15bf, true);
  dv.setUint32(head + 24, vbios.length, true);
  out.set(vbios, head + imageHead);
  return out;
}

/** Names that stay as they are in Chinese text: the APU's, and the reset notes' module. */
const TECHNICAL = [...PRODUCT_NAMES, 'Renoir', 'vendor-reset'];

/** Every text file of an unpacked zip, joined. */
const zipText = (files: Record<string, Uint8Array>) =>
  Object.entries(files)
    .filter(([n]) => !/\.(rom|bin)$/.test(n))
    .map(([, b]) => new TextDecoder().decode(b))
    .join('\n');

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
  const { openPage } = servedApp();

  it('Renoir ROM → GOP + VBIOS listed → ROMs equal Node’s → AMD config → zip', async () => {
    const { gop, vbios } = renoirParts();
    const node = await buildAmdRoms({ gop, vbios });
    expect(node.roms.map((r) => r.kind)).toEqual(['combined', 'gop-only', 'vbios']);
    const page = await openPage();
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
    const vmLines = amdVmConf(RENOIR_LSPCI, {
      romFile: 'vbios-1636.bin',
      gopRomFile: 'amd-gop-1636-audio.rom',
    });
    expect(vmLines).toContain('hostpci0: 0000:06:00.0,pcie=1,romfile=vbios-1636.bin');
    expect(vmLines).toContain('hostpci1: 0000:06:00.1,pcie=1,romfile=amd-gop-1636-audio.rom');
    expect(await pageVmConf(page)).toBe(vmLines);
    // An AMD iGPU always takes option ROMs: no ROM-or-OVMF choice, one line saying so.
    expect(await page.getByTestId('mode').count()).toBe(0);
    expect(await page.getByTestId('amd-mode').textContent()).toBe(en['config.amdMode']);
    expect(await page.getByTestId('amd-layout-split').isChecked()).toBe(true);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(await axeViolations(page), `AMD steps 1–3, en, ${scheme}`).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: 'light' });

    // Step 4: the zip, named for AMD, holds the two ROMs of this layout (not the combined one),
    // their sums and a README saying where each goes.
    const zip = await downloaded(page, () => page.getByTestId('download-zip').click());
    expect(zip.name).toBe('amd-igpu-passthrough-vm100.zip');
    const files = unzipSync(zip.bytes);
    const dir = 'amd-igpu-passthrough-vm100/';
    const split = node.roms.filter((r) => r.kind !== 'combined');
    for (const r of split) expect(sha(files[dir + r.fileName])).toBe(r.sha256);
    expect(Object.keys(files)).not.toContain(dir + 'amd-vbios-gop-1636.rom');
    const sums = new TextDecoder().decode(files[dir + 'SHA256SUMS']);
    expect(sums).toBe(split.map((r) => `${r.sha256}  ${r.fileName}\n`).join(''));
    const readme = new TextDecoder().decode(files[dir + 'README.md']);
    expect(readme).toContain(`## ${en['readme.amd']}`);
    expect(readme).toContain('(here 06)');
    expect(readme).toContain(en['readme.amd.reset']);
    expect(readme).toContain(`\`amd-gop-1636-audio.rom\` — ${en['readme.file.amd.gop-only']}`);
    expect(readme).toContain(`\`vbios-1636.bin\` — ${en['readme.file.amd.vbios']}`);
    expect(readme).not.toContain('amd-vbios-gop-1636.rom');
    expect(readme).not.toContain('legacy-igd');

    // One combined ROM instead: on hostpci0, none on hostpci1, and only it in the zip.
    await page.getByTestId('amd-layout-combined').check();
    const combinedLines = amdVmConf(RENOIR_LSPCI, {
      romFile: 'amd-vbios-gop-1636.rom',
      combinedRom: true,
    });
    expect(combinedLines).toContain('hostpci0: 0000:06:00.0,pcie=1,romfile=amd-vbios-gop-1636.rom');
    expect(combinedLines.split('\n')).toContain('hostpci1: 0000:06:00.1,pcie=1');
    await expect.poll(() => pageVmConf(page)).toBe(combinedLines);
    const zip2 = await downloaded(page, () => page.getByTestId('download-zip').click());
    const files2 = unzipSync(zip2.bytes);
    const combined = node.roms.find((r) => r.kind === 'combined')!;
    expect(Object.keys(files2).filter((n) => /\.(rom|bin)$/.test(n))).toEqual([
      dir + combined.fileName,
    ]);
    expect(sha(files2[dir + combined.fileName])).toBe(combined.sha256);
    expect(new TextDecoder().decode(files2[dir + 'SHA256SUMS'])).toBe(
      `${combined.sha256}  ${combined.fileName}\n`,
    );
    const readme2 = new TextDecoder().decode(files2[dir + 'README.md']);
    expect(readme2).toContain(
      en['readme.amd.functionsCombined']
        .replace('{bus}', '06')
        .replace('{combinedRom}', combined.fileName),
    );
    expect(readme2).not.toContain('amd-gop-1636-audio.rom');
    expect(readme2).not.toContain('vbios-1636.bin');
    // The layout is remembered like the other choices: back to two ROMs for the tests after.
    await page.getByTestId('amd-layout-split').check();
    await page.close();
  });

  it('no VBIOS in the BIOS: the GOP ROM alone, a config and zip naming no VBIOS, then the host’s VFCT adds it', async () => {
    const gop = read(PHOENIX_GOP);
    const vbios = read(PHOENIX_VBIOS);
    const node = await buildAmdRoms({ gop });
    expect(node.roms.map((r) => r.kind)).toEqual(['gop-only']);
    const gopRom = node.roms[0];
    const page = await openPage();
    await page.getByTestId('file-input').setInputFiles(writeTmp('bios.bin', biosWithGopOnly(gop)));
    await page.getByTestId('step-output').waitFor({ timeout: 60_000 });

    // Step 1 lists the GOP, says there is no VBIOS, and offers to take the host's VFCT table.
    expect(await page.getByTestId('amd-gop').count()).toBe(1);
    expect(await page.getByTestId('amd-gop-sha256').textContent()).toBe(sha(gop));
    expect(await page.getByTestId('vbios').count()).toBe(0);
    await page.getByTestId('no-vbios').waitFor();
    const companion = page.getByTestId('companion');
    expect(await companion.locator('.drop-title').textContent()).toBe(en['companion.vbios']);
    expect(await companion.locator('.hint').textContent()).toBe(en['companion.vbios.hint']);

    // Step 2 says plainly what is missing and builds the GOP ROM alone, Node's bytes.
    expect(await page.getByTestId('amd-missing-vbios').textContent()).toBe(
      en['amdRom.missingVbios'],
    );
    expect(await page.getByTestId('choose-vbios').count()).toBe(0);
    await buildInPage(page, node);
    const one = await downloaded(page, () => page.getByTestId('download-amd-rom').click());
    expect(one.name).toBe(gopRom.fileName);
    expect(sha(one.bytes)).toBe(gopRom.sha256);

    // Step 3: no combined ROM without a VBIOS, and no romfile for the GPU function.
    await openConfig(page);
    await page.getByTestId('lspci').fill(PHOENIX_LSPCI);
    await page.getByTestId('block-vm-conf').waitFor();
    expect(await page.getByTestId('mode').count()).toBe(0);
    expect(await page.getByTestId('amd-layout-split').isChecked()).toBe(true);
    expect(await page.getByTestId('amd-layout-combined').isDisabled()).toBe(true);
    expect(await page.getByTestId('amd-layout-why').textContent()).toBe(
      en['config.amdLayout.noVbios'],
    );
    const lines = amdVmConf(PHOENIX_LSPCI, { gopRomFile: gopRom.fileName, noVbios: true });
    expect(lines).toContain(`hostpci1: 0000:c5:00.1,pcie=1,romfile=${gopRom.fileName}`);
    expect(lines).toMatch(/^hostpci0: 0000:c5:00\.0,pcie=1$/m);
    expect(await pageVmConf(page)).toBe(lines);
    expect(await page.getByTestId('config-blocks').textContent()).not.toMatch(VBIOS_NAME);
    expect(await axeViolations(page), 'no VBIOS, en').toEqual([]);

    // Step 4: the GOP ROM and nothing that names a VBIOS file.
    const zip = await downloaded(page, () => page.getByTestId('download-zip').click());
    expect(zip.name).toBe('amd-igpu-passthrough-vm100.zip');
    const files = unzipSync(zip.bytes);
    const dir = 'amd-igpu-passthrough-vm100/';
    expect(Object.keys(files).filter((n) => /\.(rom|bin)$/.test(n))).toEqual([
      dir + gopRom.fileName,
    ]);
    expect(sha(files[dir + gopRom.fileName])).toBe(gopRom.sha256);
    expect(zipText(files)).not.toMatch(VBIOS_NAME);
    const readme = new TextDecoder().decode(files[dir + 'README.md']);
    expect(readme).toContain(
      en['readme.amd.functionsNoVbios'].replace('{bus}', 'c5').replace('{gopRom}', gopRom.fileName),
    );

    // The same page in 简体中文: the new words are translated, and still no WCAG failures.
    await page.getByTestId('lang').selectOption('zh-CN');
    expect(await page.getByTestId('amd-missing-vbios').textContent()).toBe(
      zhCN['amdRom.missingVbios'],
    );
    expect(await strayEnglishWords(page, TECHNICAL)).toEqual([]);
    expect(await axeViolations(page), 'no VBIOS, zh-CN').toEqual([]);
    await page.getByTestId('lang').selectOption('en');

    // The host's VFCT table dropped beside the BIOS brings the VBIOS: all three ROMs, as Node's.
    await page.getByTestId('companion-input').setInputFiles(writeTmp('VFCT', vfctTable(vbios)));
    await expect.poll(() => page.getByTestId('result').count()).toBe(2);
    expect(await page.getByTestId('vbios-sha256').textContent()).toBe(sha(vbios));
    expect(await page.getByTestId('amd-missing-vbios').count()).toBe(0);
    const withVbios = await buildAmdRoms({ gop, vbios });
    await buildInPage(page, withVbios);
    expect(await page.getByTestId('amd-layout-combined').isDisabled()).toBe(false);
    await expect.poll(() => pageVmConf(page)).toBe(amdVmConf(PHOENIX_LSPCI, PHOENIX_SPLIT_ROMS));
    await page.close();
  });

  it('pairs a dropped AMD GOP .efi with a VBIOS .bin and builds what the CLI builds', async () => {
    const gopPath = 'amd/gop/thieuson-gop-renoir-v2.10.0.0.0/AMDGopDriver_org.efi';
    const vbiosPath = 'amd/vbios/thieuson-vbios-1636-renoir/vbios_1636_org.dat';
    // What `rom --gop GOP.efi --vbios VBIOS.bin` builds (rom-amd.ts): the files as they are.
    const node = await buildAmdRoms({ gop: read(gopPath), vbios: read(vbiosPath) });
    const page = await openPage();
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
    const page = await openPage();
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
      unzipSync(zip.bytes)['amd-igpu-passthrough-vm100/README.md'],
    );
    expect(readme).toContain(`## ${zhCN['readme.amd']}`);
    expect(readme).toContain(zhCN['readme.amd.reset']);
    expect(await page.getByTestId('amd-mode').textContent()).toBe(zhCN['config.amdMode']);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        width,
      );
    }
    // The same reading as web-app.test.ts: prose outside lang="en", monospace and code.
    expect(await strayEnglishWords(page, TECHNICAL)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(await axeViolations(page), 'AMD steps 1–3, zh-CN').toEqual([]);
    await page.getByTestId('lang').selectOption('en');
    await page.close();
  });

  it('runs the AMD flow with the keyboard only: build, one combined ROM, lspci, zip', async () => {
    const { gop, vbios } = renoirParts();
    const node = await buildAmdRoms({ gop, vbios });
    const combined = node.roms.find((r) => r.kind === 'combined')!;
    const page = await openPage();
    await tabTo(page, 'file-input');
    // Headless Chromium opens no native dialog for a key press; the focused input takes the file.
    await page.locator(':focus').setInputFiles(fixturePath(RENOIR_ROM));
    await page.getByTestId('build-amd-roms').waitFor({ timeout: 60_000 });
    await tabTo(page, 'build-amd-roms');
    await page.keyboard.press('Enter');
    await page.getByTestId('amd-rom-result').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('amd-rom-sha256').allTextContents()).toEqual(
      node.roms.map((r) => r.sha256),
    );
    // Step 3 is open when settings are remembered from the tests before; opened by key if not.
    if (await page.getByTestId('open-config').count()) {
      await tabTo(page, 'open-config');
      await page.keyboard.press('Enter');
    }
    // The layout radios are one tab stop; an arrow key moves to the combined ROM.
    await tabTo(page, 'amd-layout-split');
    await page.keyboard.press('ArrowDown');
    expect(await page.getByTestId('amd-layout-combined').isChecked()).toBe(true);
    await tabTo(page, 'lspci');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(RENOIR_LSPCI);
    await expect
      .poll(() => pageVmConf(page))
      .toBe(amdVmConf(RENOIR_LSPCI, { romFile: combined.fileName, combinedRom: true }));
    await tabTo(page, 'download-zip');
    const zip = await downloaded(page, () => page.keyboard.press('Enter'));
    const files = unzipSync(zip.bytes);
    const dir = 'amd-igpu-passthrough-vm100/';
    expect(Object.keys(files).filter((n) => /\.(rom|bin)$/.test(n))).toEqual([
      dir + combined.fileName,
    ]);
    expect(sha(files[dir + combined.fileName])).toBe(combined.sha256);
    await page.close();
  });
});
