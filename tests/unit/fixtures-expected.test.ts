/**
 * Every real and vendor-like fixture: the GOPs and VBTs the finder offers have exactly the SHA-256s
 * the fixtures' expected JSON lists (written from the source projects, not from our output),
 * deleted copies are never offered, and images marked `error` fail with a FirmwareError.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractCommand } from '../../src/cli/commands/extract';
import { FirmwareError } from '../../src/lib/firmware/errors';
import {
  findCandidates,
  type Candidates,
  type VbtCandidate,
} from '../../src/lib/firmware/gop/find';
import { DXE_VBT_FILE_GUIDS, rankCandidates } from '../../src/lib/firmware/gop/rank';
import { parseFirmware } from '../../src/lib/firmware/parse';
import { fixtureJson, fixturePath, haveFixtures, readFixture } from '../helpers/fixtures';
import { captureStdout } from '../helpers/stdout';

interface ExpectedGop {
  sha256: string;
  size?: number;
  /** The version its source states (vendor-like-2: `version`, expected-real: `version_per_source`). */
  version?: string;
  version_per_source?: string;
  /** null where the GOP is not in an FFS file (option ROMs). */
  ffs_guid?: string | null;
}

interface ExpectedVbt {
  sha256_exact: string;
  vbt_size: number;
  sha256_stored: string;
  stored_size: number;
  platform: string;
}

interface Expected {
  file: string;
  kind: string;
  gops: ExpectedGop[];
  vbts: ExpectedVbt[];
  must_ignore?: string[];
  expect?: 'ok' | 'error';
}

/**
 * Fixtures whose expectations fail for a reason outside the finder (a parser not written yet),
 * keyed by fixture path, with the reason. Kept out of the asserted list; empty when all pass.
 */
const pending: ReadonlyMap<string, string> = new Map<string, string>([]);

function load(): Expected[] {
  if (!haveFixtures) return [];
  const real = fixtureJson<Expected[]>('expected-real.json');
  const v1 = fixtureJson<Expected[]>('vendor-like/expected.json').map((e) => ({
    ...e,
    file: `vendor-like/${e.file}`,
  }));
  const v2 = fixtureJson<Expected[]>('vendor-like-2/expected.json').map((e) => ({
    ...e,
    file: `vendor-like-2/${e.file}`,
  }));
  return [...real, ...v1, ...v2].map((e) => ({
    ...e,
    gops: e.gops.map((g) => ({ ...g, version: g.version ?? g.version_per_source })),
  }));
}

async function find(rel: string): Promise<Candidates> {
  const root = await parseFirmware(readFixture(rel), { name: rel });
  return findCandidates(root);
}

const cases = load();

