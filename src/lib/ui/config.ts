/**
 * The config step's inputs turned into the core's ConfigOptions, shared by step 3 (the blocks on
 * screen) and step 4 (the same blocks as files), so both always show the same lines.
 */
import {
  PVE_RELEASES,
  parseLspci,
  renderConfig,
  igpuGeneration,
  type ConfigOptions,
  type ConfigResult,
  type IgpuCode,
  type IntelIgpu,
  type ConfigBlock,
  type VmConsent,
  pciId,
  configText as coreText,
  crossCheckFirmware,
  type Finding,
  pveRelease,
  parsePveversion,
  vmMergeLines,
  FirmwareError,
  isAmdIgpu,
  type AmdIgpu,
  type AmdBuiltRom,
} from '$lib/firmware';
import type { Settings } from '$lib/settings';
import type { AmdRomSet } from './outputs.svelte';

export const DEFAULT_ROM_NAME = 'igd.rom';

export interface ResolvedConfig {
  /**
   * The Intel iGPU pasted, or only its generation (chosen, or the GOP's of step 1) with no device
   * ID, in which case the config asks for the ID; or an AMD one from pasted lspci -nn lines.
   */
  igpu?: IntelIgpu | AmdIgpu;
  /** Why the pasted lspci text gave no iGPU: an unknown device id, or the core's message. */
  igpuError?: { unknownDevice: string } | { message: string };
  result?: ConfigResult;
  error?: string;
  /** What a pasted `pveversion -v` said, or why it could not be read. */
  pveversion?: { pve?: string; qemu?: string; kernel?: string } | { error: string };
  /** GOP/VBT of step 1 that do not fit this iGPU. */
  firmwareFindings: Finding[];
}

export interface FirmwareChoice {
  gopVersion?: string;
  vbtPlatform?: string;
  /** The generation of step 1's GOP: the iGPU's generation until the user picks or pastes one. */
  gopGeneration?: IgpuCode;
}

const message = (e: unknown) =>
  e instanceof FirmwareError ? e.message : e instanceof Error ? e.message : String(e);

export const latestPve = () => PVE_RELEASES[PVE_RELEASES.length - 1].pve;

/**
 * The settings with their defaults filled in; the generation defaults to the one of step 1's GOP
 * (`firmwareCode`), else ADL.
 */
export function configInputs(s: Settings, firmwareCode?: IgpuCode) {
  return {
    pve: s.pve ?? latestPve(),
    boot: s.boot ?? 'systemd-boot',
    mode: s.mode ?? 'rom',
    vmid: s.vmid ?? 100,
    lspci: s.lspci ?? '',
    code: (s.igpu ?? firmwareCode ?? 'ADL') as IgpuCode,
    romName: s.romName || DEFAULT_ROM_NAME,
  } as const;
}

/**
 * Renders the configuration for these settings. `ovmfFile` is the local name of the patched
 * image that install.sh puts in place (ovmf mode).
 */
