/**
 * The one table of Intel integrated-GPU PCI device IDs → generation, shared by the config
 * generator, the UEFI driver builder and the reader.
 *
 * IDs are transcribed from Linux `include/drm/intel/pciids.h` (formerly `i915_pciids.h`,
 * torvalds/linux) — only integrated parts of SNB and newer; discrete cards (DG1/DG2/BMG/ATS/PVC)
 * and pre-SNB chipsets are left out because they cannot be passed through as IGD. The MTL, ARL
 * (-H/-U/-S), LNL, PTL and WCL lists were checked against pciids.h as of torvalds/linux blob
 * commit 0755a4e3e809 (a tree that already has the NVL-P IDs, i.e. newer than Linux 6.18); the
 * PTL list there is the one after commit 16016ade13f6 ("Update to current bspec table", dropped
 * B091/B092/B0A1/B0A2 and added B083…B087/B08F/B0B0). i915 drives up to LNL/PTL display, xe
 * (xe_pci.c) takes the same macros.
 *
 * `gen` is the i915 graphics version (GRAPHICS_VER): 6 SNB, 7 IVB/BYT/HSW, 8 BDW/CHV,
 * 9 SKL…CML/APL/GLK, 11 ICL/EHL/JSL, 12 TGL/RKL/ADL/RPL, 12.7 MTL/ARL (Xe-LPG, IP 12.70/12.74),
 * 20 LNL (Xe2, IP 20.04), 30 PTL/WCL (Xe3, IP 30.00/30.03). Everything QEMU and the drivers
 * decide depends only on comparisons with 10/11 (BDSM register), 9/10 (legacy mode) and 12
 * (stolen memory moved into LMEMBAR from MTL), which this scale keeps.
 */

import { FirmwareError } from '../errors';

export type IgpuCode =
  | 'SNB'
  | 'IVB'
  | 'HSW'
  | 'BDW'
  | 'SKL'
  | 'KBL'
  | 'CFL'
  | 'CML'
  | 'ICL'
  | 'TGL'
  | 'RKL'
  | 'ADL'
  | 'ADL-N'
  | 'RPL'
  | 'JSL'
  | 'EHL'
  | 'BYT'
  | 'CHV'
  | 'APL'
  | 'GLK'
  | 'MTL'
  | 'ARL'
  | 'LNL'
  | 'PTL';

export interface IgpuInfo {
  deviceId: number;
  gen: number;
  code: IgpuCode;
  /** Platform and variant, e.g. "Alder Lake-P". */
  label: string;
  /** Config-space offset of the Base Data of Stolen Memory register: 32-bit 0x5C up to Gen10, 64-bit 0xC0 from Gen11. */
  bdsmRegister: 0x5c | 0xc0;
}

export interface IgpuFamily {
  code: IgpuCode;
  gen: number;
  /** Full platform name. */
  name: string;
}

/** One entry per code, in release order. */
export const IGPU_FAMILIES: readonly IgpuFamily[] = [
  { code: 'SNB', gen: 6, name: 'Sandy Bridge' },
  { code: 'IVB', gen: 7, name: 'Ivy Bridge' },
  { code: 'BYT', gen: 7, name: 'Bay Trail (Valleyview)' },
  { code: 'HSW', gen: 7, name: 'Haswell' },
  { code: 'BDW', gen: 8, name: 'Broadwell' },
  { code: 'CHV', gen: 8, name: 'Cherry Trail (Cherryview/Braswell)' },
  { code: 'SKL', gen: 9, name: 'Skylake' },
  { code: 'APL', gen: 9, name: 'Apollo Lake (Broxton)' },
  { code: 'KBL', gen: 9, name: 'Kaby Lake' },
  { code: 'GLK', gen: 9, name: 'Gemini Lake' },
  { code: 'CFL', gen: 9, name: 'Coffee Lake' },
  { code: 'CML', gen: 9, name: 'Comet Lake' },
  { code: 'ICL', gen: 11, name: 'Ice Lake' },
  { code: 'EHL', gen: 11, name: 'Elkhart Lake' },
  { code: 'JSL', gen: 11, name: 'Jasper Lake' },
  { code: 'TGL', gen: 12, name: 'Tiger Lake' },
  { code: 'RKL', gen: 12, name: 'Rocket Lake' },
  { code: 'ADL', gen: 12, name: 'Alder Lake' },
  { code: 'ADL-N', gen: 12, name: 'Alder Lake-N / Twin Lake' },
  { code: 'RPL', gen: 12, name: 'Raptor Lake' },
  { code: 'MTL', gen: 12.7, name: 'Meteor Lake' },
  { code: 'ARL', gen: 12.7, name: 'Arrow Lake' },
  { code: 'LNL', gen: 20, name: 'Lunar Lake' },
  // Wildcat Lake shares the code: Linux treats it as PTL (xe_pci.c uses &ptl_desc for both).
  { code: 'PTL', gen: 30, name: 'Panther Lake / Wildcat Lake' },
];

