import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildFile,
  buildSection,
  buildVolume,
  FileType,
  SectionType,
  uiSection,
  versionSection,
} from '../../../../fixtures/builder/index';
import { analyze } from '../analyze';
import { parseFirmware } from '../parse';
import { fixturePath, haveFixtures, readFixture } from '../../../../tests/helpers/fixtures';
import { withoutNameString as overwriteName, withoutUtf16 } from '../../../../tests/helpers/gop';
import { findCandidates } from './find';
import { isIntelGop } from './gop-info';
import { identifyGop } from './identify';
import { rankCandidates } from './rank';

const NEGATIVE = 'newgen/negative-ssrml-misnamed-IntelGopDriver/IntelGopDriver.efi';
const ARL_GOP = 'newgen/lixiaoliu-ultra-desktop-gop-b1062/pc-ultra-1-2-IntelGopDriver.efi';
const INTEL_GOP_GUID = 'FF0C8745-3270-4439-B74F-3E45F8C77064'; // Intel reference IntelGopDriver
const AMI_GOP_GUID = '5BBA83E6-F027-4CA7-BFD0-16358CC9E123';

/** The GOP with its UTF-16 "Intel(R) GOP Driver" overwritten, as some Arrow Lake BIOSes ship it. */
function withoutNameString(pe: Uint8Array): Uint8Array {
  const out = overwriteName(pe);
  expect(isIntelGop(out)).toBe(false);
  return out;
}

const en = (xs: { en: string }[]) => xs.map((x) => x.en);

describe.skipIf(!haveFixtures)('identifyGop on real drivers', () => {
  it('every Intel GOP fixture names itself (confidence high)', () => {
    const files = [
      ...readdirSync(fixturePath('gop-vbt')).map((d) => `gop-vbt/${d}/IntelGopDriver.efi`),
      ...readdirSync(fixturePath('gop'))
        .filter((f) => f.endsWith('.efi'))
        .map((f) => `gop/${f}`),
      'newgen/lixiaoliu-mtl-h-155h-gop-b1035/nb-ultra-155h.efi',
      ARL_GOP,
    ];
    expect(files.length).toBeGreaterThanOrEqual(25);
    for (const f of files) {
      const id = identifyGop(readFixture(f));
      expect(id.gop, f).toBe(true);
      if (id.gop)
        expect([id.confidence, id.reasons[0].en], f).toEqual([
          'high',
          'the image names itself "Intel(R) GOP Driver"',
        ]);
    }
  });

  it('an Arrow Lake GOP without its name string is found by its protocols and device IDs', () => {
    const pe = withoutNameString(readFixture(ARL_GOP));
    const bare = identifyGop(pe);
    expect(bare).toMatchObject({ gop: true, confidence: 'medium' });
    if (bare.gop)
      expect(en(bare.reasons)).toEqual([
        'the image holds the Graphics Output and EDID protocol GUIDs a GOP installs',
        'its device-ID table names Meteor Lake, Arrow Lake',
      ]);
    // In a file with a GOP GUID and UI name, the names back the contents: high.
    const named = identifyGop(pe, { fileGuid: INTEL_GOP_GUID, uiName: 'IntelGopDriver' });
    expect(named).toMatchObject({ gop: true, confidence: 'high' });
    if (named.gop)
      expect(named.reasons.map((r) => r.en).slice(2)).toEqual([
        `file GUID ${INTEL_GOP_GUID} is a known Intel GOP file`,
        'the file is named IntelGopDriver',
      ]);
  });

  it('the misnamed board module is not a GOP, however it is named', () => {
    const pe = readFixture(NEGATIVE);
    expect(identifyGop(pe)).toEqual({ gop: false });
    const named = identifyGop(pe, { fileGuid: AMI_GOP_GUID, uiName: 'IntelGopDriver' });
    expect(named.gop).toBe(false);
    if (!named.gop)
      expect(named.rejected?.en).toMatch(
        /^named like an Intel GOP, but the image holds none of the Graphics Output\/EDID protocols/,
      );
  });

  it('AMD GOPs install the same protocols but list no Intel iGPU: none is an Intel GOP', () => {
    const amd = readdirSync(fixturePath('amd/gop'))
      .flatMap((d) => readdirSync(fixturePath(`amd/gop/${d}`)).map((f) => `amd/gop/${d}/${f}`))
      .filter((f) => f.endsWith('.efi'));
    expect(amd.length).toBeGreaterThanOrEqual(12);
    for (const f of amd) {
      const pe = readFixture(f);
      expect(identifyGop(pe), f).toEqual({ gop: false });
      const named = identifyGop(pe, { uiName: 'IntelGopDriver' });
      expect(named.gop, f).toBe(false);
      if (!named.gop) expect(named.rejected?.en, f).toMatch(/not (a|an Intel) GOP$/);
    }
  });
});

