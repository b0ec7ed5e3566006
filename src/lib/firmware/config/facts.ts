/**
 * Version facts the generator and the checker rest on. Each rule cites its public source
 * (see also shared/docs/igd-passthrough-notes.md §4).
 */
import type { IntelIgpu } from '../igpu/devices';

/** major.minor (patch ignored: no rule here depends on it). */
export interface Version {
  major: number;
  minor: number;
}

export function ver(s: string): Version {
  const m = /^(\d+)\.(\d+)/.exec(s);
  if (!m) return { major: Number.parseInt(s, 10) || 0, minor: 0 };
  return { major: Number(m[1]), minor: Number(m[2]) };
}

export function cmp(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor;
}

export function atLeast(v: Version, s: string): boolean {
  return cmp(v, ver(s)) >= 0;
}

export function fmt(v: Version): string {
  return `${v.major}.${v.minor}`;
}

export interface PveRelease {
  pve: string;
  /** pve-qemu-kvm shipped at that release. */
  qemu: string;
  /** Default proxmox kernel series at that release. */
  kernel: string;
}

/**
 * Proxmox VE releases and what they ship (proxmox/pve-qemu:debian/changelog; Proxmox VE release
 * notes). PVE 8 (bookworm) moved pve-qemu-kvm 8.0.2 → 8.1 → 8.2 → 9.0 → 9.1 → 9.2 and kernels
 * 6.2 → 6.14 during its life; PVE 9 (trixie) ships 10.0.2 (9.0) and 10.1.2 (9.1). Minor point
 * releases can carry a newer QEMU than listed here; a pasted `pveversion -v` overrides both.
 * 7.4 is kept only so the pre-6.2 kernel case (vfio_virqfd) is reachable.
 */
export const PVE_RELEASES: readonly PveRelease[] = [
  { pve: '7.4', qemu: '7.2', kernel: '5.15' },
  { pve: '8.0', qemu: '8.0', kernel: '6.2' },
  { pve: '8.1', qemu: '8.1', kernel: '6.5' },
  { pve: '8.2', qemu: '8.1', kernel: '6.8' },
  { pve: '8.3', qemu: '9.0', kernel: '6.8' },
  { pve: '8.4', qemu: '9.2', kernel: '6.8' },
  { pve: '9.0', qemu: '10.0', kernel: '6.14' },
  { pve: '9.1', qemu: '10.1', kernel: '6.17' },
];

export function pveRelease(pve: string): PveRelease | undefined {
  return PVE_RELEASES.find((r) => r.pve === pve);
}

/**
 * vfio_virqfd was merged into the vfio module in kernel 6.2; Proxmox dropped it from /etc/modules
 * in its docs (proxmox/pve-docs:qm-pci-passthrough.adoc, commit 2953349).
 */
export function needsVfioVirqfd(kernel: Version): boolean {
  return !atLeast(kernel, '6.2');
}

/**
 * Intel IOMMU is enabled by default from kernel 6.8 (PVE 8.2+); older kernels need intel_iommu=on
 * (proxmox/pve-docs:qm-pci-passthrough.adoc, commit 4d318fb).
 */
export function needsIntelIommuOn(kernel: Version): boolean {
  return !atLeast(kernel, '6.8');
}

/**
 * The xe DRM driver for Gen12 (Tiger Lake) and newer Intel graphics entered mainline with Linux
 * 6.8 (first drm-xe-next pull, Dec 2023; i915 stays the default for most parts, xe binds them with
 * force_probe or by default on Xe2/LNL), so from 6.8 the host has a second driver that can claim a
 * Gen12+ iGPU (gen per igpu/devices.ts).
 */
export function hostHasXeDriver(kernel: Version, igpu: IntelIgpu): boolean {
  return atLeast(kernel, '6.8') && igpu.gen >= 12;
}

/**
 * QEMU before 10.0 assumes no stolen memory for IGD (GMS forced to 0 in hw/vfio/igd.c unless the
 * x-igd-gms option overrides it), so the GOP has no framebuffer; from 10.0 (Tomita Moeko series,
 * qemu docs commit 5dbe25e9) the host's DVMT value is used and x-igd-gms only overrides it.
 */
export function needsGmsOverride(qemu: Version): boolean {
  return !atLeast(qemu, '10.0');
}

/**
 * QEMU 10.1 detects the OpRegion and turns x-igd-opregion on by default for IGD (qemu-devel
 * 20250505170305.23622-7). Before that it is implied only while legacy mode is active.
 */
export function opregionIsDefault(qemu: Version): boolean {
  return atLeast(qemu, '10.1');
}

/** x-igd-lpc and x-igd-legacy-mode exist from QEMU 10.0 (qemu docs/igd-assign.txt, commit 5dbe25e9). */
export function hasLegacyModeSwitch(qemu: Version): boolean {
  return atLeast(qemu, '10.0');
}

/**
 * QEMU 10.1 restricts legacy mode to Gen6–9 (SNB…CML; qemu commit dd69d84604); ICL and newer then
 * need x-igd-lpc=on explicitly on i440fx (LongQT-sea/intel-igpu-passthru README).
 */
export function legacyModeCovers(qemu: Version, igpu: IntelIgpu): boolean {
  if (atLeast(qemu, '10.1')) return igpu.gen <= 9;
  return isSupported(qemu, igpu);
}

export function needsExplicitLpc(qemu: Version, igpu: IntelIgpu): boolean {
  return atLeast(qemu, '10.1') && igpu.gen >= 11;
}

