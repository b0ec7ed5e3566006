/**
 * The AMD finder against every AMD fixture (amd/expected.json, made by an independent script)
 * and against AMI-like vendor images built around them with the fixture builder: the CSM
 * option-ROM file with freeform-subtype-GUID sections, EFI-compressed volumes, a capsule, a raw
 * file, a deleted copy, and AMD legacy ROMs that are not a VBIOS.
 */
import { describe, expect, it } from 'vitest';
import {
  buildFile,
  buildSection,
  buildVolume,
  compressionSection,
  FileState,
  FileType,
  FFS2,
  SectionType,
  uiSection,
} from '../../../../fixtures/builder';
import { capsule, optionRom } from '../../../../fixtures/builder/containers';
import { efiCompress } from '../../../../fixtures/builder/efi-compress';
import { fixtureJson, haveFixtures, readFixture } from '../../../../tests/helpers/fixtures';
import { sha256Hex } from '../bytes/sha256';
import { guidBytes } from '../bytes/guid';
import { parseFirmware } from '../parse';
import { analyze } from '../analyze';
import { findAmdCandidates } from './find';
import { rankAmdCandidates } from './rank';

interface ExpectedPe {
  machine: string;
  name: string | null;
  version: string | null;
}
interface ExpectedImage {
  offset: number;
  vendor: string;
  device: string;
  code_type: number;
  length: number;
  last: boolean;
  sha256: string;
  atombios?: boolean;
  vbios_version?: string;
  part_number?: string | null;
  pe?: ExpectedPe;
}
interface Expected {
  file: string;
  sha256: string;
  kind: 'pe' | 'option-rom';
  pe?: ExpectedPe;
  images?: ExpectedImage[];
}

const expected = haveFixtures ? fixtureJson<Expected[]>('amd/expected.json') : [];

async function find(bytes: Uint8Array) {
  const root = await parseFirmware(bytes, { name: 'test' });
  const found = await findAmdCandidates(root);
  return { found, ranking: rankAmdCandidates(found) };
}

describe.skipIf(!haveFixtures)('AMD fixtures (amd/expected.json)', () => {
  for (const e of expected) {
    it(`${e.file}: finds what expected.json lists`, async () => {
      const { found } = await find(readFixture(e.file));
      if (e.kind === 'pe') {
        const pe = e.pe!;
        if (pe.version === null) {
          // The 32-bit PEI GOP: reported, never offered.
          expect(found.gops).toEqual([]);
          expect(found.peiGops.map((p) => [p.sha256, p.machine])).toEqual([[e.sha256, 'IA32']]);
        } else {
          expect(found.gops.map((g) => [g.sha256, g.info.version, g.info.name])).toEqual([
            [e.sha256, pe.version, pe.name],
          ]);
        }
        expect(found.vbioses).toEqual([]);
        return;
      }
      const images = e.images!;
      const vbioses = images.filter((i) => i.code_type === 0);
      expect(
        found.vbioses.map((v) => [
          v.sha256,
          v.info.version,
          v.info.partNumber ?? null,
          v.info.vendorId.toString(16).padStart(4, '0'),
          v.info.deviceId.toString(16).padStart(4, '0'),
        ]),
      ).toEqual(vbioses.map((i) => [i.sha256, i.vbios_version, i.part_number, i.vendor, i.device]));
      const efi = images.filter((i) => i.code_type === 3);
      expect(found.gops.length).toBe(efi.length);
      for (const [k, img] of efi.entries()) {
        const g = found.gops[k];
        // The PE the image holds (decompressed when the image is EFI-compressed).
        if (img.pe) expect(g.info.version).toBe(img.pe.version);
        const marked =
          img.vendor === '1002' && ['1636', '1681', '15bf', '164e', '1900'].includes(img.device);
        expect(g.deviceIds.map((d) => d.toString(16))).toEqual(marked ? [img.device] : []);
      }
    });
  }

  it('names the family of every VBIOS whose device the table knows, and only those', async () => {
    const { found } = await find(
      readFixture('amd/vbios/isc30-vbios-15bf-022.012.000.027.000001/vbios_7840hs.bin'),
    );
    expect(found.vbioses[0].info.apu?.family).toBe('Phoenix');
    const stoney = await find(readFixture('amd/vbios/coreboot-blobs-stoney-98e0/VBIOS.bin'));
    // 98E0 is in neither amdgpu_drv.c nor pci.ids: reported, family unknown, with a warning.
    expect(stoney.found.vbioses[0].info.apu).toBeUndefined();
    expect(stoney.ranking.vbioses[0].warnings.map((w) => w.en).join()).toMatch(/1002:98e0/);
  });

  it('finds the GOP and VBIOS of the community Renoir ROM and the PEI GOP in the Mendocino FSP', async () => {
    const r = await analyze(
      readFixture('amd/oprom/thieuson-renoir-1636-vbios+gop/Renoir_Generic_VBIOS_updGOP.bin'),
    );
    expect(r.amd?.gops.map((g) => [g.version, g.deviceFamilies])).toEqual([
      ['2.8.0.0.0', ['Renoir']],
    ]);
    expect(r.amd?.vbioses.map((v) => [v.family, v.audioDeviceId])).toEqual([['Renoir', 0x1637]]);
    // No "no Intel GOP and no VBT" for an image with AMD graphics.
    expect(r.warnings).toEqual([]);
    const fsp = await analyze(readFixture('amd/fsp/amdfw-fsp-mendocino-s/MENDOCINO_S.fd'));
    expect(fsp.amd?.gops).toEqual([]);
    expect(fsp.amd?.peiGops.length).toBe(1);
    expect(fsp.amd?.warnings.map((w) => w.en).join()).toMatch(/PEI GOP.*never offered/);
  });

  it('leaves Intel images without an amd section', async () => {
    const r = await analyze(readFixture('vendor-like/aptio5-asus.cap'));
    expect(r.amd).toBeUndefined();
  });
});

