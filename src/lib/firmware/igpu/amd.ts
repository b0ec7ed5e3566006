/**
 * The one table of AMD APU integrated-GPU PCI device IDs (vendor 0x1002) → family, with the
 * device ID of the HDMI/DP audio function that sits beside the GPU at BB:00.1. Shared by the
 * reader (naming a VBIOS or GOP's family), the ROM builder (which IDs go into a PCIR) and the
 * config generator (vfio-pci ids).
 *
 * Sources, transcribed by hand, nothing guessed:
 * - Names and IDs: pci.ids (pciutils/pciids, commit c1c12547d626, 2026-08-22), vendor 1002 —
 *   e.g. "1636 Renoir", "164c Lucienne", "15e7 Barcelo", "1900 HawkPoint1", "1586 Strix Halo",
 *   "15de Raven/Raven2/Fenghuang HDMI/DP Audio Controller",
 *   "1637 Renoir/Cezanne HDMI/DP Audio Controller". 1640 was added 2022-04-15 (cf5077f) as
 *   "Rembrandt Radeon High Definition Audio Controller", renamed 2025-05-26 (63e4376) to
 *   "Radeon High Definition Audio Controller [Rembrandt/Strix]" and 2025-11-08 (282d63a) to
 *   "Radeon High Definition Audio Controller"; `lspci` prints whichever name its copy holds.
 *   pci.ids lists no APU HDMI-audio ID newer than 1640.
 * - Carrizo and Stoney: Linux drivers/gpu/drm/amd/amdgpu/amdgpu_drv.c `pciidlist`
 *   (0x9870, 0x9874–0x9877 CHIP_CARRIZO|AMD_IS_APU; 0x98E4 CHIP_STONEY|AMD_IS_APU). Raven and
 *   newer are matched there by IP discovery, not by ID, so pci.ids is the source for them.
 * - Linux sound/hda/controllers/intel.c (torvalds/linux 1422424187a5; sound/pci/hda/hda_intel.c
 *   before the move) names only the older ATI HDMI IDs (0x1308 Kaveri, 0x157a, 0x15b3 Stoney,
 *   0x9840 Kabini, …): 15de, 1637 and 1640 are bound by its catch-all "AMD/ATI Generic" entry
 *   (vendor 1002, class 0403), so the kernel does not pair a GPU with an audio ID.
 *   sound/pci/hda/patch_hdmi.c matches HDMI *codecs* (vendor 0x1002 codec IDs such as
 *   0x1002aa01), not PCI functions, so it says nothing about these IDs either.
 * - The pairing itself therefore comes from `audioEvidence` on each row: a public `lspci -nn`
 *   or kernel log (`pci 0000:BB:00.1: [1002:1640] type 00 class 0x040300`) that shows this GPU
 *   ID at BB:00.0 and the audio ID at BB:00.1 of one machine, or pci.ids naming the audio
 *   function after the family. Rows whose pairing no public output shows keep the audio ID their
 *   sibling die has, with `audioSeen: false` and the reason in `audioEvidence`.
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
  /** True when a public source pairs this GPU ID with that audio ID (see header). */
  audioSeen: boolean;
  /** Where the pairing was seen, or why the audio ID is kept without being seen. */
  audioEvidence?: string;
}

export const AMD_VENDOR_ID = 0x1002;

const RAVEN_AUDIO = 0x15de;
const RENOIR_AUDIO = 0x1637;
const RDNA_AUDIO = 0x1640;

type Row = [number, AmdApuFamily, string, number | undefined, boolean, string?];

// Evidence strings: where one machine's `lspci -nn` / kernel log shows GPU and audio together.
const ISC30 = 'isc30/ryzen-gpu-passthrough-proxmox';
const SEEN_LOG = 'a public kernel log / lspci -nn (found by its IDs in the code index)';
const SIBLING = (die: string) =>
  `not seen; kept from its sibling die ${die}, whose BB:00.1 is 1640 (pci.ids has no newer APU audio ID)`;

