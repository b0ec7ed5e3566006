import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesOf } from '../../src/lib/firmware/bytes/view';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the real firmware lives: $FIRMWARE_FIXTURES, else ../shared/fixtures beside the project. */
export const fixturesDir: string = process.env.FIRMWARE_FIXTURES
  ? resolve(process.env.FIRMWARE_FIXTURES)
  : resolve(projectRoot, '../shared/fixtures');

export const haveFixtures: boolean = existsSync(join(fixturesDir, 'README.md'));

/** Printed once by suites that skip because the fixtures are absent. */
export const noFixturesReason = `firmware fixtures not found at ${fixturesDir} (set FIRMWARE_FIXTURES)`;

if (!haveFixtures) console.warn(`[skip] ${noFixturesReason}`);

export function fixturePath(rel: string): string {
  return join(fixturesDir, rel);
}

export function readFixture(rel: string): Uint8Array {
  return bytesOf(readFileSync(fixturePath(rel)));
}

export function fixtureJson<T = unknown>(rel: string): T {
  return JSON.parse(readFileSync(fixturePath(rel), 'utf8')) as T;
}

/** Names in the fixtures that are notes, lists or VM configs rather than firmware. */
const NOT_FIRMWARE = /\.(txt|json|md|conf)$/i;

/** Every firmware file in the fixtures, relative to them, sorted; none without the fixtures. */
export function firmwareFixtureFiles(): string[] {
  if (!haveFixtures) return [];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (!NOT_FIRMWARE.test(name)) out.push(relative(fixturesDir, p));
    }
  };
  walk(fixturesDir);
  return out;
}
