/** The shape of the generator's output: blocks of lines, each line with its reason. */
import { needsVfioVirqfd, type Version } from './facts';
import type { BootLoader } from './inputs';
import { joinText, t, type MessageKey, type Text } from './messages';

export interface ConfigLine {
  text: string;
  reason: Text;
}

export interface ConfigBlock {
  id: string;
  title: Text;
  /** File the lines go into; absent for commands. */
  path?: string;
  kind: 'file' | 'commands' | 'fragment' | 'notes';
  lines: ConfigLine[];
}

/** A line with the reason of one message. */
export const L = (
  text: string,
  key: MessageKey,
  params?: Record<string, string | number>,
): ConfigLine => ({
  text,
  reason: t(key, params),
});

export function block(
  id: string,
  titleKey: MessageKey,
  kind: ConfigBlock['kind'],
  lines: ConfigLine[],
  path?: string,
): ConfigBlock {
  return path === undefined
    ? { id, title: t(titleKey), kind, lines }
    : { id, title: t(titleKey), kind, path, lines };
}

/** /etc/modules: the VFIO modules, with the reasons for this vendor's IOMMU and host driver. */
export function vfioModules(
  kernel: Version,
  iommuType1: MessageKey,
  vfioPci: MessageKey,
): ConfigLine[] {
  const modules = [
    L('vfio', 'modules.vfio'),
    L('vfio_iommu_type1', iommuType1),
    L('vfio_pci', vfioPci),
  ];
  if (needsVfioVirqfd(kernel)) modules.push(L('vfio_virqfd', 'modules.virqfd'));
  return modules;
}

/**
 * The kernel command line file of the boot loader with these parameters, and the command that
 * applies it: GRUB_CMDLINE_LINUX_DEFAULT + update-grub, or /etc/kernel/cmdline +
 * proxmox-boot-tool refresh (proxmox/pve-docs system-booting.adoc).
 */
export function cmdlineBlocks(
  boot: BootLoader,
  params: readonly (readonly [string, MessageKey])[],
): ConfigBlock[] {
  const paramText = params.map((p) => p[0]).join(' ');
  const paramReason = joinText(params.map((p) => t(p[1])));
  const grub = boot === 'grub';
  return [
    block(
      'cmdline',
      grub ? 'block.cmdlineGrub' : 'block.cmdlineSd',
      'file',
      [
        grub
          ? {
              text: `GRUB_CMDLINE_LINUX_DEFAULT="quiet ${paramText}"`,
              reason: joinText([t('cmdline.grubLine'), paramReason]),
            }
          : {
              text: `root=ZFS=rpool/ROOT/pve-1 boot=zfs ${paramText}`,
              reason: joinText([t('cmdline.sdLine'), paramReason]),
            },
      ],
      grub ? '/etc/default/grub' : '/etc/kernel/cmdline',
    ),
    block('cmdline-apply', 'block.cmdlineApply', 'commands', [
      grub
        ? L('update-grub', 'cmdline.updateGrub')
        : L('proxmox-boot-tool refresh', 'cmdline.pbtRefresh'),
    ]),
  ];
}

/** The first lines of a plain QEMU command line: machine, CPU and memory, OVMF, no emulated display. */
export function qemuHead(
  machine: [string, MessageKey],
  memoryMiB: number,
  code: [string, MessageKey],
  vmid: number,
): ConfigLine[] {
  return [
    L('qemu-system-x86_64 -enable-kvm \\', 'qemu.bin'),
    L(`  -machine ${machine[0]} \\`, machine[1]),
    L(`  -cpu host -m ${memoryMiB} \\`, 'qemu.cpuMem'),
    L(`  -drive if=pflash,format=raw,readonly=on,file=${code[0]} \\`, code[1]),
    L(`  -drive if=pflash,format=raw,file=vm-${vmid}-vars.fd \\`, 'qemu.vars'),
    L('  -vga none -nodefaults \\', 'qemu.noVga'),
  ];
}

/** The modprobe.d options are read from the initramfs; everything takes effect after a reboot. */
export const initramfsBlock = (): ConfigBlock =>
  block('initramfs', 'block.initramfs', 'commands', [
    L('update-initramfs -u -k all', 'modprobe.initramfs'),
    L('reboot', 'host.reboot'),
  ]);