/**
 * MTL/ARL/LNL fail with "IGD device … is unsupported in legacy mode" until QEMU 10.1
 * (qemu commit 7969cf4639; LongQT-sea/intel-igpu-passthru README: MTL/ARL/LNL need QEMU ≥ 10.1).
 */
export function minimumQemuFor(igpu: IntelIgpu): string | undefined {
  return igpu.gen > 12 ? '10.1' : undefined;
}

export function isSupported(qemu: Version, igpu: IntelIgpu): boolean {
  const min = minimumQemuFor(igpu);
  return min === undefined || atLeast(qemu, min);
}

/**
 * The Proxmox VE releases whose QEMU runs this iGPU in legacy mode. None does for Meteor Lake and
 * newer (MTL, ARL, LNL, PTL): before QEMU 10.1 igd.c rejects them ("IGD device … is unsupported
 * in legacy mode, try SandyBridge or newer"), and 10.1, which accepts them (qemu commit
 * 7969cf4639, "vfio/igd: Remove generation limitation for IGD passthrough"), also limits legacy
 * mode to Gen6–9 (dd69d84604).
 */
export function pveReleasesWithLegacyMode(igpu: IntelIgpu): PveRelease[] {
  return PVE_RELEASES.filter((r) => legacyModeCovers(ver(r.qemu), igpu));
}

/**
 * What to do when no release runs the iGPU in legacy mode: QEMU ≥ 10.1 (PVE 9.1), an i440fx
 * machine with the IGD at 00:02.0, x-igd-lpc=on and the OpRegion (default on from 10.1), and an
 * option ROM with IgdAssignment + PlatformGopPolicy + the GOP (LongQT-sea/intel-igpu-passthru
 * README: "MTL/ARL/LNL need QEMU ≥ 10.1", ICL and newer add x-igd-lpc=on; qemu docs/igd-assign.txt).
 */
export const WITHOUT_LEGACY_MODE = {
  minimumQemu: '10.1',
  properties: ['x-igd-lpc=on', 'x-igd-opregion=on'],
} as const;

/**
 * From Meteor Lake the stolen memory sits in LMEMBAR (BAR2) and config space has no BDSM register:
 * QEMU ≥ 10.1 then offers fw_cfg etc/igd-bdsm-size = 0 and mirrors nothing (qemu commit
 * 7969cf4639 and docs/igd-assign.txt: "Starting from Meteor Lake … Value of this fw_cfg file is 0").
 * Our IgdAssignment leaves BDSM alone when that size is 0 (src/drivers/igd-assignment.c).
 */
export function hasBdsmRegister(igpu: IntelIgpu): boolean {
  return igpu.gen <= 12;
}

/**
 * GMS value for x-igd-gms (units of 32 MiB): 0x2 = 64 MiB is what the Proxmox recipes use for
 * Gen6–9; the ADL-N author of cmd2001/build-edk2-gvtd (issue #3) needed 0x6 on Gen12 ("1-2 black or
 * garbled"), so Gen11+ gets 0x6.
 */
export function defaultGms(igpu: IntelIgpu): number {
  return igpu.gen >= 11 ? 6 : 2;
}

/** Guest memory below this breaks the Intel guest drivers in practice (gangqizai/igd README: ≥ 4 GB). */
export const MIN_MEMORY_MIB = 4096;

/** Proxmox resolves hostpci romfile= relative to this directory (proxmox/qemu-server PCI.pm). */
export const ROM_DIR = '/usr/share/kvm';

/**
 * OVMF image Proxmox loads for an i440fx VM whose efidisk0 has efitype=4m: no SMM → '4m-no-smm' →
 * OVMF_CODE_4M.fd; q35 gets OVMF_CODE_4M.secboot.fd, and a VM without a 4m efidisk the legacy 2 MiB
 * OVMF_CODE.fd (proxmox/qemu-server:src/PVE/QemuServer/OVMF.pm get_ovmf_files).
 */
export const OVMF_DIR = '/usr/share/pve-edk2-firmware';
export const OVMF_CODE = `${OVMF_DIR}/OVMF_CODE_4M.fd`;

/**
 * The two 4 MiB code images Proxmox ships, by file name (the OVMF patch step keeps the name).
 * get_ovmf_files picks `.secboot` when smm is set, and its caller passes the q35 flag as smm
 * (proxmox/qemu-server OVMF.pm print_ovmf_drive_commandlines): an i440fx VM, which legacy-igd
 * needs, always runs OVMF_CODE_4M.fd.
 */
export const OVMF_IMAGES = ['OVMF_CODE_4M.fd', 'OVMF_CODE_4M.secboot.fd'] as const;
export type OvmfImage = (typeof OVMF_IMAGES)[number];
export function ovmfImageForMachine(q35: boolean): OvmfImage {
  return q35 ? 'OVMF_CODE_4M.secboot.fd' : 'OVMF_CODE_4M.fd';
}

/**
 * What keeps the host's boot framebuffer off a passed-through GPU. From kernel 5.15 sysfb
 * registers the firmware framebuffer as a simple-framebuffer device (simplefb/simpledrm), so
 * video=efifb:off no longer frees the GPU memory and initcall_blacklist=sysfb_init is what works
 * (igd-passthrough-notes §4.3: "guides use initcall_blacklist=sysfb_init"; Proxmox forum reports
 * since PVE 7.2's 5.15 kernel); before that efifb held it and video=efifb:off turned it off.
 */
export function hostFramebufferParam(kernel: Version): string {
  return atLeast(kernel, '5.15') ? 'initcall_blacklist=sysfb_init' : 'video=efifb:off';
}
