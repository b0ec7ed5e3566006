import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { guidBytes } from '../../src/lib/firmware/bytes/guid';
import { checksum16 } from '../../src/lib/firmware/bytes/checksum';
import { browserSkipReason, servedApp } from '../helpers/browser-suite';

const reason = browserSkipReason('app shell');

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** An empty FFSv2 firmware volume of `size` bytes with a valid header checksum. */
function sampleFile(size: number): Uint8Array {
  const b = new Uint8Array(size).fill(0xff);
  const dv = new DataView(b.buffer);
  b.fill(0, 0, 0x48);
  b.set(guidBytes('8C8CE578-8A3D-4F1C-9935-896185C32DD3'), 0x10);
  dv.setUint32(0x20, size, true);
  b.set([0x5f, 0x46, 0x56, 0x48], 0x28); // _FVH
  dv.setUint32(0x2c, 0x0004feff, true); // attributes incl. erase polarity 1
  dv.setUint16(0x30, 0x48, true);
  b[0x37] = 2; // revision
  dv.setUint32(0x38, size / 0x1000, true);
  dv.setUint32(0x3c, 0x1000, true);
  dv.setUint16(0x32, checksum16(b, 0, 0x48), true);
  return b;
}

async function dropFile(page: Page, name: string, bytes: Uint8Array) {
  const dataTransfer = await page.evaluateHandle(
    ({ name, data }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(data)], name, { type: 'application/octet-stream' }));
      return dt;
    },
    { name, data: Array.from(bytes) },
  );
  const zone = page.getByTestId('dropzone');
  await zone.dispatchEvent('dragenter', { dataTransfer });
  await zone.dispatchEvent('dragover', { dataTransfer });
  await zone.dispatchEvent('drop', { dataTransfer });
}

describe.skipIf(!!reason)('app shell in Chromium', () => {
  const app = servedApp('/tools/gop/');
  const requests: string[] = [];

  beforeAll(() => {
    app.session.context.on('request', (r) => requests.push(r.url()));
  });

  it('computes size and SHA-256 in the worker for a dropped file (served from a sub-path)', async () => {
    const page = await app.session.context.newPage();
    await page.goto(app.site.url);
    const bytes = sampleFile(0x11000);
    await dropFile(page, 'volume.bin', bytes);
    await expect.poll(() => page.getByTestId('sha256').textContent()).toBe(sha256(bytes));
    expect(await page.getByTestId('size').textContent()).toContain(String(0x11000));
    expect(await page.getByTestId('kind').textContent()).toMatch(/volume/i);
    await page.close();
  });

  it('takes a file through the file chooser too', async () => {
    const page = await app.session.context.newPage();
    await page.goto(app.site.url);
    const dir = mkdtempSync(join(tmpdir(), 'pick-'));
    const bytes = new Uint8Array(randomBytes(12345));
    writeFileSync(join(dir, 'random.bin'), bytes);
    await page.getByTestId('file-input').setInputFiles(join(dir, 'random.bin'));
    await expect.poll(() => page.getByTestId('sha256').textContent()).toBe(sha256(bytes));
    expect(await page.getByTestId('kind').textContent()).toMatch(/unknown|not recogn/i);
    await page.close();
  });

  it('loads and works offline after the first visit', async () => {
    const page = await app.session.context.newPage();
    await page.goto(app.site.url);
    await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      return reg.active?.state;
    });
    // The service worker controls the next load; make sure it has finished precaching.
    await page.reload();
    await page.waitForFunction(() => !!navigator.serviceWorker.controller);
    await app.session.context.setOffline(true);
    try {
      await page.reload();
      await expect.poll(() => page.getByTestId('dropzone').isVisible()).toBe(true);
      const bytes = sampleFile(0x2000);
      await dropFile(page, 'offline.bin', bytes);
      await expect.poll(() => page.getByTestId('sha256').textContent()).toBe(sha256(bytes));
    } finally {
      await app.session.context.setOffline(false);
    }
    await page.close();
  });

  it('switches to Simplified Chinese', async () => {
    const page = await app.session.context.newPage();
    await page.goto(app.site.url);
    await page.getByRole('combobox').selectOption('zh-CN');
    await expect.poll(() => page.getByTestId('privacy').textContent()).toContain('不上传');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
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