describe.skipIf(!haveFixtures)('findCandidates with GOPs that lack the name string', async () => {
  const driver = (guid: string, pe: Uint8Array, name: string) =>
    buildFile({
      guid,
      type: FileType.DRIVER,
      sections: [buildSection(SectionType.PE32, pe), uiSection(name)],
    });
  const gop = withoutNameString(readFixture(ARL_GOP));
  const negative = readFixture(NEGATIVE);
  const image = buildVolume({
    size: 0x40000,
    files: [
      driver(AMI_GOP_GUID, negative, 'IntelGopDriver'),
      driver(INTEL_GOP_GUID, gop, 'IntelGopDriver'),
    ],
  });
  const found = await findCandidates(await parseFirmware(image));
  const ranking = rankCandidates(found);

  it('offers the real GOP, with why and how sure, and sets the misnamed module aside', () => {
    expect(found.gops).toHaveLength(1);
    const g = found.gops[0];
    expect([g.fileGuid, g.uiName, g.size]).toEqual([INTEL_GOP_GUID, 'IntelGopDriver', gop.length]);
    expect(g.identity.confidence).toBe('high');
    // Its version strings are still there, beside the controller name: line 22, Meteor/Arrow Lake.
    expect([g.info.versionText, g.info.versionSource]).toEqual(['22.?.1062', 'beside-controller']);
    expect(g.info.generation).toMatchObject({ code: 'MTL', basis: 'version', igpu: 'MTL' });
    expect(ranking.gops[0].reason.en).toContain(
      'its device-ID table names Meteor Lake, Arrow Lake',
    );
    expect(ranking.gops[0].reason.en).toMatch(/confidence: high$/);
    expect(ranking.gops[0].reason['zh-CN']).toContain('可信度：高');
    expect(found.ignored).toHaveLength(1);
    expect(found.ignored[0]).toMatchObject({
      kind: 'gop',
      fileGuid: AMI_GOP_GUID,
      size: negative.length,
    });
    expect(found.ignored[0].reason.en).toMatch(/not a GOP$/);
  });

  it('with no version strings left, the device-ID table names the generation; a GOP-shaped FFS version section gives the version', async () => {
    const stripped = withoutUtf16(gop, 'Intel(R) Graphics Controller');
    const inFile = (extra: Uint8Array[]) =>
      buildVolume({
        size: 0x40000,
        files: [
          buildFile({
            guid: INTEL_GOP_GUID,
            type: FileType.DRIVER,
            sections: [
              buildSection(SectionType.PE32, stripped),
              uiSection('IntelGopDriver'),
              ...extra,
            ],
          }),
        ],
      });
    const summary = async (image: Uint8Array) => (await analyze(image)).gops;
    // edk2's default version section ("1.0") is not a GOP version.
    const [plain] = await summary(inFile([versionSection(0, '1.0')]));
    expect([plain.version, plain.versionKnown, plain.versionSource]).toEqual([
      '',
      'none',
      undefined,
    ]);
    expect(plain.versionFrom.en).toBe('not stored in the image');
    expect([plain.generation, plain.generationBasis, plain.igpuCode]).toEqual([
      'Meteor Lake',
      'device-ids',
      'MTL',
    ]);
    expect(plain.generationFrom?.en).toBe('from its device-ID table (the image holds no version)');
    const [versioned] = await summary(inFile([versionSection(0, '22.0.1062')]));
    expect([versioned.version, versioned.versionSource, versioned.generationBasis]).toEqual([
      '22.0.1062',
      'ffs-version',
      'version',
    ]);
    expect(versioned.versionFrom.en).toBe(
      "from the FFS file's version section (the image itself holds none)",
    );
  });

  it('the bare misnamed file alone yields no GOP at all', async () => {
    const alone = await findCandidates(
      await parseFirmware(negative, { name: 'IntelGopDriver.efi' }),
    );
    expect([alone.gops, alone.vbts]).toEqual([[], []]);
  });
});