export function resolveConfig(
  s: Settings,
  extra: {
    ovmfFile?: string;
    firmware?: FirmwareChoice;
    amdRomNames?: AmdRomNames;
    /** AMD: how the ROMs go on the two functions, and whether a VBIOS exists at all. */
    amdRoms?: AmdRomLayout;
  } = {},
): ResolvedConfig {
  const c = configInputs(s, extra.firmware?.gopGeneration);
  const out: ResolvedConfig = { firmwareFindings: [] };
  if (c.lspci.trim()) {
    try {
      const l = parseLspci(c.lspci);
      if (l.igpu) out.igpu = l.igpu;
      else if (l.amd) out.igpu = l.amd;
      else out.igpuError = { unknownDevice: pciId(l.deviceId) };
    } catch (e) {
      out.igpuError = { message: message(e) };
    }
  } else out.igpu = igpuGeneration(c.code);
  // A pasted pveversion wins over the chosen release: point releases move QEMU and the kernel.
  let versions: Pick<ConfigOptions, 'pve' | 'qemu' | 'kernel'> = { pve: c.pve };
  if (s.pveversion?.trim()) {
    try {
      const p = parsePveversion(s.pveversion);
      versions = {
        pve: p.pve && pveRelease(p.pve) ? p.pve : p.qemu && p.kernel ? undefined : c.pve,
        qemu: p.qemu,
        kernel: p.kernel,
      };
      const v = (x?: { major: number; minor: number }) => (x ? `${x.major}.${x.minor}` : undefined);
      out.pveversion = { pve: p.pve, qemu: v(p.qemu), kernel: v(p.kernel) };
    } catch (e) {
      out.pveversion = { error: message(e) };
    }
  }
  if (!out.igpu) return out;
  const amd = isAmdIgpu(out.igpu);
  const layout = amd ? (extra.amdRoms ?? { combined: false, noVbios: false }) : undefined;
  const names = extra.amdRomNames;
  // AMD: the names of the ROMs step 2 built (their IDs may differ from the lspci defaults).
  const gpuRom = layout ? (layout.combined ? names?.combined : names?.gpu) : undefined;
  // noVbios: the GPU function gets no romfile (render-amd.ts); typed here until ConfigOptions has it.
  const options: ConfigOptions & { noVbios?: boolean } = {
    ...versions,
    boot: c.boot,
    igpu: out.igpu,
    // An AMD GOP always comes in an option ROM; the patched OVMF carries Intel GOPs only.
    mode: amd ? 'rom' : c.mode,
    vmid: c.vmid,
    romFile: layout?.noVbios ? undefined : (gpuRom ?? (s.romName || undefined)),
    gopRomFile: layout && !layout.combined ? names?.gop : undefined,
    ovmfFile: c.mode === 'ovmf' ? extra.ovmfFile : undefined,
    ...(layout?.combined ? { combinedRom: true } : {}),
    ...(layout?.noVbios ? { noVbios: true } : {}),
  };
  try {
    out.result = renderConfig(options);
  } catch (e) {
    out.error = message(e);
  }
  if (extra.firmware && !isAmdIgpu(out.igpu))
    out.firmwareFindings = crossCheckFirmware(out.igpu, extra.firmware);
  return out;
}

/**
 * The qm set block for a VM whose config the user pasted: the same merge decisions as install.sh
 * (vm-merge.ts), so the lines only add or change what passthrough needs and list what they keep.
 */
export function mergedQmSetBlock(
  result: ConfigResult,
  vmid: number,
  vmConf: string,
  consent: VmConsent,
): ConfigBlock {
  const { lines } = vmMergeLines(vmid, vmConf, result.vm.want, consent, result.vm.propReasons);
  return { id: 'qm-set', title: coreText('block.qmSet'), kind: 'commands', lines };
}

/** The AMD ROMs step 2 built, by the function whose romfile= takes them. */
export interface AmdRomNames {
  /** The VBIOS alone, on BB:00.0. */
  gpu?: string;
  /** The GOP-only ROM, on BB:00.1. */
  gop?: string;
  /** VBIOS and GOP in one ROM, on BB:00.0 alone. */
  combined?: string;
}

/**
 * How the AMD ROMs go on the two functions: two ROMs (VBIOS on BB:00.0, GOP on BB:00.1) or one
 * combined ROM on BB:00.0; with no VBIOS found, only the GOP ROM on BB:00.1.
 */
export interface AmdRomLayout {
  combined: boolean;
  noVbios: boolean;
}

/** Which of the built AMD ROMs this layout puts in the VM (and so in the zip). */
export function amdRomsFor<T extends { kind: AmdBuiltRom['kind'] }>(
  roms: readonly T[],
  layout: AmdRomLayout,
): T[] {
  const wanted: AmdBuiltRom['kind'][] = layout.combined ? ['combined'] : ['vbios', 'gop-only'];
  return roms.filter((r) => wanted.includes(r.kind));
}

export function amdRomNamesOf(set: AmdRomSet | undefined): AmdRomNames | undefined {
  if (!set) return undefined;
  return {
    gpu: set.roms.find((r) => r.kind === 'vbios')?.fileName,
    gop: set.roms.find((r) => r.kind === 'gop-only')?.fileName,
    combined: set.roms.find((r) => r.kind === 'combined')?.fileName,
  };
}
