/**
 * The whole flow of issue 9 in Chromium against the built site: both outputs, the download step
 * and its zip, the explorer, cancel, broken input, offline, zh-CN and the keyboard. Every
 * expected byte comes from the core run in Node on the same inputs.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildFile,
  buildSection,
  buildVolume,
  FileType,
  SectionType,
  uiSection,
} from '../../fixtures/builder/index';
import { analyze } from '../../src/lib/firmware/analyze';
import { buildIgdRom } from '../../src/lib/firmware/igd/rom';
import { patchOvmf } from '../../src/lib/firmware/ovmf/patch';
import { parseFirmware } from '../../src/lib/firmware/parse';
import { renderConfig } from '../../src/lib/firmware/config/render';
import { hookScript } from '../../src/lib/firmware/doctor/hookscript';
import { PROBE_SCRIPT } from '../../src/lib/firmware/doctor/probe-script';
import { PVE_RELEASES } from '../../src/lib/firmware/config/facts';
import { igpuGeneration } from '../../src/lib/firmware/igpu/devices';
import { walk, type FirmwareNode } from '../../src/lib/firmware/tree/node';
import { en } from '../../src/lib/i18n/en';
import { zhCN } from '../../src/lib/i18n/zh-CN';
import {
  axeViolations,
  downloaded,
  PRODUCT_NAMES,
  strayEnglishWords,
  tabTo,
} from '../helpers/browser';
import { browserSkipReason, servedApp } from '../helpers/browser-suite';
import { fixtureJson, fixturePath } from '../helpers/fixtures';

interface Expected {
  file: string;
  gops: { sha256: string; size: number }[];
  vbts: { sha256_exact: string; vbt_size: number; platform: string }[];
}

const reason = browserSkipReason('web-app', { fixtures: true });

const SPI = 'vendor-like-2/aptio5-spi-adl.bin';
const OVMF_DIR = 'ovmf/debian-bookworm';
const OVMF_FILES = ['OVMF_CODE_4M.fd', 'OVMF_CODE_4M.secboot.fd'];
/** The FFS file of the GOP driver in the vendor-like SPI image. */
const GOP_FILE_GUID = '5BBA83E6-F027-4CA7-BFD0-16358CC9E123';

const screens = join(process.cwd(), '.tmp/screens');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const read = (rel: string) => new Uint8Array(readFileSync(fixturePath(rel)));

function spiExpected(): Expected {
  return fixtureJson<Expected[]>('vendor-like-2/expected.json').find(
    (e) => e.file === SPI.split('/')[1],
  )!;
}

/** The GOP and exact VBT the SPI image holds, checked against the fixture's expectations. */
function adlPair() {
  const spi = spiExpected();
  const gop = read('gop-vbt/adl/IntelGopDriver.efi');
  const vbt = read('gop-vbt/adl/vbt.bin').slice(0, spi.vbts[0].vbt_size);
  expect(sha(gop)).toBe(spi.gops[0].sha256);
  expect(sha(vbt)).toBe(spi.vbts[0].sha256_exact);
  return { gop, vbt };
}

/** Unix modes from a zip's central directory (fflate's reader does not return them). */
function zipModes(zip: Uint8Array): Map<string, number> {
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = zip.length - 22;
  while (end >= 0 && dv.getUint32(end, true) !== 0x06054b50) end--;
  const count = dv.getUint16(end + 10, true);
  let at = dv.getUint32(end + 16, true);
  const out = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const nameLen = dv.getUint16(at + 28, true);
    const extra = dv.getUint16(at + 30, true);
    const comment = dv.getUint16(at + 32, true);
    const attrs = dv.getUint32(at + 38, true);
    const name = new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLen));
    out.set(name, (attrs >>> 16) & 0o777);
    at += 46 + nameLen + extra + comment;
  }
  return out;
}

