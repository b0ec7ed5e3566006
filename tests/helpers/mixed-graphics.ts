/**
 * BIOS images holding Intel and AMD graphics firmware at once, built with the fixture builder
 * around real fixtures (never copied into the project):
 * - `intelBoardWithRadeonGop`: an Intel board's AMI-like BIOS — Intel GOP driver and VBT, and in
 *   the CSM option-ROM file the AMD GOP option ROM a board carries for discrete Radeon cards;
 * - `intelGopWithApuVbios`: the same Intel GOP and VBT beside an AMD APU VBIOS (CSM file) and an
 *   AMD GOP driver (DXE file), as a test or a mis-flashed image would hold them;
 * - `intelGopWithApuVbiosOnly`: the same without the AMD GOP (the web app then asks for it);
 * - `versionlessIntelGopWithApuVbios`: as `intelGopWithApuVbiosOnly`, its Intel GOP stripped of
 *   the strings its version is read beside (no version stored; its device IDs name Alder Lake);
 * - `intelVbtWithRadeonGop`: an Intel board's BIOS whose Intel GOP is not readable (only its VBT
 *   is found) beside a Radeon GOP for discrete cards;
 * - `intelGopWithDiscreteVbios`: the Intel GOP and VBT beside a discrete Radeon's VBIOS, as a
 *   Kaby Lake-G laptop's BIOS holds its Vega M's (the Phoenix VBIOS with PCIR 1002:694c);
 * - `apuGopForTwoDevices`: an AMD BIOS without a VBIOS whose GOP sits in two option ROMs, marked
 *   1002:15bf (Phoenix) and 1002:1900 (Hawk Point), as one GOP serving both.
 */
import {
  buildFile,
  buildSection,
  buildVolume,
  FFS2,
  FileType,
  SectionType,
  uiSection,
} from '../../fixtures/builder';
import { capsule } from '../../fixtures/builder/containers';
import { guidBytes } from '../../src/lib/firmware/bytes/guid';
import { fixtureJson, readFixture } from './fixtures';
import { withoutNameString, withoutUtf16 } from './gop';

export const MIXED = {
  intelGop: 'gop-vbt/adl/IntelGopDriver.efi',
  vbt: 'gop-vbt/adl/vbt.bin',
  /** Option ROM around an AMD GOP (1002:15bf), as in a CSM container. */
  amdGopRom: 'amd/gop/isc30-gop-7840hs-v3.8.3/AMDGopDriver_7840hs.rom',
  amdGop: 'amd/gop/isc30-gop-8745hs-v3.8.9/AMDGopDriver_8745hs.efi',
  vbios: 'amd/vbios/isc30-vbios-15bf-022.012.000.027.000001/vbios_7840hs.bin',
  /** Option ROM around `amdGop`, marked 1002:1900. */
  hawkPointGopRom: 'amd/gop/isc30-gop-8745hs-v3.8.9/AMDGopDriver_8745hs.rom',
} as const;

/** `lspci -nn -s c5:00` of the Phoenix APU (1002:15bf) MIXED's VBIOS and GOPs are for. */
export const PHOENIX_LSPCI = [
  'c5:00.0 Display controller [0380]: Advanced Micro Devices, Inc. [AMD/ATI] Phoenix1 [1002:15bf] (rev c1)',
  'c5:00.1 Audio device [0403]: Advanced Micro Devices, Inc. [AMD/ATI] Rembrandt Radeon High Definition Audio Controller [1002:1640]',
].join('\n');

/** The ROM files step 3 names for that APU with two ROMs (VBIOS and GOP-only, names.ts). */
export const PHOENIX_SPLIT_ROMS = {
  romFile: 'vbios-15bf.bin',
  gopRomFile: 'amd-gop-15bf-audio.rom',
} as const;

/** Kaby Lake-G's Radeon RX Vega M GH: a discrete GPU, in neither iGPU table. */
export const DISCRETE_RADEON = 0x694c;

/**
 * A copy of a one-image option ROM with another PCIR device ID; a legacy image's checksum is
 * made good again where the reader looks for it (0x21 for ATOM BIOS images, else its last byte).
 */
export function withPcirDeviceId(rom: Uint8Array, deviceId: number): Uint8Array {
  const out = rom.slice();
  const pcir = out[0x18] | (out[0x19] << 8);
  out[pcir + 6] = deviceId & 0xff;
  out[pcir + 7] = deviceId >> 8;
  if (out[pcir + 0x14] === 0) {
    const size = out[2] * 512;
    const at = String.fromCharCode(...out.subarray(0x30, 0x3a)) === ' 761295520' ? 0x21 : size - 1;
    out[at] = 0;
    const sum = out.subarray(0, size).reduce((a, b) => a + b, 0);
    out[at] = (256 - (sum % 256)) % 256;
  }
  return out;
}