/** Groups as in pciids.h: [code, variant label, ids]. The macro name is in the comment. */
const GROUPS: readonly [IgpuCode, string, readonly number[]][] = [
  // INTEL_SNB_D_IDS, INTEL_SNB_M_IDS
  ['SNB', 'Sandy Bridge desktop', [0x0102, 0x010a, 0x0112, 0x0122]],
  ['SNB', 'Sandy Bridge mobile', [0x0106, 0x0116, 0x0126]],
  // INTEL_IVB_M_IDS, INTEL_IVB_D_IDS
  ['IVB', 'Ivy Bridge mobile', [0x0156, 0x0166]],
  ['IVB', 'Ivy Bridge desktop/server', [0x0152, 0x015a, 0x0162, 0x016a]],
  // INTEL_HSW_GT1/GT2/GT3_IDS
  [
    'HSW',
    'Haswell ULT/ULX',
    [
      0x0a02, 0x0a06, 0x0a0a, 0x0a0b, 0x0a0e, 0x0a12, 0x0a16, 0x0a1a, 0x0a1b, 0x0a1e, 0x0a22,
      0x0a26, 0x0a2a, 0x0a2b, 0x0a2e,
    ],
  ],
  [
    'HSW',
    'Haswell',
    [
      0x0402, 0x0406, 0x040a, 0x040b, 0x040e, 0x0412, 0x0416, 0x041a, 0x041b, 0x041e, 0x0422,
      0x0426, 0x042a, 0x042b, 0x042e,
    ],
  ],
  [
    'HSW',
    'Haswell SDV',
    [
      0x0c02, 0x0c06, 0x0c0a, 0x0c0b, 0x0c0e, 0x0c12, 0x0c16, 0x0c1a, 0x0c1b, 0x0c1e, 0x0c22,
      0x0c26, 0x0c2a, 0x0c2b, 0x0c2e,
    ],
  ],
  [
    'HSW',
    'Haswell CRW (Iris Pro)',
    [
      0x0d02, 0x0d06, 0x0d0a, 0x0d0b, 0x0d0e, 0x0d12, 0x0d16, 0x0d1a, 0x0d1b, 0x0d1e, 0x0d22,
      0x0d26, 0x0d2a, 0x0d2b, 0x0d2e,
    ],
  ],
  // INTEL_VLV_IDS
  ['BYT', 'Bay Trail', [0x0f30, 0x0f31, 0x0f32, 0x0f33]],
  // INTEL_BDW_GT1/GT2/GT3/RSVD_IDS
  [
    'BDW',
    'Broadwell',
    [
      0x1602, 0x1606, 0x160a, 0x160b, 0x160d, 0x160e, 0x1612, 0x1616, 0x161a, 0x161b, 0x161d,
      0x161e, 0x1622, 0x1626, 0x162a, 0x162b, 0x162d, 0x162e, 0x1632, 0x1636, 0x163a, 0x163b,
      0x163d, 0x163e,
    ],
  ],
  // INTEL_CHV_IDS
  ['CHV', 'Cherry Trail / Braswell', [0x22b0, 0x22b1, 0x22b2, 0x22b3]],
  // INTEL_SKL_GT1..GT4_IDS
  [
    'SKL',
    'Skylake',
    [
      0x1902, 0x1906, 0x190a, 0x190b, 0x190e, 0x1912, 0x1913, 0x1915, 0x1916, 0x1917, 0x191a,
      0x191b, 0x191d, 0x191e, 0x1921, 0x1923, 0x1926, 0x1927, 0x192a, 0x192b, 0x192d, 0x1932,
      0x193a, 0x193b, 0x193d,
    ],
  ],
  // INTEL_BXT_IDS
  ['APL', 'Apollo Lake / Broxton', [0x0a84, 0x1a84, 0x1a85, 0x5a84, 0x5a85]],
  // INTEL_GLK_IDS
  ['GLK', 'Gemini Lake', [0x3184, 0x3185]],
  // INTEL_KBL_GT1..GT4_IDS
  [
    'KBL',
    'Kaby Lake',
    [
      0x5902, 0x5906, 0x5908, 0x590a, 0x590b, 0x590e, 0x5912, 0x5913, 0x5915, 0x5916, 0x5917,
      0x591a, 0x591b, 0x591d, 0x591e, 0x5921, 0x5923, 0x5926, 0x5927, 0x593b,
    ],
  ],
  // INTEL_AML_KBL_GT2_IDS
  ['KBL', 'Amber Lake (KBL Y)', [0x591c, 0x87c0]],
  // INTEL_CFL_S/H/U_IDS
  [
    'CFL',
    'Coffee Lake',
    [
      0x3e90, 0x3e91, 0x3e92, 0x3e93, 0x3e94, 0x3e96, 0x3e98, 0x3e99, 0x3e9a, 0x3e9b, 0x3e9c,
      0x3ea5, 0x3ea6, 0x3ea7, 0x3ea8, 0x3ea9,
    ],
  ],
  // INTEL_AML_CFL_GT2_IDS
  ['CFL', 'Amber Lake (CFL Y)', [0x87ca]],
  // INTEL_WHL_IDS
  ['CFL', 'Whiskey Lake', [0x3ea0, 0x3ea1, 0x3ea2, 0x3ea3, 0x3ea4]],
  // INTEL_CML_IDS
  [
    'CML',
    'Comet Lake',
    [
      0x9ba2, 0x9ba4, 0x9ba5, 0x9ba8, 0x9bc2, 0x9bc4, 0x9bc5, 0x9bc6, 0x9bc8, 0x9be6, 0x9bf6,
      0x9b21, 0x9baa, 0x9bac, 0x9b41, 0x9bca, 0x9bcc,
    ],
  ],
  // INTEL_ICL_IDS
  [
    'ICL',
    'Ice Lake',
    [
      0x8a50, 0x8a51, 0x8a52, 0x8a53, 0x8a54, 0x8a56, 0x8a57, 0x8a58, 0x8a59, 0x8a5a, 0x8a5b,
      0x8a5c, 0x8a5d, 0x8a70, 0x8a71,
    ],
  ],
  // INTEL_EHL_IDS
  ['EHL', 'Elkhart Lake', [0x4541, 0x4551, 0x4555, 0x4557, 0x4570, 0x4571]],
  // INTEL_JSL_IDS
  ['JSL', 'Jasper Lake', [0x4e51, 0x4e55, 0x4e57, 0x4e61, 0x4e71]],
  // INTEL_TGL_IDS
  [
    'TGL',
    'Tiger Lake',
    [0x9a60, 0x9a68, 0x9a70, 0x9a40, 0x9a49, 0x9a59, 0x9a78, 0x9ac0, 0x9ac9, 0x9ad9, 0x9af8],
  ],
  // INTEL_RKL_IDS
  ['RKL', 'Rocket Lake', [0x4c80, 0x4c8a, 0x4c8b, 0x4c8c, 0x4c90, 0x4c9a]],
  // INTEL_ADLS_IDS
  ['ADL', 'Alder Lake-S', [0x4680, 0x4682, 0x4688, 0x468a, 0x468b, 0x4690, 0x4692, 0x4693]],
  // INTEL_ADLP_IDS
  [
    'ADL',
    'Alder Lake-P',
    [
      0x46a0, 0x46a1, 0x46a2, 0x46a3, 0x46a6, 0x46a8, 0x46aa, 0x462a, 0x4626, 0x4628, 0x46b0,
      0x46b1, 0x46b2, 0x46b3, 0x46c0, 0x46c1, 0x46c2, 0x46c3,
    ],
  ],
  // INTEL_ADLN_IDS (0x46D3/0x46D4 are Twin Lake)
  ['ADL-N', 'Alder Lake-N / Twin Lake', [0x46d0, 0x46d1, 0x46d2, 0x46d3, 0x46d4]],
  // INTEL_RPLS_IDS
  ['RPL', 'Raptor Lake-S', [0xa780, 0xa781, 0xa782, 0xa783, 0xa788, 0xa789, 0xa78a, 0xa78b]],
  // INTEL_RPLU_IDS
  ['RPL', 'Raptor Lake-U', [0xa721, 0xa7a1, 0xa7a9, 0xa7ac, 0xa7ad]],
  // INTEL_RPLP_IDS
  ['RPL', 'Raptor Lake-P', [0xa720, 0xa7a0, 0xa7a8, 0xa7aa, 0xa7ab]],
  // INTEL_MTL_U_IDS
  ['MTL', 'Meteor Lake-U', [0x7d40, 0x7d45]],
  // INTEL_MTL_IDS beyond INTEL_MTL_U_IDS (pciids.h names no variant for these)
  ['MTL', 'Meteor Lake', [0x7d55, 0x7d60, 0x7dd5]],
  // INTEL_ARL_H_IDS, INTEL_ARL_U_IDS, INTEL_ARL_S_IDS
  ['ARL', 'Arrow Lake-H', [0x7d51, 0x7dd1]],
  ['ARL', 'Arrow Lake-U', [0x7d41]],
  ['ARL', 'Arrow Lake-S', [0x7d67, 0xb640]],
  // INTEL_LNL_IDS
  ['LNL', 'Lunar Lake', [0x6420, 0x64a0, 0x64b0]],
  // INTEL_PTL_IDS
  [
    'PTL',
    'Panther Lake',
    [
      0xb080, 0xb081, 0xb082, 0xb083, 0xb084, 0xb085, 0xb086, 0xb087, 0xb08f, 0xb090, 0xb0a0,
      0xb0b0,
    ],
  ],
  // INTEL_WCL_IDS
  ['PTL', 'Wildcat Lake', [0xfd80, 0xfd81]],
];

