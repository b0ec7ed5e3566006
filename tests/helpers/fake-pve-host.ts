/**
 * A fake Proxmox host for the probe and hook scripts: a root directory with /proc, /sys, /etc,
 * /var/log and /usr/share files of a healthy Coffee Lake setup (VM 101 passes the iGPU with a ROM),
 * and a PATH of stub commands (pveversion, lspci, qm, dmesg, …) plus the few real tools a stock
 * host has. No host lspci/setpci is reachable, so nothing of the machine running the tests leaks in.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Tools the script uses from a stock PVE host, linked into a PATH of their own (no host lspci/setpci). */
const TOOLS = [
  'sed',
  'grep',
  'awk',
  'od',
  'sha256sum',
  'cut',
  'tail',
  'head',
  'find',
  'sort',
  'base64',
  'date',
  'readlink',
  'cat',
  'tr',
  'printf',
];

export function put(root: string, path: string, content: string | Uint8Array): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

/** Rewrites a file of the fake root, e.g. to break one thing of the healthy host. */
export function edit(root: string, path: string, change: (text: string) => string): void {
  writeFileSync(join(root, path), change(readFileSync(join(root, path), 'utf8')));
}

function stub(bin: string, name: string, body: string): void {
  put(bin, name, `#!/bin/sh\n${body}\n`);
  chmodSync(join(bin, name), 0o755);
}

/** Config space of a Coffee Lake iGPU: GGC 0x0261 (64 MiB, VGA on), BDSM, ASLS. */
function igpuConfig(): Uint8Array {
  const c = new Uint8Array(256);
  const dv = new DataView(c.buffer);
  dv.setUint16(0, 0x8086, true);
  dv.setUint16(2, 0x3e92, true);
  dv.setUint16(0x50, 0x0261, true);
  dv.setUint32(0x5c, 0x8b800001, true);
  dv.setUint32(0xfc, 0x89f9e018, true);
  return c;
}

/** A minimal legacy option ROM header whose PCIR names 8086:3e92. */
function romBytes(): Uint8Array {
  const r = new Uint8Array(512);
  const dv = new DataView(r.buffer);
  dv.setUint16(0, 0xaa55, true);
  dv.setUint16(0x18, 0x1c, true);
  r.set([0x50, 0x43, 0x49, 0x52], 0x1c);
  dv.setUint16(0x20, 0x8086, true);
  dv.setUint16(0x22, 0x3e92, true);
  return r;
}

const LSPCI_NNK = `00:02.0 VGA compatible controller [0300]: Intel Corporation CoffeeLake-S GT2 [UHD Graphics 630] [8086:3e92]
	Subsystem: Fujitsu Technology Solutions Device [1734:1234]
	Kernel driver in use: vfio-pci
	Kernel modules: i915
00:1f.6 Ethernet controller [0200]: Intel Corporation Ethernet Connection (7) I219-LM [8086:15bb] (rev 10)
	Kernel driver in use: e1000e`;

