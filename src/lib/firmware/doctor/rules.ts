/**
 * The doctor's one rules table. Pattern rules match a real message text (QEMU, Proxmox
 * qemu-server, the kernel, an IGD option ROM's debug log) — each pattern is the format string
 * from the cited source with its `%` fields widened. Condition rules look at gathered facts
 * (config lines, lspci, registers, versions). Causes and fixes in English and Simplified Chinese;
 * `{name}` placeholders are filled from the facts.
 */
import { atLeast, fmt, minimumQemuFor } from '../config/facts';
import type { Text } from '../text';
import { hostIgpu, vmIgd, type HostFacts, type PassedDevice, type VmFacts } from './facts';
import { romFamilyMismatch } from './rom-names';
import type { Severity, SourceLine } from './types';

/** What a condition rule returns when it fires: the lines that show it, and fix parameters. */
export interface Hit {
  evidence: SourceLine[];
  params?: Record<string, string>;
}

interface RuleCommon {
  id: string;
  severity: Severity;
  cause: readonly [string, string];
  fix: readonly [string, string];
  source: string;
}

export interface PatternRule extends RuleCommon {
  patterns: readonly RegExp[];
  /** Fewer matching lines than this make it a harmless note instead of a finding. */
  harmlessBelow?: number;
  /** Fix parameter filled from capture group 1 of the first matching line. */
  param?: string;
  /**
   * The message says that something failed, not why: a finding only when no error explains it
   * (then it asks for the lines that would), else the error found is the answer.
   */
  unexplained?: boolean;
}

/** A recognised message that is not a problem: shown as a note, never as a cause. */
export interface HarmlessRule {
  id: string;
  harmless: true;
  patterns: readonly RegExp[];
  text: readonly [string, string];
  source: string;
}

export interface ConditionRule extends RuleCommon {
  /** Facts that must be known for the rule to be decided (else the doctor says it assumed nothing). */
  needs?: readonly ('qemu' | 'kernel')[];
  when(f: HostFacts): Hit | undefined;
}

export type Rule = PatternRule | HarmlessRule | ConditionRule;

export function isHarmless(r: Rule): r is HarmlessRule {
  return 'harmless' in r;
}
export function isPattern(r: Rule): r is PatternRule {
  return 'patterns' in r && !isHarmless(r);
}

const QEMU_OLD = 'qemu/qemu hw/vfio/igd.c (7.2 … 9.2, vfio_probe_igd_bar4_quirk)';
const QEMU_NEW = 'qemu/qemu hw/vfio/igd.c (10.0, 10.1, vfio_pci_igd_config_quirk)';
const PVE_PCI = 'proxmox/qemu-server src/PVE/QemuServer/PCI.pm (parse_hostpci_devices)';

const on = (v: string | undefined) => v !== undefined && /^(1|on|true|yes)$/i.test(v);

/** Every VM that passes the iGPU, with that device. */
function igdVms(f: HostFacts): { vm: VmFacts; igd: PassedDevice }[] {
  return f.vms.flatMap((vm) => {
    const igd = vmIgd(vm);
    return igd ? [{ vm, igd }] : [];
  });
}

function firstVm(
  f: HostFacts,
  test: (vm: VmFacts, igd: PassedDevice) => SourceLine[] | undefined,
): Hit | undefined {
  for (const { vm, igd } of igdVms(f)) {
    const ev = test(vm, igd);
    if (ev) return { evidence: ev, params: { vmid: vm.vmid ?? '<vmid>', dev: igd.id } };
  }
  return undefined;
}

const GUEST_02 = /^(0x)?0?2(\.0)?$/i;
const HOST_DRIVERS =
  /^(i915|xe|amdgpu|radeon|nouveau|snd_hda_intel|snd_sof_pci_intel_\w+|sof-audio-pci-intel-\w+)$/;

