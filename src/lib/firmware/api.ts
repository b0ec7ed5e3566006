/**
 * The façade the worker and the CLI both expose: plain functions over Uint8Array that return
 * plain data, so the browser and Node produce the same results from the same bytes.
 */
import { lzmaCompress } from './compress/lzma/encoder';
import { lzmaDecompress } from './compress/lzma/decoder';
import type { ProgressCallback } from './progress';

export { inspect, inspectFirmware, type InspectResult, type Inspection } from './inspect';
export { buildIgdRom, type IgdRom, type IgdRomOptions, type IgdRomVariant } from './igd/rom';
export {
  patchOvmf,
  type OvmfPatchInput,
  type OvmfPatchResult,
  type InsertedFile,
} from './ovmf/patch';
export type { PatchCheck, PatchCheckName } from './ovmf/verify';
export {
  analyze,
  type AmdAnalysis,
  type AmdGopSummary,
  type AnalyzeResult,
  type GopSummary,
  type VbiosSummary,
  type VbtSummary,
} from './analyze';
export { parseFirmware } from './parse';
export { findCandidates, type GopCandidate, type VbtCandidate } from './gop/find';
export { rankCandidates } from './gop/rank';
export {
  renderConfig,
  type ConfigOptions,
  type ConfigResult,
  type ConfigBlock,
  type OutputMode,
} from './config/render';
export { checkVmConfig, type Finding } from './config/check';
export { parseLspci, parsePveversion, type BootLoader } from './config/inputs';
export { PVE_RELEASES } from './config/facts';
export type { Lang, Text } from './text';
export {
  IGPU_FAMILIES,
  representativeIgpu,
  igpuGeneration,
  lookupIgpu,
  type IgpuCode,
  type IgpuInfo,
  type IgpuGeneration,
  type IntelIgpu,
} from './igpu/devices';

export type { Progress, ProgressCallback } from './progress';

export type LzmaPreset = 'default' | 'fast';

/** LZMA as edk2's LzmaCompress writes it (13-byte header, no end marker). */
export function compressLzma(
  bytes: Uint8Array,
  opts: { preset?: LzmaPreset; dictSize?: number } = {},
  onProgress?: ProgressCallback,
): Uint8Array {
  return lzmaCompress(bytes, {
    preset: opts.preset,
    dictSize: opts.dictSize,
    onProgress: onProgress
      ? (done) => onProgress({ phase: 'compress', done, total: bytes.length })
      : undefined,
  });
}

export function decompressLzma(bytes: Uint8Array): Uint8Array {
  return lzmaDecompress(bytes);
}
