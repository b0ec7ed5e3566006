/**
 * Every reason and finding text of the config generator and checker, in English and Simplified
 * Chinese. `{name}` placeholders are filled by `t()`. The UI and the CLI show these; no other
 * module hard-codes such text.
 */

import { catalogue, type Text } from '../text';

export { joinText, type Lang, type Text } from '../text';

const CATALOG = {
  // Block titles
  'block.modules': ['Kernel modules to load at boot', '开机加载的内核模块'],
  'block.cmdlineGrub': ['Kernel command line (GRUB)', '内核命令行（GRUB）'],
  'block.cmdlineSd': [
    'Kernel command line (systemd-boot / proxmox-boot-tool)',
    '内核命令行（systemd-boot / proxmox-boot-tool）',
  ],
  'block.cmdlineApply': ['Apply the kernel command line', '使内核命令行生效'],
  'block.modprobe': ['Keep the host driver off the iGPU', '阻止宿主机驱动占用核显'],
  'block.initramfs': ['Rebuild the initramfs and reboot', '重建 initramfs 并重启'],
  'block.files': ['Place the option ROM', '放置 Option ROM 文件'],
  'block.filesOvmf': ['Install the patched OVMF and the IGD ROM', '安装修补后的 OVMF 与 IGD ROM'],
  'block.ovmfUndo': ['Undo: restore the stock OVMF', '撤销：恢复原版 OVMF'],
  'block.vmConf': ['VM configuration', '虚拟机配置'],
  'block.qmSet': ['The same with qm set', '用 qm set 完成同样配置'],
  'block.qemu': ['Plain QEMU command line', '纯 QEMU 命令行'],
  'block.libvirt': ['libvirt domain XML fragment', 'libvirt 域 XML 片段'],
  'block.install': [
    'install.sh: host setup with checks, backups and dry run',
    'install.sh：带检查、备份与演练模式的宿主机配置脚本',
  ],
  'block.flashrom': [
    'Dump this host’s own BIOS (when no vendor file is available)',
    '导出本机 BIOS（找不到厂商 BIOS 文件时）',
  ],
  'block.hostBios': ['Host firmware settings', '宿主机固件（BIOS）设置'],

  // /etc/modules
  'modules.vfio': [
    'VFIO core: lets a VM own a PCI device.',
    'VFIO 核心模块：让虚拟机独占 PCI 设备。',
  ],
  'modules.iommuType1': [
    'VFIO IOMMU backend for x86 (DMA mapping through VT-d).',
    'x86 的 VFIO IOMMU 后端（通过 VT-d 做 DMA 映射）。',
  ],
  'modules.vfioPci': [
    'VFIO driver for PCI devices; binds the iGPU instead of i915.',
    'PCI 设备的 VFIO 驱动，代替 i915 绑定核显。',
  ],
  'modules.virqfd': [
    'Needed only before kernel 6.2; since 6.2 it is part of vfio.',
    '仅内核 6.2 之前需要；6.2 起已并入 vfio。',
  ],

  // Kernel command line
  'param.intelIommu': [
    'intel_iommu=on: kernels before 6.8 leave the Intel IOMMU off by default.',
    'intel_iommu=on：6.8 之前的内核默认不启用 Intel IOMMU。',
  ],
  'param.iommuPt': [
    'iommu=pt: host devices bypass IOMMU translation (faster, optional).',
    'iommu=pt：宿主机设备跳过 IOMMU 转换（更快，可选）。',
  ],
  'param.sysfb': [
    'initcall_blacklist=sysfb_init: stops the boot framebuffer driver from holding the iGPU memory.',
    'initcall_blacklist=sysfb_init：阻止启动帧缓冲驱动占用核显显存。',
  ],
  'cmdline.grubLine': [
    'Add these to the existing GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub.',
    '把这些参数加入 /etc/default/grub 里已有的 GRUB_CMDLINE_LINUX_DEFAULT。',
  ],
  'cmdline.sdLine': [
    'Append to the single line in /etc/kernel/cmdline; keep your existing root= options.',
    '追加到 /etc/kernel/cmdline 唯一的一行末尾，保留原有的 root= 参数。',
  ],
  'cmdline.updateGrub': [
    'Writes the new command line into the GRUB configuration.',
    '把新命令行写入 GRUB 配置。',
  ],
  'cmdline.pbtRefresh': [
    'Copies kernels and the new command line to every ESP that proxmox-boot-tool manages.',
    '把内核和新命令行同步到 proxmox-boot-tool 管理的所有 ESP 分区。',
  ],

  // modprobe.d
  'modprobe.ids': [
    'Bind vfio-pci to the iGPU ({id}) as soon as the module loads. If a file in /etc/modprobe.d already has an options vfio-pci ids= line, add {id} to that list instead (install.sh does): with two ids= lines the last one wins and the devices of the other lose vfio-pci.',
    '模块加载时立即让 vfio-pci 绑定核显（{id}）。若 /etc/modprobe.d 中已有 options vfio-pci ids= 行，请把 {id} 加入那一列表（install.sh 会这样做）：若有两行 ids=，以最后一行为准，另一行中的设备会失去 vfio-pci。',
  ],
  'modprobe.softdep': [
    'Load vfio-pci before i915 so it wins the device.',
    '先于 i915 加载 vfio-pci，确保它先占到设备。',
  ],
  'modprobe.blacklistI915': [
    'Never let the host i915 driver initialise the iGPU.',
    '禁止宿主机 i915 驱动初始化核显。',
  ],
  'modprobe.blacklistXe': [
    'The newer xe driver can also claim Gen12 and later iGPUs.',
    '较新的 xe 驱动同样可能接管 Gen12 及更新的核显。',
  ],
  'modprobe.initramfs': [
    'The module options are read from the initramfs: rebuild it for every kernel.',
    '模块参数从 initramfs 读取：为所有内核重建。',
  ],
  'host.reboot': [
    'The IOMMU, command line and driver binding take effect after a reboot.',
    'IOMMU、命令行和驱动绑定在重启后生效。',
  ],

  // Files
  'files.rom': [
    'Proxmox looks up romfile= in /usr/share/kvm; {rom} is the full ROM: IgdAssignment, PlatformGopPolicy and your GOP (rom --bios … -o {rom}).',
    'Proxmox 在 /usr/share/kvm 中查找 romfile=；{rom} 是完整 ROM：IgdAssignment、PlatformGopPolicy 与你的 GOP（rom --bios … -o {rom}）。',
  ],
  'files.igdRom': [
    '{rom} is the IgdAssignment-only ROM (variant assignment, offered with the patched OVMF, or rom --variant assignment -o {rom}): it sets up the OpRegion and stolen memory, and legacy-igd needs a ROM anyway; the GOP is inside the patched OVMF.',
    '{rom} 是只含 IgdAssignment 的 ROM（assignment 变体，随修补版 OVMF 一起提供，或用 rom --variant assignment -o {rom} 生成）：它设置 OpRegion 与预留显存，且 legacy-igd 本身也需要 ROM；GOP 在修补后的 OVMF 内。',
  ],
  'files.hash': [
    'Compare with the SHA-256 the app showed, to be sure the right file is in place.',
    '与本工具显示的 SHA-256 比对，确认放置的文件正确。',
  ],
  'ovmf.backup': [
    'Keep a copy of the stock image before anything changes.',
    '修改前先备份原版镜像。',
  ],
  'ovmf.divert': [
    'dpkg-divert renames the packaged file to .distrib, so package upgrades write there and never overwrite the patched image.',
    'dpkg-divert 把软件包里的文件改名为 .distrib，升级时写入该文件，不会覆盖修补后的镜像。',
  ],
  'ovmf.install': [
    'Put the patched image ({file}) in place of OVMF_CODE_4M.fd, which Proxmox loads for i440fx VMs with an efitype=4m EFI disk; every such VM on the host gets it.',
    '用修补后的镜像（{file}）替换 OVMF_CODE_4M.fd：Proxmox 为带 efitype=4m EFI 盘的 i440fx 虚拟机加载它；本机所有此类虚拟机都会用到。',
  ],
  'ovmf.installSecboot': [
    'Put the patched image ({file}) in place of OVMF_CODE_4M.secboot.fd. Proxmox loads that one only for q35 VMs (SMM); a legacy-igd VM is i440fx and loads OVMF_CODE_4M.fd, so patch that one for it.',
    '用修补后的镜像（{file}）替换 OVMF_CODE_4M.secboot.fd。Proxmox 只为 q35 虚拟机（SMM）加载它；legacy-igd 虚拟机是 i440fx，加载的是 OVMF_CODE_4M.fd，应修补后者。',
  ],
  'ovmf.undoRemove': ['Remove the patched image.', '删除修补后的镜像。'],
  'ovmf.undoDivert': [
    'Remove the diversion; --rename moves the packaged file back in place.',
    '取消转移；--rename 会把软件包原文件移回原位。',
  ],
  'ovmf.undoVerify': [
    'Prints nothing when every file of the package, this image included, is the packaged one again.',
    '若软件包的所有文件（包括此镜像）都已恢复原样，则没有任何输出。',
  ],

  // VM
  'vm.bios': [
    'UEFI firmware: the GOP in the ROM (or the patched OVMF) is a UEFI driver.',
    'UEFI 固件：ROM（或修补后的 OVMF）中的 GOP 是 UEFI 驱动。',
  ],
  'vm.machine': [
    'i440fx: legacy IGD mode needs the LPC slot 00:1f.0 free, which q35 occupies.',
    'i440fx：IGD legacy 模式需要空闲的 00:1f.0 LPC 插槽，而 q35 占用了它。',
  ],
  'vm.vga': [
    'No emulated VGA: the iGPU is the only display, and legacy-igd requires it.',
    '不模拟 VGA：核显是唯一显示设备，legacy-igd 也要求如此。',
  ],
  'vm.hostpci': [
    'Pass the iGPU at 00:02.0 in legacy IGD mode (guest address 00:02.0) with the option ROM {rom}.',
    '以 IGD legacy 模式直通 00:02.0 核显（客户机地址同为 00:02.0），并使用 Option ROM {rom}。',
  ],
  'vm.cpu': [
    'cpu host: Intel guest drivers are reported to fail on emulated CPU models.',
    'cpu host：有报告称 Intel 客户机驱动在模拟 CPU 型号下工作异常。',
  ],
  'vm.memory': [
    'At least {min} MiB: smaller guests are known to fail with the Intel driver.',
    '至少 {min} MiB：内存更小时 Intel 驱动已知会出错。',
  ],
  'vm.ostype': [
    'OS type: l26 (Linux) is reported to keep Windows guests working after the Intel driver installs; set only because you asked for it.',
    '系统类型：有报告称 l26（Linux）可避免 Windows 安装 Intel 驱动后出问题；仅因你要求才设置。',
  ],
  'vm.efidisk': [
    'A 4 MiB EFI vars disk (efitype=4m makes Proxmox load OVMF_CODE_4M.fd) without pre-enrolled Secure Boot keys; adjust the storage name.',
    '4 MiB 的 EFI 变量盘（efitype=4m 使 Proxmox 加载 OVMF_CODE_4M.fd），不预置安全启动密钥；请改成你的存储名。',
  ],
  'arg.gms': [
    'x-igd-gms={gms}: QEMU before 10.0 gives the iGPU no stolen memory unless told; {mib} MiB for the GOP framebuffer.',
    'x-igd-gms={gms}：10.0 之前的 QEMU 默认不给核显预留显存；为 GOP 帧缓冲分配 {mib} MiB。',
  ],
  'arg.gmsOverride': [
    'x-igd-gms: overrides the host DVMT pre-allocation with {mib} MiB.',
    'x-igd-gms：以 {mib} MiB 覆盖宿主机 DVMT 预分配值。',
  ],
  'arg.opregion': [
    'x-igd-opregion=on: exposes the host OpRegion (with its VBT) to the guest; QEMU before 10.1 does not do it by default.',
    'x-igd-opregion=on：向客户机提供宿主机 OpRegion（含 VBT）；10.1 之前的 QEMU 默认不提供。',
  ],
  'arg.lpc': [
    'x-igd-lpc=on: QEMU 10.1 limits legacy mode to Gen6–9, so Gen11+ needs the LPC bridge IDs set explicitly.',
    'x-igd-lpc=on：QEMU 10.1 把 legacy 模式限定在 Gen6–9，Gen11+ 需显式设置 LPC 桥 ID。',
  ],
  'arg.legacyMode': [
    'x-igd-legacy-mode=on: fail at VM start instead of silently running without IGD setup.',
    'x-igd-legacy-mode=on：配置不对时直接启动失败，而不是悄悄在缺少 IGD 初始化的情况下运行。',
  ],
  'qm.basic': ['UEFI, i440fx machine and no emulated VGA.', 'UEFI、i440fx 机型、不模拟 VGA。'],

  // Plain QEMU
  'qemu.bin': ['KVM-accelerated x86-64 guest.', '启用 KVM 加速的 x86-64 客户机。'],
  'qemu.cpuMem': ['Host CPU model and guest memory.', '宿主机 CPU 型号与客户机内存。'],
  'qemu.code': [
    'Stock OVMF code (read-only); the GOP comes from the option ROM.',
    '原版 OVMF 代码（只读）；GOP 来自 Option ROM。',
  ],
  'qemu.codePatched': [
    'The patched OVMF code with the GOP built in (read-only).',
    '内置 GOP 的修补版 OVMF 代码（只读）。',
  ],
  'qemu.vars': [
    'A per-VM copy of OVMF_VARS_4M.fd for UEFI variables.',
    '每台虚拟机单独一份 OVMF_VARS_4M.fd，用于保存 UEFI 变量。',
  ],
  'qemu.noVga': [
    'No emulated display and no default devices next to the iGPU.',
    '不模拟显示设备，也不添加默认设备。',
  ],
  'qemu.device': [
    'The iGPU on bus pci.0 at slot 2 (guest 00:02.0) with the option ROM.',
    '把核显放在 pci.0 总线第 2 槽（客户机 00:02.0）并加载 Option ROM。',
  ],

  // libvirt
  'libvirt.ns': [
    'The qemu namespace is needed for the x-igd-* overrides.',
    '需要 qemu 命名空间来设置 x-igd-* 属性。',
  ],
  'libvirt.os': [
    'i440fx machine with OVMF as a read-only pflash.',
    'i440fx 机型，OVMF 以只读 pflash 加载。',
  ],
  'libvirt.hostdev': [
    'Pass a host PCI device; libvirt binds it to vfio-pci.',
    '直通宿主机 PCI 设备；libvirt 会把它绑定到 vfio-pci。',
  ],
  'libvirt.source': ['Host address of the iGPU: 00:02.0.', '核显的宿主机地址：00:02.0。'],
  'libvirt.alias': [
    'A user alias (ua- prefix) so qemu:override can name the device.',
    '用户别名（ua- 前缀），供 qemu:override 引用设备。',
  ],
  'libvirt.guestAddr': [
    'Guest address 00:02.0 on the root bus, where the GOP and QEMU expect the IGD.',
    '客户机根总线地址 00:02.0，GOP 与 QEMU 都要求 IGD 位于此处。',
  ],
  'libvirt.override': [
    'Set QEMU device properties that libvirt has no element for (libvirt ≥ 8.2).',
    '设置 libvirt 没有对应元素的 QEMU 设备属性（需 libvirt ≥ 8.2）。',
  ],
  'libvirt.close': ['Closes the element above.', '结束上面的元素。'],

  // install.sh
  'sh.header': [
    'What the script is for and how to run it; stop on the first error.',
    '脚本用途与用法；遇到第一个错误即停止。',
  ],
  'sh.root': [
    'IGD_TEST_ROOT (for the tests only, never set on a host) points every path at a scratch copy of the file system.',
    'IGD_TEST_ROOT（仅供测试，宿主机上从不设置）把所有路径指向文件系统的临时副本。',
  ],
  'sh.qemuCheck': [
    'Stop if the host runs another QEMU than this config was made for: the x-igd-* options differ between versions.',
    '若宿主机的 QEMU 版本与生成配置时不同则停止：各版本的 x-igd-* 选项不同。',
  ],
  'sh.disableVga': [
    'Warn about disable_vga=1 left in modprobe.d: it breaks legacy IGD.',
    '若 modprobe.d 中残留 disable_vga=1 则发出警告：它会破坏 IGD legacy 模式。',
  ],
  'sh.paramHelper': [
    'Adds a kernel parameter once, and checks that it landed.',
    '只添加一次内核参数，并确认已写入。',
  ],
  'sh.helpers': [
    'Dry run by default; run() prints every change and performs it only with --apply.',
    '默认演练模式；run() 打印每一项修改，仅在 --apply 时执行。',
  ],
  'sh.checks': [
    'Refuse to run on the wrong host, iGPU, boot loader or without the files.',
    '宿主机、核显、引导程序不符或缺少文件时拒绝运行。',
  ],
  'sh.backup': [
    'Copy every file that will change, the VM config included, into one dated backup folder first.',
    '先把将被修改的每个文件（包括虚拟机配置）复制到同一个带日期的备份目录。',
  ],
  'sh.modules': [
    'Add each VFIO module to /etc/modules once.',
    '把每个 VFIO 模块加入 /etc/modules（不重复）。',
  ],
  'sh.cmdline': [
    'Append {param} to the kernel command line unless it is already there.',
    '若内核命令行中尚无 {param}，则追加。',
  ],
  'sh.modprobe': [
    'Write the modprobe.d file that binds the iGPU to vfio-pci.',
    '写入把核显绑定到 vfio-pci 的 modprobe.d 文件。',
  ],
  'sh.rom': [
    'Install the ROM where Proxmox looks for romfile=.',
    '把 ROM 安装到 Proxmox 查找 romfile= 的目录。',
  ],
  'sh.ovmf': [
    'Back up, divert and replace the OVMF image so package upgrades keep it.',
    '备份、转移并替换 OVMF 镜像，使软件包升级不会覆盖它。',
  ],
  'sh.apply': [
    'Rebuild the initramfs and refresh the boot loader, only when a host file changed.',
    '仅当宿主机文件有改动时，重建 initramfs 并刷新引导程序。',
  ],
  'sh.vm': [
    'Change only what the plan for VM {vmid} says, with one qm set.',
    '只按虚拟机 {vmid} 的计划修改，用一条 qm set 完成。',
  ],
  'sh.done': ['Say what happened and where the backups are.', '报告执行结果与备份位置。'],
  'sh.write': [
    'Write each changed host file, right after its backup; a file that exists keeps its owner and mode.',
    '在备份之后立即写入每个改动的宿主机文件；已存在的文件保留其属主与权限。',
  ],
  'sh.bootCheck': [
    'Stop if the host boots with the other loader: then the command line file this script would edit is not the one in use.',
    '若宿主机实际使用另一种引导程序则停止：此时本脚本要修改的命令行文件并未被使用。',
  ],
  'sh.settings': [
    'What this script was generated for, in one place.',
    '本脚本生成时的各项设定，集中在此。',
  ],
  'sh.options': [
    '--apply makes the changes; --ostype-l26 and --cpu-host agree to the two changes that are yours to decide.',
    '--apply 才会真正修改；--ostype-l26 与 --cpu-host 表示同意那两项由你决定的修改。',
  ],
  'sh.merge': [
    'The merge decisions, the same as the app makes them (tests run both on the same cases).',
    '合并决策，与本工具网页端完全一致（测试用相同用例同时运行两者并比对）。',
  ],
  'sh.stage': [
    'Every change is first made to a copy in a temporary folder, so the plan can be shown as a diff before anything is touched.',
    '所有修改先写入临时目录中的副本，因此在改动任何文件之前即可以 diff 形式展示计划。',
  ],
  'sh.idsMerge': [
    'One vfio-pci ids= list: modprobe passes every options line of a module, and for a string parameter such as ids the last assignment wins, so a second ids= line would silently take vfio-pci away from a device (e.g. a dGPU) already bound by the first. Ours is added to the list you have, in place.',
    '只保留一个 vfio-pci ids= 列表：modprobe 会把模块的所有 options 行都传给它，而 ids 这类字符串参数以最后一次赋值为准；第二行 ids= 会悄悄让第一行已绑定的设备（如独立显卡）失去 vfio-pci。因此把我们的 ID 就地加入你已有的列表。',
  ],
  'sh.vmPlan': [
    'Read the VM config with qm config and decide per setting: already right, missing, or in conflict.',
    '用 qm config 读取虚拟机配置，并逐项判断：已正确、缺失或冲突。',
  ],
  'sh.plan': [
    'Show the plan as a diff; stop here when nothing needs to change or without --apply.',
    '以 diff 形式展示计划；无需修改或未加 --apply 时到此为止。',
  ],
  'sh.undo': [
    'Write undo.sh into the backup folder: it puts every changed file back, byte for byte, and reverts the diversion.',
    '在备份目录中写入 undo.sh：逐字节恢复每个被修改的文件，并撤销 dpkg 转移。',
  ],

  // Merging into an existing VM (vm-merge.ts)
  'merge.right': ['Already right; left as it is.', '已正确，保持不变。'],
  'merge.other': [
    'Not the iGPU: another passthrough device of yours, left as it is.',
    '不是核显：这是你的其他直通设备，保持不变。',
  ],
  'merge.memoryEnough': [
    'At least {min} MiB already; your value is kept.',
    '已不少于 {min} MiB，保留你的设置。',
  ],
  'merge.memoryRaise': [
    'Raised to {min} MiB, the minimum the Intel guest drivers are known to need; never lowered.',
    '提高到 {min} MiB，这是 Intel 客户机驱动已知所需的最小值；绝不会调低。',
  ],
  'merge.ostypeKept': [
    'Not a Windows OS type: left as it is.',
    '不是 Windows 系统类型，保持不变。',
  ],
  'merge.args': [
    'Your other args stay as they were, in order; only the -set device.hostpciN.x-igd-* options of the iGPU are added or replaced.',
    '你的其他 args 参数原样按顺序保留；只添加或替换核显的 -set device.hostpciN.x-igd-* 选项。',
  ],
  'merge.was': ['Now: {now}.', '当前为：{now}。'],
  'merge.consented': ['Changed because you agreed.', '因你已同意而修改。'],
  'merge.askFlag': ['Kept unless you agree ({flag}).', '除非你同意（{flag}），否则保持不变。'],
  'merge.ask.cpu': [
    'A CPU model you chose. cpu: host is only reported to help the Intel guest drivers; it also ties the VM to the CPU of this host (no live migration to a different CPU).',
    '这是你选择的 CPU 型号。cpu: host 只是有报告称对 Intel 客户机驱动有帮助；它还会把虚拟机绑定到本机 CPU（无法热迁移到不同 CPU 的主机）。',
  ],
  'merge.ask.ostype': [
    'For a Windows OS type Proxmox turns on the Hyper-V enlightenments (hv_relaxed, hv_vapic, hv_spinlocks, hv_time, hv_synic, hv_stimer, hv_vendor_id …) and keeps the guest clock in local time. Some users report that the Intel graphics driver fails (Code 43) with them and works with l26, which turns all of them off. The cost: Windows loses its paravirtual timers and interrupt helpers, so it uses more CPU when idle and runs slower under load, and it reads the hardware clock as local time, so its clock is off by your time zone until it syncs.',
    '对于 Windows 系统类型，Proxmox 会启用 Hyper-V 增强（hv_relaxed、hv_vapic、hv_spinlocks、hv_time、hv_synic、hv_stimer、hv_vendor_id 等），并让客户机时钟使用本地时间。有用户报告 Intel 显卡驱动在这些增强下失败（代码 43），改为 l26（会全部关闭它们）后正常。代价：Windows 失去半虚拟化定时器和中断辅助，空闲时 CPU 占用更高、负载下更慢；并且它把硬件时钟当作本地时间读取，在同步之前时间会相差一个时区。',
  ],
  'merge.unknownSlot': [
    'Uses hostpci0; if your VM has another device there, pick a free index and use it in the args line too (or paste the VM config for lines that do this).',
    '使用 hostpci0；若虚拟机的 hostpci0 已是其他设备，请换一个空闲编号，并在 args 行中同样使用它（或粘贴虚拟机配置，自动生成这样的命令）。',
  ],
  'merge.unknownArgs': [
    'This replaces any args: the VM has. If it has some, paste its config (or use install.sh): the merged line keeps yours.',
    '这会替换虚拟机已有的 args:。若已有内容，请粘贴其配置（或使用 install.sh），合并后的命令会保留你的参数。',
  ],
  'merge.unknownCpuMem': [
    'Commented out: for a new VM only. Pasted into an existing one it could lower its memory or replace the CPU model you chose; there memory is only raised to at least {min} MiB and cpu changed only if you agree: paste its config, or use install.sh, which reads it.',
    '已注释：仅适用于新建虚拟机。若用于已有虚拟机，可能调低其内存或替换你选择的 CPU 型号；对已有虚拟机，内存只会提高到至少 {min} MiB，cpu 仅在你同意时修改：请粘贴其配置，或使用会读取配置的 install.sh。',
  ],
  'merge.efidiskOk': ['A 4 MiB EFI disk is there already.', '已有 4 MiB 的 EFI 盘。'],
  'merge.machineHeld': [
    'Left as it is, and the iGPU changes below that need it wait too: legacy IGD mode needs the i440fx machine (pc), but another hostpci device of this VM has pcie=1, and Proxmox refuses to start an i440fx VM with a pcie=1 device ("q35 machine model is not enabled"). To go on, either take pcie=1 off those devices yourself (qm set with the same hostpci value without pcie=1; the device then sits on a plain PCI bus) and run this again, or keep q35 and pass the iGPU without legacy mode (UPT), which this configuration does not set up.',
    '保持不变，下面依赖它的核显修改也一并暂缓：IGD legacy 模式需要 i440fx 机型（pc），但此虚拟机的另一个 hostpci 设备设置了 pcie=1，而 Proxmox 拒绝启动带 pcie=1 设备的 i440fx 虚拟机（“q35 machine model is not enabled”）。要继续，可以自行去掉这些设备的 pcie=1（用 qm set 写入不含 pcie=1 的同一 hostpci 值；设备随后位于普通 PCI 总线上）后重新运行；或者保留 q35，以非 legacy 模式（UPT）直通核显，本配置不负责设置这种方式。',
  ],
  'merge.heldForMachine': [
    'Waits for the machine type (see machine): legacy-igd only works on i440fx.',
    '等待机型问题解决（见 machine）：legacy-igd 只能在 i440fx 上工作。',
  ],
  'merge.mappingCheck': [
    'A resource mapping (mapping=): it may be the iGPU, which the VM config alone cannot tell, so no second hostpci entry for the iGPU is added and nothing here is changed. install.sh resolves it on the host (pvesh get /cluster/mapping/pci/<name>); or check under Datacenter → Resource Mappings: if its path on this node is 0000:00:02.0, this entry is the iGPU and needs legacy-igd=1,romfile={rom} (no pcie, no x-vga); if not, the iGPU needs an entry of its own.',
    '这是资源映射（mapping=）：它可能就是核显，仅凭虚拟机配置无法判断，因此不会为核显再添加第二个 hostpci 条目，这里也不做任何修改。install.sh 会在主机上解析它（pvesh get /cluster/mapping/pci/<name>）；也可以在 数据中心 → 资源映射 中查看：若它在本节点的路径是 0000:00:02.0，此条目就是核显，需要 legacy-igd=1,romfile={rom}（不要 pcie 和 x-vga）；否则核显需要单独的条目。',
  ],

  // flashrom
  'flashrom.install': [
    'flashrom reads the SPI flash through the chipset.',
    'flashrom 通过芯片组读取 SPI 闪存。',
  ],
  'flashrom.bios': [
    'Read only the BIOS region (layout from the flash descriptor); the ME region is usually read-locked. Drop the file into this app.',
    '只读取 BIOS 区域（布局取自闪存描述符）；ME 区域通常禁止读取。把得到的文件拖入本工具即可。',
  ],
  'flashrom.full': [
    'Fallback when --ifd is not supported; it may fail on locked regions.',
    '不支持 --ifd 时的备选；遇到锁定区域可能失败。',
  ],
  'flashrom.iomem': [
    'The kernel may block /dev/mem access; iomem=relaxed allows it for one boot.',
    '内核可能阻止访问 /dev/mem；iomem=relaxed 可在一次启动中放开。',
  ],

  // Host firmware
  'bios.vtd': ['VT-d provides the IOMMU that passthrough needs.', 'VT-d 提供直通所需的 IOMMU。'],
  'bios.csm': [
    'With CSM on, the host iGPU is set up for legacy VGA and GOP passthrough breaks.',
    '开启 CSM 时宿主机核显按传统 VGA 初始化，GOP 直通会失败。',
  ],
  'bios.primary': [
    'The iGPU must be the primary display so its OpRegion and stolen memory are set up.',
    '核显必须是主显示设备，固件才会设置其 OpRegion 与预留显存。',
  ],
  'bios.dvmt': [
    'QEMU 10.0 and later give the guest the host’s DVMT pre-allocation; 64 MiB or more is needed for the GOP.',
    'QEMU 10.0 起客户机直接使用宿主机的 DVMT 预分配；GOP 需要 64 MiB 或更多。',
  ],
  'bios.dvmtOld': [
    'Keep DVMT at or below the x-igd-gms size ({mib} MiB); with a larger DVMT raise x-igd-gms.',
    'DVMT 不应大于 x-igd-gms 的大小（{mib} MiB）；DVMT 更大时请调高 x-igd-gms。',
  ],

  // Findings
  'finding.no-igd': [
    'No hostpci entry for the iGPU (00:02.0) was found.',
    '未找到核显（00:02.0）的 hostpci 条目。',
  ],
  'finding.legacy-igd-q35': [
    'legacy-igd=1 does not work with q35: its LPC bridge sits at 00:1f.0. Use machine: pc (i440fx).',
    'legacy-igd=1 不支持 q35：其 LPC 桥占用 00:1f.0。请使用 machine: pc（i440fx）。',
  ],
  'finding.igd-not-00-02': [
    'The legacy-igd device is {host}; only the iGPU at host 00:02.0 can use legacy IGD mode.',
    'legacy-igd 设备为 {host}；只有宿主机 00:02.0 上的核显能使用 IGD legacy 模式。',
  ],
  'finding.vga-not-none': [
    'vga is "{vga}": legacy IGD needs vga: none (Proxmox refuses otherwise).',
    'vga 为“{vga}”：IGD legacy 模式要求 vga: none（否则 Proxmox 拒绝启动）。',
  ],
  'finding.rombar-0': [
    'rombar=0 hides the option ROM, so no GOP loads and QEMU disables legacy mode.',
    'rombar=0 会隐藏 Option ROM，GOP 无法加载，QEMU 也会关闭 legacy 模式。',
  ],
  'finding.x-vga': [
    'x-vga is for discrete GPUs; with legacy-igd it is refused. Remove it.',
    'x-vga 用于独立显卡，与 legacy-igd 冲突。请删除。',
  ],
  'finding.disable-vga': [
    'disable_vga=1 turns off the VGA decode legacy IGD relies on; remove it from modprobe.d.',
    'disable_vga=1 会关闭 IGD legacy 模式依赖的 VGA 解码；请从 modprobe.d 中删除。',
  ],
  'finding.no-romfile': [
    'No romfile=: a UEFI host has no VBIOS ROM BAR, so QEMU disables legacy mode and no GOP loads.',
    '未指定 romfile=：UEFI 宿主机没有 VBIOS ROM BAR，QEMU 会关闭 legacy 模式且不会加载 GOP。',
  ],
  'finding.romfile-path': [
    'romfile={rom} contains a path; Proxmox looks in /usr/share/kvm/, give just the file name.',
    'romfile={rom} 含路径；Proxmox 只在 /usr/share/kvm/ 中查找，请只写文件名。',
  ],
  'finding.bios-not-ovmf': [
    'bios is {bios}: the GOP ROM is a UEFI driver and needs bios: ovmf.',
    'bios 为 {bios}：GOP ROM 是 UEFI 驱动，需要 bios: ovmf。',
  ],
  'finding.no-legacy-igd': [
    'The iGPU is passed without legacy-igd=1: it will not sit at guest 00:02.0 and the GOP gets no LPC/OpRegion setup.',
    '核显直通未加 legacy-igd=1：它不会位于客户机 00:02.0，GOP 也得不到 LPC/OpRegion 设置。',
  ],
  'finding.pcie-on-i440fx': [
    'pcie=1 needs q35; legacy IGD uses i440fx. Remove pcie=1.',
    'pcie=1 需要 q35，而 IGD legacy 使用 i440fx。请删除 pcie=1。',
  ],
  'finding.guest-addr-not-02': [
    'The iGPU is not at guest address 00:02.0 (addr {addr}); QEMU’s IGD quirks and the GOP require it.',
    '核显不在客户机地址 00:02.0（addr {addr}）；QEMU 的 IGD 处理与 GOP 都要求此地址。',
  ],
  'finding.args-wrong-device': [
    'args set x-igd-* on {used}, but the iGPU is {igd}.',
    'args 为 {used} 设置了 x-igd-*，但核显是 {igd}。',
  ],
  'finding.qemu-too-old': [
    '{code} needs QEMU {min} or newer (this host has {qemu}); upgrade to Proxmox VE 9.1.',
    '{code} 需要 QEMU {min} 或更新版本（当前为 {qemu}）；请升级到 Proxmox VE 9.1。',
  ],
  'finding.gms-missing': [
    'QEMU {qemu} gives the iGPU no stolen memory by default: add -set device.hostpci0.x-igd-gms=0x2.',
    'QEMU {qemu} 默认不给核显预留显存：请添加 -set device.hostpci0.x-igd-gms=0x2。',
  ],
  'finding.opregion-missing': [
    'Legacy mode is not active and QEMU {qemu} does not expose the OpRegion by default: add x-igd-opregion=on.',
    'legacy 模式未生效，且 QEMU {qemu} 默认不提供 OpRegion：请添加 x-igd-opregion=on。',
  ],
  'finding.lpc-missing': [
    'QEMU 10.1 no longer uses legacy mode for {code}: add -set device.hostpci0.x-igd-lpc=on.',
    'QEMU 10.1 不再对 {code} 启用 legacy 模式：请添加 -set device.hostpci0.x-igd-lpc=on。',
  ],
  'finding.legacy-mode-unsupported': [
    'x-igd-legacy-mode=on makes QEMU {qemu} refuse to start: legacy mode does not cover {code}. Remove it and use x-igd-lpc=on.',
    'x-igd-legacy-mode=on 会让 QEMU {qemu} 拒绝启动：legacy 模式不支持 {code}。请删除并改用 x-igd-lpc=on。',
  ],
  'finding.memory-low': [
    'memory is {mib} MiB; give the guest at least {min} MiB.',
    '内存为 {mib} MiB；请至少分配 {min} MiB。',
  ],
  'finding.cpu-not-host': [
    'cpu is {cpu}; cpu: host is recommended for Intel guest drivers.',
    'cpu 为 {cpu}；建议使用 cpu: host 以配合 Intel 客户机驱动。',
  ],
  'finding.efidisk-not-4m': [
    'The patched OVMF replaces OVMF_CODE_4M.fd, which Proxmox loads only with efidisk0 …,efitype=4m; otherwise the stock 2 MiB OVMF_CODE.fd runs.',
    '修补后的 OVMF 替换的是 OVMF_CODE_4M.fd，而 Proxmox 只在 efidisk0 带 efitype=4m 时加载它；否则运行原版 2 MiB 的 OVMF_CODE.fd。',
  ],
  'finding.ovmf-image-unused': [
    'The patched OVMF replaces {image}, but this VM ({machine}) loads {used}: the patch does not reach it.',
    '修补后的 OVMF 替换的是 {image}，但该虚拟机（{machine}）加载的是 {used}：修补对它无效。',
  ],
  'finding.gop-device-missing': [
    'The GOP’s device table does not list 8086:{id} ({code}); it was built for {families}. The screen may stay dark.',
    'GOP 的设备表中没有 8086:{id}（{code}）；它适用于 {families}。可能无画面输出。',
  ],
  'finding.vbt-mismatch': [
    'The VBT is for {vbt}, but the iGPU is {code}: the display may stay dark.',
    'VBT 属于 {vbt}，但核显是 {code}：可能无画面输出。',
  ],
  'finding.gop-mismatch': [
    'GOP version {gop} is not one known for {code} (expected {expected}).',
    'GOP 版本 {gop} 不是 {code} 的已知版本（应为 {expected}）。',
  ],
  // AMD Radeon iGPU (render-amd.ts, vm-merge-amd.ts, check-amd.ts)
  'block.modprobeAmd': [
    'Keep the host drivers off the iGPU and its HDMI audio',
    '阻止宿主机驱动占用核显及其 HDMI 音频',
  ],
  'block.filesAmd': ['Place the option ROMs', '放置 Option ROM 文件'],
  'block.amdReset': ['The AMD reset problem', 'AMD 重置问题'],
  'amd.modules.iommuType1': [
    'VFIO IOMMU backend for x86 (DMA mapping through AMD-Vi).',
    'x86 的 VFIO IOMMU 后端（通过 AMD-Vi 做 DMA 映射）。',
  ],
  'amd.modules.vfioPci': [
    'VFIO driver for PCI devices; binds the iGPU and its audio function instead of amdgpu and snd_hda_intel.',
    'PCI 设备的 VFIO 驱动，代替 amdgpu 与 snd_hda_intel 绑定核显及其音频功能。',
  ],
  'amd.param.iommuPt': [
    'iommu=pt: host devices bypass IOMMU translation (faster, optional). AMD-Vi itself is on by default once the firmware enables the IOMMU; amd_iommu=on is not needed.',
    'iommu=pt：宿主机设备跳过 IOMMU 转换（更快，可选）。只要固件开启了 IOMMU，AMD-Vi 默认即启用，无需 amd_iommu=on。',
  ],
  'amd.param.sysfb': [
    'initcall_blacklist=sysfb_init: from kernel 5.15 the boot framebuffer comes from sysfb (simplefb/simpledrm) and video=efifb:off no longer keeps it off the iGPU; this stops it from holding the iGPU memory.',
    'initcall_blacklist=sysfb_init：自内核 5.15 起启动帧缓冲由 sysfb（simplefb/simpledrm）提供，video=efifb:off 已无法让它离开核显；此参数阻止它占用核显显存。',
  ],
  'amd.param.efifb': [
    'video=efifb:off: before kernel 5.15 efifb holds the firmware framebuffer on the iGPU; this turns it off.',
    'video=efifb:off：内核 5.15 之前由 efifb 占用核显上的固件帧缓冲；此参数将其关闭。',
  ],
  'amd.modprobe.ids': [
    'Bind vfio-pci to the iGPU and its HDMI audio function ({ids}) as soon as the module loads. If a file in /etc/modprobe.d already has an options vfio-pci ids= line, add them to that list instead (install.sh does): with two ids= lines the last one wins and the devices of the other lose vfio-pci.',
    '模块加载时立即让 vfio-pci 绑定核显及其 HDMI 音频功能（{ids}）。若 /etc/modprobe.d 中已有 options vfio-pci ids= 行，请把它们加入那一列表（install.sh 会这样做）：若有两行 ids=，以最后一行为准，另一行中的设备会失去 vfio-pci。',
  ],
  'amd.modprobe.softdepGpu': [
    'Load vfio-pci before amdgpu so it wins the iGPU. amdgpu is not blacklisted: it may still drive another AMD GPU of the host.',
    '先于 amdgpu 加载 vfio-pci，确保它先占到核显。不屏蔽 amdgpu：宿主机的其他 AMD 显卡可能仍需要它。',
  ],
  'amd.modprobe.softdepAudio': [
    'Load vfio-pci before snd_hda_intel so it wins the HDMI audio function; the host’s own sound device keeps snd_hda_intel.',
    '先于 snd_hda_intel 加载 vfio-pci，确保它先占到 HDMI 音频功能；宿主机自己的声卡仍由 snd_hda_intel 驱动。',
  ],
  'amd.files.vbios': [
    'Proxmox looks up romfile= in /usr/share/kvm. {rom} is the VBIOS of this APU from your own BIOS: an APU has no ROM of its own (the host gets the VBIOS from the ACPI VFCT table, which the VM lacks), so the guest driver and the GOP read it from this file.',
    'Proxmox 在 /usr/share/kvm 中查找 romfile=。{rom} 是取自你自己 BIOS 的本 APU 的 VBIOS：APU 没有独立的 ROM（宿主机通过 ACPI VFCT 表获得 VBIOS，而虚拟机没有该表），因此客户机驱动与 GOP 从此文件读取。',
  ],
  'amd.files.combined': [
    'Proxmox looks up romfile= in /usr/share/kvm. {rom} is the combined ROM from your own BIOS: the VBIOS image, then the AMD GOP EFI image, both with the iGPU’s IDs.',
    'Proxmox 在 /usr/share/kvm 中查找 romfile=。{rom} 是取自你自己 BIOS 的合并 ROM：先是 VBIOS 映像，再是 AMD GOP EFI 映像，两者都带核显的 ID。',
  ],
  'amd.files.gop': [
    '{rom} is the AMD GOP driver in an EFI option ROM: OVMF loads it from the audio function and it drives the GPU, so the UEFI screen appears on the iGPU.',
    '{rom} 是装在 EFI Option ROM 中的 AMD GOP 驱动：OVMF 从音频功能加载它，由它驱动 GPU，使 UEFI 画面显示在核显上。',
  ],
  'amd.vm.bios': [
    'UEFI firmware: the AMD GOP in the option ROM is a UEFI driver.',
    'UEFI 固件：Option ROM 中的 AMD GOP 是 UEFI 驱动。',
  ],
  'amd.vm.machine': [
    'q35: pcie=1 needs it (i440fx has no PCI Express) and the APU passthrough recipe uses it; a q35 VM keeps its version.',
    'q35：pcie=1 需要它（i440fx 没有 PCI Express），APU 直通方案也使用它；已是 q35 的虚拟机保留其版本。',
  ],
  'amd.vm.vga': [
    'No emulated VGA: the iGPU is the display of the VM, so the UEFI screen appears on it and not on an emulated card.',
    '不模拟 VGA：核显就是虚拟机的显示设备，UEFI 画面显示在它上面，而不是模拟显卡上。',
  ],
  'amd.vm.gpu': [
    'Pass the GPU function as a PCI Express device with the ROM {rom}.',
    '以 PCI Express 设备直通 GPU 功能，并使用 ROM {rom}。',
  ],
  'amd.vm.gpuNoVbios': [
    'Pass the GPU function as a PCI Express device. No romfile=: your BIOS holds no VBIOS for this iGPU (see the note on the missing VBIOS); add romfile= with the VBIOS from the VFCT table of the host once you have it.',
    '以 PCI Express 设备直通 GPU 功能。未写 romfile=：你的 BIOS 中没有本核显的 VBIOS（见缺少 VBIOS 的说明）；从宿主机 VFCT 表取得 VBIOS 后再加上 romfile=。',
  ],
  'amd.vm.audio': [
    'Pass the HDMI audio function too, as a PCI Express device with the GOP ROM {rom}: OVMF loads the GOP from the ROM of this function.',
    '同时以 PCI Express 设备直通 HDMI 音频功能，并使用 GOP ROM {rom}：OVMF 从这个功能的 ROM 加载 GOP。',
  ],
  'amd.vm.audioCombined': [
    'Pass the HDMI audio function too, as a PCI Express device: both functions of the device belong to the VM; the GOP is in the combined ROM of the GPU function.',
    '同时以 PCI Express 设备直通 HDMI 音频功能：设备的两个功能都归虚拟机；GOP 在 GPU 功能的合并 ROM 中。',
  ],
  'amd.vm.cpu': [
    'cpu host: the guest sees the real CPU, as in the community APU passthrough guides.',
    'cpu host：客户机看到真实的 CPU，社区的 APU 直通指南均如此设置。',
  ],
  'amd.vm.efidisk': [
    'A 4 MiB EFI vars disk for OVMF’s settings, without pre-enrolled Secure Boot keys; adjust the storage name.',
    '4 MiB 的 EFI 变量盘，用于保存 OVMF 设置，不预置安全启动密钥；请改成你的存储名。',
  ],
  'amd.qm.basic': ['UEFI, q35 machine and no emulated VGA.', 'UEFI、q35 机型、不模拟 VGA。'],
  'amd.merge.askCpu': [
    'A CPU model you chose. cpu: host is what the APU passthrough guides use; it also ties the VM to the CPU of this host (no live migration to a different CPU).',
    '这是你选择的 CPU 型号。APU 直通指南使用 cpu: host；它还会把虚拟机绑定到本机 CPU（无法热迁移到不同 CPU 的主机）。',
  ],
  'amd.merge.unknownSlot': [
    'Uses hostpci0 and hostpci1; if your VM has other devices there, pick free indexes (or paste the VM config for lines that do this).',
    '使用 hostpci0 与 hostpci1；若虚拟机在这两个编号上已有其他设备，请换用空闲编号（或粘贴虚拟机配置，自动生成这样的命令）。',
  ],
  'amd.merge.mappingCheck': [
    'A resource mapping (mapping=): it may be the GPU function {gpu} of the iGPU or its audio function {audio}, or both in one entry, which the VM config alone cannot tell, so no second entry for them is added and nothing here is changed. install.sh resolves it on the host (pvesh get /cluster/mapping/pci/<name>); or check under Datacenter → Resource Mappings: a mapping of {gpu} needs pcie=1{gpuRom}, one of {audio} needs pcie=1{audioRom}; one mapping of both functions cannot give each its ROM: map them separately.',
    '这是资源映射（mapping=）：它可能是核显的 GPU 功能 {gpu} 或其音频功能 {audio}，或在一个条目中包含两者，仅凭虚拟机配置无法判断，因此不会再为它们添加第二个条目，这里也不做任何修改。install.sh 会在主机上解析它（pvesh get /cluster/mapping/pci/<name>）；也可以在 数据中心 → 资源映射 中查看：映射 {gpu} 的条目需要 pcie=1{gpuRom}，映射 {audio} 的需要 pcie=1{audioRom}；同时包含两个功能的映射无法为每个功能分别指定 ROM，请分开映射。',
  ],
  'amd.merge.unknownCpu': [
    'Commented out: for a new VM only; on an existing one it would replace the CPU model you chose. Paste its config, or use install.sh, which changes cpu only if you agree (--cpu-host).',
    '已注释：仅适用于新建虚拟机；用于已有虚拟机会替换你选择的 CPU 型号。请粘贴其配置，或使用 install.sh，它只在你同意时（--cpu-host）修改 cpu。',
  ],
  'amd.qemu.machine': [
    'q35: the iGPU functions go on a PCI Express root port.',
    'q35：核显的各功能接在 PCI Express 根端口上。',
  ],
  'amd.qemu.rootPort': [
    'A PCIe root port for the iGPU, as Proxmox adds for pcie=1.',
    '为核显提供 PCIe 根端口，与 Proxmox 对 pcie=1 的处理相同。',
  ],
  'amd.qemu.gpu': [
    'The GPU function with its ROM, as function 0 of a multifunction device.',
    'GPU 功能及其 ROM，作为多功能设备的功能 0。',
  ],
  'amd.qemu.gpuNoVbios': [
    'The GPU function, as function 0 of a multifunction device; no romfile= until you have its VBIOS.',
    'GPU 功能，作为多功能设备的功能 0；取得其 VBIOS 之前不写 romfile=。',
  ],
  'amd.qemu.audio': [
    'The HDMI audio function as function 1 of the same device.',
    'HDMI 音频功能，作为同一设备的功能 1。',
  ],
  'amd.bios.iommu': [
    'AMD-Vi is the IOMMU passthrough needs; the kernel turns it on by itself once the firmware enables it.',
    'AMD-Vi 是直通所需的 IOMMU；固件开启后内核会自动启用。',
  ],
  'amd.bios.igpu': [
    'Boards with a discrete GPU may switch the iGPU off; it must stay enabled to be passed through.',
    '装有独立显卡的主板可能会关闭核显；要直通它就必须保持启用。',
  ],
  'amd.bios.csm': [
    'A UEFI-booted host: the iGPU is set up the way the GOP in the VM expects.',
    '以 UEFI 启动宿主机：核显按虚拟机中 GOP 所期望的方式初始化。',
  ],
  'amd.reset.what': [
    'AMD iGPUs have no reset that reliably brings them back: after the VM stops or reboots, the iGPU often stays black or fails to initialise until the host reboots (the “AMD reset bug”).',
    'AMD 核显没有能可靠恢复的重置方式：虚拟机关机或重启后，核显常常黑屏或无法初始化，直到宿主机重启（即“AMD 重置问题”）。',
  ],
  'amd.reset.vendorReset': [
    'gnif/vendor-reset adds resets for some discrete Radeon families (Polaris, Vega, Navi 10); APU iGPUs are not officially supported by it, so do not count on it.',
    'gnif/vendor-reset 为部分独立 Radeon 系列（Polaris、Vega、Navi 10）提供重置；它并不正式支持 APU 核显，不要依赖它。',
  ],
  'amd.reset.avoid': [
    'What users do: start the VM once per host boot and keep it running; shut it down only together with the host, and reboot the host when the iGPU is stuck.',
    '用户的做法：每次宿主机启动后只启动一次虚拟机并保持运行；仅随宿主机一起关机；核显卡住时重启宿主机。',
  ],
  'amd.reset.guest': [
    'Guest-side fixes users report: in Windows, a shutdown script or service that disables the Radeon device before the VM stops (e.g. RadeonResetBugFix), so the next start finds it clean; results differ between APUs.',
    '用户报告的客户机侧办法：在 Windows 中用关机脚本或服务在虚拟机停止前禁用 Radeon 设备（例如 RadeonResetBugFix），使下次启动时设备处于干净状态；效果因 APU 而异。',
  ],
  'block.amdNoVbios': ['No VBIOS in this BIOS', '此 BIOS 中没有 VBIOS'],
  'amd.noVbios.what': [
    'This BIOS holds an AMD GOP driver but no VBIOS for this iGPU, so the configuration passes the GPU function without a romfile= and installs only the GOP ROM.',
    '此 BIOS 中有 AMD GOP 驱动，但没有本核显的 VBIOS，因此配置直通 GPU 功能时不带 romfile=，只安装 GOP ROM。',
  ],
  'amd.noVbios.why': [
    'Without the VBIOS the GOP cannot start the GPU: an APU has no ROM of its own, and the GOP and the guest driver read the VBIOS from the GPU function’s ROM. Expect no UEFI picture until the VBIOS is added.',
    '没有 VBIOS，GOP 无法启动 GPU：APU 没有自己的 ROM，GOP 与客户机驱动都从 GPU 功能的 ROM 读取 VBIOS。在补上 VBIOS 之前，不会有 UEFI 画面。',
  ],
  'amd.noVbios.vfct': [
    'Get it from the host: the host firmware publishes the VBIOS of the iGPU in the ACPI VFCT table at boot, and the kernel shows every ACPI table under /sys/firmware/acpi/tables, whether amdgpu is loaded, blacklisted or the iGPU is bound to vfio-pci. Run this as root on the Proxmox host; if the file does not exist, this host’s firmware provides no VFCT table.',
    '从宿主机获取：宿主机固件在启动时把核显的 VBIOS 放进 ACPI VFCT 表，内核在 /sys/firmware/acpi/tables 下列出所有 ACPI 表，无论 amdgpu 是否加载、是否被屏蔽、核显是否已绑定 vfio-pci。请在 Proxmox 宿主机上以 root 运行此命令；若该文件不存在，说明本机固件没有提供 VFCT 表。',
  ],
  'amd.noVbios.app': [
    'In the web app: go back to step 1 and drop vfct.bin there together with the BIOS file; the VBIOS for this iGPU is taken from it, and the ROMs and this configuration are made again with it on the GPU function.',
    '在网页应用中：回到第 1 步，把 vfct.bin 与 BIOS 文件一起拖入；将从中取出本核显的 VBIOS，并据此重新生成 ROM 与本配置，GPU 功能将带上该 ROM。',
  ],
  'amd.noVbios.cli': [
    'With the CLI: give the table as the VBIOS to both commands. rom --bios BIOS --vbios vfct.bin --device-id 0x{id} -o amd.rom (or rom --gop GOP.efi --vbios vfct.bin --device-id 0x{id} -o amd.rom) writes the ROMs this configuration names, beside amd.rom; then config with the same options as now plus --bios BIOS --vbios vfct.bin puts the VBIOS ROM on the GPU function. Each command takes from the table the image for this iGPU (config: the record at its PCI address).',
    '使用命令行：在两个命令中都把该表作为 VBIOS 传入。rom --bios BIOS --vbios vfct.bin --device-id 0x{id} -o amd.rom（或 rom --gop GOP.efi --vbios vfct.bin --device-id 0x{id} -o amd.rom）在 amd.rom 旁写出本配置所用的 ROM；然后在 config 现有选项之外加上 --bios BIOS --vbios vfct.bin，配置就会在 GPU 功能上使用该 VBIOS ROM。两个命令都从表中取出本核显的映像（config 取其 PCI 地址上的记录）。',
  ],
  'finding.amd-no-gpu': [
    'No hostpci entry for the AMD GPU function {host}.',
    '未找到 AMD GPU 功能 {host} 的 hostpci 条目。',
  ],
  'finding.amd-no-audio': [
    'The HDMI audio function {host} is not passed: the GOP ROM belongs on it, and both functions of the device go to the VM.',
    'HDMI 音频功能 {host} 未直通：GOP ROM 应放在它上面，且设备的两个功能都应交给虚拟机。',
  ],
  'finding.amd-all-functions': [
    '{dev} passes every function of the device in one entry: give the GPU (.0) and the audio function (.1) their own hostpci lines so each gets its ROM.',
    '{dev} 在一个条目中直通了设备的所有功能：请为 GPU（.0）和音频功能（.1）各写一行 hostpci，以便分别指定 ROM。',
  ],
  'finding.amd-not-q35': [
    'machine is {machine}: pcie=1 needs q35, and the APU passthrough recipe uses it. Use machine: q35.',
    'machine 为 {machine}：pcie=1 需要 q35，APU 直通方案也使用 q35。请使用 machine: q35。',
  ],
  'finding.amd-no-pcie': [
    '{dev} has no pcie=1: pass the iGPU functions as PCI Express devices (on q35).',
    '{dev} 未设置 pcie=1：请以 PCI Express 设备直通核显各功能（需 q35）。',
  ],
  'finding.amd-no-vbios-rom': [
    'No romfile= on the GPU function: an APU has no ROM of its own in a VM, so neither the guest driver nor the GOP finds a VBIOS. Use the VBIOS (or combined) ROM from your BIOS.',
    'GPU 功能未指定 romfile=：APU 在虚拟机中没有自己的 ROM，客户机驱动和 GOP 都找不到 VBIOS。请使用取自你 BIOS 的 VBIOS（或合并）ROM。',
  ],
  'finding.amd-vbios-missing': [
    'No romfile= on the GPU function, because your BIOS holds no VBIOS for this iGPU: the GOP cannot start the GPU without it. What is missing is the VBIOS: take it from the host’s ACPI VFCT table (/sys/firmware/acpi/tables/VFCT) and add it as romfile= of {dev}.',
    'GPU 功能未指定 romfile=，因为你的 BIOS 中没有本核显的 VBIOS：没有它，GOP 无法启动 GPU。缺少的是 VBIOS：请从宿主机的 ACPI VFCT 表（/sys/firmware/acpi/tables/VFCT）取得，并作为 {dev} 的 romfile= 加上。',
  ],
  'finding.amd-no-gop-rom': [
    'No romfile= on the audio function: there is no UEFI picture unless the GPU function’s ROM is the combined VBIOS + GOP ROM.',
    '音频功能未指定 romfile=：除非 GPU 功能的 ROM 是 VBIOS + GOP 合并 ROM，否则不会有 UEFI 画面。',
  ],
  'finding.amd-intel-leftover': [
    '{what} is for Intel iGPUs only; remove it from this AMD VM.',
    '{what} 仅用于 Intel 核显；请从这台 AMD 虚拟机中删除。',
  ],
  'finding.amd-vga-not-none': [
    'vga is "{vga}": the emulated card becomes the first display and the UEFI screen goes there. Use vga: none.',
    'vga 为“{vga}”：模拟显卡会成为第一显示设备，UEFI 画面会显示在它上面。请使用 vga: none。',
  ],
  'finding.amd-rombar-0': [
    'rombar=0 on {dev} hides its option ROM from the VM, so its VBIOS or GOP never loads.',
    '{dev} 上的 rombar=0 会对虚拟机隐藏其 Option ROM，VBIOS 或 GOP 将无法加载。',
  ],
  'finding.amd-cpu-not-host': [
    'cpu is {cpu}; the APU passthrough guides use cpu: host.',
    'cpu 为 {cpu}；APU 直通指南使用 cpu: host。',
  ],
} as const satisfies Record<string, readonly [string, string]>;

export type MessageKey = keyof typeof CATALOG;

const messages = catalogue(CATALOG);

export const MESSAGE_KEYS: readonly MessageKey[] = messages.keys;

/** The message in both languages, with `{name}` placeholders filled. */
export function t(key: MessageKey, params?: Record<string, string | number>): Text {
  return messages.t(key, params);
}