// An AMI Aptio-like image around the real files.
const CSM_OPROM_FILE = 'A0327FE0-1FDA-4E5B-905D-B510C45A61D0';
const DXE_GOP_FILE = 'B6E2C4A0-1A2B-4C3D-8E9F-0A1B2C3D4E5F';
const DELETED_GOP_FILE = 'C7F3D5B1-2B3C-4D4E-9FA0-1B2C3D4E5F60';
const VBIOS_RAW_FILE = 'D8A4E6C2-3C4D-4E5F-A0B1-2C3D4E5F6071';

function freeform(body: Uint8Array, subtype: string): Uint8Array {
  return buildSection(SectionType.FREEFORM_SUBTYPE_GUID, body, { extra: guidBytes(subtype) });
}

function amiLike(gop: Uint8Array, gopRom: Uint8Array, vbios: Uint8Array, oldGop: Uint8Array) {
  // AMD legacy ROMs that are not a VBIOS: a SATA/RAID ROM (1022) and a 1002 display ROM with no ATOM BIOS.
  const sata = optionRom([
    { codeType: 0, vendorId: 0x1022, deviceId: 0x7901, body: new Uint8Array(600).fill(0x90) },
  ]);
  const noAtom = optionRom([
    { codeType: 0, vendorId: 0x1002, deviceId: 0x1636, body: new Uint8Array(600).fill(0x90) },
  ]);
  const csm = buildFile({
    guid: CSM_OPROM_FILE,
    type: FileType.FREEFORM,
    sections: [
      freeform(sata, '5F1D5C4F-1C2A-4E8B-8B1C-2D1E3F4A5B6C'),
      freeform(vbios, '6A2E6D5F-2D3B-4F9C-9C2D-3E2F4A5B6C7D'),
      freeform(noAtom, '7B3F7E6A-3E4C-4A0D-AD3E-4F3A5B6C7D8E'),
      freeform(gopRom, '8C4A8F7B-4F5D-4B1E-BE4F-5A4B6C7D8E9F'),
      uiSection('CsmOpromContainer'),
    ],
  });
  const dxe = buildFile({
    guid: DXE_GOP_FILE,
    type: FileType.DRIVER,
    sections: [buildSection(SectionType.PE32, gop), uiSection('AmdGopDriver')],
  });
  const deleted = buildFile({
    guid: DELETED_GOP_FILE,
    type: FileType.DRIVER,
    sections: [buildSection(SectionType.PE32, oldGop)],
    state: 0x07 | FileState.DELETED,
  });
  const inner = buildVolume({ files: [deleted, dxe, csm], size: 0x80000 });
  const fvSection = buildSection(SectionType.FIRMWARE_VOLUME_IMAGE, inner);
  const compressed = compressionSection(efiCompress(fvSection, 'efi'), {
    compressionType: 1,
    uncompressedLength: fvSection.length,
  });
  const outer = buildVolume({
    fsGuid: FFS2,
    files: [
      buildFile({
        guid: 'E9B5F7D3-4D5E-4F60-B1C2-3D4E5F607182',
        type: FileType.FIRMWARE_VOLUME_IMAGE,
        sections: [compressed],
      }),
    ],
    size: 0x100000,
  });
  return capsule('amiUnsigned', outer);
}

