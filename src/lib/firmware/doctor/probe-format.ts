/**
 * The probe report's layout, shared by the script that writes it and the doctor that reads it:
 * a header line, then one marked section per collected item. Lines the script could not collect
 * start with CANNOT_READ inside their section.
 */

export const REPORT_HEADER = '# ovmf-gop probe report v1';

/** `===== <id> =====` opens a section; its body runs to the next marker. */
export const SECTION_RE = /^===== ([a-z0-9.-]+) =====$/;

export function sectionMarker(id: string): string {
  return `===== ${id} =====`;
}

export const CANNOT_READ = '## cannot read:';

/** Every section the probe writes, in order, with the command or file it holds. */
export const PROBE_SECTIONS = {
  pveversion: 'pveversion -v',
  'kvm-version': 'kvm --version',
  uname: 'uname -r',
  'proc-cmdline': '/proc/cmdline',
  'boot-tool': 'proxmox-boot-tool status',
  efibootmgr: 'efibootmgr -v',
  'lspci-nnk': 'lspci -nnk',
  'lspci-igpu': 'lspci -vvv -s <igpu>',
  iommu: 'IOMMU state and groups (/sys/kernel/iommu_groups, /sys/class/iommu)',
  'igpu-regs': 'setpci GGC (0x50), BDSM (0x5c, 0xc0), ASLS (0xfc)',
  dmesg: 'dmesg lines for DMAR/AMD-Vi/IOMMU/vfio/i915/xe/amdgpu/framebuffers',
  modules: '/etc/modules',
  'modprobe-d': '/etc/modprobe.d/*',
  'kernel-cmdline': '/etc/kernel/cmdline',
  'default-grub': '/etc/default/grub',
  'qm-config': 'qm config <vmid>',
  'qm-showcmd': 'qm showcmd <vmid> --pretty',
  'task-log': 'the last qmstart task log of the VM',
  journal: 'journalctl -b: QEMU/vfio lines',
  romfiles: 'romfiles named by the VM, with SHA-256',
  ovmf: 'installed OVMF images and backups, with SHA-256',
  vbt: 'the host VBT from /sys/kernel/debug/dri/*/i915_vbt (base64)',
} as const;

export type ProbeSection = keyof typeof PROBE_SECTIONS;

export function isProbeSection(id: string): id is ProbeSection {
  return Object.hasOwn(PROBE_SECTIONS, id);
}