async function dropSpi(page: Page) {
  await page.getByTestId('file-input').setInputFiles(fixturePath(SPI));
  await page.getByTestId('step-output').waitFor({ timeout: 90_000 });
}

async function shoot(page: Page, name: string, testid?: string) {
  const path = join(screens, `${name}.png`);
  if (testid) await page.getByTestId(testid).screenshot({ path });
  else await page.screenshot({ path, fullPage: true });
}

describe.skipIf(!!reason)('the web app in Chromium (issue 9)', () => {
  const app = servedApp();
  const { openPage } = app;
  const requests: string[] = [];

  beforeAll(() => {
    mkdirSync(screens, { recursive: true });
    app.session.context.on('request', (r) => requests.push(r.url()));
  });

  it(
    'patches OVMF and secboot OVMF in one go; downloads and zip hold Node’s bytes',
    { timeout: 900_000 },
    async () => {
      const { gop, vbt } = adlPair();
      const page = await openPage();
      await dropSpi(page);
      await page.getByTestId('mode-ovmf').check();
      await page
        .getByTestId('ovmf-input')
        .setInputFiles(OVMF_FILES.map((f) => fixturePath(`${OVMF_DIR}/${f}`)));
      expect(await page.getByTestId('ovmf-files').locator('li').count()).toBe(2);
      await page.getByTestId('patch-ovmf').click();
      // Progress is shown while the worker patches; the page stays responsive.
      await page.getByTestId('ovmf-working').waitFor();
      await page.getByTestId('ovmf-result').nth(1).waitFor({ timeout: 400_000 });
      await page.getByTestId('igd-rom-result').waitFor();
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 900 });
        await shoot(page, `9-2-ovmf-${width}`, 'step-output');
        await shoot(page, `9-4-download-ovmf-${width}`, 'step-download');
      }
      await page.setViewportSize({ width: 1280, height: 900 });

      // The same patch in Node.
      const node = new Map<string, Awaited<ReturnType<typeof patchOvmf>>>();
      for (const f of OVMF_FILES)
        node.set(f, await patchOvmf({ ovmf: read(`${OVMF_DIR}/${f}`), gop, vbt }));
      const igd = await buildIgdRom({ variant: 'assignment' });

      // The self-check is shown before the download, with every check the core passed.
      const shown = await page.getByTestId('ovmf-sha256').allTextContents();
      expect(shown).toEqual(OVMF_FILES.map((f) => node.get(f)!.sha256));
      expect(
        await page.getByTestId('ovmf-checks').first().locator('li .muted').allTextContents(),
      ).toEqual(node.get(OVMF_FILES[0])!.checks.map((c) => c.detail.en));
      for (const [i, f] of OVMF_FILES.entries()) {
        const file = await downloaded(page, () => page.getByTestId('download-ovmf').nth(i).click());
        expect(file.name).toBe(f);
        expect(sha(file.bytes)).toBe(sha(node.get(f)!.image));
      }
      const rom = await downloaded(page, () => page.getByTestId('download-igd-rom').click());
      expect(rom.name).toBe('igd.rom');
      expect(sha(rom.bytes)).toBe(sha(igd.rom));

      // Step 4: the zip, twice (same bytes), with the expected files.
      const zip1 = await downloaded(page, () => page.getByTestId('download-zip').click());
      const zip2 = await downloaded(page, () => page.getByTestId('download-zip').click());
      expect(zip1.name).toBe('igd-passthrough-vm100.zip');
      expect(sha(zip1.bytes)).toBe(sha(zip2.bytes));
      const files = unzipSync(zip1.bytes);
      const at = (n: string) => files[`igd-passthrough-vm100/${n}`];
      for (const f of OVMF_FILES) expect(sha(at(f))).toBe(sha(node.get(f)!.image));
      expect(sha(at('igd.rom'))).toBe(sha(igd.rom));
      const sums = new TextDecoder().decode(at('SHA256SUMS'));
      expect(sums).toBe(
        [...OVMF_FILES.map((f) => `${node.get(f)!.sha256}  ${f}`), `${igd.sha256}  igd.rom`]
          .map((l) => l + '\n')
          .join(''),
      );
      // No lspci line was given: the config asks for the device ID (device-id.ts).
      const config = renderConfig({
        pve: PVE_RELEASES[PVE_RELEASES.length - 1].pve,
        boot: 'systemd-boot',
        igpu: igpuGeneration('ADL'),
        mode: 'ovmf',
        vmid: 100,
        ovmfFile: 'OVMF_CODE_4M.fd',
      });
      const install = config.blocks.find((b) => b.id === 'install')!;
      const script = new TextDecoder().decode(at('install.sh'));
      expect(script.startsWith('#!/usr/bin/env bash\n')).toBe(true);
      // Every line of the generated script, in order; the comments are the reasons, in English.
      const lines = script.split('\n');
      let from = 0;
      for (const l of install.lines) {
        const i = lines.indexOf(l.text, from);
        expect(i, l.text).toBeGreaterThanOrEqual(from);
        from = i + 1;
      }
      for (const l of install.lines.slice(1))
        expect(script).toContain(`# ${l.reason.en.split('\n')[0]}`);
      expect(zipModes(zip1.bytes).get('igd-passthrough-vm100/install.sh')).toBe(0o755);
      // Each other block is a file of its own holding its lines.
      const configFiles = Object.keys(files).filter((n) => n.includes('/config/'));
      expect(configFiles.length).toBe(config.blocks.length - 1);
      for (const b of config.blocks.filter((x) => x.id !== 'install')) {
        const name = configFiles.find(
          (n) => n.endsWith(`-${b.id}.txt`) || n.endsWith(`-${b.id}.xml`),
        );
        expect(name, b.id).toBeDefined();
        const text = new TextDecoder().decode(files[name!]);
        for (const l of b.lines) expect(text).toContain(l.text);
      }
      const readme = new TextDecoder().decode(at('README.md'));
      expect(readme.startsWith(`# ${en['readme.title']}\n`)).toBe(true);
      for (const f of OVMF_FILES) expect(readme).toContain(node.get(f)!.sha256);
      // The doctor's probe and hookscript ride along, executable, byte for byte.
      expect(new TextDecoder().decode(at('ovmf-gop-probe.sh'))).toBe(PROBE_SCRIPT);
      expect(new TextDecoder().decode(at('ovmf-gop-hook.sh'))).toBe(hookScript());
      expect(zipModes(zip1.bytes).get('igd-passthrough-vm100/ovmf-gop-probe.sh')).toBe(0o755);
      expect(readme).toContain('sh ovmf-gop-probe.sh 100 > ovmf-gop-report.txt');
      expect(Object.keys(files).length).toBe(OVMF_FILES.length + 1 + 3 + 2 + configFiles.length);

      // The patched image can be looked into: the GOP and the VBT files are there, once each.
      await page.getByTestId('tab-explorer').click();
      await page.getByTestId('explore-output').first().click();
      await page.getByTestId('explorer-tree').waitFor({ timeout: 60_000 });
      await page.getByTestId('explorer-search').fill('1647B4F3-3E8A');
      await expect.poll(() => page.locator('[data-testid="tree-row"].hit').count()).toBe(2);
      await shoot(page, '9-5-explorer-patched-1280', 'explorer');
      await page.close();
    },
  );

  it('cancels an OVMF patch, then still builds the ROM Node builds', async () => {
    const { gop, vbt } = adlPair();
    const page = await openPage();
    await dropSpi(page);
    await page.getByTestId('mode-ovmf').check();
    await page.getByTestId('ovmf-input').setInputFiles(fixturePath(`${OVMF_DIR}/${OVMF_FILES[0]}`));
    await page.getByTestId('patch-ovmf').click();
    // Cancel in the long LZMA phase.
    await expect
      .poll(async () => page.getByTestId('ovmf-working').textContent(), { timeout: 120_000 })
      .toContain(en['ovmf.phase.compress']);
    await page.getByTestId('ovmf-cancel').click();
    await page.getByTestId('ovmf-cancelled').waitFor();
    expect(await page.getByTestId('ovmf-result').count()).toBe(0);
    expect(await page.getByTestId('download-zip').isDisabled()).toBe(true);
    // The worker was stopped; the analysed file is sent again for the next job.
    await page.getByTestId('mode-rom').check();
    await page.getByTestId('build-rom').click();
    await page.getByTestId('rom-result').waitFor({ timeout: 60_000 });
    const node = await buildIgdRom({ variant: 'full', gop, vbt });
    expect(await page.getByTestId('rom-sha256').textContent()).toBe(node.sha256);
    await page.close();
  });

  it('shows clear errors for broken files and keeps working', async () => {
    const page = await openPage();
    const dir = mkdtempSync(join(tmpdir(), 'broken-'));
    // Not firmware at all.
    writeFileSync(join(dir, 'zeros.bin'), new Uint8Array(4096));
    await page.getByTestId('file-input').setInputFiles(join(dir, 'zeros.bin'));
    await page.getByTestId('not-firmware').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('not-firmware').textContent()).toContain(en['found.whatNext']);
    // A vendor image with damaged compressed data: no GOP, and it says so.
    const damaged = read(SPI).slice();
    for (let i = 0x600000; i < 0x610000; i++) damaged[i] ^= 0x5a;
    writeFileSync(join(dir, 'damaged.bin'), damaged);
    await page.getByTestId('file-input').setInputFiles(join(dir, 'damaged.bin'));
    await page.getByTestId('no-gop').waitFor({ timeout: 90_000 });
    await shoot(page, '9-1-broken-1280', 'result');
    // The good file after them works; an OVMF_VARS file in the OVMF step is refused, by name.
    await dropSpi(page);
    await page.getByTestId('mode-ovmf').check();
    await page.getByTestId('ovmf-input').setInputFiles(fixturePath(`${OVMF_DIR}/OVMF_VARS_4M.fd`));
    await page.getByTestId('patch-ovmf').click();
    const error = page.getByTestId('ovmf-error');
    await error.waitFor({ timeout: 60_000 });
    expect(await error.textContent()).toContain('OVMF_VARS_4M.fd');
    expect(await error.textContent()).toMatch(/VARS/);
    await shoot(page, '9-2-ovmf-error-1280', 'ovmf-panel');
    await page.getByTestId('mode-rom').check();
    await page.getByTestId('build-rom').click();
    await page.getByTestId('rom-result').waitFor({ timeout: 60_000 });
    await page.close();
  });

  it('builds a ROM from a bare GOP .efi with its VBT .bin; remembers the OVMF file on request', async () => {
    const { gop, vbt } = adlPair();
    const page = await openPage();
    await page
      .getByTestId('file-input')
      .setInputFiles(fixturePath('gop-vbt/adl/IntelGopDriver.efi'));
    await page.getByTestId('companion').waitFor({ timeout: 60_000 });
    await page.getByTestId('companion-input').setInputFiles(fixturePath('gop-vbt/adl/vbt.bin'));
    await expect.poll(() => page.getByTestId('result').count()).toBe(2);
    await page.getByTestId('mode-rom').check();
    await page.getByTestId('build-rom').click();
    await page.getByTestId('rom-result').waitFor({ timeout: 60_000 });
    const node = await buildIgdRom({ variant: 'full', gop, vbt });
    expect(await page.getByTestId('rom-sha256').textContent()).toBe(node.sha256);
    await shoot(page, '9-1-efi-bin-1280');

    // Opt in to remembering the OVMF file; it is there after a reload, until forgotten.
    await page.getByTestId('mode-ovmf').check();
    await page.getByTestId('ovmf-remember').check();
    await page.getByTestId('ovmf-input').setInputFiles(fixturePath(`${OVMF_DIR}/${OVMF_FILES[0]}`));
    await page.getByTestId('ovmf-forget').waitFor();
    await page.reload();
    await page
      .getByTestId('file-input')
      .setInputFiles(fixturePath('gop-vbt/adl/IntelGopDriver.efi'));
    await page.getByTestId('companion-input').setInputFiles(fixturePath('gop-vbt/adl/vbt.bin'));
    await expect
      .poll(() => page.getByTestId('ovmf-files').textContent(), { timeout: 60_000 })
      .toContain(OVMF_FILES[0]);
    await page.getByTestId('ovmf-forget').click();
    await page.getByTestId('ovmf-remember').uncheck();
    await page.reload();
    await page
      .getByTestId('file-input')
      .setInputFiles(fixturePath('gop-vbt/adl/IntelGopDriver.efi'));
    await page.getByTestId('companion-input').setInputFiles(fixturePath('gop-vbt/adl/vbt.bin'));
    await page.getByTestId('ovmf-panel').waitFor({ state: 'attached', timeout: 60_000 });
    await page.waitForTimeout(500);
    expect(await page.getByTestId('ovmf-files').count()).toBe(0);
    // Leave the profile as a fresh visitor's.
    await page.getByTestId('mode-rom').check();
    await page.close();
  });

  it('explorer: searches by GUID, shows header fields, exports a node and its body', async () => {
    const spi = spiExpected();
    const root = await parseFirmware(read(SPI));
    let gopFile: FirmwareNode | undefined;
    walk(root, (n) => {
      if (!gopFile && n.kind === 'file' && n.guid === GOP_FILE_GUID) gopFile = n;
    });
    expect(gopFile).toBeDefined();

    const page = await openPage();
    await dropSpi(page);
    await page.getByTestId('tab-explorer').click();
    await page.getByTestId('explore-source').click();
    await page.getByTestId('explorer-tree').waitFor({ timeout: 60_000 });
    await page.getByTestId('explorer-search').fill(GOP_FILE_GUID.slice(0, 8).toLowerCase());
    const hit = page.locator('[data-testid="tree-row"].hit');
    await expect.poll(() => hit.count()).toBe(1);
    await hit.click();
    expect(await page.getByTestId('node-guid').textContent()).toContain(GOP_FILE_GUID);
    expect(await page.getByTestId('node-size').textContent()).toContain(`(${gopFile!.raw.length})`);
    const whole = await downloaded(page, () => page.getByTestId('export-whole').click());
    expect(sha(whole.bytes)).toBe(sha(gopFile!.raw));
    // Back to the full tree: open the file with the keyboard and go to its PE32 section.
    await page.getByTestId('explorer-search').fill('');
    await page.getByTestId('explorer-tree').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    // Its first section is the dependency expression, shown decoded.
    expect(await page.getByTestId('node-details').locator('dd').first().textContent()).toContain(
      'DXE_DEPEX',
    );
    expect(await page.getByTestId('node-text').textContent()).toMatch(/END$/);
    await page.keyboard.press('ArrowDown');
    expect(await page.getByTestId('node-details').locator('dd').first().textContent()).toContain(
      'PE32',
    );
    const body = await downloaded(page, () => page.getByTestId('export-body').click());
    expect(sha(body.bytes.subarray(0, spi.gops[0].size))).toBe(spi.gops[0].sha256);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await shoot(page, `9-5-explorer-${width}`, 'explorer');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        width,
      );
    }
    await page.close();
  });

  it('explorer: a tree of 10,000+ nodes is virtualised and fully reachable', async () => {
    // 3,400 files of two sections each: 10,202 nodes with the image and the volume.
    const files: Uint8Array[] = [];
    for (let i = 0; i < 3400; i++) {
      const guid =
        `0000${i.toString(16).padStart(4, '0')}-1111-2222-3333-444455556666`.toUpperCase();
      files.push(
        buildFile({
          guid,
          type: FileType.FREEFORM,
          sections: [
            uiSection(`file-${String(i).padStart(5, '0')}`),
            buildSection(SectionType.RAW, new Uint8Array(16).fill(i & 0xff)),
          ],
        }),
      );
    }
    const image = buildVolume({ files, size: 0x50000 });
    const root = await parseFirmware(image);
    let count = 0;
    walk(root, () => void count++);
    expect(count).toBeGreaterThanOrEqual(10_000);
    const dir = mkdtempSync(join(tmpdir(), 'big-tree-'));
    writeFileSync(join(dir, 'big.fd'), image);

    const page = await openPage();
    await page.getByTestId('tab-explorer').click();
    await page.getByTestId('explorer-input').setInputFiles(join(dir, 'big.fd'));
    await page.getByTestId('explorer-tree').waitFor({ timeout: 60_000 });
    expect(await page.locator('.count').textContent()).toContain(String(count));
    const tree = page.getByTestId('explorer-tree');
    await tree.focus();
    await page.keyboard.press('ArrowDown'); // the volume
    await page.keyboard.press('ArrowRight'); // open it: 3,400 rows
    await page.keyboard.press('End'); // the volume's free space, after the last file
    await page.keyboard.press('ArrowUp');
    const last = page.locator('[data-testid="tree-row"][aria-selected="true"]');
    expect(await last.getAttribute('aria-posinset')).toBe('3400');
    expect(await last.textContent()).toContain('file-03399');
    // Only what is in view is in the page.
    expect(await page.getByTestId('tree-row').count()).toBeLessThan(80);
    // By name: the file, and the UI section that names it.
    await page.getByTestId('explorer-search').fill('file-01234');
    await expect.poll(() => page.locator('[data-testid="tree-row"].hit').count()).toBe(2);
    await page.close();
  });

  it('renders every step in 简体中文, and the zip’s README too', async () => {
    const page = await openPage();
    await page.getByTestId('lang').selectOption('zh-CN');
    await dropSpi(page);
    // Why the GOP and VBT were chosen, and what to watch out for: the core's Chinese texts.
    const analysis = await analyze(read(SPI));
    const [gop, vbt] = [analysis.gops[0], analysis.vbts[0]];
    expect(await page.getByTestId('gop-reason').first().textContent()).toBe(gop.reason['zh-CN']);
    expect(await page.getByTestId('vbt-reason').first().textContent()).toBe(vbt.reason['zh-CN']);
    expect(gop.warnings.length).toBeGreaterThan(0);
    expect(await page.getByTestId('gop').first().locator('.warn').allTextContents()).toEqual(
      gop.warnings.map((w) => w['zh-CN']),
    );
    await page.getByTestId('mode-rom').check();
    await page.getByTestId('build-rom').click();
    await page.getByTestId('rom-result').waitFor({ timeout: 60_000 });
    expect(await page.locator('#step-download').textContent()).toBe(zhCN['step.download']);
    const zip = await downloaded(page, () => page.getByTestId('download-zip').click());
    const readme = new TextDecoder().decode(
      unzipSync(zip.bytes)['igd-passthrough-vm100/README.md'],
    );
    expect(readme.startsWith(`# ${zhCN['readme.title']}\n`)).toBe(true);
    expect(readme).toContain(zhCN['readme.step.reboot']);
    await page.getByTestId('tab-explorer').click();
    await page.getByTestId('explore-source').click();
    await page.getByTestId('explorer-tree').waitFor({ timeout: 60_000 });
    await page.getByTestId('tab-steps').click();
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await shoot(page, `9-zh-steps-${width}`);
      // Nothing sticks out sideways, even with CJK text, long hashes and file names.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        width,
      );
    }
    // No English left in the interface: what remains is firmware data and technical names,
    // marked lang="en" or shown in monospace. Names of products, tools and drivers stay as they
    // are in Chinese text too.
    expect(await strayEnglishWords(page, [...PRODUCT_NAMES, 'Alder'])).toEqual([]);
    await page.getByTestId('lang').selectOption('en');
    await page.close();
  });

  it('has no WCAG 2.1 A/AA failures axe-core can find: steps and explorer, light and dark', async () => {
    const page = await openPage();
    await dropSpi(page);
    await page.getByTestId('mode-rom').check();
    await page.getByTestId('build-rom').click();
    await page.getByTestId('rom-result').waitFor({ timeout: 60_000 });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.getByTestId('tab-steps').click();
      await page.getByTestId('mode-rom').check();
      expect(await axeViolations(page), `ROM, ${scheme}`).toEqual([]);
      await page.getByTestId('mode-ovmf').check();
      expect(await axeViolations(page), `OVMF, ${scheme}`).toEqual([]);
      await page.getByTestId('tab-explorer').click();
      if (scheme === 'light') {
        await page.getByTestId('explore-source').click();
        await page.getByTestId('explorer-tree').waitFor({ timeout: 60_000 });
        await page.getByTestId('node-strings').waitFor();
      }
      // A tab shown again is measured by the boxes' ResizeObserver at the next frame, before
      // paint; check what a person would meet, after that frame.
      await page.evaluate(
        () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))),
      );
      expect(await axeViolations(page), `explorer, ${scheme}`).toEqual([]);
    }
    await page.getByTestId('tab-steps').click();
    await page.getByTestId('mode-rom').check();
    await page.close();
  });

  it('runs the main flow with the keyboard only, down to the zip', async () => {
    const page = await openPage();
    await tabTo(page, 'file-input');
    // Headless Chromium opens no native dialog for a key press; the focused input takes the file.
    await page.locator(':focus').setInputFiles(fixturePath(SPI));
    await page.getByTestId('step-output').waitFor({ timeout: 90_000 });
    // Step 2 is drawn a task after the results: Tab only once its button is there.
    await page.getByTestId('build-rom').waitFor({ timeout: 30_000 });
    await tabTo(page, 'build-rom');
    await page.keyboard.press('Enter');
    await page.getByTestId('rom-result').waitFor({ timeout: 60_000 });
    await tabTo(page, 'download-zip');
    const zip = await downloaded(page, () => page.keyboard.press('Enter'));
    const files = unzipSync(zip.bytes);
    expect(Object.keys(files)).toContain('igd-passthrough-vm100/igd.rom');
    // And a single file from the list.
    await tabTo(page, 'download-file');
    const one = await downloaded(page, () => page.keyboard.press('Enter'));
    expect(one.name).toBe('README.md');
    await page.close();
  });

  it('works offline after the first visit: analysis, ROM and zip', async () => {
    const page = await openPage();
    await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.state);
    await page.reload();
    await page.waitForFunction(() => !!navigator.serviceWorker.controller);
    await app.session.context.setOffline(true);
    try {
      await page.reload();
      await dropSpi(page);
      await page.getByTestId('mode-rom').check();
      await page.getByTestId('build-rom').click();
      await page.getByTestId('rom-result').waitFor({ timeout: 60_000 });
      const zip = await downloaded(page, () => page.getByTestId('download-zip').click());
      expect(Object.keys(unzipSync(zip.bytes)).length).toBeGreaterThan(5);
    } finally {
      await app.session.context.setOffline(false);
    }
    await page.close();
  });

  it('never sent a request outside its own origin', () => {
    expect(requests.length).toBeGreaterThan(0);
    const foreign = requests.filter(
      (u) =>
        !u.startsWith(app.site.origin + '/') && !u.startsWith('blob:') && !u.startsWith('data:'),
    );
    expect(foreign).toEqual([]);
  });
});
