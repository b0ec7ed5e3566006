// A GOP without its "Intel(R) GOP Driver" string, dropped on the app: the found list shows its
// version and generation and says where each was read (issue 17).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { browserSkipReason, servedApp } from '../helpers/browser-suite';
import { fixturePath } from '../helpers/fixtures';
import { withoutNameString, withoutUtf16 } from '../helpers/gop';

const reason = browserSkipReason('nameless-GOP', { fixtures: true });

const ARL_GOP = 'newgen/lixiaoliu-ultra-desktop-gop-b1062/pc-ultra-1-2-IntelGopDriver.efi';

describe.skipIf(!!reason)('a GOP without its name string in the found list', () => {
  const app = servedApp();

  /** Drops `bytes` as a .efi file and returns what the GOP card shows. */
  async function card(bytes: Uint8Array) {
    const page = await app.session.context.newPage();
    await page.goto(app.site.url);
    await page.getByTestId('file-input').setInputFiles({
      name: 'IntelGopDriver.efi',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(bytes),
    });
    await page.getByTestId('found').waitFor({ timeout: 60_000 });
    const gop = page.getByTestId('gop');
    expect(await gop.count()).toBe(1);
    const text = async (id: string) => (await gop.getByTestId(id).textContent())?.trim();
    const shown = {
      version: await text('gop-version'),
      versionFrom: await text('gop-version-from'),
      generation: await text('gop-generation'),
      generationFrom: await text('gop-generation-from'),
    };
    await page.close();
    return shown;
  }

  it('its version beside the controller name, its generation from the major', async () => {
    const bare = withoutNameString(new Uint8Array(readFileSync(fixturePath(ARL_GOP))));
    expect(await card(bare)).toEqual({
      version: '22.?.1062',
      versionFrom:
        'read beside the graphics-controller name (the image lacks "Intel(R) GOP Driver")',
      generation: 'Meteor Lake / Arrow Lake',
      generationFrom: 'from the version major 22',
    });
  });

  it('no version left: says so, and names the generation from the device-ID table', async () => {
    const gop = new Uint8Array(readFileSync(fixturePath(ARL_GOP)));
    const none = withoutUtf16(withoutNameString(gop), 'Intel(R) Graphics Controller');
    expect(await card(none)).toEqual({
      version: '',
      versionFrom: 'not stored in the image',
      generation: 'Meteor Lake',
      generationFrom: 'from its device-ID table (the image holds no version)',
    });
  });
});
