// The set-up every browser suite shares. Apart from browser.ts because it registers vitest hooks,
// and the benches import browser.ts outside vitest.
import { afterAll, beforeAll } from 'vitest';
import type { Page } from 'playwright-core';
import { launch, noBrowserReason, serveBuild, type BrowserSession, type Site } from './browser';
import { haveFixtures, noFixturesReason } from './fixtures';
import { parseLspci } from '../../src/lib/firmware/config/inputs';
import { renderConfig, type ConfigOptions } from '../../src/lib/firmware/config/render';
import { PVE_RELEASES } from '../../src/lib/firmware/config/facts';

/**
 * Why the browser suite `name` cannot run here, or '' when it can: no Chromium or build, or no
 * firmware fixtures when it needs them. Says why on the console once.
 */
export function browserSkipReason(name: string, needs: { fixtures?: boolean } = {}): string {
  const reason = noBrowserReason || (needs.fixtures && !haveFixtures ? noFixturesReason : '');
  if (reason) console.warn(`[skip] browser ${name} tests: ${reason}`);
  return reason;
}

export interface ServedApp {
  readonly site: Site;
  readonly session: BrowserSession;
  /** A new tab of the app, `width` × 900 pixels. */
  openPage(width?: number): Promise<Page>;
}

/**
 * Serves a build (serveBuild's `base` and `dir`) and launches a fresh Chromium before the tests of
 * the describe block it is called in; closes both after them.
 */
export function servedApp(base = '/', dir = 'build'): ServedApp {
  let site: Site | undefined;
  let session: BrowserSession | undefined;
  beforeAll(async () => {
    site = await serveBuild(base, dir);
    session = await launch();
  });
  afterAll(async () => {
    await session?.close();
    await site?.stop();
  });
  const app: ServedApp = {
    get site() {
      if (!site) throw new Error('servedApp: the site is served in beforeAll');
      return site;
    },
    get session() {
      if (!session) throw new Error('servedApp: the browser is launched in beforeAll');
      return session;
    },
    async openPage(width = 1280) {
      const page = await app.session.context.newPage();
      await page.setViewportSize({ width, height: 900 });
      await page.goto(app.site.url);
      return page;
    },
  };
  return app;
}

/** Step 3 starts closed unless settings are remembered; opens it either way. */
export async function openConfig(page: Page): Promise<void> {
  const either = page.locator('[data-testid="open-config"], [data-testid="vmid"]').first();
  await either.waitFor();
  if ((await either.getAttribute('data-testid')) === 'open-config') await either.click();
  await page.getByTestId('vmid').waitFor();
}

/** The text of step 3's VM config block as the page shows it. */
export const pageVmConf = (page: Page): Promise<string | null> =>
  page.getByTestId('block-vm-conf').getByTestId('code-text').textContent();

/** The VM config lines step 3 must show for an AMD iGPU's lspci: the Node core's, for the same ROM choices. */
export function amdVmConf(
  lspci: string,
  o: Pick<ConfigOptions, 'romFile' | 'gopRomFile' | 'combinedRom'> & { noVbios?: boolean },
): string {
  const options: ConfigOptions & { noVbios?: boolean } = {
    pve: PVE_RELEASES[PVE_RELEASES.length - 1].pve,
    boot: 'systemd-boot',
    igpu: parseLspci(lspci).amd!,
    mode: 'rom',
    vmid: 100,
    ...o,
  };
  return renderConfig(options)
    .blocks.find((b) => b.id === 'vm-conf')!
    .lines.map((l) => l.text)
    .join('\n');
}
