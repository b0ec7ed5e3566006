/**
 * Every real and vendor-like fixture: the GOPs and VBTs the finder offers have exactly the SHA-256s
 * the fixtures' expected JSON lists (written from the source projects, not from our output),
 * deleted copies are never offered, and images marked `error` fail with a FirmwareError.
 */
import { describe, expect, it } from 'vitest';
import { FirmwareError } from '../../src/lib/firmware/errors';
import { findCandidates, type Candidates } from '../../src/lib/firmware/gop/find';
import { rankCandidates } from '../../src/lib/firmware/gop/rank';
import { parseFirmware } from '../../src/lib/firmware/parse';
import { fixtureJson, haveFixtures, readFixture } from '../helpers/fixtures';

interface ExpectedGop {
  sha256: string;
  size?: number;
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
  return [...real, ...v1, ...v2];
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
      if (ranking.gops.length) expect(ranking.gops[0].reason).not.toBe('');
    });
  }
});