const familyByCode = new Map(IGPU_FAMILIES.map((f) => [f.code, f]));

export function igpuFamily(code: IgpuCode): IgpuFamily {
  return familyByCode.get(code)!;
}

export function bdsmRegisterFor(gen: number): 0x5c | 0xc0 {
  return gen >= 11 ? 0xc0 : 0x5c;
}

/** Every known device, sorted by ID. */
export const IGPU_DEVICES: readonly IgpuInfo[] = GROUPS.flatMap(([code, label, ids]) =>
  ids.map((deviceId) => {
    const gen = familyByCode.get(code)!.gen;
    return { deviceId, gen, code, label, bdsmRegister: bdsmRegisterFor(gen) };
  }),
).sort((a, b) => a.deviceId - b.deviceId);

const byId = new Map(IGPU_DEVICES.map((d) => [d.deviceId, d]));

/** The iGPU with this PCI device ID (vendor 0x8086 assumed), or undefined if it is not an Intel iGPU we know. */
export function lookupIgpu(deviceId: number): IgpuInfo | undefined {
  return byId.get(deviceId);
}

/** All device IDs of one code, sorted. */
export function igpuIdsFor(code: IgpuCode): number[] {
  return IGPU_DEVICES.filter((d) => d.code === code).map((d) => d.deviceId);
}

/** A representative device of a code (its first ID), for when the user picks a generation instead of pasting lspci. */
export function representativeIgpu(code: IgpuCode): IgpuInfo {
  const d = IGPU_DEVICES.find((x) => x.code === code);
  if (!d) throw new FirmwareError('bad-input', `no iGPU device known for ${code}`);
  return d;
}

/**
 * An Intel iGPU known by its generation only: no lspci line, probe report or --device gave its PCI
 * ID. Its label is the generation's first table entry's; its device ID is absent, never guessed.
 */
export type IgpuGeneration = Omit<IgpuInfo, 'deviceId'> & { deviceId?: undefined };

/** An Intel iGPU whose PCI device ID may be unknown (`deviceId === undefined`). */
export type IntelIgpu = IgpuInfo | IgpuGeneration;

/** The generation of a code, without a device ID: what a config may say when nobody gave the ID. */
export function igpuGeneration(code: IgpuCode): IgpuGeneration {
  const { gen, label, bdsmRegister } = representativeIgpu(code);
  return { code, gen, label, bdsmRegister };
}

export function isIgpuCode(s: string): s is IgpuCode {
  return familyByCode.has(s as IgpuCode);
}
