/**
 * What a probe report (or pasted pieces) says about the host, in the shape of step 3's inputs:
 * the PVE release, boot loader, the iGPU's lspci line, the pasted pveversion, the VM id, the mode
 * and the ROM name. Only what the inputs show is returned; nothing is guessed.
 */
import { pveRelease } from '../config/facts';
import { detectBootLoader, parsePveversion, type BootLoader } from '../config/inputs';
import { gatherFacts, hostIgpu, vmIgd } from './facts';
import type { InputPart } from './types';

export interface HostSettings {
  pve?: string;
  boot?: BootLoader;
  /** The iGPU's `lspci -nn` line (the device ID comes from the host, never from a GOP's list). */
  lspci?: string;
  /** The `pveversion -v` text as printed. */
  pveversion?: string;
  vmid?: number;
  mode?: 'rom' | 'ovmf';
  romName?: string;
}

const text = (parts: readonly InputPart[], kinds: readonly string[]) =>
  parts
    .filter((p) => kinds.includes(p.kind))
    .map((p) => p.lines.map((l) => l.text).join('\n'))
    .join('\n');

function bootLoader(parts: readonly InputPart[]): BootLoader | undefined {
  // The running command line is the surest sign: systemd-boot passes initrd=\EFI\…, GRUB BOOT_IMAGE=.
  const cmdline = text(parts, ['proc-cmdline']);
  if (/(^|\s)initrd=\\EFI\\/i.test(cmdline)) return 'systemd-boot';
  if (/(^|\s)BOOT_IMAGE=/.test(cmdline)) return 'grub';
  const status = text(parts, ['boot-tool']);
  if (!status.trim()) return undefined;
  try {
    return detectBootLoader(status);
  } catch {
    return undefined;
  }
}

export function hostSettings(parts: readonly InputPart[]): HostSettings {
  const out: HostSettings = {};
  const facts = gatherFacts(parts);
  const pv = text(parts, ['pveversion']);
  if (pv.trim()) {
    out.pveversion = pv.trim();
    try {
      const v = parsePveversion(pv);
      if (v.pve && pveRelease(v.pve)) out.pve = v.pve;
    } catch {
      /* no version in it: leave the release unset */
    }
  }
  const boot = bootLoader(parts);
  if (boot) out.boot = boot;
  const igpu = hostIgpu(facts);
  if (igpu) out.lspci = igpu.dev.line.text.trim();
  for (const vm of facts.vms) {
    const igd = vmIgd(vm);
    if (!igd) continue;
    if (vm.vmid && /^\d+$/.test(vm.vmid)) out.vmid = Number(vm.vmid);
    if (igd.romfile) out.romName = igd.romfile.split('/').pop();
    break;
  }
  // A diversion of Proxmox's OVMF image means the patched-OVMF mode is installed.
  const ovmf = text(parts, ['ovmf']);
  if (/diversion of \/usr\/share\/pve-edk2-firmware\/OVMF_CODE/.test(ovmf)) out.mode = 'ovmf';
  else if (out.romName) out.mode = 'rom';
  return out;
}
