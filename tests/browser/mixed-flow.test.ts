/**
 * BIOS images with Intel and AMD graphics at once, in Chromium (images built around real fixtures
 * by tests/helpers/mixed-graphics.ts): an Intel board with a GOP for discrete Radeon cards gets
 * the Intel steps, the AMD GOP only noted; an Intel GOP beside an AMD APU VBIOS makes step 1 ask
 * which iGPU the machine has, and the answer (remembered across a reload) decides whose ROMs
 * step 2 builds — the bytes the CLI's `rom --bios … --vendor` writes — and whose config step 3
 * writes, which says so when a pasted lspci names the other vendor. And step 1's drop zone for
 * the AMD GOP missing beside a VBIOS-only file.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  axeViolations,
  downloaded,
  launch,
  PRODUCT_NAMES,
  strayEnglishWords,
} from '../helpers/browser';
import {
  amdVmConf,
  browserSkipReason,
  openConfig,
  pageVmConf,
  servedApp,
} from '../helpers/browser-suite';
import { fixturePath, readFixture } from '../helpers/fixtures';
import {
  intelBoardWithRadeonGop,
  intelExpected,
  intelGopWithApuVbios,
  intelGopWithApuVbiosOnly,
  MIXED,
  PHOENIX_LSPCI,
  PHOENIX_SPLIT_ROMS,
  versionlessIntelGopWithApuVbios,
} from '../helpers/mixed-graphics';
import { captureStdout } from '../helpers/stdout';
import { romCommand } from '../../src/cli/commands/rom';
import { buildAmdRoms } from '../../src/lib/firmware/amd/rom';
import { en } from '../../src/lib/i18n/en';
import { zhCN } from '../../src/lib/i18n/zh-CN';

const reason = browserSkipReason('mixed-graphics', { fixtures: true });

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const stdout = captureStdout();
const tmp = mkdtempSync(join(tmpdir(), 'mixed-flow-'));
function writeTmp(name: string, bytes: Uint8Array): string {
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
}

const ADL_LSPCI =
  '00:02.0 VGA compatible controller [0300]: Intel Corporation Alder Lake-P GT2 [Iris Xe Graphics] [8086:46a6] (rev 0c)';

/** Names that stay as they are in Chinese text: the ADL lspci's is Alder Lake. */
const TECHNICAL = [...PRODUCT_NAMES, 'Alder'];

/** What `rom --bios BIOS … --json` writes: each file's kind and SHA-256, read back from disk. */
async function cliRom(bios: string, ...args: string[]): Promise<{ kind: string; sha: string }[]> {
  const dir = mkdtempSync(join(tmp, 'cli-'));
  stdout.clear();
  expect(
    await romCommand.run(['--bios', bios, ...args, '-o', join(dir, 'out.rom'), '--json']),
  ).toBe(0);
  const j = JSON.parse(stdout.text) as {
    file?: string;
    roms?: { file: string; kind: string }[];
  };
  return (j.roms ?? [{ file: join(dir, 'out.rom'), kind: 'intel' }]).map((r) => ({
    kind: r.kind,
    sha: sha(new Uint8Array(readFileSync(r.file))),
  }));
}

async function drop(page: Page, path: string) {
  await page.getByTestId('file-input').setInputFiles(path);
  await page.getByTestId('result').waitFor({ timeout: 60_000 });
}

/** Step 2's Intel ROM for the ADL iGPU: built in the page, downloaded, compared with `expected`. */
async function buildIntelRom(page: Page, expected: string) {
  await page.getByTestId('device-id').fill('46A6');
  await page.getByTestId('build-rom').click();
  await page.getByTestId('rom-result').waitFor({ timeout: 60_000 });
  expect(await page.getByTestId('rom-sha256').textContent()).toBe(expected);
  const file = await downloaded(page, () => page.getByTestId('download-rom').click());
  expect(sha(file.bytes)).toBe(expected);
}

/** Step 2's AMD ROMs: built in the worker, each the CLI's bytes, kind by kind. */
async function buildAmd(page: Page, cli: { kind: string; sha: string }[]) {
  await page.getByTestId('build-amd-roms').click();
  await page.getByTestId('amd-rom-result').waitFor({ timeout: 60_000 });
  const kinds = await page
    .getByTestId('amd-rom')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
  expect(kinds).toEqual(cli.map((r) => r.kind));
  expect(await page.getByTestId('amd-rom-sha256').allTextContents()).toEqual(cli.map((r) => r.sha));
}

