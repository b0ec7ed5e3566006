/**
 * What the app shows after a drop: the file's identity and the ranked GOP/VBT candidates, as
 * plain data (no tree nodes) so it crosses the worker boundary cheaply and prints as JSON.
 */
import type { ProgressCallback } from './progress';
import { findCandidates } from './gop/find';
import { rankCandidates, type Ranked } from './gop/rank';
import type { GopCandidate, IgnoredCandidate, VbtCandidate } from './gop/find';
import { inspectFirmware, type InspectResult } from './inspect';
import type { Text } from './text';
import { lookupAmdApu } from './igpu/amd';
import type { IgpuCode } from './igpu/devices';
import type { GopVersionSource } from './gop/gop-info';
import { gopProvenance } from './gop/provenance';
import { findAll } from './tree/node';
import type { FirmwareErrorData } from './errors';
import { findAmdCandidates, type AmdGopCandidate, type VbiosCandidate } from './amd/find';
import { hasAmdGraphics, rankAmdCandidates } from './amd/rank';
import { gopMessages } from './gop/messages';
import { intelEvidence } from './graphics-vendor';

/** What every ranked candidate shows: where it is, why it ranks where it does. */
export interface CandidateSummary {
  rank: number;
  reason: Text;
  warnings: Text[];
  path: string;
  fileGuid?: string;
  uiName?: string;
  size: number;
  sha256: string;
  /** Identical copies found elsewhere in the image. */
  copies: number;
}

export interface GopSummary extends CandidateSummary {
  version: string;
  versionKnown: 'full' | 'partial' | 'none';
  /** Where the version was read (gop-info.ts); absent when the image holds none. */
  versionSource?: GopVersionSource;
  /** The same, for people ("not stored in the image" when there is none). */
  versionFrom: Text;
  generation?: string;
  /** What named the generation: the version's major, or the driver's device-ID table. */
  generationBasis?: 'version' | 'device-ids';
  /** The same, for people. */
  generationFrom?: Text;
  /** The same generation as an iGPU code, for code to use (e.g. step 3's default generation). */
  igpuCode?: IgpuCode;
  machine: string;
  subsystem: string;
  deviceIds: number[];
  /** iGPU families named by the driver's device-ID table. */
  deviceFamilies: string[];
  /** How sure it is an Intel GOP, and each fact that says so. */
  confidence: 'high' | 'medium';
  identifiedBy: Text[];
}

export interface VbtSummary extends CandidateSummary {
  platform: string;
  /** The generation its platform string (or BDB version) names, e.g. 'Meteor Lake / Arrow Lake'. */
  generation?: string;
  version: number;
  bdbVersion: number;
  checksumOk: boolean;
  childDevices?: number;
}

export interface AmdGopSummary extends CandidateSummary {
  /** The driver's own name string, e.g. "AMD GOP X64 Rel Driver Rev.3.8.12.Dec  6 2024.01:44:06". */
  name: string;
  version: string;
  machine: string;
  subsystem: string;
  /** GPU IDs its option-ROM image is marked for (AMD GOPs hold no ID table of their own). */
  deviceIds: number[];
  deviceFamilies: string[];
}

export interface VbiosSummary extends CandidateSummary {
  vendorId: number;
  deviceId: number;
  /** ATOM BIOS version, e.g. "022.012.000.027.000001". */
  version?: string;
  /** "113-…", when the image names one. */
  partNumber?: string;
  family?: string;
  /** The GPU's name as pci.ids gives it. */
  label?: string;
  /** The HDMI/DP audio function beside this GPU (BB:00.1), when known. */
  audioDeviceId?: number;
}

/** AMD APU graphics firmware: present only when the image holds some. */
export interface AmdAnalysis {
  gops: AmdGopSummary[];
  vbioses: VbiosSummary[];
  /** 32-bit PEI GOPs: listed, never offered. */
  peiGops: { path: string; size: number; sha256: string; machine: string }[];
  warnings: Text[];
}

export interface AnalyzeResult {
  file: InspectResult;
  nodes: number;
  gops: GopSummary[];
  vbts: VbtSummary[];
  ignored: { kind: IgnoredCandidate['kind']; path: string; reason: Text; sha256: string }[];
  warnings: Text[];
  /** AMD GOP and APU VBIOS, when the image holds AMD graphics firmware. */
  amd?: AmdAnalysis;
  /** Why the file could not be parsed, when it could not. */
  error?: FirmwareErrorData;
}

type Summarised = GopCandidate | VbtCandidate | AmdGopCandidate | VbiosCandidate;

function candidateSummary(r: Ranked<Summarised>): CandidateSummary {
  const c = r.candidate;
  return {
    rank: r.rank,
    reason: r.reason,
    // The ranking's warnings start with the candidate's own.
    warnings: r.warnings,
    path: c.path,
    fileGuid: c.fileGuid,
    uiName: c.uiName,
    size: c.size,
    sha256: c.sha256,
    copies: c.copies.length,
  };
}

