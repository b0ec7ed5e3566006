// A Panther Lake BIOS with a VBT but no DXE GOP (as reported): Intel's PTL FSP (no GOP, no VBT,
// newgen/fsp-ptl-fd) followed by a volume holding Intel's PTL sample VBT in the IntelGopVbt file.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildFile,
  buildSection,
  buildVolume,
  FileType,
  SectionType,
  uiSection,
} from '../../../../fixtures/builder/index';
import { parseFirmware } from '../parse';
import { haveFixtures, readFixture } from '../../../../tests/helpers/fixtures';
import { findCandidates } from './find';
import { rankCandidates } from './rank';

const INTEL_GOP_VBT = '56752DA9-DE6B-4895-8819-1945B6B76C22';

describe.skipIf(!haveFixtures)('a BIOS with a VBT and no GOP (Panther Lake)', async () => {
  const fsp = haveFixtures ? readFixture('newgen/fsp-ptl-fd/Fsp.fd') : new Uint8Array();
  const vbt = haveFixtures ? readFixture('vbt/intel-fsp/PantherLake-Vbt.dat') : new Uint8Array();

  it('the PTL FSP alone holds neither (as its SOURCE.txt says)', async () => {
    const found = await findCandidates(await parseFirmware(fsp));
    expect([found.gops.length, found.vbts.length]).toEqual([0, 0]);
    expect(rankCandidates(found).warnings.map((w) => w.en)).toEqual([
      'no Intel GOP driver and no VBT found',
    ]);
  });

  it('with the VBT added: that VBT, no GOP, and a plain note naming Panther Lake', async () => {
    const vol = buildVolume({
      size: 0x4000,
      files: [
        buildFile({
          guid: INTEL_GOP_VBT,
          type: FileType.FREEFORM,
          sections: [buildSection(SectionType.RAW, vbt), uiSection('IntelGopVbt')],
        }),
      ],
    });
    const image = new Uint8Array(fsp.length + vol.length);
    image.set(fsp);
    image.set(vol, fsp.length);
    const found = await findCandidates(await parseFirmware(image));
    expect(found.gops).toEqual([]);
    expect(found.vbts).toHaveLength(1);
    const vbtSize = vbt[0x18] | (vbt[0x19] << 8);
    const exact = createHash('sha256').update(vbt.subarray(0, vbtSize)).digest('hex');
    expect([found.vbts[0].sha256, found.vbts[0].fileGuid]).toEqual([exact, INTEL_GOP_VBT]);
    expect(found.vbts[0].info.generation).toMatchObject({ code: 'PTL', basis: 'platform' });
    const [note] = rankCandidates(found).warnings;
    expect(note.en).toMatch(
      /^This BIOS has a Panther Lake VBT \(PANTHERLAKE, BDB 266\) but no Intel GOP driver: the GOP is not in this image/,
    );
    expect(note.en).toMatch(
      /take the GOP from another BIOS of the same Panther Lake platform family/,
    );
    expect(note.en).toContain('8086:b0a0');
    expect(note['zh-CN']).toMatch(
      /^此 BIOS 含有 Panther Lake 的 VBT（PANTHERLAKE，BDB 266），但没有 Intel GOP 驱动/,
    );
  });
});
