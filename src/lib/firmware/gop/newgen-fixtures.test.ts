// The newgen fixtures (Meteor Lake, Arrow Lake, Panther Lake) against what their SOURCE.txt files
// state: each file's SHA-256 and size, and what it holds.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath, haveFixtures, readFixture } from '../../../../tests/helpers/fixtures';
import { parseFirmware } from '../parse';
import { findCandidates } from './find';
import { rankCandidates } from './rank';

interface Source {
  file: string;
  sha256: string;
  size: number;
}

/** "== name" then "sha256: …" and "size: …" lines, per newgen/<dir>/SOURCE.txt. */
function sources(): Source[] {
  if (!haveFixtures) return [];
  return readdirSync(fixturePath('newgen')).map((dir) => {
    const text = readFileSync(fixturePath(`newgen/${dir}/SOURCE.txt`), 'utf8');
    const name = /^== (.+)$/m.exec(text)![1].trim();
    return {
      file: `newgen/${dir}/${name}`,
      sha256: /^sha256: ([0-9a-f]{64})$/m.exec(text)![1],
      size: Number(/^size: (\d+)$/m.exec(text)![1]),
    };
  });
}

/** What each file holds: GOP builds, VBT platform strings (none for the FSPs and the negative). */
const HOLDS: Record<string, { gops: string[]; vbts: string[] }> = {
  'fsp-arl-s-fd': { gops: [], vbts: [] },
  'fsp-ptl-fd': { gops: [], vbts: [] },
  'fsp-arl-s-vbt-s03': { gops: [], vbts: ['METEORLAKE'] },
  'fsp-mtl-vbt': { gops: [], vbts: ['METEORLAKE'] },
  'lixiaoliu-mtl-h-155h-gop-b1035': { gops: ['22.?.1035'], vbts: [] },
  'lixiaoliu-ultra-desktop-gop-b1062': { gops: ['22.?.1062'], vbts: [] },
  'negative-ssrml-misnamed-IntelGopDriver': { gops: [], vbts: [] },
};

describe.skipIf(!haveFixtures)('newgen fixtures', () => {
  const list = sources();
  it('are all here', () =>
    expect(list.map((s) => s.file.split('/')[1]).sort()).toEqual(Object.keys(HOLDS).sort()));

  it.each(list.map((s) => [s.file, s] as const))('%s', async (_, s) => {
    const bytes = readFixture(s.file);
    expect(bytes.length).toBe(s.size);
    const found = await findCandidates(await parseFirmware(bytes));
    const want = HOLDS[s.file.split('/')[1]];
    expect(found.gops.map((g) => g.info.versionText)).toEqual(want.gops);
    expect(found.vbts.map((v) => v.info.platform)).toEqual(want.vbts);
    // A bare GOP or VBT file is the candidate itself (the VBT as stored, padding included).
    for (const g of found.gops) expect(g.sha256).toBe(s.sha256);
    for (const v of found.vbts) expect(v.storedSha256).toBe(s.sha256);
    // Nothing is set aside: the misnamed module is bare, so no file name claims it is a GOP.
    expect(found.ignored).toEqual([]);
    if (!want.gops.length && !want.vbts.length)
      expect(rankCandidates(found).warnings.map((w) => w.en)).toEqual([
        'no Intel GOP driver and no VBT found',
      ]);
  });
});