function gopSummary(r: Ranked<GopCandidate>): GopSummary {
  const { info } = r.candidate;
  const from = gopProvenance(info);
  return {
    ...candidateSummary(r),
    version: info.versionText,
    versionKnown: info.versionKnown,
    versionSource: info.versionSource,
    versionFrom: from.version,
    generation: info.generation?.label,
    generationBasis: info.generation?.basis,
    generationFrom: from.generation,
    igpuCode: info.generation?.igpu,
    machine: info.pe.machineName,
    subsystem: info.pe.subsystemName,
    deviceIds: info.deviceIds,
    deviceFamilies: info.deviceFamilies,
    confidence: r.candidate.identity.confidence,
    identifiedBy: r.candidate.identity.reasons,
  };
}

function vbtSummary(r: Ranked<VbtCandidate>): VbtSummary {
  const { info } = r.candidate;
  return {
    ...candidateSummary(r),
    platform: info.platform,
    generation: info.generation?.label,
    version: info.version,
    bdbVersion: info.bdbVersion,
    checksumOk: info.checksumOk,
    childDevices: info.childDevices,
  };
}

function amdGopSummary(r: Ranked<AmdGopCandidate>): AmdGopSummary {
  const c = r.candidate;
  return {
    ...candidateSummary(r),
    name: c.info.name ?? '',
    version: c.info.version ?? '',
    machine: c.info.pe.machineName,
    subsystem: c.info.pe.subsystemName,
    deviceIds: c.deviceIds,
    deviceFamilies: [
      ...new Set(c.deviceIds.map((id) => lookupAmdApu(id)?.family).filter((f) => f !== undefined)),
    ],
  };
}

function vbiosSummary(r: Ranked<VbiosCandidate>): VbiosSummary {
  const { info } = r.candidate;
  return {
    ...candidateSummary(r),
    vendorId: info.vendorId,
    deviceId: info.deviceId,
    version: info.version,
    partNumber: info.partNumber,
    family: info.apu?.family,
    label: info.apu?.label,
    audioDeviceId: info.apu?.audioDeviceId,
  };
}

/** Parse a dropped file fully and rank what it holds for the GOP/VBT step. */
export async function analyze(
  bytes: Uint8Array,
  onProgress?: ProgressCallback,
): Promise<AnalyzeResult> {
  // Hashing a large file takes a while before the parse reports anything: mark both ends.
  onProgress?.({ phase: 'parse', done: 0, total: bytes.length });
  // One parse gives both the tree and the file's name (the format that read it).
  const { file, root, error } = await inspectFirmware(bytes, {
    progress: onProgress
      ? (done) => onProgress({ phase: 'parse', done, total: bytes.length })
      : undefined,
  });
  // Not firmware we can open: the identity is still worth showing, with the reason.
  if (!root) {
    return {
      file,
      nodes: 0,
      gops: [],
      vbts: [],
      ignored: [],
      warnings: [],
      error: error?.toJSON(),
    };
  }
  // Looking through every body for candidates takes a while after the parse reached the end:
  // say the work goes on, still at the end (the bar never goes back).
  const stillWorking = () =>
    onProgress?.({ phase: 'parse', done: bytes.length, total: bytes.length });
  const found = await findCandidates(root, stillWorking);
  const ranking = rankCandidates(found);
  const amdFound = await findAmdCandidates(root, stillWorking);
  let amd: AmdAnalysis | undefined;
  let warnings = ranking.warnings;
  if (hasAmdGraphics(amdFound) || amdFound.peiGops.length) {
    const amdRanking = rankAmdCandidates(amdFound, {
      besideIntel: intelEvidence({ intelGops: ranking.gops, intelVbts: ranking.vbts }),
    });
    amd = {
      gops: amdRanking.gops.map(amdGopSummary),
      vbioses: amdRanking.vbioses.map(vbiosSummary),
      peiGops: amdFound.peiGops.map(({ path, size, sha256, machine }) => ({
        path,
        size,
        sha256,
        machine,
      })),
      warnings: amdRanking.warnings,
    };
    // "No Intel GOP and no VBT" says nothing useful about an image with AMD graphics.
    const nothing = gopMessages.t('image.nothing').en;
    warnings = warnings.filter((w) => w.en !== nothing);
  }
  return {
    file,
    nodes: findAll(root, () => true).length,
    gops: ranking.gops.map(gopSummary),
    vbts: ranking.vbts.map(vbtSummary),
    ignored: [...found.ignored, ...amdFound.ignored].map((i) => ({
      kind: i.kind,
      path: i.path,
      reason: i.reason,
      sha256: i.sha256,
    })),
    warnings,
    ...(amd ? { amd } : {}),
  };
}