describe.skipIf(!haveFixtures)('AMD graphics in AMI-like vendor images', () => {
  it('finds the GOP in its DXE file, the VBIOS in the CSM file, ranks them, sets the deleted copy aside', async () => {
    const gop = readFixture('amd/gop/isc30-gop-8745hs-v3.8.9/AMDGopDriver_8745hs.efi');
    const gopRom = readFixture('amd/gop/isc30-gop-7840hs-v3.8.3/AMDGopDriver_7840hs.rom');
    const vbios = readFixture('amd/vbios/isc30-vbios-15bf-022.012.000.027.000001/vbios_7840hs.bin');
    const oldGop = readFixture('amd/gop/isc30-gop-6800h-v3.6.2/AMDGopDriver_6800H.efi');
    const image = amiLike(gop, gopRom, vbios, oldGop);
    const { found, ranking } = await find(image);

    expect(ranking.gops.map((g) => [g.candidate.info.version, g.candidate.fileGuid])).toEqual([
      ['3.8.9', DXE_GOP_FILE], // the DXE driver file loads first
      ['3.8.3', CSM_OPROM_FILE],
    ]);
    expect(ranking.gops[0].reason.en).toMatch(/first live AMD GOP in DXE order/);
    expect(ranking.gops[1].candidate.deviceIds).toEqual([0x15bf]);
    expect(ranking.vbioses.map((v) => [v.candidate.sha256, v.candidate.info.deviceId])).toEqual([
      [await sha256Hex(vbios), 0x15bf],
    ]);
    expect(ranking.vbioses[0].reason.en).toMatch(/AMI's option-ROM container/);
    expect(found.ignored.map((i) => [i.kind, i.fileGuid, i.sha256])).toEqual([
      ['amd-gop', DELETED_GOP_FILE, await sha256Hex(oldGop)],
    ]);
  });

  it('finds a VBIOS in a raw file and warns when GOP and VBIOS families differ', async () => {
    const gopRom = readFixture('amd/gop/isc30-gop-6800h-v3.6.2/AMDGopDriver_6800H.rom'); // 1002:1681 Rembrandt
    const vbios = readFixture('amd/vbios/amdfw-vbios-1638-cezanne/CezanneGenericVbios.bin');
    const files = [
      buildFile({ guid: VBIOS_RAW_FILE, type: FileType.RAW, raw: vbios }),
      buildFile({
        guid: CSM_OPROM_FILE,
        type: FileType.FREEFORM,
        sections: [buildSection(SectionType.RAW, gopRom)],
      }),
    ];
    const { ranking } = await find(buildVolume({ files, size: 0x40000 }));
    expect(
      ranking.vbioses.map((v) => [v.candidate.fileGuid, v.candidate.info.apu?.family]),
    ).toEqual([[VBIOS_RAW_FILE, 'Cezanne']]);
    expect(ranking.gops.map((g) => g.candidate.deviceIds)).toEqual([[0x1681]]);
    const mismatch = /VBIOS is for Cezanne, the GOP image is marked for Rembrandt/;
    expect(ranking.gops[0].warnings.map((w) => w.en).join()).toMatch(mismatch);
    expect(ranking.vbioses[0].warnings.map((w) => w.en).join()).toMatch(mismatch);
  });
});