describe.skipIf(!!reason)('Intel and AMD graphics in one BIOS, in Chromium', () => {
  const app = servedApp();
  const { openPage } = app;

  it('an Intel board with a Radeon GOP: the Intel steps, the AMD GOP noted as a discrete-card one', async () => {
    const bios = writeTmp('intel-board-radeon-gop.cap', intelBoardWithRadeonGop());
    // The page embeds the BIOS's VBT in the ROM unless told to use the OpRegion; so does --vbt embed.
    const [intel] = await cliRom(bios, '--vbt', 'embed', '--device-id', '0x46a6');
    const page = await openPage();
    await drop(page, bios);
    await page.getByTestId('step-output').waitFor({ timeout: 60_000 });

    // Step 1: the Intel GOP and VBT, and the AMD GOP with the note, no VBIOS asked for.
    expect(await page.getByTestId('gop-sha256').textContent()).toBe(intelExpected().gopSha256);
    expect(await page.getByTestId('vbt-sha256').textContent()).toBe(intelExpected().vbtSha256);
    expect(await page.getByTestId('amd-gop').count()).toBe(1);
    expect(await page.getByTestId('amd-gop-sha256').textContent()).toBe(
      sha(readFixture(MIXED.amdGopRom.replace('.rom', '.efi'))),
    );
    expect(await page.getByTestId('amd-discrete-note').textContent()).toBe(en['found.amdDiscrete']);
    expect(await page.getByTestId('no-vbios').count()).toBe(0);
    expect(await page.getByTestId('vendor-question').count()).toBe(0);
    expect(await page.getByTestId('companion').count()).toBe(0);

    // Step 2: the Intel choices only, and the ROM the CLI builds from the same BIOS.
    expect(await page.getByTestId('amd-rom-panel').count()).toBe(0);
    expect(await page.getByTestId('amd-no-ovmf').count()).toBe(0);
    expect(await page.getByTestId('mode-ovmf').count()).toBe(1);
    await buildIntelRom(page, intel.sha);

    // Step 3: the Intel config, no AMD layout, placeholder or warning.
    await openConfig(page);
    expect(await page.getByTestId('mode').count()).toBe(1);
    expect(await page.getByTestId('amd-layout').count()).toBe(0);
    expect(await page.getByTestId('amd-lspci-expected').count()).toBe(0);
    expect(await page.getByTestId('lspci').getAttribute('placeholder')).toContain('[8086:');
    await page.getByTestId('lspci').fill(ADL_LSPCI);
    await page.getByTestId('block-vm-conf').waitFor();
    expect(await page.getByTestId('amd-lspci-expected').count()).toBe(0);
    expect(await page.getByTestId('vendor-mismatch').count()).toBe(0);
    expect(await pageVmConf(page)).not.toContain('hostpci1');
    expect(await axeViolations(page), 'Intel board with a Radeon GOP').toEqual([]);
    await page.getByTestId('lang').selectOption('zh-CN');
    expect(await page.getByTestId('amd-discrete-note').textContent()).toBe(
      zhCN['found.amdDiscrete'],
    );
    expect(await strayEnglishWords(page, TECHNICAL)).toEqual([]);
    await page.getByTestId('lang').selectOption('en');

    // An AMD APU's lspci: this Intel board's BIOS is not the machine's; step 3 says so, and
    // offers no answer to change (step 1 asked nothing).
    await page.getByTestId('lspci').fill(PHOENIX_LSPCI);
    const mismatch = page.getByTestId('vendor-mismatch');
    await mismatch.waitFor();
    expect(await mismatch.locator('p').textContent()).toBe(
      en['config.biosMismatch'].replace('{lspci}', 'AMD Radeon').replace('{bios}', 'Intel'),
    );
    expect(await page.getByTestId('vendor-use-lspci').count()).toBe(0);
    expect(await axeViolations(page), 'a BIOS for the other iGPU, en').toEqual([]);
    await page.getByTestId('lang').selectOption('zh-CN');
    expect(await mismatch.locator('p').textContent()).toBe(
      zhCN['config.biosMismatch'].replace('{lspci}', 'AMD Radeon').replace('{bios}', 'Intel'),
    );
    expect(await strayEnglishWords(page, TECHNICAL)).toEqual([]);
    await page.getByTestId('lang').selectOption('en');
    // The Intel lspci again (the next test starts from it): no warning.
    await page.getByTestId('lspci').fill(ADL_LSPCI);
    await expect.poll(() => mismatch.count()).toBe(0);
    await page.close();
  });

  it('an Intel GOP beside an APU VBIOS: step 1 asks; AMD and Intel each build the CLI’s bytes; the answers survive a reload', async () => {
    const bios = writeTmp('intel-gop-apu-vbios.cap', intelGopWithApuVbios());
    const amdCli = await cliRom(bios, '--vendor', 'amd');
    expect(amdCli.map((r) => r.kind)).toEqual(['combined', 'gop-only', 'vbios']);
    const [intel] = await cliRom(
      bios,
      ...['--vendor', 'intel', '--vbt', 'embed', '--device-id', '0x46a6'],
    );
    const page = await openPage();
    await drop(page, bios);

    // Step 1 lists both vendors' items under the question; step 2 waits for the answer.
    const question = page.getByTestId('vendor-question');
    await question.waitFor({ timeout: 60_000 });
    expect(await question.locator('legend').textContent()).toBe(en['vendor.question']);
    expect(await page.getByTestId('vendor-intel-found').textContent()).toContain(
      en['vendor.intelGop'].replace('{version}', '21.'),
    );
    const amdFound = (await page.getByTestId('vendor-amd-found').textContent())!;
    expect(amdFound.replace(/\s+/g, ' ')).toContain('APU VBIOS 1002:15bf Phoenix 022.012.000.027');
    expect(amdFound).toContain(en['vendor.amdGop'].replace('{version}', '3.8.9'));
    // The Intel lspci remembered from the test before answers it until the person does.
    expect(await page.getByTestId('vendor-intel').isChecked()).toBe(true);
    expect(await page.getByTestId('vendor-from-lspci').textContent()).toBe(en['vendor.fromLspci']);
    await openConfig(page);
    await page.getByTestId('lspci').fill('');
    expect(await page.getByTestId('vendor-from-lspci').count()).toBe(0);
    expect(await page.getByTestId('vendor-intel').isChecked()).toBe(false);
    expect(await page.getByTestId('vendor-amd').isChecked()).toBe(false);
    await page.getByTestId('step-output').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('output-needs-vendor').textContent()).toBe(
      en['output.needsVendor'],
    );
    expect(await page.getByTestId('build-rom').count()).toBe(0);
    expect(await page.getByTestId('build-amd-roms').count()).toBe(0);
    expect(await axeViolations(page), 'the vendor question, en').toEqual([]);

    // In 简体中文: the question and its lists without stray English.
    await page.getByTestId('lang').selectOption('zh-CN');
    expect(await question.locator('legend').textContent()).toBe(zhCN['vendor.question']);
    expect(await strayEnglishWords(page, TECHNICAL)).toEqual([]);
    await page.getByTestId('lang').selectOption('en');

    // AMD: the three AMD ROMs, the AMD config for the pasted lspci, then one combined ROM.
    await page.getByTestId('vendor-amd').check();
    await buildAmd(page, amdCli);
    expect(await page.getByTestId('build-rom').count()).toBe(0);
    expect(await page.getByTestId('output-needs-vendor').count()).toBe(0);
    await openConfig(page);
    expect(await page.getByTestId('lspci').getAttribute('placeholder')).toContain('[1002:');
    await page.getByTestId('lspci').fill(PHOENIX_LSPCI);
    await page.getByTestId('block-vm-conf').waitFor();
    expect(await page.getByTestId('mode').count()).toBe(0);
    expect(await page.getByTestId('amd-layout-split').isChecked()).toBe(true);
    await expect.poll(() => pageVmConf(page)).toBe(amdVmConf(PHOENIX_LSPCI, PHOENIX_SPLIT_ROMS));
    await page.getByTestId('amd-layout-combined').check();
    const combinedConf = amdVmConf(PHOENIX_LSPCI, {
      romFile: 'amd-vbios-gop-15bf.rom',
      combinedRom: true,
    });
    expect(combinedConf).toContain('hostpci0: 0000:c5:00.0,pcie=1,romfile=amd-vbios-gop-15bf.rom');
    await expect.poll(() => pageVmConf(page)).toBe(combinedConf);
    expect(await page.getByTestId('vendor-mismatch').count()).toBe(0);

    // A reload forgets the file, not the answers: the same BIOS opens on AMD, one combined ROM.
    await page.reload();
    await drop(page, bios);
    await page.getByTestId('build-amd-roms').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('vendor-amd').isChecked()).toBe(true);
    expect(await page.getByTestId('vendor-from-lspci').count()).toBe(0);
    await openConfig(page);
    expect(await page.getByTestId('amd-layout-combined').isChecked()).toBe(true);

    // Intel: the Intel ROM the CLI builds with --vendor intel, and step 3 says the pasted
    // lspci is an AMD one, offering to answer AMD instead.
    await page.getByTestId('vendor-intel').check();
    await page.getByTestId('build-rom').waitFor();
    expect(await page.getByTestId('amd-rom-panel').count()).toBe(0);
    await buildIntelRom(page, intel.sha);
    const mismatch = page.getByTestId('vendor-mismatch');
    expect(await mismatch.locator('p').textContent()).toBe(
      en['config.vendorMismatch'].replace('{lspci}', 'AMD Radeon').replaceAll('{chosen}', 'Intel'),
    );
    expect(await page.getByTestId('amd-lspci-expected').count()).toBe(0);
    expect(await axeViolations(page), 'the vendor mismatch, en').toEqual([]);
    await page.getByTestId('lang').selectOption('zh-CN');
    expect(await mismatch.locator('p').textContent()).toBe(
      zhCN['config.vendorMismatch']
        .replace('{lspci}', 'AMD Radeon')
        .replaceAll('{chosen}', 'Intel'),
    );
    expect(await strayEnglishWords(page, TECHNICAL)).toEqual([]);
    await page.getByTestId('lang').selectOption('en');
    await page.getByTestId('vendor-use-lspci').click();
    expect(await page.getByTestId('vendor-amd').isChecked()).toBe(true);
    await page.getByTestId('build-amd-roms').waitFor();
    expect(await page.getByTestId('build-rom').count()).toBe(0);
    expect(await mismatch.count()).toBe(0);

    // The Intel answer is remembered too.
    await page.getByTestId('vendor-intel').check();
    await page.reload();
    await drop(page, bios);
    await page.getByTestId('build-rom').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('vendor-intel').isChecked()).toBe(true);
    await page.close();
  });

  it('an Intel GOP beside an APU VBIOS and no AMD GOP: the AMD answer asks for the GOP, then builds', async () => {
    const bios = writeTmp('intel-gop-apu-vbios-only.cap', intelGopWithApuVbiosOnly());
    const gop = readFixture(MIXED.amdGop);
    const node = await buildAmdRoms({ gop, vbios: readFixture(MIXED.vbios) });
    const page = await openPage();
    await drop(page, bios);
    await page.getByTestId('vendor-question').waitFor({ timeout: 60_000 });
    await page.getByTestId('vendor-amd').check();
    await page.getByTestId('step-output').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('output-needs-amd-gop').textContent()).toBe(
      en['output.needsAmdGop'],
    );
    expect(await page.getByTestId('build-rom').count()).toBe(0);
    const companion = page.getByTestId('companion');
    expect(await companion.locator('.drop-title').textContent()).toBe(en['companion.amdGop']);
    await page.getByTestId('companion-input').setInputFiles(fixturePath(MIXED.amdGop));
    await expect.poll(() => page.getByTestId('result').count()).toBe(2);
    expect(await page.getByTestId('vendor-amd').isChecked()).toBe(true);
    expect(await page.getByTestId('output-needs-amd-gop').count()).toBe(0);
    await page.getByTestId('build-amd-roms').waitFor();
    await buildAmd(
      page,
      node.roms.map((r) => ({ kind: r.kind, sha: r.sha256 })),
    );
    await page.close();
  });

  it('asks for the AMD GOP beside a VBIOS-only file; the GOP dropped there gives the combined ROM', async () => {
    const gop = readFixture(MIXED.amdGop);
    const vbios = readFixture(MIXED.vbios);
    // What `rom --gop GOP.efi --vbios VBIOS.bin` builds (rom-amd.ts): the files as they are.
    const node = await buildAmdRoms({ gop, vbios });
    const page = await openPage();
    await drop(page, fixturePath(MIXED.vbios));

    // Step 1 lists the VBIOS and asks for the GOP; step 2 has nothing to build yet.
    expect(await page.getByTestId('vbios-sha256').textContent()).toBe(sha(vbios));
    await page.getByTestId('no-amd-gop').waitFor();
    const companion = page.getByTestId('companion');
    expect(await companion.locator('.drop-title').textContent()).toBe(en['companion.amdGop']);
    expect(await companion.locator('.hint').textContent()).toBe(en['companion.amdGop.hint']);
    expect(await page.getByTestId('build-amd-roms').count()).toBe(0);
    expect(await page.getByTestId('vendor-question').count()).toBe(0);

    await page.getByTestId('companion-input').setInputFiles(fixturePath(MIXED.amdGop));
    await expect.poll(() => page.getByTestId('result').count()).toBe(2);
    expect(await page.getByTestId('companion').count()).toBe(0);
    expect(await page.getByTestId('amd-gop-sha256').textContent()).toBe(sha(gop));
    await page.getByTestId('build-amd-roms').waitFor({ timeout: 60_000 });
    await buildAmd(
      page,
      node.roms.map((r) => ({ kind: r.kind, sha: r.sha256 })),
    );
    const combined = node.roms.find((r) => r.kind === 'combined')!;
    const file = await downloaded(page, () =>
      page.locator('[data-kind="combined"]').getByTestId('download-amd-rom').click(),
    );
    expect(file.name).toBe(combined.fileName);
    expect(sha(file.bytes)).toBe(combined.sha256);
    await page.close();
  });

  it('an lspci edited through none: back to the same vendor keeps what was built, on to the other clears it', async () => {
    // A fresh profile: no answer or lspci remembered from the tests before.
    const fresh = await launch();
    try {
      const page = await fresh.context.newPage();
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(app.site.url);
      await drop(page, writeTmp('intel-gop-apu-vbios.cap', intelGopWithApuVbios()));
      await page.getByTestId('vendor-question').waitFor({ timeout: 60_000 });
      await openConfig(page);
      const lspci = async (text: string) => {
        await page.getByTestId('lspci').fill('');
        await page.getByTestId('output-needs-vendor').waitFor();
        await page.getByTestId('lspci').fill(text);
      };
      await page.getByTestId('lspci').fill(PHOENIX_LSPCI);
      await page.getByTestId('build-amd-roms').click();
      await page.getByTestId('amd-rom-result').waitFor({ timeout: 60_000 });
      const built = await page.getByTestId('amd-rom-sha256').allTextContents();
      // Emptied (no vendor yet), then AMD again: the AMD ROMs still apply and stay.
      await lspci(PHOENIX_LSPCI);
      await page.getByTestId('build-amd-roms').waitFor();
      expect(await page.getByTestId('amd-rom-sha256').allTextContents()).toEqual(built);
      // Emptied, then Intel: the AMD ROMs are dropped; step 4 asks for the Intel ROM.
      await lspci(ADL_LSPCI);
      await page.getByTestId('build-rom').waitFor();
      await page.getByTestId('step-download').waitFor();
      expect(await page.getByTestId('download-needs-amd-config').count()).toBe(0);
      expect(await page.getByTestId('download-needs').textContent()).toContain(
        en['download.needsRom'],
      );
      await lspci(PHOENIX_LSPCI);
      await page.getByTestId('build-amd-roms').waitFor();
      expect(await page.getByTestId('amd-rom-result').count()).toBe(0);
      await page.close();
    } finally {
      await fresh.close();
    }
  });

  it('a versionless Intel GOP beside an APU VBIOS: the question names it by its generation', async () => {
    const page = await openPage();
    await drop(page, writeTmp('versionless-gop.cap', versionlessIntelGopWithApuVbios()));
    await page.getByTestId('vendor-question').waitFor({ timeout: 60_000 });
    const intelFound = page.getByTestId('vendor-intel-found');
    const gopText = en['vendor.intelGopGeneration'].replace('{generation}', 'Alder Lake');
    expect(await intelFound.textContent()).toContain(gopText);
    await page.getByTestId('lang').selectOption('zh-CN');
    expect(await intelFound.textContent()).toContain(
      zhCN['vendor.intelGopGeneration'].replace('{generation}', 'Alder Lake'),
    );
    await page.getByTestId('lang').selectOption('en');
    await page.close();
  });
});
