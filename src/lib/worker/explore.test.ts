import { describe, expect, it } from 'vitest';
import { parseFirmware } from '$lib/firmware/parse';
import { walk } from '$lib/firmware/tree/node';
import { fixturePath, haveFixtures, readFixture } from '../../../tests/helpers/fixtures';
import { findStrings, flatten, nodePart, readableBody } from './explore';
import { existsSync } from 'node:fs';

const SPI = 'vendor-like-2/aptio5-spi-adl.bin';
const have = haveFixtures && existsSync(fixturePath(SPI));

describe.skipIf(!have)('explorer rows of a vendor image', () => {
  it('lists every node once, in pre-order, with parents and subtree ends that agree', async () => {
    const root = await parseFirmware(readFixture(SPI));
    const { rows, nodes } = flatten(root);
    let count = 0;
    walk(root, (n) => {
      expect(nodes[count]).toBe(n);
      count++;
    });
    expect(rows.length).toBe(count);
    for (const r of rows) {
      if (r.parent >= 0) {
        const p = rows[r.parent];
        expect(r.id).toBeGreaterThan(p.id);
        expect(r.end).toBeLessThanOrEqual(p.end);
        expect(r.depth).toBe(p.depth + 1);
      }
      const children = rows.filter((x) => x.parent === r.id).length;
      expect(children).toBe(r.childCount);
      expect(r.size).toBe(nodes[r.id].raw.length);
    }
  });

  it('exports parts as copies and finds the GOP driver’s own strings, not packed noise', async () => {
    const root = await parseFirmware(readFixture(SPI));
    const { nodes } = flatten(root);
    const gop = nodes.find((n) => n.kind === 'file' && n.name === 'IntelGopDriver')!;
    const whole = nodePart(gop, 'whole');
    expect(whole).toEqual(gop.raw);
    expect(whole.buffer).not.toBe(gop.raw.buffer);
    expect(nodePart(gop, 'body')).toEqual(gop.raw.subarray(gop.headerSize));
    const texts = findStrings(readableBody(gop)).map((s) => s.text);
    expect(texts).toContain('Intel(R) GOP Driver');
    // The whole image: the GOP lives in an LZMA volume, so the image's own body does not show
    // its strings, and no string comes from inside a compressed stream.
    const image = findStrings(readableBody(root)).map((s) => s.text);
    expect(image).not.toContain('Intel(R) GOP Driver');
  });
});
