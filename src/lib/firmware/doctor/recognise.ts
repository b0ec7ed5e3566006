/**
 * Tells what a pasted text is from its content, and splits a probe report into its sections.
 * Each test is a shape the real tool prints (pveversion -v, lspci -nnk, qm config, …); the first
 * that matches wins, in an order where the more specific shapes come first.
 */
import {
  CANNOT_READ,
  REPORT_HEADER,
  SECTION_RE,
  isProbeSection,
  type ProbeSection,
} from './probe-format';
import type { InputKind, InputPart, SourceLine } from './types';

const SECTION_KIND: Record<ProbeSection, InputKind> = {
  pveversion: 'pveversion',
  'kvm-version': 'kvm-version',
  uname: 'unknown',
  'proc-cmdline': 'proc-cmdline',
  'boot-tool': 'boot-tool',
  efibootmgr: 'boot-tool',
  'lspci-nnk': 'lspci-nnk',
  'lspci-igpu': 'lspci-nnk',
  iommu: 'iommu',
  'igpu-regs': 'igpu-regs',
  dmesg: 'kernel-log',
  modules: 'modprobe',
  'modprobe-d': 'modprobe',
  'kernel-cmdline': 'kernel-cmdline',
  'default-grub': 'default-grub',
  'qm-config': 'vm-config',
  'qm-showcmd': 'qm-showcmd',
  'task-log': 'task-log',
  journal: 'kernel-log',
  romfiles: 'romfiles',
  ovmf: 'ovmf',
  vbt: 'unknown',
};

/** [kind, test] in priority order. */
const SHAPES: readonly [InputKind, (t: string) => boolean][] = [
  ['libvirt-xml', (t) => /<(domain|hostdev)\b/.test(t)],
  ['qm-showcmd', (t) => /(^|\s)\/usr\/bin\/kvm\b/.test(t) && /(^|\s)-id\s+\d+/.test(t)],
  // A command line starts with the binary, or is only option lines; a QEMU error that quotes
  // its "-device vfio-pci,…" argument after "kvm: " is not one.
  [
    'qemu-cmdline',
    (t) =>
      /^\s*(\$\s*)?(sudo\s+)?\S*(qemu-system-x86_64|\/kvm)\s+-/m.test(t) ||
      (/-device\s+'?vfio-pci,/.test(t) &&
        t
          .split('\n')
          .filter((l) => l.trim())
          .every((l) => /^\s*-/.test(l))),
  ],
  ['pveversion', (t) => /^proxmox-ve: \d|^pve-manager(\/|: )\d/m.test(t)],
  ['kvm-version', (t) => /^QEMU emulator version \d/m.test(t)],
  ['igpu-regs', (t) => /^50\.w=[0-9a-f]{4}$/m.test(t)],
  [
    'rom-log',
    (t) => /IgdAssignment|PlatformGopPolicy|SetupStolenMemory|SetupOpRegion|PciIoNotify/.test(t),
  ],
  ['task-log', (t) => /^TASK (OK|ERROR)|^start failed:|^kvm: /m.test(t)],
  [
    'qemu-error',
    (t) =>
      /^(kvm|qemu-system-x86_64): /m.test(t) ||
      /vfio \d{4}:[0-9a-f]{2}:/.test(t) ||
      /^IGD device [0-9a-f]{4}:/m.test(t),
  ],
  [
    'vm-config',
    (t) =>
      (
        t.match(
          /^(hostpci\d+|machine|vga|bios|args|boot|cores|memory|ostype|efidisk0|net\d+|scsi\d+|sockets|cpu|name): /gm,
        ) ?? []
      ).length >= 2,
  ],
  ['lspci-xxx', (t) => /^[0-9a-f]0: ([0-9a-f]{2} ){15}[0-9a-f]{2}$/m.test(t)],
  [
    'lspci-nnk',
    (t) =>
      /^([0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] .*\[[0-9a-f]{4}\]: .*\[[0-9a-f]{4}:[0-9a-f]{4}\]/m.test(
        t,
      ),
  ],
  [
    'kernel-log',
    (t) =>
      /^\[\s*\d+\.\d+\] |^\S+ \S+ kernel: |^\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ kernel: /m.test(t) ||
      // dmesg -t / journalctl -o cat: a driver's message without the timestamp.
      /^(vfio-pci|i915|xe|pci|pcieport|snd_hda_intel) [0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]: |^DMAR: /m.test(
        t,
      ),
  ],
  ['default-grub', (t) => /^GRUB_CMDLINE_LINUX(_DEFAULT)?=/m.test(t)],
  ['boot-tool', (t) => /configured with:|BootCurrent:|proxmox-boot-uuids/.test(t)],
  ['modprobe', (t) => /^(options|blacklist|softdep|install)\s+\S/m.test(t)],
  // The running command line names the kernel image (GRUB) or initrd (systemd-boot); the
  // /etc/kernel/cmdline file holds only the options.
  ['proc-cmdline', (t) => /(^|\s)(BOOT_IMAGE|initrd)=/.test(t) && t.trim().split('\n').length <= 2],
  [
    'kernel-cmdline',
    (t) => /(^|\s)(root|intel_iommu|iommu)=/.test(t) && t.trim().split('\n').length <= 2,
  ],
  ['guest-report', (t) => /\(Code 43\)|Code 43|代码 43|错误代码 43/.test(t)],
];

export function recogniseKind(text: string): InputKind {
  for (const [kind, test] of SHAPES) if (test(text)) return kind;
  return 'unknown';
}

function toLines(where: string, text: string, first = 1): SourceLine[] {
  return text.split(/\r?\n/).map((t, i) => ({ where, line: first + i, text: t }));
}

/** One input → its parts: the sections of a probe report, or the whole text as one part. */
export function splitInput(name: string, text: string): InputPart[] {
  const lines = toLines(name, text);
  const firstReal = lines.find((l) => l.text.trim());
  if (firstReal?.text.trim() !== REPORT_HEADER) {
    const body = lines.filter((l) => !l.text.startsWith(CANNOT_READ));
    // The newline that ends a file (or an echo) is not a line of its own.
    while (body.length && !body[body.length - 1].text.trim()) body.pop();
    return [{ origin: name, kind: recogniseKind(text), lines: body, unreadable: [] }];
  }
  const parts: InputPart[] = [];
  let current: InputPart | undefined;
  for (const l of lines) {
    const m = SECTION_RE.exec(l.text);
    if (m) {
      const id = m[1];
      const base = id.split('.')[0];
      current = {
        origin: name,
        kind: isProbeSection(base) ? SECTION_KIND[base] : 'unknown',
        section: id,
        lines: [],
        unreadable: [],
      };
      parts.push(current);
      continue;
    }
    if (!current) continue;
    if (l.text.startsWith(CANNOT_READ))
      current.unreadable.push(l.text.slice(CANNOT_READ.length).trim());
    else current.lines.push({ ...l, where: `${name} [${current.section}]` });
  }
  // Drop the trailing empty line each section has before the next marker.
  for (const p of parts)
    while (p.lines.length && !p.lines[p.lines.length - 1].text.trim()) p.lines.pop();
  return parts;
}
