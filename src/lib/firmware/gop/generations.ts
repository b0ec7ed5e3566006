/**
 * Which Intel graphics generation a GOP driver or VBT is for, guessed from the GOP's major version
 * or the VBT's platform string. These are guesses from public GOP release history: Intel ships one
 * GOP line per platform family, but the mapping is not documented and lines overlap. Prefer PCI
 * device IDs (src/lib/firmware/igpu/) where they are known.
 */

import type { IgpuCode } from '../igpu/devices';

export interface GopGeneration {
  /** Short code, e.g. 'ADL'. */
  code: string;
  /** For people, e.g. 'Alder Lake / Raptor Lake / ADL-N'. */
  label: string;
}

/** One Intel GOP line: its generation and the iGPUs (config codes) its builds drive. */
export interface GopLine extends GopGeneration {
  /** The iGPU codes (igpu/devices.ts) this line serves, the one it is named for first. */
  igpus: readonly IgpuCode[];
}

/**
 * GOP version major → line (a guess; see above). This is the one table: the reader names a GOP's
 * generation from it, and the config check (config/check.ts) compares a GOP's major with it.
 * Sources: the versions of the fixtures' GOPs (gop-vbt/, gop/, newgen/) and the ROM names of
 * LongQT-sea/intel-igpu-passthru (SNB_GOPv2, IVB_GOPv3, HSW_BDW_GOPv5, SKL_CML_GOPv9, GLK_GOPv13,
 * ICL_GOPv14, RKL_TGL_ADL_RPL_GOPv17, JSL_GOPv18, ADL-N_TWL_GOPv21, ARL_MTL_GOPv22).
 */
export const GOP_MAJOR_GENERATIONS: Readonly<Record<number, GopLine>> = {
  2: { code: 'SNB', label: 'Sandy Bridge', igpus: ['SNB'] },
  3: { code: 'IVB', label: 'Ivy Bridge', igpus: ['IVB'] },
  5: { code: 'HSW', label: 'Haswell / Broadwell', igpus: ['HSW', 'BDW'] },
  7: { code: 'BYT', label: 'Bay Trail', igpus: ['BYT'] },
  // Braswell and Cherry Trail are one iGPU, Linux's CHV (INTEL_CHV_IDS 0x22B0–0x22B3).
  8: { code: 'BSW', label: 'Braswell / Cherry Trail', igpus: ['CHV'] },
  9: { code: 'SKL', label: 'Skylake … Comet Lake', igpus: ['SKL', 'KBL', 'CFL', 'CML'] },
  10: { code: 'APL', label: 'Apollo Lake', igpus: ['APL'] },
  13: { code: 'GLK', label: 'Gemini Lake', igpus: ['GLK'] },
  14: { code: 'ICL', label: 'Ice Lake', igpus: ['ICL'] },
  17: {
    code: 'TGL',
    label: 'Tiger Lake / Rocket Lake / Alder Lake-S',
    igpus: ['TGL', 'RKL', 'ADL', 'RPL'],
  },
  18: { code: 'JSL', label: 'Jasper Lake / Elkhart Lake', igpus: ['JSL', 'EHL'] },
  21: { code: 'ADL', label: 'Alder Lake / Raptor Lake / ADL-N', igpus: ['ADL', 'RPL', 'ADL-N'] },
  // 22.x: every 22.x build in the fixtures lists both MTL and ARL device IDs — Dasharo's MTL
  // 22.0.1041, a Meteor Lake-H build 1035 (System76 lemp13 ships the same bytes) and a Core Ultra
  // desktop (Arrow Lake-S) build 1062 — so one line serves both.
  22: { code: 'MTL', label: 'Meteor Lake / Arrow Lake', igpus: ['MTL', 'ARL'] },
  // Lunar Lake and Panther Lake: no major is mapped. No fixture holds their GOP, and no public
  // source we could read names one: LongQT-sea/intel-igpu-passthru's table lists Lunar Lake with
  // ROM and GOP version "(unknown)" and has no Panther Lake row; Intel publishes no GOP release
  // notes, and searches of GitHub issues and code and of web pages (Dec 2026) found no LNL or PTL
  // GOP version. Such a GOP is named by its device-ID table instead (gop-info.ts).
};

export function generationFromGopMajor(major: number | undefined): GopLine | undefined {
  return major === undefined ? undefined : GOP_MAJOR_GENERATIONS[major];
}

/** The GOP majors whose line serves `code`, ascending; [] when no line is known for it. */
export function gopMajorsFor(code: IgpuCode): number[] {
  return Object.entries(GOP_MAJOR_GENERATIONS)
    .filter(([, line]) => line.igpus.includes(code))
    .map(([major]) => Number(major))
    .sort((a, b) => a - b);
}