export const RULES: readonly Rule[] = [
  // ---- Known-harmless messages first: a line they take is not read by later rules.
  {
    id: 'audio-reset-harmless',
    harmless: true,
    patterns: [/vfio: Cannot reset device 0000:00:1f\.3, no available reset mechanism\./],
    text: [
      'QEMU cannot reset the passed HD-audio function 00:1f.3: it has no function-level reset. Expected and harmless.',
      'QEMU 无法复位直通的声卡功能 00:1f.3：它没有功能级复位。这是正常现象，无害。',
    ],
    source:
      'qemu/qemu hw/vfio/pci.c vfio_pci_hot_reset: "vfio: Cannot reset device %s, no available reset mechanism."',
  },
  {
    id: 'legacy-mode-on',
    harmless: true,
    patterns: [
      /IGD legacy mode enabled, use x-igd-legacy-mode=off to disable it if unwanted\./,
      /OpRegion detected on Intel display [0-9a-f]+\./,
    ],
    text: [
      'QEMU found the OpRegion and turned IGD legacy mode on: what a working setup prints.',
      'QEMU 检测到 OpRegion 并启用了 IGD 传统模式：正常配置就会输出这两行。',
    ],
    source: `${QEMU_NEW}: info_report "IGD legacy mode enabled, …", "OpRegion detected on Intel display %x."`,
  },
  {
    id: 'igd-rom-ok',
    harmless: true,
    patterns: [
      /SetupOpRegion: \S+: OpRegion @ 0x[0-9a-f]+ size 0x[0-9a-f]+/i,
      /SetupStolenMemory: \S+: stolen memory @ 0x[0-9a-f]+, size \d+ MB/i,
      /IgdAssignment: stolen memory \S+ bytes at \S+, Gen\d+ BDSM@\S+ write ok/,
      /IgdAssignment: OpRegion \(\d+ bytes\) at \S+, ASLS write ok/,
    ],
    text: [
      'The option ROM set up the OpRegion and stolen memory (ASLS/BDSM written).',
      'Option ROM 已完成 OpRegion 与预留显存设置（已写入 ASLS/BDSM）。',
    ],
    source:
      'tomitamoeko/VfioIgdPkg IgdAssignmentDxe/IgdAssignment.c (DEBUG_INFO lines); src/drivers/igd-assignment.c (ours)',
  },

  // ---- Pattern rules: a real message proves both the problem and the version that prints it.
  {
    id: 'machine-q35',
    severity: 'error',
    patterns: [
      /IGD device \S+ cannot support legacy mode due to existing devices at address 1f\.0/,
      /Cannot create LPC bridge due to existing device at 1f\.0/,
      /legacy IGD assignment is not compatible with q35/,
    ],
    cause: [
      'The VM is a q35 machine. Its ICH9 LPC bridge sits at 00:1f.0, where IGD legacy mode must put a bridge with the host’s IDs, so legacy mode (and the GOP’s boot screen) cannot work.',
      '虚拟机是 q35 机型。其 ICH9 LPC 桥占用 00:1f.0，而 IGD 传统模式必须在该位置放置带宿主机 ID 的桥，因此传统模式（以及 GOP 开机画面）无法工作。',
    ],
    fix: [
      'Use the i440fx machine: qm set {vmid} --machine pc   (Windows guests then redetect devices; keep bios: ovmf).',
      '改用 i440fx 机型：qm set {vmid} --machine pc   （Windows 客户机会重新识别设备；保留 bios: ovmf）。',
    ],
    source: `${QEMU_OLD}: "IGD device %s cannot support legacy mode due to existing devices at address 1f.0"; ${QEMU_NEW} vfio_pci_igd_setup_lpc_bridge: "Cannot create LPC bridge due to existing device at 1f.0"; ${PVE_PCI}: "legacy IGD assignment is not compatible with q35"`,
  },
  {
    id: 'qemu-too-old',
    severity: 'error',
    patterns: [
      /IGD device \S+ is unsupported in legacy mode, try SandyBridge or newer/,
      /or device [0-9a-f]{4} \(gen -1\) doesn't support legacy mode/,
    ],
    cause: [
      'This QEMU does not know the iGPU’s generation (its device-ID table predates the chip), so it refuses legacy mode.',
      '此 QEMU 不认识该核显的代次（其设备 ID 表早于该芯片），因此拒绝传统模式。',
    ],
    fix: [
      'Upgrade to Proxmox VE 9.1 or newer (pve-qemu-kvm 10.1): apt update && apt full-upgrade, then stop and start the VM. Meteor/Arrow/Lunar Lake need QEMU 10.1.',
      '升级到 Proxmox VE 9.1 或更新版本（pve-qemu-kvm 10.1）：apt update && apt full-upgrade，然后关机再启动虚拟机。Meteor/Arrow/Lunar Lake 需要 QEMU 10.1。',
    ],
    source: `${QEMU_OLD}: "IGD device %s is unsupported in legacy mode, try SandyBridge or newer"; ${QEMU_NEW}: "… or device %04x (gen %d) doesn't support legacy mode"; qemu commit 7969cf4639`,
  },
  {
    id: 'rom-missing',
    severity: 'error',
    patterns: [
      /IGD device \S+ has no ROM, legacy mode disabled/,
      /Device has no ROM/,
      /legacy IGD assignment requires rombar to be enabled/,
    ],
    cause: [
      'Legacy mode needs an option ROM for the iGPU, but the device has none: a UEFI host exposes no VBIOS in the ROM BAR, and no romfile= is set (or rombar=0).',
      '传统模式需要核显的 Option ROM，但设备没有：UEFI 启动的宿主机不在 ROM BAR 中提供 VBIOS，且未设置 romfile=（或 rombar=0）。',
    ],
    fix: [
      'Put the ROM built by this app in /usr/share/kvm/ and name it: qm set {vmid} --{dev} 0000:00:02.0,legacy-igd=1,romfile=igd.rom   (no rombar=0).',
      '把本应用生成的 ROM 放到 /usr/share/kvm/ 并指定：qm set {vmid} --{dev} 0000:00:02.0,legacy-igd=1,romfile=igd.rom   （不要 rombar=0）。',
    ],
    source: `${QEMU_OLD}: "IGD device %s has no ROM, legacy mode disabled"; ${QEMU_NEW}: "Device has no ROM"; ${PVE_PCI}: "legacy IGD assignment requires rombar to be enabled"`,
  },
  {
    id: 'romfile-missing',
    severity: 'error',
    patterns: [/failed to find romfile "([^"]+)"/, /romfile "([^"]+)" is empty/],
    param: 'rom',
    cause: [
      'QEMU cannot open the romfile. Proxmox passes romfile=<name> as /usr/share/kvm/<name>; the file is not there (or is empty).',
      'QEMU 无法打开 romfile。Proxmox 会把 romfile=<名称> 解析为 /usr/share/kvm/<名称>；该文件不存在（或为空）。',
    ],
    fix: [
      'Copy the ROM there and check it: cp <your ROM> {rom} && sha256sum {rom}   (romfile= takes the bare file name, relative to /usr/share/kvm).',
      '复制 ROM 并核对：cp <你的 ROM> {rom} && sha256sum {rom}   （romfile= 只写文件名，相对于 /usr/share/kvm）。',
    ],
    source:
      'qemu/qemu hw/pci/pci.c pci_add_option_rom: "failed to find romfile \\"%s\\"", "romfile \\"%s\\" is empty"; proxmox/qemu-server PCI.pm (romfile=/usr/share/kvm/$d->{romfile})',
  },
  {
    id: 'vga-not-none',
    severity: 'error',
    patterns: [/legacy IGD assignment requires VGA mode to be 'none'/],
    cause: [
      'Legacy IGD gives the iGPU the VGA ranges and the primary display; an emulated VGA card must not be there.',
      '传统 IGD 模式要把 VGA 资源与主显示交给核显，不能再有模拟显卡。',
    ],
    fix: ['qm set {vmid} --vga none', 'qm set {vmid} --vga none'],
    source: `${PVE_PCI}: "legacy IGD assignment requires VGA mode to be 'none'"`,
  },
  {
    id: 'igd-address',
    severity: 'error',
    patterns: [
      /legacy IGD assignment only works for devices on host bus 00:02\.0/,
      /legacy IGD assignment is not compatible with multifunction devices/,
      /legacy IGD assignment is not compatible with alternate devices/,
      /only one device can be assigned in legacy-igd mode/,
      /Machine is not i440fx or assigned BDF is not 00:02\.0/,
      /or device [0-9a-f]{4} \(gen [6-9]\) doesn't support legacy mode/,
    ],
    cause: [
      'The iGPU must be the single function host 00:02.0, placed at guest 00:02.0 of an i440fx VM; this setup differs (other host address, whole slot or multifunction, several devices, or another guest address).',
      '核显必须是宿主机单一功能 00:02.0，并放在 i440fx 虚拟机的客户机地址 00:02.0；当前配置不符（宿主机地址不同、整个插槽或多功能、多个设备，或客户机地址不同）。',
    ],
    fix: [
      'Pass exactly the function: qm set {vmid} --{dev} 0000:00:02.0,legacy-igd=1,romfile=igd.rom   and drop any -set device.{dev}.addr= other than 02.0.',
      '只直通该功能：qm set {vmid} --{dev} 0000:00:02.0,legacy-igd=1,romfile=igd.rom   并删除 02.0 以外的 -set device.{dev}.addr=。',
    ],
    source: `${PVE_PCI}: "legacy IGD assignment only works for devices on host bus 00:02.0", "… not compatible with multifunction devices"; ${QEMU_NEW} (x-igd-legacy-mode=on): "Machine is not i440fx, assigned BDF is not 00:02.0, or device %04x (gen %d) doesn't support legacy mode"`,
  },
  {
    id: 'lpc-needed',
    severity: 'error',
    patterns: [/or device [0-9a-f]{4} \(gen (1\d|[2-9]\d)\) doesn't support legacy mode/],
    cause: [
      'QEMU 10.1 limits legacy mode to Gen6–9 (Sandy Bridge … Comet Lake). For this Gen11+ iGPU it no longer creates the LPC bridge IDs or OpRegion by itself, and the GOP stays dark without them.',
      'QEMU 10.1 只对 Gen6–9（Sandy Bridge … Comet Lake）启用传统模式。对于此 Gen11+ 核显，它不再自动创建 LPC 桥 ID 和 OpRegion，GOP 因此没有输出。',
    ],
    fix: [
      'Ask for them explicitly and drop x-igd-legacy-mode=on: args: -set device.{dev}.x-igd-lpc=on -set device.{dev}.x-igd-opregion=on',
      '显式开启并去掉 x-igd-legacy-mode=on：args: -set device.{dev}.x-igd-lpc=on -set device.{dev}.x-igd-opregion=on',
    ],
    source: `${QEMU_NEW}: legacy mode only when gen 6…9 (qemu commit dd69d84604); docs/igd-assign.txt "x-igd-lpc=[on|*off*]"`,
  },
  {
    id: 'pcie-forces-q35',
    severity: 'error',
    patterns: [/q35 machine model is not enabled/],
    cause: [
      'pcie=1 on a hostpci entry needs a q35 machine, but legacy IGD needs i440fx.',
      'hostpci 上的 pcie=1 需要 q35 机型，而传统 IGD 需要 i440fx。',
    ],
    fix: [
      'Remove ",pcie=1" from the {dev} line in /etc/pve/qemu-server/{vmid}.conf.',
      '从 /etc/pve/qemu-server/{vmid}.conf 的 {dev} 行删除 ",pcie=1"。',
    ],
    source: `${PVE_PCI}: "q35 machine model is not enabled"`,
  },
  {
    id: 'iommu-off',
    severity: 'error',
    patterns: [/cannot prepare PCI pass-through, IOMMU not present/, /no iommu_group found/],
    cause: [
      'The host kernel has no IOMMU (VT-d / AMD-Vi) active, so no device can be passed through.',
      '宿主机内核未启用 IOMMU（VT-d / AMD-Vi），无法直通任何设备。',
    ],
    fix: [
      'Enable VT-d in the host firmware. Kernels before 6.8 also need intel_iommu=on: GRUB → add it to GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, then update-grub; systemd-boot → append it to /etc/kernel/cmdline, then proxmox-boot-tool refresh. Reboot; ls /sys/kernel/iommu_groups must list groups.',
      '在宿主机固件中启用 VT-d。6.8 之前的内核还需 intel_iommu=on：GRUB → 加到 /etc/default/grub 的 GRUB_CMDLINE_LINUX_DEFAULT，再 update-grub；systemd-boot → 追加到 /etc/kernel/cmdline，再 proxmox-boot-tool refresh。重启后 ls /sys/kernel/iommu_groups 应列出分组。',
    ],
    source:
      'proxmox/qemu-server PCI.pm prepare_pci_device: "cannot prepare PCI pass-through, IOMMU not present"; qemu/qemu hw/vfio: "no iommu_group found"; proxmox/pve-docs qm-pci-passthrough.adoc',
  },
  {
    id: 'host-driver-bound',
    severity: 'error',
    patterns: [
      /Verify all devices in group \d+ are bound to vfio-<bus> or pci-stub and not already in use/,
      /can't unbind\/bind PCI group to VFIO '[^']+'/,
      /vfio \S+: group \d+ is not viable/,
      /vfio \S+: failed to open \/dev\/vfio\/\d+: No such file or directory/,
    ],
    cause: [
      'A host driver (i915/xe for the iGPU, snd_hda_intel or SOF for audio) still owns a device of the group, so vfio-pci cannot take it.',
      '宿主机驱动（核显的 i915/xe，声卡的 snd_hda_intel 或 SOF）仍占用该分组中的设备，vfio-pci 无法接管。',
    ],
    fix: [
      'Bind vfio-pci first: echo "options vfio-pci ids={ids}" > /etc/modprobe.d/vfio.conf; {softdeps}update-initramfs -u -k all; reboot. lspci -nnk must then say "Kernel driver in use: vfio-pci" for each passed device.',
      '让 vfio-pci 先绑定：echo "options vfio-pci ids={ids}" > /etc/modprobe.d/vfio.conf; {softdeps}update-initramfs -u -k all; 重启。之后 lspci -nnk 中每个直通设备都应显示 "Kernel driver in use: vfio-pci"。',
    ],
    source:
      'qemu/qemu hw/vfio (vfio_get_device): "Verify all devices in group %d are bound to vfio-<bus> or pci-stub and not already in use"; qemu/qemu hw/vfio (vfio_get_group): "group %d is not viable", "failed to open %s"; proxmox/qemu-server PCI.pm: "can\'t unbind/bind PCI group to VFIO \'%s\'"',
  },
  {
    id: 'start-failed',
    severity: 'error',
    unexplained: true,
    patterns: [
      /start failed: QEMU exited with code \d+/,
      /start failed: command '\S*kvm .*' failed: exit code \d+/,
    ],
    cause: [
      'The VM did not start: QEMU stopped with an error. This line only says that it failed; the reason is the "kvm: …" line QEMU printed just before it, which is not in what was given.',
      '虚拟机没有启动：QEMU 因错误退出。这一行只说明启动失败；原因在 QEMU 紧挨着它之前输出的 “kvm: …” 那一行，而提供的内容里没有这一行。',
    ],
    fix: [
      'Paste the whole start task log (node → Tasks → the failed "VM {vmid} - Start" → Output), or start the VM in a shell to see QEMU’s message: qm start {vmid}. The probe script collects the task log and the journal for you.',
      '请粘贴完整的启动任务日志（节点 → 任务 → 失败的 “VM {vmid} - 启动” → 输出），或在命令行启动虚拟机以看到 QEMU 的报错：qm start {vmid}。探测脚本会自动收集任务日志和 journal。',
    ],
    source:
      'proxmox/qemu-server src/PVE/QemuServer.pm (vm_start_nolock): "start failed: %s", "QEMU exited with code %d"; proxmox/pve-common PVE::Tools run_command: "command \'%s\' failed: exit code %d"',
  },
  {
    id: 'framebuffer-held',
    severity: 'warning',
    patterns: [
      /vfio-pci \S+: BAR \d+: can't reserve \[mem/,
      /Failed to mmap \S+ BAR \d+\. Performance may be slow/,
    ],
    cause: [
      'A host boot framebuffer (efifb/simplefb/simpledrm via sysfb) still holds the iGPU’s memory BAR, so vfio-pci cannot reserve or map it.',
      '宿主机的启动帧缓冲（efifb/simplefb/simpledrm，经 sysfb）仍占用核显的内存 BAR，vfio-pci 无法保留或映射它。',
    ],
    fix: [
      'Add initcall_blacklist=sysfb_init (or video=efifb:off video=vesafb:off) to the kernel command line — GRUB: /etc/default/grub + update-grub; systemd-boot: /etc/kernel/cmdline + proxmox-boot-tool refresh — and reboot.',
      '在内核命令行加 initcall_blacklist=sysfb_init（或 video=efifb:off video=vesafb:off）——GRUB：/etc/default/grub + update-grub；systemd-boot：/etc/kernel/cmdline + proxmox-boot-tool refresh——然后重启。',
    ],
    source:
      'torvalds/linux drivers/pci/pci.c __pci_request_region: "BAR %d: can\'t reserve %pR"; qemu/qemu hw/vfio/pci.c: "Failed to mmap %s BAR %d. Performance may be slow" (docs/igd-assign.txt names it as the sign of this)',
  },
  {
    id: 'bdsm',
    severity: 'error',
    patterns: [
      /Guest attempted to program IGD GTT before BIOS reserved stolen memory\.\s+Unsupported BIOS\?/,
      /: failed to allocate stolen memory: /,
      /: failed to write stolen memory address: /,
      /IgdAssignment: cannot reserve \S+ bytes of stolen memory/,
    ],
    cause: [
      'Nobody reserved the iGPU’s stolen memory in the guest (BDSM not written): the VM runs without an IgdAssignmentDxe ROM, or the ROM could not allocate the size QEMU asked for below 4 GiB.',
      '客户机中没有人为核显预留显存（未写 BDSM）：虚拟机未加载含 IgdAssignmentDxe 的 ROM，或 ROM 无法在 4 GiB 以下分配 QEMU 要求的大小。',
    ],
    fix: [
      'Use a romfile that contains IgdAssignmentDxe (the ROM this app builds does). If the allocation failed, lower the size: -set device.{dev}.x-igd-gms=0x2 (64 MiB) or DVMT Pre-Allocated 64M in the host firmware.',
      '使用包含 IgdAssignmentDxe 的 romfile（本应用生成的 ROM 即包含）。若分配失败，请减小大小：-set device.{dev}.x-igd-gms=0x2（64 MiB），或在宿主机固件中把 DVMT Pre-Allocated 设为 64M。',
    ],
    source: `${QEMU_OLD} vfio_igd_quirk_data_write: "vfio-igd: Guest attempted to program IGD GTT before BIOS reserved stolen memory.  Unsupported BIOS?"; tomitamoeko/VfioIgdPkg IgdAssignment.c SetupStolenMemory: "%a: %a: failed to allocate stolen memory: %r"`,
  },
  {
    id: 'gms-dvmt',
    severity: 'error',
    patterns: [
      /Unsupported IGD GMS value 0x[0-9a-f]+/i,
      /x-igd-gms is not supported on this device/,
      /Parameter 'x-igd-gms' expects [^\s]+/,
    ],
    cause: [
      'The stolen-memory size (GMS: host DVMT Pre-Allocated, or x-igd-gms) is outside what QEMU accepts for this generation.',
      '预留显存大小（GMS：宿主机 DVMT Pre-Allocated，或 x-igd-gms）超出 QEMU 对该代次接受的范围。',
    ],
    fix: [
      'Set x-igd-gms to a value in range (units of 32 MiB; Gen6–7 up to 0x10, Gen8+ up to 0x40, Gen9+ also 0xf0–0xfe): -set device.{dev}.x-igd-gms=0x2 — or set DVMT Pre-Allocated to 64M in the host firmware and drop x-igd-gms.',
      '把 x-igd-gms 设在范围内（单位 32 MiB；Gen6–7 最大 0x10，Gen8+ 最大 0x40，Gen9+ 另可 0xf0–0xfe）：-set device.{dev}.x-igd-gms=0x2；或在宿主机固件把 DVMT Pre-Allocated 设为 64M 并去掉 x-igd-gms。',
    ],
    source: `${QEMU_OLD} igd_get_stolen_mb: "Unsupported IGD GMS value 0x%x"; ${QEMU_NEW} vfio_pci_igd_override_gms: "x-igd-gms is not supported on this device", QERR_INVALID_PARAMETER_VALUE "Parameter '%s' expects %s"`,
  },
  {
    id: 'host-phys-bits',
    severity: 'warning',
    patterns: [
      /vfio_container_dma_map\([^)]*\) = -22 \(Invalid argument\)/,
      /VFIO_MAP_DMA failed: Invalid argument/,
    ],
    cause: [
      'OVMF placed a 64-bit PCI window above what the host IOMMU can address, so mapping it for DMA fails with EINVAL.',
      'OVMF 把 64 位 PCI 窗口放在宿主机 IOMMU 可寻址范围之外，为其建立 DMA 映射时以 EINVAL 失败。',
    ],
    fix: [
      'Limit the guest’s physical address width to the IOMMU’s ({width} bits): qm set {vmid} --cpu host,phys-bits={width}   (plain QEMU: -cpu host,host-phys-bits-limit={width}). The IOMMU’s width, on the host: echo $(( ((0x$(cat /sys/class/iommu/dmar0/intel-iommu/cap) >> 16) & 0x3f) + 1 ))',
      '把客户机物理地址宽度限制为 IOMMU 的宽度（{width} 位）：qm set {vmid} --cpu host,phys-bits={width}   （纯 QEMU：-cpu host,host-phys-bits-limit={width}）。在主机上查看 IOMMU 的宽度：echo $(( ((0x$(cat /sys/class/iommu/dmar0/intel-iommu/cap) >> 16) & 0x3f) + 1 ))',
    ],
    source:
      'qemu/qemu docs/igd-assign.txt "Known issues": "vfio_container_dma_map(…) = -22 (Invalid argument)"; qemu hw/vfio/common.c "VFIO_MAP_DMA failed: %s"',
  },
  {
    id: 'opregion',
    severity: 'error',
    patterns: [
      /IGD device \S+ does not support OpRegion access,\s?legacy mode disabled/,
      /failed to read IGD OpRegion/,
      /IGD device detected, but OpRegion is not supported on hotplugged device\./,
      /: failed to allocate OpRegion: /,
      /: failed to write OpRegion address: /,
      /IgdAssignment: fw_cfg etc\/igd-opregion absent/,
    ],
    cause: [
      'The guest has no OpRegion (the table with the VBT): QEMU did not expose it, or the ROM could not place it. Without it the GOP and the guest driver find no outputs.',
      '客户机没有 OpRegion（含 VBT 的表）：QEMU 未提供，或 ROM 无法放置它。没有它，GOP 与客户机驱动都找不到输出。',
    ],
    fix: [
      'Expose it: args: -set device.{dev}.x-igd-opregion=on (default from QEMU 10.1); keep the iGPU bound to vfio-pci (not pci-stub) so the kernel offers the OpRegion region; do not hot-plug the iGPU.',
      '提供它：args: -set device.{dev}.x-igd-opregion=on（QEMU 10.1 起默认开启）；核显须绑定 vfio-pci（而非 pci-stub），内核才会提供 OpRegion 区域；不要热插拔核显。',
    ],
    source: `${QEMU_OLD}: "IGD device %s does not support OpRegion access,legacy mode disabled"; ${QEMU_NEW}: "failed to read IGD OpRegion", "IGD device detected, but OpRegion is not supported on hotplugged device."; VfioIgdPkg IgdAssignment.c SetupOpRegion: "failed to allocate OpRegion: %r"`,
  },
  {
    id: 'igd-kernel-regions',
    severity: 'error',
    patterns: [
      /IGD device \S+ does not support (host|LPC) bridge access,\s?legacy mode disabled/,
      /IGD (LPC|host) bridge access is not supported by kernel/,
    ],
    cause: [
      'The host kernel does not offer the IGD host/LPC bridge config regions for this device: it is bound to pci-stub instead of vfio-pci, or the kernel lacks CONFIG_VFIO_PCI_IGD.',
      '宿主机内核没有为该设备提供 IGD 主桥/LPC 桥配置区域：设备绑定在 pci-stub 而不是 vfio-pci，或内核缺少 CONFIG_VFIO_PCI_IGD。',
    ],
    fix: [
      'Bind the iGPU to vfio-pci (options vfio-pci ids={ids} in /etc/modprobe.d/vfio.conf, update-initramfs -u -k all, reboot) on a stock Proxmox kernel.',
      '在原版 Proxmox 内核上把核显绑定到 vfio-pci（/etc/modprobe.d/vfio.conf 中 options vfio-pci ids={ids}，update-initramfs -u -k all，重启）。',
    ],
    source: `${QEMU_OLD}: "IGD device %s does not support host bridge access,legacy mode disabled"; ${QEMU_NEW} vfio_pci_igd_setup_lpc_bridge: "IGD LPC bridge access is not supported by kernel"`,
  },
  {
    id: 'wrong-rom',
    severity: 'error',
    patterns: [
      /IgdAssignment: device 8086:[0-9a-f]{4} is not in our iGPU table/,
      /PciIoNotify: GetIgdPrivateData: /,
    ],
    cause: [
      'The option ROM does not know this iGPU: it was built for another generation (or is older than the chip).',
      '该 Option ROM 不认识此核显：它是为其他代次生成的（或比芯片更旧）。',
    ],
    fix: [
      'Build the ROM from this host’s own BIOS (or a BIOS of the same platform) with this app and replace /usr/share/kvm/<romfile>.',
      '用本应用从本机 BIOS（或同平台 BIOS）生成 ROM，并替换 /usr/share/kvm/<romfile>。',
    ],
    source:
      'src/drivers/igd-assignment.c (ours): "device 8086:%04x is not in our iGPU table"; VfioIgdPkg IgdAssignment.c PciIoNotify: "%a: GetIgdPrivateData: %r"',
  },
  {
    id: 'stale-args',
    severity: 'error',
    patterns: [
      /Property 'vfio-pci(-nohotplug)?\.(x-igd-[\w-]+)' not found/,
      /legacy IGD assignment is not compatible with x-vga/,
    ],
    cause: [
      'The VM carries options from a guide for another QEMU version: this QEMU does not know them (x-igd-lpc and x-igd-legacy-mode exist from 10.0), or they fight legacy IGD (x-vga).',
      '虚拟机带有为其他 QEMU 版本写的选项：此 QEMU 不认识它们（x-igd-lpc 与 x-igd-legacy-mode 从 10.0 起才有），或与传统 IGD 冲突（x-vga）。',
    ],
    fix: [
      'Remove the named option from args: / the {dev} line of /etc/pve/qemu-server/{vmid}.conf (or upgrade QEMU when the guide targets a newer one).',
      '从 /etc/pve/qemu-server/{vmid}.conf 的 args: 或 {dev} 行删除所列选项（若该教程面向更新的 QEMU，则升级 QEMU）。',
    ],
    source: `qemu/qemu qom/object.c object_property_find_err: "Property '%s.%s' not found"; ${PVE_PCI}: "legacy IGD assignment is not compatible with x-vga"`,
  },
  {
    id: 'reset-failed',
    severity: 'warning',
    patterns: [
      /vfio: Cannot reset device \S+, no available reset mechanism\./,
      /vfio: Cannot reset device \S+, depends on group \d+ which is not owned\./,
      /failed to reset PCI device '[^']+', but trying to continue as not all devices need a reset/,
    ],
    cause: [
      'A passed device cannot be reset between VM runs; it may come back in the state the guest left it (black screen after a VM restart).',
      '直通设备在两次运行之间无法复位；它可能保持客户机留下的状态（虚拟机重启后黑屏）。',
    ],
    fix: [
      'Shut the guest down from inside (not qm stop); keep host drivers off the device (vfio-pci ids=…); if the iGPU stays dark after a VM stop, reboot the host.',
      '在客户机内部关机（不要用 qm stop）；不让宿主机驱动接管该设备（vfio-pci ids=…）；若虚拟机停止后核显仍无输出，请重启宿主机。',
    ],
    source:
      'qemu/qemu hw/vfio/pci.c vfio_pci_hot_reset: "vfio: Cannot reset device %s, no available reset mechanism.", "… depends on group %d which is not owned."; proxmox/qemu-server PCI.pm prepare_pci_device',
  },
  {
    id: 'dma-fault',
    severity: 'warning',
    harmlessBelow: 10,
    patterns: [
      /DMAR: \[DMA (Read|Write)[^\]]*\] Request device \[[0-9a-f:.]+\](?: PASID \S+)? fault addr/,
      /AMD-Vi: Event logged \[IO_PAGE_FAULT/,
    ],
    cause: [
      'The IOMMU keeps blocking DMA from a passed device. A few faults when the IGD is first assigned are normal; an ongoing stream means the device reads memory the guest never mapped (often missing stolen memory/BDSM).',
      'IOMMU 持续拦截直通设备的 DMA。IGD 刚分配时少量故障属正常；持续出现说明设备在访问客户机未映射的内存（常见原因是缺少预留显存/BDSM）。',
    ],
    fix: [
      'Check the bdsm and opregion findings; use a ROM with IgdAssignmentDxe; if the faults name another device, pass it only with its whole IOMMU group.',
      '检查 bdsm 与 opregion 相关项；使用含 IgdAssignmentDxe 的 ROM；若故障指向其他设备，请连同其整个 IOMMU 分组一起直通。',
    ],
    source:
      'torvalds/linux drivers/iommu/intel/dmar.c dmar_fault_do_one: "[%s NO_PASID] Request device [%02x:%02x.%d] fault addr 0x%llx [fault reason 0x%02x] %s"; qemu docs/igd-assign.txt (small numbers of DMAR faults are expected)',
  },
  {
    id: 'disable-vga',
    severity: 'error',
    patterns: [/^\s*options\s+vfio[-_]pci\b.*\bdisable_vga=(1|y)/],
    cause: [
      'vfio-pci disable_vga=1 takes the VGA ranges away from the iGPU; legacy IGD needs them (QEMU 10.1 checks that the IGD decodes VGA).',
      'vfio-pci 的 disable_vga=1 会收回核显的 VGA 资源；传统 IGD 需要它们（QEMU 10.1 会检查 IGD 是否解码 VGA）。',
    ],
    fix: [
      'Remove disable_vga=1 from the options vfio-pci line in /etc/modprobe.d/, then update-initramfs -u -k all and reboot.',
      '从 /etc/modprobe.d/ 中 options vfio-pci 行删除 disable_vga=1，然后 update-initramfs -u -k all 并重启。',
    ],
    source:
      'LongQT-sea/intel-igpu-passthru README, gangqizai/igd README ("no disable_vga=1"); qemu/qemu hw/vfio/igd.c 10.1 (legacy mode needs VGA decode)',
  },
  {
    id: 'guest-code43',
    severity: 'info',
    patterns: [/\(Code 43\)|\bCode 43\b|代码 43|代码43/],
    cause: [
      'Windows stopped the Intel driver (Code 43). It has several causes; the checklist separates them.',
      'Windows 停用了 Intel 驱动（代码 43）。原因有多种，可按清单逐项排除。',
    ],
    fix: [
      'Check in order: 1) machine i440fx (pc), not q35; 2) iGPU at guest 00:02.0 with legacy-igd=1; 3) OpRegion present (x-igd-opregion=on before QEMU 10.1); 4) stolen memory reserved (ROM with IgdAssignmentDxe, x-igd-gms set before QEMU 10.0); 5) cpu: host; 6) host firmware: iGPU primary, CSM off; 7) memory ≥ 4 GiB. Paste the probe report for the exact cause.',
      '按顺序检查：1）机型为 i440fx（pc）而非 q35；2）核显在客户机 00:02.0 且 legacy-igd=1；3）提供 OpRegion（QEMU 10.1 之前需 x-igd-opregion=on）；4）已预留显存（ROM 含 IgdAssignmentDxe，QEMU 10.0 之前需 x-igd-gms）；5）cpu: host；6）宿主机固件：核显为主显卡、关闭 CSM；7）内存 ≥ 4 GiB。粘贴探测报告可定位确切原因。',
    ],
    source:
      'Windows Device Manager status "(Code 43)"; LongQT-sea/intel-igpu-passthru issue #21; cmd2001/build-edk2-gvtd README',
  },

  // ---- Condition rules: facts from configs, lspci, registers, files.
  {
    id: 'machine-q35',
    severity: 'error',
    cause: [
      'The iGPU is passed to a q35 VM. q35 has its own LPC bridge at 00:1f.0, so QEMU cannot set up IGD legacy mode and most GOPs show nothing.',
      '核显直通给了 q35 虚拟机。q35 在 00:1f.0 自带 LPC 桥，QEMU 无法建立 IGD 传统模式，多数 GOP 不会输出画面。',
    ],
    fix: ['qm set {vmid} --machine pc', 'qm set {vmid} --machine pc'],
    source: `${PVE_PCI} ("legacy IGD assignment is not compatible with q35"); qemu docs/igd-assign.txt (x-igd-lpc is i440fx only)`,
    when: (f) =>
      firstVm(f, (vm, igd) => (vm.machine?.q35 ? [igd.line, vm.machine.line] : undefined)),
  },
  {
    id: 'vga-not-none',
    severity: 'error',
    cause: [
      'legacy-igd=1 is set but the VM still has an emulated VGA card (no "vga: none"); Proxmox refuses to start it.',
      '设置了 legacy-igd=1，但虚拟机仍有模拟显卡（没有 "vga: none"）；Proxmox 会拒绝启动。',
    ],
    fix: ['qm set {vmid} --vga none', 'qm set {vmid} --vga none'],
    source: `${PVE_PCI}: "legacy IGD assignment requires VGA mode to be 'none'"`,
    when: (f) =>
      firstVm(f, (vm, igd) =>
        vm.format === 'pve' && igd.legacyIgd && !/^none\b/.test(vm.vga?.value ?? '')
          ? [igd.line, ...(vm.vga ? [vm.vga.line] : [])]
          : undefined,
      ),
  },
  {
    id: 'rom-missing',
    severity: 'error',
    cause: [
      'The iGPU has no romfile= (or rombar=0). A UEFI-booted host has no VBIOS in the ROM BAR, so QEMU disables legacy mode and nothing sets up OpRegion and stolen memory in OVMF.',
      '核显没有 romfile=（或 rombar=0）。UEFI 启动的宿主机 ROM BAR 中没有 VBIOS，QEMU 会关闭传统模式，OVMF 中也没人设置 OpRegion 与预留显存。',
    ],
    fix: [
      'qm set {vmid} --{dev} 0000:00:02.0,legacy-igd=1,romfile=igd.rom   (the ROM from this app, in /usr/share/kvm/).',
      'qm set {vmid} --{dev} 0000:00:02.0,legacy-igd=1,romfile=igd.rom   （本应用生成的 ROM，放在 /usr/share/kvm/）。',
    ],
    source: `${QEMU_OLD} ("has no ROM, legacy mode disabled"); ${QEMU_NEW} ("Device has no ROM"); qemu docs/igd-assign.txt condition #6`,
    when: (f) => firstVm(f, (_vm, igd) => (igd.romBarOff || !igd.romfile ? [igd.line] : undefined)),
  },
  {
    id: 'igd-address',
    severity: 'error',
    cause: [
      'The iGPU is not passed as the single function host 00:02.0 at guest 00:02.0 (or x-igd-* options name another hostpci than the iGPU’s).',
      '核显没有以宿主机单一功能 00:02.0 直通到客户机 00:02.0（或 x-igd-* 选项指向的不是核显所在的 hostpci）。',
    ],
    fix: [
      'qm set {vmid} --{dev} 0000:00:02.0,legacy-igd=1,romfile=igd.rom   and make every -set device.<id>.x-igd-* in args: use {dev}.',
      'qm set {vmid} --{dev} 0000:00:02.0,legacy-igd=1,romfile=igd.rom   并让 args: 中所有 -set device.<id>.x-igd-* 都使用 {dev}。',
    ],
    source: `${PVE_PCI} ("only works for devices on host bus 00:02.0", multifunction); qemu docs/igd-assign.txt condition #3`,
    when: (f) =>
      firstVm(f, (vm, igd) => {
        // A bare 0000:00:02 passes every function of the slot: fine while the iGPU has one.
        if (!/:00:02(\.0)?$/.test(igd.host)) return [igd.line];
        if (igd.guestAddr !== undefined && !GUEST_02.test(igd.guestAddr))
          return [igd.line, ...(vm.args ? [vm.args] : [])];
        const other = vm.devices.find(
          (d) => d !== igd && [...d.props.keys()].some((k) => k.startsWith('x-igd')),
        );
        return other ? [other.line, ...(vm.args ? [vm.args] : [])] : undefined;
      }),
  },
  {
    id: 'pcie-forces-q35',
    severity: 'error',
    cause: [
      'The iGPU line has pcie=1, which needs q35; legacy IGD needs i440fx.',
      '核显行带有 pcie=1，这需要 q35；而传统 IGD 需要 i440fx。',
    ],
    fix: [
      'Remove ",pcie=1" from {dev} in /etc/pve/qemu-server/{vmid}.conf.',
      '从 /etc/pve/qemu-server/{vmid}.conf 的 {dev} 中删除 ",pcie=1"。',
    ],
    source: `${PVE_PCI}: "q35 machine model is not enabled"`,
    when: (f) => firstVm(f, (vm, igd) => (igd.pcie && !vm.machine?.q35 ? [igd.line] : undefined)),
  },
  {
    id: 'romfile-missing',
    severity: 'error',
    cause: [
      'The probe did not find the romfile the VM names.',
      '探测脚本没有找到虚拟机指定的 romfile。',
    ],
    fix: [
      'Copy the ROM there and check it: cp <your ROM> {rom} && sha256sum {rom}',
      '复制 ROM 并核对：cp <你的 ROM> {rom} && sha256sum {rom}',
    ],
    source:
      'qemu/qemu hw/pci/pci.c pci_add_option_rom ("failed to find romfile"); proxmox/qemu-server PCI.pm (/usr/share/kvm/)',
    when: (f) => {
      const miss = f.missingFiles.find(
        (m) => m.path.startsWith('/usr/share/kvm/') || /\.rom$/i.test(m.path),
      );
      return miss
        ? {
            evidence: [{ where: miss.where, line: 0, text: `${miss.path}: no such file` }],
            params: { rom: miss.path },
          }
        : undefined;
    },
  },
  {
    id: 'host-driver-bound',
    severity: 'error',
    cause: [
      'A host driver still owns a device the VM passes (or the iGPU), so QEMU cannot open it through vfio-pci.',
      '宿主机驱动仍占用虚拟机直通的设备（或核显），QEMU 无法通过 vfio-pci 打开它。',
    ],
    fix: [
      'echo "options vfio-pci ids={ids}" > /etc/modprobe.d/vfio.conf; {softdeps}update-initramfs -u -k all; reboot.',
      'echo "options vfio-pci ids={ids}" > /etc/modprobe.d/vfio.conf; {softdeps}update-initramfs -u -k all; 重启。',
    ],
    source:
      'proxmox/pve-docs qm-pci-passthrough.adoc (binding vfio-pci); lspci -nnk "Kernel driver in use"',
    when: (f) => {
      const passed = new Set(f.vms.flatMap((vm) => vm.devices.map((d) => d.host)));
      const igpu = hostIgpu(f)?.dev;
      const bound = f.devices.filter(
        (d) =>
          d.driver &&
          HOST_DRIVERS.test(d.driver) &&
          ([...passed].some((p) => d.address === p || d.address.startsWith(`${p}.`)) ||
            (f.vms.length === 0 && d === igpu)),
      );
      if (!bound.length) return undefined;
      // Every passed device goes into ids=, so rewriting vfio.conf keeps the ones already bound.
      // A bare slot (00:1f) also expands to the host's bridges, SMBus and SPI controller: only its
      // display and audio functions belong to vfio-pci (audio-function says pass just those).
      const owned = f.devices.filter(
        (d) =>
          d.classCode >> 8 !== 0x06 &&
          (passed.has(d.address) ||
            ([...passed].some((p) => d.address.startsWith(`${p}.`)) &&
              (d.classCode >> 8 === 0x03 || d.classCode === 0x0403))),
      );
      // modprobe keeps only the last ids= it reads, so the ids already listed (a dGPU of another
      // VM, say) stay in the one line the fix writes.
      const listed = f.modprobe.flatMap(
        (l) => /^\s*options\s+vfio[-_]pci\s.*\bids=(\S+)/.exec(l.text)?.[1].split(',') ?? [],
      );
      const ids = [
        ...new Set([
          ...listed.map((id) => id.toLowerCase()),
          ...[...owned, ...bound].map((d) => `${hex4(d.vendorId)}:${hex4(d.deviceId)}`),
        ]),
      ].join(',');
      const softdeps = [...new Set(bound.map((d) => d.driver!.replace(/-/g, '_')))]
        .map((drv) => `echo "softdep ${drv} pre: vfio-pci" >> /etc/modprobe.d/vfio.conf; `)
        .join('');
      return { evidence: bound.flatMap((d) => [d.line, d.driverLine!]), params: { ids, softdeps } };
    },
  },
  {
    id: 'iommu-off',
    severity: 'error',
    cause: [
      'The probe found no IOMMU groups (or the kernel command line turns the IOMMU off): VT-d is off in the host firmware or in the kernel.',
      '探测未发现 IOMMU 分组（或内核命令行关闭了 IOMMU）：宿主机固件或内核中 VT-d 未开启。',
    ],
    fix: [
      'Enable VT-d in the host firmware; remove intel_iommu=off; on kernels before 6.8 add intel_iommu=on (GRUB: /etc/default/grub + update-grub; systemd-boot: /etc/kernel/cmdline + proxmox-boot-tool refresh); reboot.',
      '在宿主机固件启用 VT-d；删除 intel_iommu=off；6.8 之前的内核加 intel_iommu=on（GRUB：/etc/default/grub + update-grub；systemd-boot：/etc/kernel/cmdline + proxmox-boot-tool refresh）；重启。',
    ],
    source:
      'proxmox/pve-docs qm-pci-passthrough.adoc (IOMMU on by default from kernel 6.8, commit 4d318fb); Linux /sys/kernel/iommu_groups',
    when: (f) => {
      const off =
        f.cmdline && /(^|\s)(intel_iommu|amd_iommu)=off\b/.test(f.cmdline.text)
          ? f.cmdline
          : undefined;
      if (off) return { evidence: [off] };
      return f.iommuGroups && f.iommuGroups.count === 0
        ? { evidence: [f.iommuGroups.line] }
        : undefined;
    },
  },
  {
    id: 'iommu-off',
    severity: 'error',
    needs: ['kernel'],
    cause: [
      'This kernel is older than 6.8, where the Intel IOMMU is off unless intel_iommu=on is given, and the command line lacks it.',
      '此内核早于 6.8，除非给出 intel_iommu=on 否则 Intel IOMMU 关闭，而命令行中没有它。',
    ],
    fix: [
      'Add intel_iommu=on (GRUB: GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub + update-grub; systemd-boot: /etc/kernel/cmdline + proxmox-boot-tool refresh) and reboot.',
      '加入 intel_iommu=on（GRUB：/etc/default/grub 的 GRUB_CMDLINE_LINUX_DEFAULT + update-grub；systemd-boot：/etc/kernel/cmdline + proxmox-boot-tool refresh）并重启。',
    ],
    source:
      'proxmox/pve-docs qm-pci-passthrough.adoc commit 4d318fb (Intel IOMMU default on from kernel 6.8)',
    when: (f) =>
      f.kernel &&
      f.cmdline &&
      !atLeast(f.kernel.version, '6.8') &&
      hostIgpu(f) &&
      !/(^|\s)intel_iommu=on\b/.test(f.cmdline.text)
        ? { evidence: [f.kernel.line, f.cmdline] }
        : undefined,
  },
  {
    id: 'qemu-too-old',
    severity: 'error',
    needs: ['qemu'],
    cause: [
      'The iGPU ({code}) needs QEMU {min} or newer for legacy mode; this host runs QEMU {qemu}.',
      '该核显（{code}）的传统模式需要 QEMU {min} 或更新版本；本机运行的是 QEMU {qemu}。',
    ],
    fix: [
      'Upgrade to Proxmox VE 9.1 or newer (pve-qemu-kvm ≥ {min}): apt update && apt full-upgrade; stop and start the VM.',
      '升级到 Proxmox VE 9.1 或更新版本（pve-qemu-kvm ≥ {min}）：apt update && apt full-upgrade；关机再启动虚拟机。',
    ],
    source: 'qemu commit 7969cf4639 (MTL/ARL/LNL in 10.1); LongQT-sea/intel-igpu-passthru README',
    when: (f) => {
      const ig = hostIgpu(f);
      const min = ig?.info && minimumQemuFor(ig.info);
      if (!f.qemu || !ig?.info || !min || atLeast(f.qemu.version, min)) return undefined;
      return {
        evidence: [f.qemu.line, ig.dev.line],
        params: { code: ig.info.code, min, qemu: fmt(f.qemu.version) },
      };
    },
  },
  {
    id: 'lpc-needed',
    severity: 'error',
    needs: ['qemu'],
    cause: [
      'QEMU {qemu} limits legacy mode to Gen6–9; this {code} (Gen11+) gets no LPC bridge IDs unless x-igd-lpc=on is set, and its GOP stays dark.',
      'QEMU {qemu} 只对 Gen6–9 启用传统模式；此 {code}（Gen11+）除非设置 x-igd-lpc=on，否则得不到 LPC 桥 ID，GOP 不会输出。',
    ],
    fix: [
      'args: -set device.{dev}.x-igd-lpc=on -set device.{dev}.x-igd-opregion=on   (qm set {vmid} --args "…").',
      'args: -set device.{dev}.x-igd-lpc=on -set device.{dev}.x-igd-opregion=on   （qm set {vmid} --args "…"）。',
    ],
    source: `${QEMU_NEW}: legacy mode only for gen 6…9 (qemu commit dd69d84604); docs/igd-assign.txt x-igd-lpc`,
    when: (f) => {
      const ig = hostIgpu(f);
      if (!f.qemu || !ig?.info || !atLeast(f.qemu.version, '10.1') || ig.info.gen < 11)
        return undefined;
      const hit = firstVm(f, (vm, igd) =>
        !on(igd.props.get('x-igd-lpc')) ? [igd.line, ...(vm.args ? [vm.args] : [])] : undefined,
      );
      return (
        hit && { ...hit, params: { ...hit.params, code: ig.info.code, qemu: fmt(f.qemu.version) } }
      );
    },
  },
  {
    id: 'gms-dvmt',
    severity: 'warning',
    needs: ['qemu'],
    cause: [
      'QEMU {qemu} (before 10.0) gives the guest no stolen memory unless x-igd-gms is set, so the GOP has no framebuffer.',
      'QEMU {qemu}（10.0 之前）除非设置 x-igd-gms，否则不给客户机预留显存，GOP 没有帧缓冲。',
    ],
    fix: ['args: -set device.{dev}.x-igd-gms=0x2', 'args: -set device.{dev}.x-igd-gms=0x2'],
    source: `${QEMU_OLD} ("Assume we have no GMS memory, but allow it to be overridden by device option"); igd-passthrough-notes §4.2`,
    when: (f) => {
      if (!f.qemu || atLeast(f.qemu.version, '10.0')) return undefined;
      const hit = firstVm(f, (vm, igd) =>
        igd.props.get('x-igd-gms') === undefined
          ? [igd.line, ...(vm.args ? [vm.args] : [])]
          : undefined,
      );
      return hit && { ...hit, params: { ...hit.params, qemu: fmt(f.qemu.version) } };
    },
  },
  {
    id: 'gms-dvmt',
    severity: 'warning',
    needs: ['qemu'],
    cause: [
      'The host firmware pre-allocates no stolen memory (GGC GMS = 0, DVMT Pre-Allocated off); QEMU {qemu} passes that on, so the GOP has no framebuffer.',
      '宿主机固件没有预分配显存（GGC GMS = 0，DVMT Pre-Allocated 关闭）；QEMU {qemu} 会沿用该值，GOP 没有帧缓冲。',
    ],
    fix: [
      'Set DVMT Pre-Allocated to 64M in the host firmware, or args: -set device.{dev}.x-igd-gms=0x2',
      '在宿主机固件把 DVMT Pre-Allocated 设为 64M，或 args: -set device.{dev}.x-igd-gms=0x2',
    ],
    source: `${QEMU_NEW} igd_stolen_memory_size (host GGC used unless x-igd-gms)`,
    when: (f) => {
      const ggc = f.regs.get('50.w');
      const ig = hostIgpu(f);
      if (!f.qemu || !atLeast(f.qemu.version, '10.0') || !ggc || !ig?.info) return undefined;
      const gms = ig.info.gen < 8 ? (ggc.value >> 3) & 0x1f : (ggc.value >> 8) & 0xff;
      if (gms !== 0) return undefined;
      const hit = firstVm(f, (_vm, igd) =>
        igd.props.get('x-igd-gms') === undefined ? [ggc.line, igd.line] : undefined,
      );
      return hit && { ...hit, params: { ...hit.params, qemu: fmt(f.qemu.version) } };
    },
  },
  {
    id: 'igd-not-primary',
    severity: 'error',
    cause: [
      'The host firmware made another GPU primary: the iGPU has VGA decode disabled (GGC IVD bit set) or is listed as a non-VGA display controller. QEMU then skips legacy mode and the GOP has no VGA device to drive.',
      '宿主机固件把另一块显卡设为主显卡：核显关闭了 VGA 解码（GGC 的 IVD 位被置位）或显示为非 VGA 显示控制器。QEMU 因此跳过传统模式，GOP 没有 VGA 设备可驱动。',
    ],
    fix: [
      'In the host firmware set the primary display to the iGPU (IGD / "Internal Graphics"), keep the iGPU enabled with a monitor on it if needed, turn CSM off; reboot and check that lspci -nn -s 00:02.0 says "VGA compatible controller [0300]".',
      '在宿主机固件中把主显示设为核显（IGD / "Internal Graphics"），保持核显启用（必要时接上显示器），关闭 CSM；重启后确认 lspci -nn -s 00:02.0 显示 "VGA compatible controller [0300]"。',
    ],
    source: `${QEMU_NEW} (10.1: legacy mode requires !(gmch & IGD_GMCH_VGA_DISABLE) and vfio_is_vga); qemu docs/igd-assign.txt condition #4`,
    when: (f) => {
      const ggc = f.regs.get('50.w');
      if (ggc && ggc.value & 0x2) return { evidence: [ggc.line] };
      const ig = hostIgpu(f);
      return ig && ig.dev.classCode === 0x0380 ? { evidence: [ig.dev.line] } : undefined;
    },
  },
  {
    id: 'opregion',
    severity: 'error',
    cause: [
      'The host iGPU has no OpRegion (ASLS = 0): the host firmware did not publish one, so there is none to pass to the guest.',
      '宿主机核显没有 OpRegion（ASLS = 0）：宿主机固件没有提供，因此无法传给客户机。',
    ],
    fix: [
      'Boot the host in UEFI mode with the iGPU enabled as primary display; update the host BIOS. Without a host OpRegion the guest needs a VBT from the vendor BIOS in its ROM.',
      '以 UEFI 模式启动宿主机并把核显设为主显示；更新宿主机 BIOS。没有宿主机 OpRegion 时，客户机需要 ROM 中带有厂商 BIOS 的 VBT。',
    ],
    source:
      'qemu docs/igd-assign.txt condition #1 (valid OpRegion containing VBT); ASLS at config 0xFC',
    when: (f) => {
      const asls = f.regs.get('fc.l');
      return asls && asls.value === 0 ? { evidence: [asls.line] } : undefined;
    },
  },
  {
    id: 'opregion',
    severity: 'warning',
    needs: ['qemu'],
    cause: [
      'QEMU {qemu} exposes the OpRegion only in legacy mode or with x-igd-opregion=on; this VM has neither, so the guest gets no VBT.',
      'QEMU {qemu} 只在传统模式或 x-igd-opregion=on 时提供 OpRegion；该虚拟机两者皆无，客户机得不到 VBT。',
    ],
    fix: ['args: -set device.{dev}.x-igd-opregion=on', 'args: -set device.{dev}.x-igd-opregion=on'],
    source: `${QEMU_OLD} (OpRegion set up by legacy mode only); qemu 10.1 makes x-igd-opregion default (lore 20250505170305.23622-7)`,
    when: (f) => {
      if (!f.qemu || atLeast(f.qemu.version, '10.1')) return undefined;
      const hit = firstVm(f, (vm, igd) =>
        !(igd.legacyIgd && !vm.machine?.q35) && !on(igd.props.get('x-igd-opregion'))
          ? [igd.line]
          : undefined,
      );
      return hit && { ...hit, params: { ...hit.params, qemu: fmt(f.qemu.version) } };
    },
  },
  {
    id: 'stale-args',
    severity: 'error',
    needs: ['qemu'],
    cause: [
      'args: sets {prop}, which QEMU {qemu} does not have (it exists from 10.0); QEMU refuses to start.',
      'args: 设置了 {prop}，而 QEMU {qemu} 没有该选项（10.0 起才有）；QEMU 会拒绝启动。',
    ],
    fix: [
      'Remove -set device.{dev}.{prop}=… from args:, or upgrade to PVE 9 (QEMU 10).',
      '从 args: 删除 -set device.{dev}.{prop}=…，或升级到 PVE 9（QEMU 10）。',
    ],
    source:
      'qemu docs/igd-assign.txt (x-igd-lpc, x-igd-legacy-mode added in 10.0, commit 5dbe25e9); qom/object.c "Property \'%s.%s\' not found"',
    when: (f) => {
      if (!f.qemu || atLeast(f.qemu.version, '10.0')) return undefined;
      let prop = '';
      const hit = firstVm(f, (vm, igd) => {
        prop = ['x-igd-lpc', 'x-igd-legacy-mode'].find((p) => igd.props.has(p)) ?? '';
        return prop ? [vm.args ?? igd.line] : undefined;
      });
      return hit && { ...hit, params: { ...hit.params, prop, qemu: fmt(f.qemu.version) } };
    },
  },
  {
    id: 'stale-args',
    severity: 'error',
    needs: ['qemu'],
    cause: [
      'args: forces x-igd-legacy-mode=on, but QEMU {qemu} has no legacy mode for this {code} (Gen11+), so it refuses to start the VM.',
      'args: 强制 x-igd-legacy-mode=on，但 QEMU {qemu} 对此 {code}（Gen11+）不提供传统模式，因此拒绝启动虚拟机。',
    ],
    fix: [
      'Replace it: -set device.{dev}.x-igd-lpc=on -set device.{dev}.x-igd-opregion=on (and drop x-igd-legacy-mode).',
      '替换为：-set device.{dev}.x-igd-lpc=on -set device.{dev}.x-igd-opregion=on（并删除 x-igd-legacy-mode）。',
    ],
    source: `${QEMU_NEW} (legacy mode only for gen 6…9; with x-igd-legacy-mode=on: "Machine is not i440fx, assigned BDF is not 00:02.0, or device %04x (gen %d) doesn't support legacy mode")`,
    when: (f) => {
      const ig = hostIgpu(f);
      if (!f.qemu || !ig?.info || !atLeast(f.qemu.version, '10.1') || ig.info.gen < 11)
        return undefined;
      const hit = firstVm(f, (vm, igd) =>
        on(igd.props.get('x-igd-legacy-mode')) ? [vm.args ?? igd.line] : undefined,
      );
      return (
        hit && { ...hit, params: { ...hit.params, code: ig.info.code, qemu: fmt(f.qemu.version) } }
      );
    },
  },
  {
    id: 'stale-args',
    severity: 'error',
    cause: [
      'x-vga=on is set on the legacy IGD; Proxmox refuses it (legacy mode already gives the iGPU the VGA ranges).',
      '传统 IGD 上设置了 x-vga=on；Proxmox 会拒绝（传统模式已把 VGA 资源交给核显）。',
    ],
    fix: [
      'Remove x-vga=1 / -set device.{dev}.x-vga=on.',
      '删除 x-vga=1 / -set device.{dev}.x-vga=on。',
    ],
    source: `${PVE_PCI}: "legacy IGD assignment is not compatible with x-vga"`,
    when: (f) =>
      firstVm(f, (vm, igd) =>
        igd.legacyIgd && igd.xVga ? [igd.line, ...(vm.args ? [vm.args] : [])] : undefined,
      ),
  },
  {
    id: 'wrong-rom',
    severity: 'error',
    cause: [
      'The romfile {rom} is made for {family}, but the host iGPU is {code}. A GOP only drives the generations it was built for.',
      'romfile {rom} 是为 {family} 制作的，而宿主机核显是 {code}。GOP 只能驱动其对应的代次。',
    ],
    fix: [
      'Use a ROM for {code}: build it here from this host’s BIOS, then replace /usr/share/kvm/{rom}.',
      '使用适用于 {code} 的 ROM：在本应用中用本机 BIOS 生成，然后替换 /usr/share/kvm/{rom}。',
    ],
    source:
      'LongQT-sea/intel-igpu-passthru README (ROM per platform: SKL_CML_GOPv9 … ARL_MTL_GOPv22); cmd2001/build-edk2-gvtd issue #6 (GOP must match the iGPU)',
    when: (f) => {
      const ig = hostIgpu(f);
      if (!ig?.info) return undefined;
      for (const { vm, igd } of igdVms(f)) {
        if (!igd.romfile) continue;
        const rom = igd.romfile.split('/').pop()!;
        const family = romFamilyMismatch(rom, ig.info.code);
        if (family)
          return {
            evidence: [igd.line, ig.dev.line],
            params: { vmid: vm.vmid ?? '<vmid>', dev: igd.id, rom, family, code: ig.info.code },
          };
      }
      return undefined;
    },
  },
  {
    id: 'ovmf-replaced',
    severity: 'error',
    cause: [
      '{image} is the stock file again: its SHA-256 equals {stock}. A pve-edk2-firmware upgrade (or an undo) replaced the patched image, so the VM boots without the GOP.',
      '{image} 又变回了原版文件：其 SHA-256 与 {stock} 相同。pve-edk2-firmware 升级（或撤销操作）替换了修补后的镜像，虚拟机启动时没有 GOP。',
    ],
    fix: [
      'Keep upgrades off the image, then install the patched file again: dpkg-divert --local --rename --divert {image}.distrib --add {image}   (upgrades then write {image}.distrib); cp <patched OVMF> {image}. The option-ROM mode needs no patched OVMF at all.',
      '先让升级不再覆盖该镜像，再重新安装修补后的文件：dpkg-divert --local --rename --divert {image}.distrib --add {image}（之后升级只会写入 {image}.distrib）；cp <修补后的 OVMF> {image}。Option ROM 模式完全不需要修补 OVMF。',
    ],
    source:
      "dpkg-divert(1); this app's install.sh (dpkg-divert to .distrib, backups in /root/ovmf-backup and /root/igd-passthrough-backup-*)",
    when: (f) => {
      const live = f.files.filter((x) =>
        /^\/usr\/share\/pve-edk2-firmware\/[^/]+\.fd$/.test(x.path),
      );
      for (const cur of live) {
        const name = cur.path.split('/').pop();
        const stock = f.files.find(
          (x) =>
            x !== cur &&
            x.sha256 === cur.sha256 &&
            (x.path === `${cur.path}.distrib` ||
              (x.path.startsWith('/root/') && x.path.endsWith(`/${name}`))),
        );
        if (stock)
          return {
            evidence: [cur.line, stock.line],
            params: { image: cur.path, stock: stock.path },
          };
      }
      return undefined;
    },
  },
  {
    id: 'audio-function',
    severity: 'error',
    cause: [
      'The VM passes the whole host slot 00:1f (all functions): besides audio that is the LPC/ISA bridge, SMBus and SPI controller of the host, which the host needs.',
      '虚拟机直通了整个宿主机插槽 00:1f（所有功能）：除声卡外还包括宿主机需要的 LPC/ISA 桥、SMBus 与 SPI 控制器。',
    ],
    fix: [
      'Pass only the audio function: qm set {vmid} --hostpciN 0000:00:1f.3  (use the index of that line).',
      '只直通声卡功能：qm set {vmid} --hostpciN 0000:00:1f.3（使用该行的序号）。',
    ],
    source:
      'Intel PCH layout (00:1f.0 LPC, .3 HDA, .4 SMBus, .5 SPI); proxmox/qemu-server PCI.pm (a bare slot passes all functions)',
    when: (f) => {
      for (const vm of f.vms) {
        const slot = vm.devices.find((d) => d.allFunctions && d.host.endsWith(':00:1f'));
        if (slot) return { evidence: [slot.line], params: { vmid: vm.vmid ?? '<vmid>' } };
      }
      return undefined;
    },
  },
];

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** The Text of a rule's cause or fix with placeholders filled. */
export function fillText(t: readonly [string, string], params: Record<string, string>): Text {
  const fill = (s: string) => s.replace(/\{(\w+)\}/g, (m, k: string) => params[k] ?? m);
  return { en: fill(t[0]), 'zh-CN': fill(t[1]) };
}