export function buildFakeHost(): { root: string; bin: string; home: string } {
  const base = mkdtempSync(join(tmpdir(), 'ovmf-gop-probe-'));
  const root = join(base, 'root');
  const bin = join(base, 'bin');
  const home = join(base, 'home');
  mkdirSync(home);
  mkdirSync(bin);
  for (const t of TOOLS) {
    const real = execFileSync('sh', ['-c', `command -v ${t}`], { encoding: 'utf8' }).trim();
    if (real.startsWith('/')) symlinkSync(real, join(bin, t));
  }
  put(
    root,
    'proc/cmdline',
    'BOOT_IMAGE=/boot/vmlinuz-6.8.12-9-pve root=/dev/mapper/pve-root ro quiet iommu=pt\n',
  );
  put(root, 'sys/kernel/iommu_groups/1/devices/0000:00:02.0', '');
  put(root, 'sys/kernel/iommu_groups/8/devices/0000:00:1f.6', '');
  put(root, 'sys/class/iommu/dmar0/intel-iommu/cap', 'd2008c40660462\n');
  put(root, 'sys/bus/pci/devices/0000:00:02.0/config', igpuConfig());
  put(root, 'sys/bus/pci/devices/0000:00:02.0/device', '0x3e92\n');
  mkdirSync(join(root, 'sys/bus/pci/drivers/vfio-pci'), { recursive: true });
  symlinkSync(
    '../../../../bus/pci/drivers/vfio-pci',
    join(root, 'sys/bus/pci/devices/0000:00:02.0/driver'),
  );
  put(root, 'sys/kernel/debug/dri/0/i915_vbt', '$VBT COFFEELAKE        \0\0');
  put(root, 'etc/modules', 'vfio\nvfio_iommu_type1\nvfio_pci\n');
  put(
    root,
    'etc/modprobe.d/vfio.conf',
    'options vfio-pci ids=8086:3e92\nsoftdep i915 pre: vfio-pci\n',
  );
  put(root, 'etc/default/grub', 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet iommu=pt"\n');
  const conf = [
    'args: -set device.hostpci0.x-igd-gms=0x2 -set device.hostpci0.x-igd-opregion=on',
    'bios: ovmf',
    'cpu: host',
    'hostpci0: 0000:00:02.0,legacy-igd=1,romfile=igd.rom',
    'machine: pc-i440fx-9.2',
    'memory: 8192',
    'net0: virtio=BC:24:11:5E:7A:01,bridge=vmbr0',
    'smbios1: uuid=3dd750ce-d910-44d0-9493-525c0be4e687,serial=QkFEMTIzNDU=,base64=1',
    'vga: none',
    'vmgenid: 54d1c06c-8f5b-440f-b5b2-6eab1380e13d',
    '',
  ].join('\n');
  put(root, 'etc/pve/qemu-server/101.conf', conf);
  put(
    root,
    'etc/pve/qemu-server/102.conf',
    'memory: 2048\nnet0: virtio=BC:24:11:00:00:02,bridge=vmbr0\n',
  );
  put(
    root,
    'var/log/pve/tasks/A/UPID:pve:0000C1D2:0003A4B5:691F0A2A:qmstart:101:root@pam:',
    'TASK OK\n',
  );
  put(
    root,
    'var/log/pve/tasks/9/UPID:pve:0000B000:0002A000:691E0000:qmstart:101:root@pam:',
    'old run\nTASK OK\n',
  );
  put(root, 'usr/share/kvm/igd.rom', romBytes());
  put(root, 'usr/share/pve-edk2-firmware/OVMF_CODE_4M.fd', 'stock ovmf');

  stub(
    bin,
    'pveversion',
    'echo "proxmox-ve: 8.4.0 (running kernel: 6.8.12-9-pve)"; echo "pve-manager: 8.4.1 (running version: 8.4.1/2a5fa54a8503f96d)"; echo "pve-qemu-kvm: 9.2.0-5"',
  );
  stub(bin, 'kvm', 'echo "QEMU emulator version 9.2.0 (pve-qemu-kvm_9.2.0-5)"');
  stub(bin, 'uname', 'echo 6.8.12-9-pve');
  stub(
    bin,
    'efibootmgr',
    'printf "BootCurrent: 0004\\nBoot0003* IPv4 PXE\\tPciRoot(0x0)/Pci(0x1f,0x6)/MAC(3cecef123456,0)/IPv4(0.0.0.0)\\nBoot0004* proxmox\\tHD(2,GPT,5e3b2a1c,0x800,0x200000)/File(\\\\EFI\\\\proxmox\\\\grubx64.efi)\\n"',
  );
  stub(
    bin,
    'proxmox-boot-tool',
    'echo "E: /etc/kernel/proxmox-boot-uuids does not exist."; exit 2',
  );
  stub(
    bin,
    'lspci',
    `case "$*" in
  -nnk) cat <<'EOF'
${LSPCI_NNK}
EOF
  ;;
  -Dnn) echo "0000:00:02.0 VGA compatible controller [0300]: Intel Corporation CoffeeLake-S GT2 [UHD Graphics 630] [8086:3e92]" ;;
  "-nnvvv -s 0000:00:02.0") printf '00:02.0 VGA compatible controller [0300]: Intel Corporation CoffeeLake-S GT2 [8086:3e92]\\n\\tCapabilities: [100 v1] Device Serial Number 00-11-22-ff-ff-33-44-55\\n\\tKernel driver in use: vfio-pci\\n' ;;
  *) exit 1 ;;
esac`,
  );
  stub(
    bin,
    'dmesg',
    'echo "[    0.381190] DMAR: Intel(R) Virtualization Technology for Directed I/O"; echo "[    3.100000] e1000e 0000:00:1f.6 eth0: 3c:ec:ef:12:34:56"; echo "[    3.973004] VFIO - User Level meta-driver version: 0.3"',
  );
  stub(
    bin,
    'journalctl',
    'echo "2026-11-20T12:01:14+0100 pve pvedaemon[1902]: <root@pam> starting task UPID:pve:0000C1D2:0003A4B5:691F0A2A:qmstart:101:root@pam:"',
  );
  stub(
    bin,
    'qm',
    `case "$1" in
  config) cat "$OVMF_GOP_PROBE_ROOT/etc/pve/qemu-server/$2.conf" ;;
  showcmd) echo "/usr/bin/kvm \\\\"; echo "  -id $2 \\\\"; echo "  -device 'vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2,romfile=/usr/share/kvm/igd.rom'" ;;
esac`,
  );
  return { root, bin, home };
}