/** The Intel GOP's and VBT's SHA-256 as expected-real.json (an independent script) gives them. */
export function intelExpected(): { gopSha256: string; vbtSha256: string } {
  const real =
    fixtureJson<{ file: string; gops: { sha256: string }[]; vbts: { sha256_exact: string }[] }[]>(
      'expected-real.json',
    );
  const entry = (file: string) => real.find((e) => e.file === file)!;
  return {
    gopSha256: entry(MIXED.intelGop).gops[0].sha256,
    vbtSha256: entry(MIXED.vbt).vbts[0].sha256_exact,
  };
}

/** AMI Aptio's file GUIDs: the Intel GOP driver and the CSM option-ROM container. */
export const AMI_INTEL_GOP_FILE = '5BBA83E6-F027-4CA7-BFD0-16358CC9E123';
export const AMI_CSM_OPROM_FILE = 'A0327FE0-1FDA-4E5B-905D-B510C45A61D0';
const VBT_FILE = '56752DA9-DE6B-4895-8819-1945B6B76C22';
const AMD_GOP_FILE = 'B6E2C4A0-1A2B-4C3D-8E9F-0A1B2C3D4E5F';

function freeform(body: Uint8Array, subtype: string): Uint8Array {
  return buildSection(SectionType.FREEFORM_SUBTYPE_GUID, body, { extra: guidBytes(subtype) });
}

function intelFiles(gop = readFixture(MIXED.intelGop)): Uint8Array[] {
  return [
    buildFile({
      guid: AMI_INTEL_GOP_FILE,
      type: FileType.DRIVER,
      sections: [buildSection(SectionType.PE32, gop), uiSection('IntelGopDriver')],
    }),
    buildFile({
      guid: VBT_FILE,
      type: FileType.FREEFORM,
      sections: [buildSection(SectionType.RAW, readFixture(MIXED.vbt)), uiSection('IntelGopVbt')],
    }),
  ];
}

function csmFile(roms: Uint8Array[]): Uint8Array {
  const subtypes = ['6A2E6D5F-2D3B-4F9C-9C2D-3E2F4A5B6C7D', '8C4A8F7B-4F5D-4B1E-BE4F-5A4B6C7D8E9F'];
  return buildFile({
    guid: AMI_CSM_OPROM_FILE,
    type: FileType.FREEFORM,
    sections: [...roms.map((r, i) => freeform(r, subtypes[i])), uiSection('CsmOpromContainer')],
  });
}

function image(files: Uint8Array[]): Uint8Array {
  return capsule('amiUnsigned', buildVolume({ fsGuid: FFS2, files, size: 0x200000 }));
}

export function intelBoardWithRadeonGop(): Uint8Array {
  return image([...intelFiles(), csmFile([readFixture(MIXED.amdGopRom)])]);
}

export function intelGopWithApuVbios(): Uint8Array {
  return image([
    ...intelFiles(),
    buildFile({
      guid: AMD_GOP_FILE,
      type: FileType.DRIVER,
      sections: [
        buildSection(SectionType.PE32, readFixture(MIXED.amdGop)),
        uiSection('AmdGopDriver'),
      ],
    }),
    csmFile([readFixture(MIXED.vbios)]),
  ]);
}

/** The Intel GOP and VBT beside an AMD APU VBIOS, with no AMD GOP anywhere. */
export function intelGopWithApuVbiosOnly(): Uint8Array {
  return image([...intelFiles(), csmFile([readFixture(MIXED.vbios)])]);
}

/** The Intel GOP without the strings its version is read beside, and the VBT, by an APU VBIOS. */
export function versionlessIntelGopWithApuVbios(): Uint8Array {
  const gop = withoutUtf16(
    withoutNameString(readFixture(MIXED.intelGop)),
    'Intel(R) Graphics Controller',
  );
  return image([...intelFiles(gop), csmFile([readFixture(MIXED.vbios)])]);
}

/** The VBT and, for discrete cards, the Radeon GOP; the Intel GOP file holds no readable GOP. */
export function intelVbtWithRadeonGop(): Uint8Array {
  const [, vbt] = intelFiles();
  return image([vbt, csmFile([readFixture(MIXED.amdGopRom)])]);
}

/** The Intel GOP and VBT beside a discrete Radeon's VBIOS (no AMD GOP). */
export function intelGopWithDiscreteVbios(): Uint8Array {
  return image([
    ...intelFiles(),
    csmFile([withPcirDeviceId(readFixture(MIXED.vbios), DISCRETE_RADEON)]),
  ]);
}

/** An AMD BIOS with no VBIOS; its GOP is in two option ROMs, for 15bf and for 1900. */
export function apuGopForTwoDevices(): Uint8Array {
  const hawkPoint = readFixture(MIXED.hawkPointGopRom);
  return image([csmFile([hawkPoint, withPcirDeviceId(hawkPoint, 0x15bf)])]);
}
