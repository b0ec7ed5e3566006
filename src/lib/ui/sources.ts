/** Step 1's analysed files: a vendor BIOS, or a bare GOP driver with a VBT file beside it. */
import {
  type AmdGopSummary,
  type AnalyzeResult,
  type GopSummary,
  type VbiosSummary,
  type VbtSummary,
} from '$lib/firmware';
import type { KeptFile } from '$lib/worker/bridge';

export interface Source {
  name: string;
  kept: KeptFile;
  result: AnalyzeResult;
}

/** The GOP and VBT candidates of all sources, each source's ranking kept in order. */
export function candidates(sources: Source[]): { gops: GopSummary[]; vbts: VbtSummary[] } {
  return {
    gops: sources.flatMap((s) => s.result.gops),
    vbts: sources.flatMap((s) => s.result.vbts),
  };
}

/** The AMD GOP and APU VBIOS candidates of all sources (a BIOS, or a GOP .efi and a VBIOS .bin). */
export function amdCandidates(sources: Source[]): {
  gops: AmdGopSummary[];
  vbioses: VbiosSummary[];
} {
  return {
    gops: sources.flatMap((s) => s.result.amd?.gops ?? []),
    vbioses: sources.flatMap((s) => s.result.amd?.vbioses ?? []),
  };
}

/** The chosen GOP and VBT, by SHA-256 (empty when there is none). */
export interface Choice {
  gopSha: string;
  vbtSha: string;
}