/**
 * VBT platform strings (the text after "$VBT ") → generation. Intel's VBT tools name the platform
 * family; several families share one (e.g. ADL-N VBTs say ALDERLAKE-P, RPL VBTs often TIGERLAKE
 * or ALDERLAKE), so this is a hint only.
 */
const VBT_PLATFORMS: [RegExp, GopGeneration][] = [
  [/^SANDYBRIDGE|^SNB/, { code: 'SNB', label: 'Sandy Bridge / Ivy Bridge' }],
  [/^IVYBRIDGE|^IVB/, { code: 'IVB', label: 'Ivy Bridge' }],
  [/^HASWELL/, { code: 'HSW', label: 'Haswell' }],
  [/^BROADWELL/, { code: 'BDW', label: 'Broadwell' }],
  [/^VALLEYVIEW/, { code: 'BYT', label: 'Bay Trail' }],
  [/^CHERRYVIEW/, { code: 'BSW', label: 'Braswell / Cherry Trail' }],
  [
    /^SKYLAKE|^KABYLAKE|^COFFEELAKE|^COMETLAKE|^WHISKEYLAKE|^AMBERLAKE/,
    { code: 'SKL', label: 'Skylake … Comet Lake' },
  ],
  [/^BROXTON|^APOLLOLAKE/, { code: 'APL', label: 'Apollo Lake' }],
  [/^GEMINILAKE/, { code: 'GLK', label: 'Gemini Lake' }],
  [/^ICELAKE/, { code: 'ICL', label: 'Ice Lake' }],
  [/^JASPERLAKE|^ELKHARTLAKE/, { code: 'JSL', label: 'Jasper Lake / Elkhart Lake' }],
  [/^TIGERLAKE|^ROCKETLAKE/, { code: 'TGL', label: 'Tiger Lake / Rocket Lake' }],
  [/^ALDERLAKE|^RAPTORLAKE/, { code: 'ADL', label: 'Alder Lake / Raptor Lake' }],
  // Arrow Lake VBTs say METEORLAKE too (Intel FSP VbtArlsS03.dat, Vbt_ARLSHX.bin).
  [/^METEORLAKE|^ARROWLAKE/, { code: 'MTL', label: 'Meteor Lake / Arrow Lake' }],
  [/^LUNARLAKE/, { code: 'LNL', label: 'Lunar Lake' }],
  [/^PANTHERLAKE/, { code: 'PTL', label: 'Panther Lake' }],
];

export function generationFromVbtPlatform(platform: string): GopGeneration | undefined {
  const p = platform.trim().toUpperCase();
  for (const [re, gen] of VBT_PLATFORMS) if (re.test(p)) return gen;
  return undefined;
}

/**
 * The lowest BDB version seen for each VBT line in the fixtures (coreboot, Intel FSP, Dasharo):
 * SNB 161, HSW 169, BYT 185, CHV 195, SKL/APL/GLK 206, TGL/JSL 236, ADL-P 249, MTL/ARL 256
 * (but 258+ only on MTL/ARL), PTL 266. Intel's VBT tools raise the BDB version with each new
 * platform, so a version names the newest line that had reached it; ranges overlap at their
 * edges (ICL and CFL VBTs both carry 228), which is why this is only used when the platform
 * string names nothing.
 */
const BDB_FLOORS: readonly [number, GopGeneration][] = [
  [266, { code: 'PTL', label: 'Panther Lake' }],
  [258, { code: 'MTL', label: 'Meteor Lake / Arrow Lake' }],
  [249, { code: 'ADL', label: 'Alder Lake / Raptor Lake' }],
  [236, { code: 'TGL', label: 'Tiger Lake / Jasper Lake era' }],
  [206, { code: 'SKL', label: 'Skylake … Ice Lake era' }],
  [195, { code: 'BSW', label: 'Braswell / Cherry Trail' }],
  [169, { code: 'HSW', label: 'Haswell / Broadwell era' }],
  [161, { code: 'SNB', label: 'Sandy Bridge / Ivy Bridge' }],
];

export interface VbtGeneration extends GopGeneration {
  /** What named it: the "$VBT <platform>" string, or only the BDB version (a rougher guess). */
  basis: 'platform' | 'bdb-version';
}

/** The generation a VBT is for: from its platform string, else from its BDB version. */
export function vbtGeneration(platform: string, bdbVersion: number): VbtGeneration | undefined {
  const named = generationFromVbtPlatform(platform);
  if (named) return { ...named, basis: 'platform' };
  const floor = BDB_FLOORS.find(([min]) => bdbVersion >= min);
  return floor && { ...floor[1], basis: 'bdb-version' };
}
