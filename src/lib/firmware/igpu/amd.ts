/**
 * The one table of AMD APU integrated-GPU PCI device IDs (vendor 0x1002) → family, with the
 * device ID of the HDMI/DP audio function that sits beside the GPU at BB:00.1. Shared by the
 * reader (naming a VBIOS or GOP's family), the ROM builder (which IDs go into a PCIR) and the
 * config generator (vfio-pci ids).
 *
 * Sources, transcribed by hand, nothing guessed:
 * - Names and IDs: pci.ids (pciutils/pciids, commit c1c12547d626, Aug 2026), vendor 1002 —
 *   e.g. "1636 Renoir", "164c Lucienne", "15e7 Barcelo", "1900 HawkPoint1", "1586 Strix Halo",
 *   "15de Raven/Raven2/Fenghuang HDMI/DP Audio Controller",
 *   "1637 Renoir/Cezanne HDMI/DP Audio Controller", "1640 Radeon High Definition Audio Controller".
 * - Carrizo and Stoney: Linux drivers/gpu/drm/amd/amdgpu/amdgpu_drv.c `pciidlist`
 *   (0x9870, 0x9874–0x9877 CHIP_CARRIZO|AMD_IS_APU; 0x98E4 CHIP_STONEY|AMD_IS_APU). Raven and
 *   newer are matched there by IP discovery, not by ID, so pci.ids is the source for them.
 * - Audio 1640 beside Rembrandt/Raphael/Granite Ridge/Hawk Point: `lspci -nn` outputs in
 *   community passthrough guides (e.g. "[1002:13c0] … 00.1 … [1002:1640]"). Where no such output
 *   was found the audio ID is still 1640 (pci.ids names it generically for every RDNA2+ APU) but
 *   `audioSeen` is false so a front end can say so.
 */

export type AmdApuFamily =
  | 'Carrizo'
  | 'Stoney'
  | 'Raven'
  | 'Picasso'
  | 'Renoir'
  | 'Lucienne'
  | 'Cezanne'
  | 'Barcelo'
  | 'Rembrandt'
  | 'Mendocino'
  | 'Van Gogh'
  | 'Raphael'
  | 'Granite Ridge'
  | 'Phoenix'
  | 'Phoenix2'
  | 'Hawk Point'
  | 'Strix Point'
  | 'Krackan'
  | 'Strix Halo';

export interface AmdApu {
  deviceId: number;
  family: AmdApuFamily;
  /** Marketing/graphics name as pci.ids gives it. */
  label: string;
  /** Device ID of the HDMI/DP audio function (vendor 0x1002) at BB:00.1, when known. */
  audioDeviceId?: number;
  /** True when an `lspci` output pairing this GPU with that audio ID was seen (see header). */
  audioSeen: boolean;
}

export const AMD_VENDOR_ID = 0x1002;

const RAVEN_AUDIO = 0x15de;
const RENOIR_AUDIO = 0x1637;
const RDNA_AUDIO = 0x1640;

type Row = [number, AmdApuFamily, string, number | undefined, boolean];

const ROWS: readonly Row[] = [
  // amdgpu_drv.c only (pci.ids names 9874 alone, "Wani"; Bristol Ridge VBIOSes use 9874/9870).
  [0x9870, 'Carrizo', 'Carrizo', undefined, false],
  [0x9874, 'Carrizo', 'Wani [Radeon R5/R6/R7 Graphics]', undefined, false],
  [0x9875, 'Carrizo', 'Carrizo', undefined, false],
  [0x9876, 'Carrizo', 'Carrizo', undefined, false],
  [0x9877, 'Carrizo', 'Carrizo', undefined, false],
  [0x98e4, 'Stoney', 'Stoney [Radeon R2/R3/R4/R5 Graphics]', 0x15b3, false],
  [0x15dd, 'Raven', 'Raven Ridge [Radeon Vega Series]', RAVEN_AUDIO, false],
  [0x15d8, 'Picasso', 'Picasso/Raven 2 [Radeon Vega Series]', RAVEN_AUDIO, false],
  [0x1636, 'Renoir', 'Renoir [Radeon Vega Series]', RENOIR_AUDIO, true],
  [0x164c, 'Lucienne', 'Lucienne', RENOIR_AUDIO, true],
  [0x1638, 'Cezanne', 'Cezanne [Radeon Vega Series]', RENOIR_AUDIO, true],
  [0x15e7, 'Barcelo', 'Barcelo', RENOIR_AUDIO, true],
  [0x1681, 'Rembrandt', 'Rembrandt [Radeon 680M]', RDNA_AUDIO, true],
  [0x1506, 'Mendocino', 'Mendocino [Radeon 610M]', RDNA_AUDIO, false],
  [0x163f, 'Van Gogh', 'VanGogh [AMD Custom GPU 0405]', RDNA_AUDIO, false],
  [0x1435, 'Van Gogh', 'Sephiroth [AMD Custom GPU 0405]', RDNA_AUDIO, false],
  [0x164e, 'Raphael', 'Raphael', RDNA_AUDIO, true],
  [0x13c0, 'Granite Ridge', 'Granite Ridge [Radeon Graphics]', RDNA_AUDIO, true],
  [0x15bf, 'Phoenix', 'Phoenix1', RDNA_AUDIO, false],
  [0x15c8, 'Phoenix2', 'Phoenix2', RDNA_AUDIO, false],
  [0x1900, 'Hawk Point', 'HawkPoint1', RDNA_AUDIO, true],
  [0x1901, 'Hawk Point', 'HawkPoint2', RDNA_AUDIO, false],
  [0x150e, 'Strix Point', 'Strix [Radeon 880M / 890M]', RDNA_AUDIO, false],
  [0x1114, 'Krackan', 'Krackan [Radeon 840M / 860M Graphics]', RDNA_AUDIO, false],
  [0x1902, 'Krackan', 'Krackan2', RDNA_AUDIO, false],
  [0x1586, 'Strix Halo', 'Strix Halo [Radeon 8050S / 8060S Graphics]', RDNA_AUDIO, false],
];

export const AMD_APUS: readonly AmdApu[] = ROWS.map(
  ([deviceId, family, label, audioDeviceId, audioSeen]) => ({
    deviceId,
    family,
    label,
    ...(audioDeviceId === undefined ? {} : { audioDeviceId }),
    audioSeen,
  }),
);

export function lookupAmdApu(deviceId: number): AmdApu | undefined {
  return AMD_APUS.find((a) => a.deviceId === deviceId);
}

/** All GPU device IDs whose audio function has this ID (an audio ID is shared by many GPUs). */
export function amdGpusWithAudio(audioDeviceId: number): AmdApu[] {
  return AMD_APUS.filter((a) => a.audioDeviceId === audioDeviceId);
}

/** True for an ID that is one of the APU audio functions in the table. */
export function isAmdApuAudio(deviceId: number): boolean {
  return AMD_APUS.some((a) => a.audioDeviceId === deviceId);
}
