/**
 * The firmware core's one public entry point. The worker, the CLI and the UI import from here
 * and nowhere else under src/lib/firmware/ (an ESLint rule and tests/unit/import-graph.test.ts
 * hold them to it); everything else in the core is internal and may change shape freely.
 * Tests may reach into internals.
 */
export * from './api';

// Errors and progress
export { FirmwareError, isFirmwareError, type FirmwareErrorData } from './errors';

// Small helpers the front ends format with
export { hex, hexDigits, pciId } from './bytes/hex';
export { bytesOf } from './bytes/view';

// The parsed tree and its reports
export { childSource, type FirmwareNode } from './tree/node';
export { nodeSummary, treeToJson, treeToText, type NodeSummary } from './tree/report';

// GOP and VBT
export type { Candidates } from './gop/find';
export type { Ranked, Ranking } from './gop/rank';
export { gopInfo, gopLabel } from './gop/gop-info';
export { gopProvenance } from './gop/provenance';
export { parseVbt } from './gop/vbt';

// AMD APU graphics: GOP and VBIOS finder, ROMs
export {
  findAmdCandidates,
  type AmdCandidates,
  type AmdGopCandidate,
  type VbiosCandidate,
} from './amd/find';
export { hasAmdGraphics, rankAmdCandidates, type AmdRanking } from './amd/rank';
export { amdGopInfo, amdGopLabel, type AmdGopInfo } from './amd/gop-info';
export { vbiosInfo } from './amd/vbios';
export {
  isVfct,
  vbiosFromVfct,
  vfctPciAddress,
  type PciAddress,
  type VfctRecord,
  type VfctVbios,
} from './amd/vfct';
export {
  buildAmdRoms,
  COMBINED_ROM_SOFT_LIMIT,
  type AmdBuiltRom,
  type AmdRomOptions,
  type AmdRoms,
} from './amd/rom';
export { AMD_APUS, lookupAmdApu, type AmdApu, type AmdApuFamily } from './igpu/amd';
export {
  checkDeviceIdVendor,
  chooseGraphicsVendor,
  DeviceVendorMismatchError,
  intelEvidence,
  MixedGraphicsError,
  vendorsOfDeviceId,
  type GraphicsChoice,
  type GraphicsFound,
  type GraphicsVendor,
  type IntelEvidence,
} from './graphics-vendor';
export {
  amdIgpuFromConf,
  type AmdFromConf,
  type PciFunctionFacts,
  type PciReader,
} from './config/amd-from-conf';

// Codecs the CLI offers as tools
export { bcjX86Decode, bcjX86Encode } from './compress/bcj-x86';
export { lzmaCompress } from './compress/lzma/encoder';
export { lzmaDecompress } from './compress/lzma/decoder';

// Option ROMs: the generic PCI expansion ROM reader/writer and the iGPU ROM
export { IGD_ROM_VARIANTS } from './igd/rom';
export * from './oprom/image';
export { readOptionRom, readPcir } from './oprom/read';
export { layoutOptionRom, type ImageLayout, type LayoutOptions } from './oprom/layout';
export { writeOptionRom } from './oprom/write';
export {
  buildOptionRom,
  efiDriverImage,
  type EfiDriverInput,
  type PcirIds,
} from './oprom/efi-driver';
export { verifyOptionRom } from './oprom/verify';

// Host and VM configuration
export { isAmdIgpu, type AmdIgpu, type FamilyOf } from './config/amd';
export { crossCheckFirmware, type FirmwareFound } from './config/check';
export { DEVICE_ID_UNKNOWN } from './config/device-id';
export { OVMF_IMAGES, pveRelease, ver, type OvmfImage, type Version } from './config/facts';
export { detectBootLoader } from './config/inputs';
export { t as configText } from './config/messages';
export type { VmConsent } from './config/vm-merge';
export { vmMergeLines } from './config/vm-plan';
export { isIgpuCode } from './igpu/devices';

// The doctor: what a pasted log, config or probe report says is wrong
export { diagnose, findingsJson } from './doctor/engine';
export { hookScript, HOOK_SCRIPT_NAME } from './doctor/hookscript';
export { hostSettings, type HostSettings } from './doctor/host-settings';
export { hostVbt, type HostVbt } from './doctor/host-vbt';
export { PROBE_SCRIPT, PROBE_SCRIPT_NAME } from './doctor/probe-script';
export { splitInput } from './doctor/recognise';
export type { Diagnosis, InputKind } from './doctor/types';
