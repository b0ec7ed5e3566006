import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FileType,
  SectionType,
  buildFile,
  buildSection,
  buildVolume,
  filler,
  guidDefinedSection,
  uiSection,
} from '../../../../fixtures/builder/index';
import { fixturesDir, haveFixtures, readFixture } from '../../../../tests/helpers/fixtures';
import { FirmwareError } from '../errors';
import { createParseContext } from '../fv/body';
import { SECTION_GUIDS } from '../guids';
import { parseFirmware } from '../parse';
import { findAll, imageNode, type FirmwareNode } from './node';
import { buildPadFile, markModified, serialize } from './serialize';
import { execFileSync } from 'node:child_process';

const G1 = '11111111-2222-3333-4444-555555555555';
const G2 = '22222222-3333-4444-5555-666666666666';
const G3 = '33333333-4444-5555-6666-777777777777';

async function parse(bytes: Uint8Array): Promise<FirmwareNode> {
  const root = imageNode(bytes);
  await createParseContext().parseBody(root, bytes, 0);
  return root;
}

const file = (guid: string, text: string) =>
  buildFile({
    guid,
    type: FileType.DRIVER,
    sections: [buildSection(SectionType.PE32, filler(77)), uiSection(text)],
  });

describe('serialize after edits', () => {
  it('removing a file gives what GenFv would write without it', async () => {
    const root = await parse(
      buildVolume({
        size: 0x2000,
        extHeader: { fvName: G3 },
        files: [file(G1, 'A'), file(G2, 'B')],
      }),
    );
    const vol = root.children[0];
    vol.children.splice(0, 1);
    markModified(vol);
    expect(serialize(vol)).toEqual(
      buildVolume({ size: 0x2000, extHeader: { fvName: G3 }, files: [file(G2, 'B')] }),
    );
  });

  it('adding an aligned file inserts a pad file as GenFv does', async () => {
    const aligned = buildFile({ guid: G2, type: FileType.RAW, raw: filler(40), attributes: 0x28 });
    const donor = (await parse(buildVolume({ size: 0x4000, files: [aligned] }))).children[0];
    const newFile = donor.children.find((c) => c.guid === G2)!;
    const root = await parse(buildVolume({ size: 0x4000, files: [file(G1, 'A')] }));
    const vol = root.children[0];
    vol.children.splice(1, 0, newFile);
    markModified(vol);
    expect(serialize(vol)).toEqual(buildVolume({ size: 0x4000, files: [file(G1, 'A'), aligned] }));
  });

  it('a changed section updates section and file sizes and checksums', async () => {
    const root = await parse(buildVolume({ size: 0x2000, files: [file(G1, 'Short')] }));
    const f = findAll(root, (n) => n.kind === 'file')[0];
    const longer = (
      await parse(buildVolume({ size: 0x2000, files: [file(G1, 'A much longer name')] }))
    ).children[0];
    const ui = findAll(longer, (n) => n.type === 'USER_INTERFACE')[0];
    f.children[1] = ui;
    ui.parent = f;
    markModified(f);
    expect(serialize(root)).toEqual(
      buildVolume({ size: 0x2000, files: [file(G1, 'A much longer name')] }),
    );
  });

  it('refuses content larger than the volume', async () => {
    const root = await parse(buildVolume({ size: 0x1000, files: [file(G1, 'A')] }));
    const vol = root.children[0];
    const big = (
      await parse(
        buildVolume({
          size: 0x2000,
          files: [buildFile({ guid: G2, type: FileType.RAW, raw: filler(0x1000) })],
        }),
      )
    ).children[0].children[0];
    vol.children.splice(1, 0, big);
    markModified(vol);
    expect(() => serialize(vol)).toThrow(FirmwareError);
  });

  it('needs an encoder to change what is inside a compressed section', async () => {
    const inner = buildSection(SectionType.PE32, filler(100));
    const packed = new Uint8Array(execFileSync('xz', ['--format=lzma', '-c'], { input: inner }));
    const root = await parse(
      buildVolume({
        size: 0x2000,
        files: [
          buildFile({
            guid: G1,
            type: FileType.DRIVER,
            sections: [guidDefinedSection(SECTION_GUIDS.lzma, packed)],
          }),
        ],
      }),
    );
    const pe = findAll(root, (n) => n.type === 'PE32')[0];
    pe.raw = pe.raw.slice();
    pe.raw[10] ^= 1;
    markModified(pe);
    expect(() => serialize(root)).toThrow(/encoder/);
    const seen: string[] = [];
    const out = serialize(root, {
      encode: (method, bytes) => {
        seen.push(method);
        return new Uint8Array(execFileSync('xz', ['--format=lzma', '-c'], { input: bytes }));
      },
    });
    expect(seen).toEqual(['LZMA']);
    const again = findAll(await parse(out), (n) => n.type === 'PE32')[0];
    expect(again.raw).toEqual(pe.raw);
  });

  it('pad files match the builder (GenFv layout)', () => {
    expect(buildPadFile(0x40, 0xff)).toEqual(
      buildVolume({ size: 0x1000, files: [] }).length ? padFromBuilder(0x40) : undefined,
    );
  });
});

function padFromBuilder(size: number): Uint8Array {
  return buildFile({
    guid: 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
    type: 0xf0,
    raw: new Uint8Array(size - 0x18).fill(0xff),
  });
}

/** -1 when equal (toEqual on megabytes is slow), else the first differing offset. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

/** Every fixture that holds firmware volumes (those with a UEFIExtract tree). */
const images = haveFixtures
  ? listFiles(fixturesDir)
      .map((p) => relative(fixturesDir, p))
      .filter((r) => /^(ovmf|fsp|ifwi|vendor-like)/.test(r) && /\.(fd|bin|rom|cap)$/i.test(r))
  : [];

describe.skipIf(images.length === 0)('serialize(parse(x)) on fixtures', () => {
  it.each(images)('%s round-trips, also when rebuilt from its children', async (rel) => {
    const bytes = readFixture(rel);
    let root: FirmwareNode;
    try {
      root = await parseFirmware(bytes);
    } catch (e) {
      // Files without volumes (option ROMs handled elsewhere) are not this test's subject.
      expect((e as FirmwareError).code).toBe('unrecognized');
      return;
    }
    expect(firstDifference(serialize(root), bytes)).toBe(-1);
    expect(firstDifference(serialize(root, { force: true }), bytes)).toBe(-1);
  });
});