const ROWS: readonly Row[] = [
  // amdgpu_drv.c only (pci.ids names 9874 alone, "Wani"; Bristol Ridge VBIOSes use 9874/9870).
  [0x9870, 'Carrizo', 'Carrizo', undefined, false],
  [0x9874, 'Carrizo', 'Wani [Radeon R5/R6/R7 Graphics]', undefined, false],
  [0x9875, 'Carrizo', 'Carrizo', undefined, false],
  [0x9876, 'Carrizo', 'Carrizo', undefined, false],
  [0x9877, 'Carrizo', 'Carrizo', undefined, false],
  [
    0x98e4,
    'Stoney',
    'Stoney [Radeon R2/R3/R4/R5 Graphics]',
    0x15b3,
    true,
    'pci.ids "15b3 Stoney HDMI/DP Audio Controller"; Linux HDA lists 0x15b3 as ATI HDMI',
  ],
  [
    0x15dd,
    'Raven',
    'Raven Ridge [Radeon Vega Series]',
    RAVEN_AUDIO,
    true,
    'pci.ids "15de Raven/Raven2/Fenghuang HDMI/DP Audio Controller"',
  ],
  [
    0x15d8,
    'Picasso',
    'Picasso/Raven 2 [Radeon Vega Series]',
    RAVEN_AUDIO,
    true,
    `lspci -nn 04:00.0 [1002:15d8] + 04:00.1 [1002:15de], ${SEEN_LOG}`,
  ],
  [0x1636, 'Renoir', 'Renoir [Radeon Vega Series]', RENOIR_AUDIO, true, `${ISC30} issue #133`],
  [
    0x164c,
    'Lucienne',
    'Lucienne',
    RENOIR_AUDIO,
    true,
    `lspci -nn 05:00.0 [1002:164c] + 05:00.1 [1002:1637], ${SEEN_LOG}`,
  ],
  [
    0x1638,
    'Cezanne',
    'Cezanne [Radeon Vega Series]',
    RENOIR_AUDIO,
    true,
    'pci.ids "1637 Renoir/Cezanne …"',
  ],
  [
    0x15e7,
    'Barcelo',
    'Barcelo',
    RENOIR_AUDIO,
    true,
    `lspci -nn 07:00.0 [1002:15e7] + 07:00.1 [1002:1637], ${SEEN_LOG}`,
  ],
  [0x1681, 'Rembrandt', 'Rembrandt [Radeon 680M]', RDNA_AUDIO, true, `${ISC30} pull request #119`],
  [0x164d, 'Rembrandt', 'Rembrandt', RDNA_AUDIO, false, SIBLING('Rembrandt 1681')],
  [
    0x1506,
    'Mendocino',
    'Mendocino [Radeon 610M]',
    RDNA_AUDIO,
    true,
    `kernel log 03:00.0 [1002:1506] + 03:00.1 [1002:1640], ${SEEN_LOG}`,
  ],
  [
    0x163f,
    'Van Gogh',
    'VanGogh [AMD Custom GPU 0405]',
    RDNA_AUDIO,
    true,
    `Steam Deck kernel log 04:00.0 [1002:163f] + 04:00.1 [1002:1640], ${SEEN_LOG}`,
  ],
  [
    0x1435,
    'Van Gogh',
    'Sephiroth [AMD Custom GPU 0405]',
    RDNA_AUDIO,
    false,
    SIBLING('Van Gogh 163f'),
  ],
  [
    0x164e,
    'Raphael',
    'Raphael',
    RDNA_AUDIO,
    true,
    `lspci -nn 01:00.0 [1002:164e] + 01:00.1 [1002:1640], ${SEEN_LOG}`,
  ],
  [
    0x13c0,
    'Granite Ridge',
    'Granite Ridge [Radeon Graphics]',
    RDNA_AUDIO,
    true,
    `lspci -nn 0e:00.0 [1002:13c0] + 0e:00.1 [1002:1640], ${SEEN_LOG}`,
  ],
  [
    0x15bf,
    'Phoenix',
    'Phoenix1',
    RDNA_AUDIO,
    true,
    `lspci -nn c2:00.0 [1002:15bf] + c2:00.1 [1002:1640], ${SEEN_LOG}`,
  ],
  [0x164f, 'Phoenix', 'Phoenix', RDNA_AUDIO, false, SIBLING('Phoenix1 15bf')],
  [0x15c8, 'Phoenix2', 'Phoenix2', RDNA_AUDIO, false, SIBLING('Phoenix1 15bf')],
  [
    0x1900,
    'Hawk Point',
    'HawkPoint1',
    RDNA_AUDIO,
    true,
    `${ISC30} issue #77 (c5:00.0 [1002:1900])`,
  ],
  [0x1901, 'Hawk Point', 'HawkPoint2', RDNA_AUDIO, false, SIBLING('HawkPoint1 1900')],
  [
    0x150e,
    'Strix Point',
    'Strix [Radeon 880M / 890M]',
    RDNA_AUDIO,
    true,
    `lspci -nn 65:00.0 [1002:150e] + 65:00.1 [1002:1640], ${SEEN_LOG}`,
  ],
  [
    0x1114,
    'Krackan',
    'Krackan [Radeon 840M / 860M Graphics]',
    RDNA_AUDIO,
    true,
    `kernel log c3:00.0 [1002:1114] + c3:00.1 [1002:1640], ${SEEN_LOG}`,
  ],
  [
    0x1902,
    'Krackan',
    'Krackan2',
    RDNA_AUDIO,
    true,
    `lspci -nn 04:00.0 [1002:1902] + 04:00.1 [1002:1640], ${SEEN_LOG}`,
  ],
  [
    0x1586,
    'Strix Halo',
    'Strix Halo [Radeon 8050S / 8060S Graphics]',
    RDNA_AUDIO,
    true,
    `lspci -nn c5:00.0 [1002:1586] + c5:00.1 [1002:1640], ${SEEN_LOG}`,
  ],
];

export const AMD_APUS: readonly AmdApu[] = ROWS.map(
  ([deviceId, family, label, audioDeviceId, audioSeen, audioEvidence]) => ({
    deviceId,
    family,
    label,
    ...(audioDeviceId === undefined ? {} : { audioDeviceId }),
    audioSeen,
    ...(audioEvidence === undefined ? {} : { audioEvidence }),
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
