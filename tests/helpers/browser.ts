import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const projectRoot = resolve(import.meta.dirname, '../..');

/** Debian's Chromium, or $CHROMIUM_PATH. Playwright never downloads a browser here. */
export const chromiumPath: string | undefined = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
].find((p): p is string => !!p && existsSync(p));

export const haveBuild = existsSync(join(projectRoot, 'build/index.html'));

/** The e2e build: the same app, offering its bridge as globalThis.ovmfGop (npm run build does it). */
export const E2E_BUILD = '.tmp/build-e2e';

export const noBrowserReason = !chromiumPath
  ? 'Chromium not found (Debian package chromium, or set CHROMIUM_PATH)'
  : !haveBuild
    ? 'the app is not built (run npm run build first; npm test does)'
    : '';

/** Why tests that call the bridge cannot run, or ''. */
export const noBridgeReason =
  noBrowserReason ||
  (existsSync(join(projectRoot, E2E_BUILD, 'index.html'))
    ? ''
    : 'the e2e build is missing (npm run build makes it, or npm run build:e2e)');

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

export interface Site {
  url: string;
  origin: string;
  stop(): Promise<void>;
}

/** Serves build/ (or another build, e.g. E2E_BUILD) on a free loopback port, optionally under a sub-path. */
export async function serveBuild(base = '/', dir = 'build'): Promise<Site> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    ['scripts/serve.mjs', '--port', String(port), '--base', base, '--dir', dir],
    { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((res, rej) => {
    child.stdout!.once('data', () => res());
    child.once('exit', (c) => rej(new Error(`server exited with ${c}`)));
  });
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: origin + (base.endsWith('/') ? base : base + '/'),
    stop: () =>
      new Promise((res) => {
        child.once('exit', () => res());
        child.kill();
      }),
  };
}

export interface BrowserSession {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh headless Chromium with a fresh profile and no background traffic. */
export async function launch(): Promise<BrowserSession> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-default-apps',
    ],
    acceptDownloads: true,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Runs `click` and returns the file it made the page download. */
export async function downloaded(
  page: Page,
  click: () => Promise<void>,
): Promise<{ name: string; bytes: Uint8Array }> {
  const [dl] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = await dl.path();
  return { name: dl.suggestedFilename(), bytes: new Uint8Array(readFileSync(path)) };
}

/** Puts files into the page as File objects, through a file input of its own with this id. */
export async function pageFiles(page: Page, paths: string[], id = 'test-files'): Promise<void> {
  await page.evaluate((id) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.multiple = true;
    input.id = id;
    document.body.append(input);
  }, id);
  await page.locator(`#${id}`).setInputFiles(paths);
}

/** Presses Tab until the element with this test id has focus; fails if it is never reached. */
export async function tabTo(page: Page, testid: string, max = 150): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const at = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
    if (at === testid) return;
  }
  throw new Error(`${testid} not reachable with Tab`);
}

/**
 * English words left in the interface as a person reads it (for the zh-CN checks): prose outside
 * lang="en", monospace, code, hidden parts and options, plus aria-labels and placeholders. File
 * names, paths, options and acronyms are not prose, nor are camel-case identifiers (driver and
 * file names in the reasons, IgdAssignment, iGPU). Returns the words, sorted, minus `technical`
 * (product, tool and driver names that stay as they are in Chinese text too).
 */
export async function strayEnglishWords(
  page: Page,
  technical: Iterable<string>,
): Promise<string[]> {
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
  const known = new Set(technical);
  return words.filter((w) => !known.has(w));
}

/**
 * Product, tool and driver names that stay as they are in Chinese text: what every zh-CN check
 * lets through strayEnglishWords (suites add the names their pages show besides).
 */
export const PRODUCT_NAMES: readonly string[] = [
  'Intel',
  'Option',
  'Proxmox',
  'Radeon',
  'initramfs',
  'libvirt',
  'lspci',
  'proxmox-boot-tool',
  'systemd-boot',
];

/** WCAG 2.1 A/AA rule failures axe-core finds in the page as it is now. */
export async function axeViolations(page: Page): Promise<string[]> {
  const source = readFileSync(
    createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
    'utf8',
  );
  // Through the DevTools protocol: the app's CSP (rightly) refuses injected script tags.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(source);
  return page.evaluate(async () => {
    type Axe = {
      run(
        ctx: Document,
        o: object,
      ): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }>;
    };
    const axe = (globalThis as unknown as { axe: Axe }).axe;
    const r = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return r.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
  });
}
