/**
 * The facts the condition rules look at, gathered from every recognised part: versions, the
 * iGPU and who drives it, the VM's passthrough setup, the iGPU's registers, files on the host.
 * Each fact keeps the line it came from so a finding can quote it.
 */
import { ver, type Version } from '../config/facts';
import { normalizePciAddress, parseVmConf } from '../config/inputs';
import { lookupIgpu, type IgpuInfo } from '../igpu/devices';
import type { InputPart, SourceLine } from './types';

export interface PciDevice {
  address: string;
  classCode: number;
  vendorId: number;
  deviceId: number;
  driver?: string;
  line: SourceLine;
  driverLine?: SourceLine;
}

/** A passthrough device of the VM, from whichever format described it. */
export interface PassedDevice {
  /** `hostpciN`, or the QEMU/libvirt id. */
  id: string;
  /** Host address as `0000:bb:dd.f`; a bare `0000:bb:dd` means all functions of the slot. */
  host: string;
  allFunctions: boolean;
  legacyIgd: boolean;
  romfile?: string;
  romBarOff: boolean;
  pcie: boolean;
  xVga: boolean;
  /** Guest address as written (`0x2`, `02.0`, …), when set. */
  guestAddr?: string;
  /** Properties set on the device directly or with `-set device.<id>.<prop>=`. */
  props: Map<string, string>;
  line: SourceLine;
}

export interface VmFacts {
  format: 'pve' | 'qemu' | 'libvirt';
  vmid?: string;
  machine?: { q35: boolean; line: SourceLine };
  vga?: { value: string; line: SourceLine };
  devices: PassedDevice[];
  args?: SourceLine;
}

export interface HostFacts {
  pve?: { version: string; line: SourceLine };
  qemu?: { version: Version; line: SourceLine };
  kernel?: { version: Version; line: SourceLine };
  cmdline?: SourceLine;
  devices: PciDevice[];
  /** Number of IOMMU groups (probe), undefined when unknown. */
  iommuGroups?: { count: number; line: SourceLine };
  /** Address width of the first DMAR unit, from its cap register. */
  iommuWidth?: { bits: number; line: SourceLine };
  regs: Map<string, { value: number; line: SourceLine }>;
  vms: VmFacts[];
  /** Files the probe hashed or could not find. */
  files: { path: string; sha256?: string; line: SourceLine }[];
  missingFiles: { path: string; where: string }[];
  /** ROM PCIR vendor/device pairs the probe read. */
  romIds: { path: string; vendorId: number; deviceId: number; line: SourceLine }[];
  modprobe: SourceLine[];
  /** Every line of every part, for the pattern rules. */
  allLines: SourceLine[];
}

