/** Parsers for what users paste from their host: pveversion, lspci, boot-loader status, a VM .conf. */
import { FirmwareError } from '../errors';
import { lookupIgpu, type IgpuInfo } from '../igpu/devices';
import { parseAmdLspci, type AmdIgpu, type FamilyOf } from './amd';
import { ver, type Version } from './facts';

export type BootLoader = 'grub' | 'systemd-boot';

export interface PveVersionInfo {
  /** major.minor of pve-manager, e.g. "9.1". */
  pve?: string;
  qemu?: Version;
  kernel?: Version;
}

/** `pveversion -v` (or plain `pveversion`): pve-manager, running kernel, pve-qemu-kvm. */
export function parsePveversion(text: string): PveVersionInfo {
  const out: PveVersionInfo = {};
  const mgr = /pve-manager(?::\s*|\/)(\d+)\.(\d+)/.exec(text);
  if (mgr) out.pve = `${mgr[1]}.${mgr[2]}`;
  const kernel =
    /running kernel:\s*(\d+\.\d+)/.exec(text) ??
    /pve-manager\/[^/\s]+\/[0-9a-f]+\s*\(running kernel:\s*(\d+\.\d+)/.exec(text);
  if (kernel) out.kernel = ver(kernel[1]);
  const qemu = /^\s*pve-qemu-kvm:\s*(\d+\.\d+)/m.exec(text);
  if (qemu) out.qemu = ver(qemu[1]);
  if (!out.pve && !out.qemu && !out.kernel)
    throw new FirmwareError(
      'bad-input',
      'no pve-manager, kernel or pve-qemu-kvm version found in the pveversion text',
    );
  return out;
}

export interface LspciInfo {
  address: string;
  vendorId: number;
  deviceId: number;
  igpu?: IgpuInfo;
  /** An AMD iGPU (GPU and HDMI audio function) found in the pasted lines. */
  amd?: AmdIgpu;
}

/**
 * `lspci -nn -s 00:02.0`: the address and the last `[vvvv:dddd]` pair of the first line. A known
 * Intel iGPU there wins; otherwise an AMD display function anywhere in the text (with its `.1`
 * audio function) is the iGPU. `familyOf` names AMD families (amdFamilyName's fallback otherwise).
 */
export function parseLspci(text: string, familyOf?: FamilyOf): LspciInfo {
  const line = text.split(/\r?\n/).find((l) => /\[[0-9a-f]{4}:[0-9a-f]{4}\]/i.test(l));
  if (!line)
    throw new FirmwareError(
      'bad-input',
      'no [vendor:device] pair found; paste the output of lspci -nn -s 00:02.0',
    );
  const pairs = [...line.matchAll(/\[([0-9a-f]{4}):([0-9a-f]{4})\]/gi)];
  const [, v, d] = pairs[pairs.length - 1];
  const addr = /^\s*((?:[0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])/i.exec(line);
  const vendorId = Number.parseInt(v, 16);
  const deviceId = Number.parseInt(d, 16);
  const igpu = vendorId === 0x8086 ? lookupIgpu(deviceId) : undefined;
  const amd = igpu ? undefined : parseAmdLspci(text, familyOf);
  if (amd) return { address: amd.gpuAddress, vendorId: 0x1002, deviceId: amd.deviceId, amd };
  return { address: addr ? addr[1].toLowerCase() : '', vendorId, deviceId, igpu };
}

/**
 * `proxmox-boot-tool status` or `efibootmgr -v`: which loader boots the host. proxmox-boot-tool
 * says "configured with: uefi" for systemd-boot ESPs and "grub" otherwise; efibootmgr names the
 * loader file of the entry in BootCurrent.
 */
export function detectBootLoader(text: string): BootLoader {
  if (/configured with:\s*uefi/i.test(text)) return 'systemd-boot';
  if (/configured with:\s*grub/i.test(text)) return 'grub';
  if (/proxmox-boot-uuids does not exist|not configured/i.test(text)) return 'grub';
  const current = /BootCurrent:\s*([0-9a-f]{4})/i.exec(text);
  const lines = text.split(/\r?\n/);
  const entry = current
    ? lines.find((l) => l.toLowerCase().startsWith(`boot${current[1].toLowerCase()}`))
    : undefined;
  const hay = entry ?? text;
  if (/systemd-boot|Linux Boot Manager/i.test(hay)) return 'systemd-boot';
  if (/grub|shim/i.test(hay)) return 'grub';
  if (/legacy bios/i.test(text)) return 'grub';
  throw new FirmwareError('bad-input', 'could not tell the boot loader from this text');
}

export interface ConfLine {
  /** 1-based line number in the pasted text. */
  line: number;
  key: string;
  value: string;
}

export interface HostpciEntry {
  index: number;
  line: number;
  /** Host address normalised to `0000:bb:dd.f` (function 0 if omitted). */
  host: string;
  options: Map<string, string>;
}

export interface VmConf {
  lines: ConfLine[];
  get(key: string): ConfLine | undefined;
  hostpci: HostpciEntry[];
  /** `-set device.<id>.<prop>=<value>` assignments found in args:, keyed "id.prop". */
  setProps: Map<string, string>;
  /** Raw lines of the whole text (for checks that scan everything, e.g. disable_vga in a pasted modprobe file). */
  raw: string[];
}

export function normalizePciAddress(s: string): string {
  const m = /^(?:([0-9a-f]{4}):)?([0-9a-f]{2}):([0-9a-f]{2})(?:\.([0-7]))?$/i.exec(s.trim());
  if (!m) return s.trim().toLowerCase();
  return `${(m[1] ?? '0000').toLowerCase()}:${m[2].toLowerCase()}:${m[3].toLowerCase()}.${m[4] ?? '0'}`;
}

/** A Proxmox `<vmid>.conf`; stops at the first `[snapshot]` section, skips comments. */
export function parseVmConf(text: string): VmConf {
  const raw = text.split(/\r?\n/);
  const lines: ConfLine[] = [];
  for (let i = 0; i < raw.length; i++) {
    const l = raw[i].trim();
    if (l.startsWith('[')) break;
    if (!l || l.startsWith('#')) continue;
    const m = /^([a-z][a-z0-9_-]*)\s*:\s*(.*)$/i.exec(l);
    if (m) lines.push({ line: i + 1, key: m[1].toLowerCase(), value: m[2].trim() });
  }
  const hostpci: HostpciEntry[] = [];
  for (const l of lines) {
    const m = /^hostpci(\d+)$/.exec(l.key);
    if (!m) continue;
    const parts = l.value.split(',');
    const options = new Map<string, string>();
    let host = '';
    for (const p of parts) {
      const eq = p.indexOf('=');
      if (eq < 0) host = p;
      else if (p.slice(0, eq) === 'host') host = p.slice(eq + 1);
      else options.set(p.slice(0, eq).trim(), p.slice(eq + 1).trim());
    }
    hostpci.push({ index: Number(m[1]), line: l.line, host: normalizePciAddress(host), options });
  }
  const setProps = new Map<string, string>();
  const args = lines.find((l) => l.key === 'args');
  if (args) {
    for (const m of args.value.matchAll(/-set\s+device\.([\w.-]+?)\.([\w-]+)=(\S+)/g))
      setProps.set(`${m[1]}.${m[2]}`, m[3]);
    // -device vfio-pci,…,x-igd-gms=… in args also counts.
    for (const m of args.value.matchAll(/-device\s+(\S+)/g)) {
      const opts = m[1].split(',');
      const id = opts.find((o) => o.startsWith('id='))?.slice(3) ?? 'args';
      for (const o of opts) {
        const eq = o.indexOf('=');
        if (eq > 0 && o.slice(0, eq) !== 'id')
          setProps.set(`${id}.${o.slice(0, eq)}`, o.slice(eq + 1));
      }
    }
  }
  return { lines, get: (key) => lines.find((l) => l.key === key), hostpci, setProps, raw };
}
