/**
 * An AMD iGPU VM recognised from its config, for check-vm without pasted lspci. In order of
 * trust: what the host's PCI devices say about a hostpci address (the caller reads sysfs on a
 * Proxmox host), the ROM names the AMD ROM builder gives its files (amd/names.ts) on a hostpci
 * line, or a device ID the user gave that the AMD table (igpu/amd.ts) knows. Only a device the
 * APU table holds is taken for the iGPU (a Radeon card passed beside an Intel iGPU is none), and
 * a VM that passes Intel's IGD (00:02.0, or what the host says is an Intel display function) is
 * never guessed AMD from the host or a device ID. Each answer says what it assumed, so the user
 * can tell a wrong guess.
 */
import { pciId } from '../bytes/hex';
import { amdRomFileNames } from '../amd/names';
import { lookupAmdApu, AMD_VENDOR_ID } from '../igpu/amd';
import { amdFamilyName, type AmdIgpu } from './amd';
import { parseVmConf, type HostpciEntry, type VmConf } from './inputs';

/** What the host says about one PCI function (sysfs vendor, device, class). */
export interface PciFunctionFacts {
  vendorId: number;
  deviceId: number;
  /** base << 16 | sub << 8 | interface, as sysfs `class` holds it. */
  classCode: number;
}

/** Reads one function of this host by its `0000:bb:dd.f` address; undefined when it has none. */
export type PciReader = (address: string) => PciFunctionFacts | undefined;

export interface AmdFromConf {
  amd: AmdIgpu;
  /** What was taken for granted, in words for people. */
  assumed: string[];
}

const DISPLAY_CLASS = 0x03;
const INTEL_VENDOR_ID = 0x8086;
/** Where every Intel iGPU sits. */
const INTEL_IGD_ADDRESS = '0000:00:02.0';

/** The hostpci entries that name a host address (a mapping= names none). */
const addressed = (conf: VmConf) => conf.hostpci.filter((h) => !h.options.has('mapping') && h.host);

const slotOf = (address: string) => address.slice(0, -2);

function igpu(gpuAddress: string, deviceId: number, audioDeviceId?: number): AmdIgpu {
  return {
    vendor: 'amd',
    gpuAddress,
    audioAddress: `${slotOf(gpuAddress)}.1`,
    deviceId,
    audioDeviceId: audioDeviceId ?? lookupAmdApu(deviceId)?.audioDeviceId ?? 0xffff,
    label: amdFamilyName(deviceId, (id) => lookupAmdApu(id)?.family),
  };
}

/** True when the VM passes Intel's IGD: the 00:02.0 entry, or an Intel display function here. */
function passesIntelIgd(conf: VmConf, read?: PciReader): boolean {
  return addressed(conf).some((h) => {
    if (h.host === INTEL_IGD_ADDRESS) return true;
    const f = read?.(h.host);
    return f?.vendorId === INTEL_VENDOR_ID && f.classCode >> 16 === DISPLAY_CLASS;
  });
}

/** A hostpci host whose function on this host is an AMD APU's display controller. */
function fromHost(conf: VmConf, read: PciReader): AmdFromConf | undefined {
  if (passesIntelIgd(conf, read)) return undefined;
  for (const h of addressed(conf)) {
    const gpuAddress = `${slotOf(h.host)}.0`;
    const gpu = read(gpuAddress);
    if (!gpu || gpu.vendorId !== AMD_VENDOR_ID || gpu.classCode >> 16 !== DISPLAY_CLASS) continue;
    if (!lookupAmdApu(gpu.deviceId)) continue; // a discrete Radeon, not an iGPU
    const audio = read(`${slotOf(h.host)}.1`);
    const amd = igpu(
      gpuAddress,
      gpu.deviceId,
      audio?.vendorId === AMD_VENDOR_ID ? audio.deviceId : undefined,
    );
    return {
      amd,
      assumed: [
        `hostpci${h.index} ${h.host.slice(5)}: this host says ${gpuAddress.slice(5)} is an AMD display controller [1002:${pciId(gpu.deviceId)}] (${amd.label}), so the VM is checked as an AMD iGPU VM`,
      ],
    };
  }
  return undefined;
}

/** The device ID in a ROM name the AMD ROM builder makes, and which function it is for. */
function romNameFacts(rom: string): { deviceId: number; fn: 'gpu' | 'audio' } | undefined {
  const m = /([0-9a-f]{4})/i.exec(rom);
  if (!m) return undefined;
  const names = amdRomFileNames(m[1].toLowerCase());
  const deviceId = Number.parseInt(m[1], 16);
  if (rom === names.vbios || rom === names.combined) return { deviceId, fn: 'gpu' };
  if (rom === names.gopOnly) return { deviceId, fn: 'audio' };
  return undefined;
}

/** A hostpci line whose romfile is one of the AMD ROM builder's names. */
function fromRomNames(conf: VmConf): AmdFromConf | undefined {
  for (const h of addressed(conf)) {
    const rom = h.options.get('romfile');
    const facts = rom ? romNameFacts(rom) : undefined;
    if (!facts) continue;
    const amd = igpu(`${slotOf(h.host)}.0`, facts.deviceId);
    return {
      amd,
      assumed: [
        `hostpci${h.index} has romfile=${rom}, a ROM the AMD builder makes for 1002:${pciId(facts.deviceId)} (${amd.label}): the VM is checked as an AMD iGPU VM with the GPU at ${amd.gpuAddress.slice(5)} and its audio at ${amd.audioAddress.slice(5)}`,
      ],
    };
  }
  return undefined;
}

/**
 * The GPU function for a device ID the user gave: the one function-0 entry whose function 1 is
 * passed too, or the only function-0 entry; none in a VM that passes Intel's IGD.
 */
function fromDeviceId(
  conf: VmConf,
  deviceId: number,
  read: PciReader | undefined,
): AmdFromConf | undefined {
  const apu = lookupAmdApu(deviceId);
  if (!apu || passesIntelIgd(conf, read)) return undefined;
  const hosts = addressed(conf);
  const fn0 = hosts.filter((h) => h.host.endsWith('.0'));
  const paired = fn0.filter((h) => hosts.some((o) => o.host === `${slotOf(h.host)}.1`));
  const pick: HostpciEntry | undefined = paired[0] ?? (fn0.length === 1 ? fn0[0] : undefined);
  if (!pick) return undefined;
  const amd = igpu(pick.host, deviceId);
  return {
    amd,
    assumed: [
      `device 1002:${pciId(deviceId)} is an AMD ${apu.family} iGPU (AMD table); its GPU function is taken to be hostpci${pick.index} ${pick.host.slice(5)}${paired.length ? ', the entry whose function .1 is passed too' : ', the only function-0 entry'}`,
    ],
  };
}

/**
 * The AMD iGPU a VM config is for, when the host's PCI facts, the ROM names or `deviceId` tell;
 * undefined when nothing does (then the VM is not taken for an AMD one).
 */
export function amdIgpuFromConf(
  input: string | VmConf,
  hints: { deviceId?: number; readPci?: PciReader } = {},
): AmdFromConf | undefined {
  const conf = typeof input === 'string' ? parseVmConf(input) : input;
  return (
    (hints.readPci && fromHost(conf, hints.readPci)) ||
    fromRomNames(conf) ||
    (hints.deviceId === undefined ? undefined : fromDeviceId(conf, hints.deviceId, hints.readPci))
  );
}
