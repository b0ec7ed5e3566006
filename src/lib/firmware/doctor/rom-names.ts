/**
 * Platform ROM file names in circulation and the iGPU codes each one is for. The names are the
 * release assets of LongQT-sea/intel-igpu-passthru (v0.1) and gangqizai/igd; a romfile whose
 * name says another platform than the host's iGPU carries the wrong GOP.
 */
import type { IgpuCode } from '../igpu/devices';

const ROM_FAMILIES: readonly [RegExp, string, readonly IgpuCode[]][] = [
  [/^SNB_GOP/i, 'Sandy Bridge', ['SNB']],
  [/^IVB_GOP/i, 'Ivy Bridge', ['IVB']],
  [/^HSW_BDW_GOP/i, 'Haswell/Broadwell', ['HSW', 'BDW']],
  [/^SKL_CML_GOP/i, 'Skylake…Comet Lake', ['SKL', 'KBL', 'CFL', 'CML']],
  [/^CFL_CML_GOP/i, 'Coffee/Comet Lake', ['CFL', 'CML']],
  [/^GLK_GOP/i, 'Gemini Lake', ['GLK']],
  [/^ICL_GOP/i, 'Ice Lake', ['ICL']],
  [/^RKL_TGL_ADL_RPL_GOP/i, 'Rocket/Tiger/Alder/Raptor Lake', ['RKL', 'TGL', 'ADL', 'RPL']],
  [/^JSL_GOP/i, 'Jasper/Elkhart Lake', ['JSL', 'EHL']],
  [/^ADL-H_RPL-H_GOP/i, 'Alder/Raptor Lake-H', ['ADL', 'RPL']],
  [/^ADL-N_TWL_GOP/i, 'Alder Lake-N/Twin Lake', ['ADL-N']],
  [/^ARL_MTL_GOP/i, 'Arrow/Meteor Lake', ['ARL', 'MTL']],
  [/^LNL_GOP/i, 'Lunar Lake', ['LNL']],
  [/^gen12_(igd|gop)/i, 'Gen12 (Tiger…Raptor Lake)', ['TGL', 'RKL', 'ADL', 'ADL-N', 'RPL']],
];

/** The family a ROM name is for, when it names one that does not include `code`. */
export function romFamilyMismatch(romName: string, code: IgpuCode): string | undefined {
  const hit = ROM_FAMILIES.find(([re]) => re.test(romName));
  return hit && !hit[2].includes(code) ? hit[1] : undefined;
}
