import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixtureJson, fixturePath, haveFixtures } from '../../../tests/helpers/fixtures';
import { analyze } from './analyze';

describe('analyze', () => {
  it('returns the identity and the parse error for a file that holds no firmware', async () => {
    const bytes = new Uint8Array(4096).map((_, i) => (i * 7919) & 0xff);
    const r = await analyze(bytes);
    expect(r.file.size).toBe(4096);
    expect(r.gops).toEqual([]);
    expect(r.error?.code).toBe('unrecognized');
  });

  it.skipIf(!haveFixtures)('ranks the expected GOP and VBT of a vendor image first', async () => {
    const expected = fixtureJson<
      {
        file: string;
        gops: { sha256: string }[];
        vbts: { sha256_exact: string; platform: string }[];
      }[]
    >('vendor-like-2/expected.json').find((e) => e.file === 'aptio5-cap-tgl.CAP')!;
    const progress: number[] = [];
    const r = await analyze(
      new Uint8Array(readFileSync(fixturePath('vendor-like-2/aptio5-cap-tgl.CAP'))),
      (p) => progress.push(p.done),
    );
    expect(r.error).toBeUndefined();
    expect(r.gops[0].sha256).toBe(expected.gops[0].sha256);
    expect(r.gops[0].rank).toBe(1);
    expect(r.vbts[0].sha256).toBe(expected.vbts[0].sha256_exact);
    expect(r.vbts[0].platform).toBe(expected.vbts[0].platform);
    expect(progress.at(-1)).toBe(r.file.size);
    // Plain data only: it must survive structured cloning to the page.
    expect(structuredClone(r)).toEqual(r);
  });
});