describe.skipIf(!haveFixtures)('GOP/VBT finder on every fixture with expected results', () => {
  it('has the fixture lists to test', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  for (const exp of cases.filter((e) => !pending.has(e.file))) {
    if (exp.expect === 'error') {
      it(`${exp.file}: fails with a clear FirmwareError`, async () => {
        const err = await find(exp.file).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(FirmwareError);
        expect((err as FirmwareError).message.length).toBeGreaterThan(10);
      });
      continue;
    }
    it(`${exp.file}: finds exactly the expected GOPs and VBTs`, { timeout: 30_000 }, async () => {
      const found = await find(exp.file);

      expect(found.gops.map((g) => g.sha256).sort()).toEqual(exp.gops.map((g) => g.sha256).sort());
      for (const g of exp.gops) {
        const c = found.gops.find((x) => x.sha256 === g.sha256)!;
        if (g.size !== undefined) expect(c.bytes.length).toBe(g.size);
        if (g.ffs_guid !== undefined) expect(c.fileGuid ?? null).toBe(g.ffs_guid);
      }

      // Each VBT found matches one expected VBT, in either hash form, and none is left over.
      expect(found.vbts).toHaveLength(exp.vbts.length);
      const unmatched = [...exp.vbts];
      for (const v of found.vbts) {
        const i = unmatched.findIndex(
          (e) => e.sha256_exact === v.sha256 || e.sha256_stored === v.storedSha256,
        );
        expect(i, `VBT ${v.sha256} at ${v.path} is not expected`).toBeGreaterThanOrEqual(0);
        const e = unmatched.splice(i, 1)[0];
        expect(v.bytes.length).toBe(e.vbt_size);
        expect(v.info.platform).toBe(e.platform);
      }

      const live = new Set([
        ...found.gops.map((g) => g.sha256),
        ...found.vbts.flatMap((v) => [v.sha256, v.storedSha256]),
      ]);
      for (const h of exp.must_ignore ?? []) {
        expect(live.has(h), `${h} must not be offered`).toBe(false);
        // …and the deleted copy was seen and set aside, not merely missed.
        expect(found.ignored.map((x) => x.sha256)).toContain(h);
      }

      // Ranking covers every candidate once and explains the first.
      const ranking = rankCandidates(found);
      expect(ranking.gops.map((r) => r.candidate.sha256).sort()).toEqual(
        found.gops.map((g) => g.sha256).sort(),
      );
      expect(ranking.vbts).toHaveLength(found.vbts.length);
      if (ranking.gops.length) expect(ranking.gops[0].reason.en).not.toBe('');
      // Of several VBTs, the one a GOP policy reads (its DXE VBT file) comes first.
      const inDxeFile = (c: VbtCandidate) =>
        [c, ...c.copies].some(
          (l) => l.fileGuid !== undefined && DXE_VBT_FILE_GUIDS.has(l.fileGuid),
        );
      if (found.vbts.some(inDxeFile)) expect(inDxeFile(ranking.vbts[0].candidate)).toBe(true);
    });
  }
});

describe.skipIf(!haveFixtures)('`extract` on every fixture with expected results', () => {
  const stdout = captureStdout();

  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  const root = haveFixtures ? mkdtempSync(join(tmpdir(), 'extract-all-')) : '';

  for (const exp of cases.filter((e) => e.expect !== 'error' && !pending.has(e.file))) {
    it(`${exp.file}: writes the top-ranked GOP and VBT`, { timeout: 30_000 }, async () => {
      const dir = join(root, exp.file.replace(/\//g, '_'));
      const run = extractCommand.run([fixturePath(exp.file), '-o', dir]);
      if (!exp.gops.length && !exp.vbts.length) {
        // Nothing to offer is an error with one line, not an empty success.
        const err = await run.catch((e: unknown) => e);
        expect((err as FirmwareError).code).toBe('not-found');
        expect((err as FirmwareError).describe()).not.toContain('\n');
        return;
      }
      expect(await run).toBe(0);
      const written = readdirSync(dir).sort();
      const gopFiles = written.filter((f) => f.endsWith('.efi'));
      const vbtFiles = written.filter((f) => f.startsWith('vbt-'));
      expect(gopFiles).toHaveLength(exp.gops.length ? 1 : 0);
      expect(vbtFiles).toHaveLength(exp.vbts.length ? 1 : 0);
      if (gopFiles.length) {
        const bytes = readFileSync(join(dir, gopFiles[0]));
        expect(exp.gops.map((g) => g.sha256)).toContain(sha(bytes));
        const version = exp.gops.find((g) => g.sha256 === sha(bytes))?.version;
        if (version) {
          // Parts a GOP does not store are written as 'x' (e.g. 22.x.1041 for 22.0.1041).
          const [major, minor, build] = version.split('.');
          expect(gopFiles[0]).toMatch(
            new RegExp(`^IntelGopDriver-${major}\\.(${minor}|x)\\.${build}\\.efi$`),
          );
        }
      }
      if (vbtFiles.length) {
        const bytes = readFileSync(join(dir, vbtFiles[0]));
        const e = exp.vbts.find((v) => v.sha256_exact === sha(bytes));
        expect(e, `${vbtFiles[0]} is one of the expected VBTs`).toBeDefined();
        expect(vbtFiles[0]).toBe(`vbt-${e!.platform}.bin`);
      }
      expect(stdout.text).toMatch(exp.gops.length ? /^GOP #1/ : /^VBT #1/);
    });
  }
});
