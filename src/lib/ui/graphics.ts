/**
 * Which vendor's steps the page shows for step 1's files: the core's vendor choice
 * (graphics-vendor.ts) over all sources, with the person's answer (or the iGPU of a pasted
 * lspci) settling an image that holds an Intel GOP or VBT beside an AMD APU VBIOS.
 */
import {
  chooseGraphicsVendor,
  intelEvidence,
  MixedGraphicsError,
  parseLspci,
  type GraphicsFound,
  type GraphicsVendor,
} from '$lib/firmware';
import { translate, type Locale } from '$lib/i18n/translate';
import { amdCandidates, candidates, type Source } from './sources';

/** What step 1's sources hold, in the shape the vendor choice reads. */
export function graphicsFoundOf(sources: Source[]): GraphicsFound {
  const amd = amdCandidates(sources);
  const intel = candidates(sources);
  return {
    intelGops: intel.gops.map((g) => ({ version: g.version, generation: g.generation })),
    intelVbts: intel.vbts,
    amdGops: amd.gops.map((g) => ({ version: g.version })),
    amdVbioses: amd.vbioses.map((v) => ({
      deviceId: v.deviceId,
      family: v.family,
      version: v.version,
    })),
  };
}

/**
 * An Intel GOP as the vendor question names it: its version, else (a GOP whose image stores
 * none) its generation and that no version is stored, as the found list and the core's
 * MixedGraphicsError say it.
 */
export function intelGopText(g: { version: string; generation?: string }, locale: Locale): string {
  if (g.version) return translate(locale, 'vendor.intelGop', { version: g.version });
  return g.generation
    ? translate(locale, 'vendor.intelGopGeneration', { generation: g.generation })
    : translate(locale, 'vendor.intelGopNoVersion');
}

/** The vendor of the device a pasted `lspci -nn` names first: 8086 Intel, 1002 AMD, else none. */
export function lspciVendor(text: string | undefined): GraphicsVendor | undefined {
  if (!text?.trim()) return undefined;
  try {
    const { vendorId } = parseLspci(text);
    return vendorId === 0x8086 ? 'intel' : vendorId === 0x1002 ? 'amd' : undefined;
  } catch {
    return undefined; // step 3 says what is wrong with the paste
  }
}

export interface StepGraphics {
  /** Whose ROMs and config the steps show; none while a mixed image waits for the answer. */
  vendor?: GraphicsVendor;
  /** An Intel GOP beside an AMD APU VBIOS: step 1 asks which iGPU the machine has. */
  ask: boolean;
  /** When asked: settled by the person's answer or by the pasted lspci (no answer yet). */
  from?: 'choice' | 'lspci';
  /** Intel, and the AMD GOP beside it is one for discrete Radeon cards. */
  discreteAmdGop: boolean;
  /**
   * The pasted lspci names the other vendor's iGPU: not the one answered (when asked), or not the
   * one step 1's BIOS is for (when the core decided; the BIOS is then not this machine's).
   */
  lspciOther?: GraphicsVendor;
}

/**
 * The vendor for these sources: the core decides an image with one vendor's iGPU firmware (an
 * AMD GOP beside an Intel GOP is for discrete cards); for an Intel GOP beside an APU VBIOS, the
 * answer `chosen`, else the vendor of the pasted lspci's device, else none yet.
 */
export function stepGraphics(
  sources: Source[],
  chosen: GraphicsVendor | undefined,
  lspci: string | undefined,
): StepGraphics {
  const found = graphicsFoundOf(sources);
  const pasted = lspciVendor(lspci);
  const other = (vendor: GraphicsVendor | undefined) =>
    vendor && pasted && pasted !== vendor ? pasted : undefined;
  try {
    const { vendor } = chooseGraphicsVendor(found);
    // The core says Intel for files with no graphics firmware at all: no BIOS to mismatch then.
    const holdsIgpuFirmware = vendor === 'amd' || intelEvidence(found) !== undefined;
    return {
      vendor,
      ask: false,
      discreteAmdGop: vendor === 'intel' && !!found.amdGops.length,
      lspciOther: holdsIgpuFirmware ? other(vendor) : undefined,
    };
  } catch (e) {
    if (!(e instanceof MixedGraphicsError)) throw e;
  }
  return {
    vendor: chosen ?? pasted,
    ask: true,
    from: chosen ? 'choice' : pasted ? 'lspci' : undefined,
    discreteAmdGop: false,
    lspciOther: other(chosen),
  };
}

/** What step 1 still lacks for a full ROM or the OVMF patch, when it has one of a pair. */
export type Missing = 'vbt' | 'gop' | 'vbios' | 'amdGop';

/**
 * For one analysed file: the Intel GOP's VBT or the VBT's GOP, or for AMD the VBIOS beside a GOP
 * (the host's VFCT table holds it) or the GOP beside a VBIOS. AMD's pair is asked for when the
 * vendor is AMD, or when the file holds no Intel GOP or VBT.
 */
export function missingCompanion(
  sources: Source[],
  vendor: GraphicsVendor | undefined,
): Missing | undefined {
  if (sources.length !== 1 || sources[0].result.error) return undefined;
  const intel = candidates(sources);
  const amd = amdCandidates(sources);
  if (vendor !== 'amd') {
    if (intel.gops.length && !intel.vbts.length) return 'vbt';
    if (intel.vbts.length && !intel.gops.length) return 'gop';
    if (intel.gops.length || intel.vbts.length) return undefined;
  }
  if (amd.gops.length && !amd.vbioses.length) return 'vbios';
  if (amd.vbioses.length && !amd.gops.length) return 'amdGop';
  return undefined;
}