const ADDR = /^((?:[0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) /i;

function parseLspciNnk(part: InputPart, out: HostFacts): void {
  let cur: PciDevice | undefined;
  for (const l of part.lines) {
    const m = ADDR.exec(l.text);
    if (m) {
      const cls = /\[([0-9a-f]{4})\]:/i.exec(l.text);
      const ids = [...l.text.matchAll(/\[([0-9a-f]{4}):([0-9a-f]{4})\]/gi)];
      const id = ids[ids.length - 1];
      cur = undefined;
      if (!cls || !id) continue;
      const address = normalizePciAddress(m[1]);
      if (out.devices.some((d) => d.address === address)) {
        cur = out.devices.find((d) => d.address === address);
        continue;
      }
      cur = {
        address,
        classCode: Number.parseInt(cls[1], 16),
        vendorId: Number.parseInt(id[1], 16),
        deviceId: Number.parseInt(id[2], 16),
        line: l,
      };
      out.devices.push(cur);
      continue;
    }
    const drv = /^\s+Kernel driver in use:\s*(\S+)/.exec(l.text);
    if (drv && cur) {
      cur.driver = drv[1];
      cur.driverLine = l;
    }
  }
}

function parseVersions(part: InputPart, out: HostFacts): void {
  for (const l of part.lines) {
    const mgr = /^pve-manager(?::\s*|\/)(\d+\.\d+)/.exec(l.text);
    if (mgr && !out.pve) out.pve = { version: mgr[1], line: l };
    const k = /running kernel:\s*(\d+\.\d+)/.exec(l.text);
    if (k && !out.kernel) out.kernel = { version: ver(k[1]), line: l };
    const q =
      /^\s*pve-qemu-kvm:\s*(\d+\.\d+)/.exec(l.text) ??
      /^QEMU emulator version (\d+\.\d+)/.exec(l.text);
    if (q && !out.qemu) out.qemu = { version: ver(q[1]), line: l };
  }
}

function addProp(dev: PassedDevice, key: string, value: string): void {
  dev.props.set(key, value);
  if (key === 'romfile') dev.romfile = value;
  if (key === 'rombar' && value === '0') dev.romBarOff = true;
  if (key === 'addr') dev.guestAddr = value;
  if (key === 'x-vga' && /^(1|on|true)$/.test(value)) dev.xVga = true;
}

function newDevice(id: string, host: string, line: SourceLine): PassedDevice {
  const bare = /^(?:[0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}$/i.test(host);
  return {
    id,
    host: bare ? normalizePciAddress(host).slice(0, -2) : normalizePciAddress(host),
    allFunctions: bare,
    legacyIgd: false,
    romBarOff: false,
    pcie: false,
    xVga: false,
    props: new Map(),
    line,
  };
}

function parsePveConfig(part: InputPart, section?: string): VmFacts {
  const conf = parseVmConf(part.lines.map((l) => l.text).join('\n'));
  const at = (n: number) => part.lines[n - 1];
  const vm: VmFacts = { format: 'pve', devices: [] };
  const vmid = section?.split('.')[1];
  if (vmid) vm.vmid = vmid;
  const machine = conf.get('machine');
  if (machine) vm.machine = { q35: /q35/.test(machine.value), line: at(machine.line) };
  const vga = conf.get('vga');
  if (vga) vm.vga = { value: vga.value, line: at(vga.line) };
  const args = conf.get('args');
  if (args) vm.args = at(args.line);
  for (const h of conf.hostpci) {
    const raw = at(h.line);
    const hostRaw = /^hostpci\d+:\s*(?:host=)?([^,]+)/.exec(raw.text.trim())?.[1] ?? h.host;
    const dev = newDevice(`hostpci${h.index}`, hostRaw, raw);
    for (const [k, v] of h.options) addProp(dev, k, v);
    dev.legacyIgd = /^(1|on)$/.test(h.options.get('legacy-igd') ?? '');
    dev.pcie = /^(1|on)$/.test(h.options.get('pcie') ?? '');
    dev.romBarOff = h.options.get('rombar') === '0';
    for (const [key, value] of conf.setProps) {
      const dot = key.lastIndexOf('.');
      if (key.slice(0, dot) === dev.id) addProp(dev, key.slice(dot + 1), value);
    }
    vm.devices.push(dev);
  }
  return vm;
}

/** `qm showcmd` (quoted per argument) or a plain QEMU command line. */
function parseQemuCommand(part: InputPart, section?: string): VmFacts {
  const vm: VmFacts = { format: 'qemu', devices: [] };
  const vmid = section?.split('.')[1];
  if (vmid) vm.vmid = vmid;
  const unquote = (s: string) => s.replace(/^'|'$/g, '');
  for (const l of part.lines) {
    for (const m of l.text.matchAll(/(?:^|\s)-(machine|M|device|set|vga|id)\s+('[^']*'|\S+)/g)) {
      const [opt, val] = [m[1], unquote(m[2])];
      if (opt === 'id' && !vm.vmid) vm.vmid = val;
      if (opt === 'machine' || opt === 'M') vm.machine = { q35: /q35/.test(val), line: l };
      if (opt === 'vga') vm.vga = { value: val, line: l };
      if (opt === 'device') {
        const [driver, ...kv] = val.split(',');
        if (/^(VGA|vmware-svga|qxl-vga|virtio-vga|cirrus-vga)$/.test(driver) && !vm.vga)
          vm.vga = { value: driver, line: l };
        if (!/^vfio-pci/.test(driver)) continue;
        const opts = new Map(
          kv.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
        );
        const dev = newDevice(
          opts.get('id') ?? `vfio${vm.devices.length}`,
          opts.get('host') ?? '',
          l,
        );
        for (const [k, v] of opts) if (k !== 'host' && k !== 'id') addProp(dev, k, v);
        vm.devices.push(dev);
      }
      if (opt === 'set') {
        const s = /^device\.([\w-]+)\.([\w-]+)=(.*)$/.exec(val);
        const dev = s && vm.devices.find((d) => d.id === s[1]);
        if (s && dev) {
          addProp(dev, s[2], s[3]);
          vm.args ??= l;
        }
      }
    }
  }
  // Proxmox expands a bare slot (hostpci1: 0000:00:1f) into one device per function, ids hostpci1.N.
  for (const d of vm.devices)
    if (/^hostpci\d+\.\d+$/.test(d.id)) {
      d.allFunctions = true;
      d.host = d.host.replace(/\.[0-7]$/, '');
    }
  // QEMU turns legacy mode on by itself for an IGD at guest 00:02.0 of an i440fx machine.
  for (const d of vm.devices)
    d.legacyIgd =
      d.host.endsWith(':00:02.0') &&
      /^(0x)?0?2(\.0)?$/i.test(d.guestAddr ?? '') &&
      vm.machine?.q35 === false;
  return vm;
}

function parseLibvirt(part: InputPart): VmFacts {
  const vm: VmFacts = { format: 'libvirt', devices: [] };
  const text = part.lines.map((l) => l.text).join('\n');
  const lineOf = (re: RegExp) => part.lines.find((l) => re.test(l.text));
  const machine = lineOf(/<type\b[^>]*machine=/);
  if (machine) vm.machine = { q35: /machine=['"][^'"]*q35/.test(machine.text), line: machine };
  const video = lineOf(/<model\s+type=['"]\w+['"]/);
  if (video) vm.vga = { value: /type=['"](\w+)['"]/.exec(video.text)![1], line: video };
  for (const m of text.matchAll(/<hostdev\b[\s\S]*?<\/hostdev>/g)) {
    const src =
      /<source>[\s\S]*?<address[^>]*bus=['"]0x([0-9a-f]+)['"][^>]*slot=['"]0x([0-9a-f]+)['"][^>]*function=['"]0x([0-7])['"]/i.exec(
        m[0],
      );
    if (!src) continue;
    const host = `${src[1].padStart(2, '0')}:${src[2].padStart(2, '0')}.${src[3]}`;
    const first = lineOf(new RegExp(`slot=['"]0x${src[2]}['"]`)) ?? part.lines[0];
    const dev = newDevice(`hostdev${vm.devices.length}`, host, first);
    const rom = /<rom\b([^>]*)\/>/.exec(m[0]);
    if (rom) {
      const file = /file=['"]([^'"]+)['"]/.exec(rom[1]);
      if (file) dev.romfile = file[1];
      if (/bar=['"]off['"]/.test(rom[1])) dev.romBarOff = true;
    }
    const guest =
      /<\/source>[\s\S]*?<address[^>]*slot=['"]0x([0-9a-f]+)['"][^>]*function=['"]0x([0-7])['"]/i.exec(
        m[0],
      );
    if (guest) dev.guestAddr = `${guest[1]}.${guest[2]}`;
    vm.devices.push(dev);
  }
  return vm;
}

function parseIommu(part: InputPart, out: HostFacts): void {
  for (const l of part.lines) {
    const g = /^groups:\s*(\d+)/.exec(l.text);
    if (g) out.iommuGroups = { count: Number(g[1]), line: l };
    const cap = /^unit \S+ cap:\s*([0-9a-f]+)/i.exec(l.text);
    if (cap && !out.iommuWidth) {
      // MGAW, bits 21:16 of the capability register, is the width minus one (VT-d spec 11.4.2;
      // qemu docs/igd-assign.txt computes it the same way).
      const v = BigInt(`0x${cap[1]}`);
      out.iommuWidth = { bits: Number((v >> 16n) & 0x3fn) + 1, line: l };
    }
  }
  if (part.unreadable.some((u) => u.startsWith('/sys/kernel/iommu_groups')) && !out.iommuGroups)
    out.iommuGroups = {
      count: 0,
      line: {
        where: `${part.origin} [${part.section ?? part.kind}]`,
        line: 0,
        text: part.unreadable[0],
      },
    };
}

function parseRegs(part: InputPart, out: HostFacts): void {
  for (const l of part.lines) {
    const m = /^([0-9a-f]{2}\.[wlb])=([0-9a-f]+)$/i.exec(l.text.trim());
    if (m) out.regs.set(m[1].toLowerCase(), { value: Number.parseInt(m[2], 16), line: l });
  }
}

/** `lspci -xxx` of the iGPU: GGC (0x50) and ASLS (0xfc) from the hex dump. */
function parseLspciXxx(part: InputPart, out: HostFacts): void {
  const bytes = new Map<number, number>();
  const rows = new Map<number, SourceLine>();
  for (const l of part.lines) {
    const m = /^([0-9a-f]0): ((?:[0-9a-f]{2} ){15}[0-9a-f]{2})$/i.exec(l.text.trim());
    if (!m) continue;
    const base = Number.parseInt(m[1], 16);
    rows.set(base, l);
    m[2].split(' ').forEach((b, i) => bytes.set(base + i, Number.parseInt(b, 16)));
  }
  const word = (o: number, n: number) => {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) {
      const b = bytes.get(o + i);
      if (b === undefined) return undefined;
      v = v * 256 + b;
    }
    return v;
  };
  for (const [reg, off, n] of [
    ['50.w', 0x50, 2],
    ['5c.l', 0x5c, 4],
    ['fc.l', 0xfc, 4],
  ] as const) {
    const v = word(off, n);
    if (v !== undefined && !out.regs.has(reg))
      out.regs.set(reg, { value: v, line: rows.get(off & 0xf0)! });
  }
}

function parseFileList(part: InputPart, out: HostFacts): void {
  for (const l of part.lines) {
    const h = /^([0-9a-f]{64})\s+(\/\S+)$/.exec(l.text.trim());
    if (h) out.files.push({ path: h[2], sha256: h[1], line: l });
    const p = /^pcir (\S+):\s+([0-9a-f]{4}) ([0-9a-f]{4})/.exec(l.text.trim());
    if (p)
      out.romIds.push({
        path: p[1],
        vendorId: Number.parseInt(p[2], 16),
        deviceId: Number.parseInt(p[3], 16),
        line: l,
      });
  }
  for (const u of part.unreadable) {
    const m = /^(\/\S+) \(no such file\)/.exec(u);
    if (m)
      out.missingFiles.push({ path: m[1], where: `${part.origin} [${part.section ?? part.kind}]` });
  }
}

export function gatherFacts(parts: readonly InputPart[]): HostFacts {
  const out: HostFacts = {
    devices: [],
    regs: new Map(),
    vms: [],
    files: [],
    missingFiles: [],
    romIds: [],
    modprobe: [],
    allLines: parts.flatMap((p) => p.lines),
  };
  for (const part of parts) {
    switch (part.kind) {
      case 'pveversion':
      case 'kvm-version':
        parseVersions(part, out);
        break;
      case 'unknown': {
        // The probe's `uname -r`: the running kernel when pveversion could not say.
        const k = part.section === 'uname' ? /^(\d+\.\d+)\./.exec(part.lines[0]?.text ?? '') : null;
        if (k && !out.kernel) out.kernel = { version: ver(k[1]), line: part.lines[0] };
        break;
      }
      case 'lspci-nnk':
        parseLspciNnk(part, out);
        break;
      case 'lspci-xxx':
        parseLspciNnk(part, out);
        parseLspciXxx(part, out);
        break;
      case 'vm-config':
        out.vms.push(parsePveConfig(part, part.section));
        break;
      case 'qm-showcmd':
      case 'qemu-cmdline':
        // A probe report has both qm config and showcmd of one VM; the config is the richer view.
        if (!(part.section && out.vms.some((v) => v.vmid === part.section!.split('.')[1])))
          out.vms.push(parseQemuCommand(part, part.section));
        break;
      case 'libvirt-xml':
        out.vms.push(parseLibvirt(part));
        break;
      case 'proc-cmdline':
        out.cmdline = part.lines.find((l) => l.text.trim());
        break;
      case 'iommu':
        parseIommu(part, out);
        break;
      case 'igpu-regs':
        parseRegs(part, out);
        break;
      case 'romfiles':
      case 'ovmf':
        parseFileList(part, out);
        break;
      case 'modprobe':
        out.modprobe.push(...part.lines);
        break;
      default:
        break;
    }
  }
  return out;
}

/** The host's Intel iGPU: the Intel display-class device at 00:02.0, else the first one. */
export function hostIgpu(f: HostFacts): { dev: PciDevice; info?: IgpuInfo } | undefined {
  const intel = f.devices.filter((d) => d.vendorId === 0x8086 && d.classCode >> 8 === 0x03);
  const dev = intel.find((d) => d.address === '0000:00:02.0') ?? intel[0];
  return dev && { dev, info: lookupIgpu(dev.deviceId) };
}

/** The VM device that is the iGPU: legacy-igd, else host 00:02.0. */
export function vmIgd(vm: VmFacts): PassedDevice | undefined {
  return (
    vm.devices.find((d) => d.legacyIgd) ?? vm.devices.find((d) => /:00:02(\.0)?$/.test(d.host))
  );
}
