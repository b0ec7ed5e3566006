/**
 * The Diagnose panel in Chromium against the built site: a dropped probe report and a pasted log
 * are listed part by part before anything is diagnosed, the findings are the core's (English and
 * Chinese), the host's values go to step 3, the hookscript is shown, and a report's host VBT can
 * be saved or used in step 1.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { diagnose } from '../../src/lib/firmware/doctor/engine';
import { REPORT_HEADER } from '../../src/lib/firmware/doctor/probe-format';
import { PROBE_SCRIPT } from '../../src/lib/firmware/doctor/probe-script';
import { hookScript } from '../../src/lib/firmware/doctor/hookscript';
import { parseVbt } from '../../src/lib/firmware/gop/vbt';
import { downloaded } from '../helpers/browser';
import { browserSkipReason, servedApp } from '../helpers/browser-suite';
import { fixturePath, haveFixtures } from '../helpers/fixtures';

const reason = browserSkipReason('doctor');

const REPORT = fileURLToPath(
  new URL('../../src/lib/firmware/doctor/testdata/pve9-sdboot-adl-broken.txt', import.meta.url),
);
const LOG = 'TASK ERROR: legacy IGD assignment is not compatible with q35';

describe.skipIf(!!reason)('Diagnose panel', () => {
  const app = servedApp();
  let page: Page;

  beforeAll(async () => {
    page = await app.session.context.newPage();
    await page.goto(app.site.url);
  }, 60_000);

  it('shows the probe script byte for byte', async () => {
    // The first of the panel's two folds: the probe (the hookscript follows).
    await page.getByTestId('doctor').locator('summary').first().click();
    expect(await page.getByTestId('doctor-script').textContent()).toBe(PROBE_SCRIPT);
  });

  it('lists what the inputs contain before diagnosing, then shows the core’s findings', async () => {
    await page.getByTestId('doctor-files').setInputFiles(REPORT);
    await page.getByTestId('doctor-paste').fill(LOG);
    await page.getByTestId('doctor-add').click();
    const parts = page.getByTestId('doctor-part');
    await expect.poll(() => parts.count()).toBe(23);
    const listed = (await page.getByTestId('doctor-contents').textContent()) ?? '';
    expect(listed).toContain('qm-config.103');
    expect(listed).toContain('VM config');
    expect(listed).toContain('could not read: /usr/share/kvm/SKL_CML_GOPv9.rom (no such file)');
    expect(await page.getByTestId('doctor-finding').count()).toBe(0);

    await page.getByTestId('doctor-run').click();
    const expected = diagnose([
      { name: 'pve9-sdboot-adl-broken.txt', text: readFileSync(REPORT, 'utf8') },
      { name: 'pasted text 1', text: LOG },
    ]);
    const shown = await page
      .getByTestId('doctor-finding')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    expect(shown).toEqual(expected.findings.map((f) => f.id));
    expect(shown).toContain('machine-q35');
    const lpc = page.locator('[data-id="lpc-needed"]');
    expect(await lpc.textContent()).toContain(
      expected.findings.find((f) => f.id === 'lpc-needed')!.fix.en,
    );
  });

  it('hands what the report shows to step 3', async () => {
    expect(await page.getByTestId('doctor-host').textContent()).toContain(
      'PVE 9.1 · systemd-boot · [8086:4680] · VM 103 · rom · SKL_CML_GOPv9.rom',
    );
    await page.getByTestId('doctor-use').click();
    await expect.poll(() => page.getByTestId('lspci').inputValue()).toContain('[8086:4680]');
    expect(await page.getByTestId('pve').inputValue()).toBe('9.1');
    expect(await page.getByTestId('boot').inputValue()).toBe('systemd-boot');
    expect(await page.getByTestId('vmid').inputValue()).toBe('103');
    expect(await page.getByTestId('pveversion').inputValue()).toContain('pve-qemu-kvm: 10.1.2-4');
    // The real device from the report, not a stand-in of its generation.
    const modprobe = page.getByTestId('block-modprobe').getByTestId('code-text');
    expect((await modprobe.textContent())?.split('\n')[0]).toBe('options vfio-pci ids=8086:4680');
    expect(await page.getByTestId('igpu-id-unknown').count()).toBe(0);
  });

  it('shows the hookscript byte for byte, with the qm set line for the report’s VM', async () => {
    await page.getByTestId('doctor-hook').locator('summary').click();
    expect(await page.getByTestId('doctor-hook-script').textContent()).toBe(hookScript());
    expect(await page.getByTestId('doctor-hook-install').textContent()).toBe(
      [
        'mkdir -p /var/lib/vz/snippets',
        'cp ovmf-gop-hook.sh /var/lib/vz/snippets/ovmf-gop-hook.sh && chmod 755 /var/lib/vz/snippets/ovmf-gop-hook.sh',
        'qm set 103 --hookscript local:snippets/ovmf-gop-hook.sh',
      ].join('\n'),
    );
  });

  it('switches the findings to Chinese', async () => {
    await page.getByTestId('lang').selectOption('zh-CN');
    const expected = diagnose([{ name: 'r', text: readFileSync(REPORT, 'utf8') }]);
    const text = (await page.locator('[data-id="wrong-rom"]').textContent()) ?? '';
    expect(text).toContain(expected.findings.find((f) => f.id === 'wrong-rom')!.cause['zh-CN']);
    expect(text).toContain('错误');
  });
  it.skipIf(!haveFixtures)('offers the host VBT a report carries, byte for byte', async () => {
    const vbt = new Uint8Array(readFileSync(fixturePath('gop-vbt/adl/vbt.bin')));
    const sha = createHash('sha256').update(vbt).digest('hex');
    const file = join(mkdtempSync(join(tmpdir(), 'doctor-vbt-')), 'report.txt');
    writeFileSync(
      file,
      `${REPORT_HEADER}\n\n===== vbt =====\n### /sys/kernel/debug/dri/0/i915_vbt\nsha256: ${sha}\n${Buffer.from(vbt).toString('base64')}\n`,
    );
    await page.getByTestId('doctor-files').setInputFiles(file);
    const platform = parseVbt(vbt).platform;
    await expect.poll(() => page.getByTestId('doctor-vbt').textContent()).toContain(platform);
    const saved = await downloaded(page, () => page.getByTestId('doctor-vbt-save').click());
    expect(saved.name).toBe(`vbt-host-${platform.toLowerCase()}.bin`);
    expect(saved.bytes).toEqual(vbt);
    // Step 1 takes it as a VBT source beside the bare GOP already there, as if the file had
    // been dropped as the GOP's companion.
    await page
      .getByTestId('file-input')
      .setInputFiles(fixturePath('gop-vbt/adl/IntelGopDriver.efi'));
    await page.getByTestId('companion').waitFor({ timeout: 60_000 });
    await page.getByTestId('doctor-vbt-use').click();
    const source = page.getByTestId('result').filter({ hasText: saved.name });
    await source.waitFor({ timeout: 60_000 });
    expect(await source.getByTestId('sha256').textContent()).toBe(sha);
    const names = await page.getByTestId('result').locator('.name').allTextContents();
    expect(names).toEqual(['IntelGopDriver.efi', saved.name]);
    expect(await page.getByTestId('companion').count()).toBe(0);
  });
});
