/**
 * An AMD Radeon iGPU as the config generator sees it: the GPU function and its HDMI audio
 * function, read from pasted `lspci -nn` lines. Recognised by vendor 1002 and PCI class alone
 * (display 0300/0380, audio 0403), at whatever bus the APU puts them (c5:00.0, 06:00.0 …); the
 * family name comes from the caller's device table through `FamilyOf`.
 */
import { pciId } from '../bytes/hex';
import { FirmwareError } from '../errors';

export const AMD_VENDOR = 0x1002;

/** Device ID → family name ("Rembrandt"), or undefined when the table does not know the ID. */
export type FamilyOf = (deviceId: number) => string | undefined;

export interface AmdIgpu {
  vendor: 'amd';
  /** GPU function, `0000:bb:dd.0` as Proxmox writes hostpci hosts. */
  gpuAddress: string;
  /** HDMI audio function of the same device, `0000:bb:dd.1`. */
  audioAddress: string;
  deviceId: number;
  audioDeviceId: number;
  /** Family name for people, e.g. "Rembrandt" or "AMD Radeon iGPU 1002:1681". */
  label: string;
}

/** Intel iGPUs carry no vendor tag; AMD ones do. */
export function isAmdIgpu(g: object): g is AmdIgpu {
  return (g as { vendor?: string }).vendor === 'amd';
}

/**
 * The device table used when a caller gives none: the one place the AMD family table
 * (igpu/amd.ts, written separately) plugs into the config generator.
 */
const DEVICE_TABLE: FamilyOf | undefined = undefined;

/** The family name from the table when it knows the ID, otherwise a name that says what it is. */
export function amdFamilyName(deviceId: number, familyOf = DEVICE_TABLE): string {
  return familyOf?.(deviceId) ?? `AMD Radeon iGPU 1002:${pciId(deviceId)}`;
}

/** `vfio-pci ids=` list of both functions. */
export function amdPciIds(g: AmdIgpu): string {
  return `1002:${pciId(g.deviceId)},1002:${pciId(g.audioDeviceId)}`;
}

interface LspciLine {
  address: string;
  /** Four hex digits of the class code, e.g. "0300". */
  cls: string;
  vendorId: number;
  deviceId: number;
}

/**
 * One `lspci -nn` line: `c5:00.0 VGA compatible controller [0300]: Advanced Micro Devices, Inc.
 * [AMD/ATI] Rembrandt [Radeon 680M] [1002:1681] (rev c8)`. The class is the first `[xxxx]` after
 * the address, the IDs the last `[vvvv:dddd]` (names may hold bracketed words too).
 */
function readLine(line: string): LspciLine | undefined {
  const m = /^\s*((?:[0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])\s+[^[]*\[([0-9a-f]{4})\]/i.exec(
    line,
  );
  const pairs = [...line.matchAll(/\[([0-9a-f]{4}):([0-9a-f]{4})\]/gi)];
  if (!m || !pairs.length) return undefined;
  const [, v, d] = pairs[pairs.length - 1];
  const address = m[1].toLowerCase();
  return {
    address: address.length === 7 ? `0000:${address}` : address,
    cls: m[2].toLowerCase(),
    vendorId: Number.parseInt(v, 16),
    deviceId: Number.parseInt(d, 16),
  };
}

const isAmdDisplay = (l: LspciLine) =>
  l.vendorId === AMD_VENDOR && (l.cls === '0300' || l.cls === '0380');

/** Whether any pasted line is an AMD display function. */
export function hasAmdDisplay(text: string): boolean {
  return text.split(/\r?\n/).some((l) => {
    const r = readLine(l);
    return r !== undefined && isAmdDisplay(r);
  });
}

/**
 * The AMD iGPU in pasted `lspci -nn` text (the whole listing, or `lspci -nn -s c5:00`), with the
 * HDMI audio function `.1` that sits next to it. Undefined when no AMD display function is there;
 * a FirmwareError when the audio function is missing, since both are passed to the VM.
 */
export function parseAmdLspci(text: string, familyOf = DEVICE_TABLE): AmdIgpu | undefined {
  const lines = text.split(/\r?\n/).flatMap((l) => readLine(l) ?? []);
  const gpu = lines.find(isAmdDisplay);
  if (!gpu) return undefined;
  const slot = gpu.address.slice(0, -2);
  const audio = lines.find(
    (l) => l.address === `${slot}.1` && l.vendorId === AMD_VENDOR && l.cls === '0403',
  );
  if (!audio)
    throw new FirmwareError(
      'bad-input',
      `no HDMI audio function ${slot.slice(5)}.1 [0403] [1002:xxxx] next to the AMD GPU ${gpu.address.slice(5)}; paste the output of lspci -nn -s ${slot.slice(5)} (both lines)`,
    );
  return {
    vendor: 'amd',
    gpuAddress: gpu.address,
    audioAddress: audio.address,
    deviceId: gpu.deviceId,
    audioDeviceId: audio.deviceId,
    label: amdFamilyName(gpu.deviceId, familyOf),
  };
}
