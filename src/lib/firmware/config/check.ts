/** Rule engine over a Proxmox `<vmid>.conf` (generated or pasted) for IGD legacy passthrough. */
import { pciId } from '../bytes/hex';
import type { IgpuCode, IntelIgpu } from '../igpu/devices';
import { gopMajorsFor } from '../gop/generations';
import {
  atLeast,
  fmt,
  hasLegacyModeSwitch,
  legacyModeCovers,
  MIN_MEMORY_MIB,
  minimumQemuFor,
  needsExplicitLpc,
  needsGmsOverride,
  opregionIsDefault,
  ovmfImageForMachine,
  type OvmfImage,
  type Version,
} from './facts';
import type { AmdIgpu } from './amd';
import { parseVmConf, type HostpciEntry, type VmConf } from './inputs';
import { t, type MessageKey, type Text } from './messages';

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  id: string;
  severity: Severity;
  /** 1-based line in the checked text. */
  line?: number;
  message: Text;
}

export interface CheckContext {
  /** QEMU version of the host, when known (pveversion or the chosen PVE release). */
  qemu?: Version;
  igpu?: IntelIgpu;
  /** 'ovmf' when the VM relies on a patched OVMF image. */
  mode?: 'rom' | 'ovmf';
  /** ovmf mode: which Proxmox image was replaced (default OVMF_CODE_4M.fd). */
  ovmfImage?: OvmfImage;
  /** An AMD iGPU: the VM is checked against the AMD recipe instead (checkAmdVm). */
  amd?: AmdIgpu;
  /** AMD: the GPU function's ROM is the combined VBIOS + GOP ROM, so the audio function needs none. */
  combinedRom?: boolean;
  /**
   * AMD: the user's BIOS holds no VBIOS for the iGPU, so the GPU function has no ROM yet; its
   * missing romfile is a warning that says so, not an error.
   */
  noVbios?: boolean;
}

const IGD_HOST = '0000:00:02.0';

/** Every rule id with its severity, for the UI and for tests that want one case per rule. */
export const RULES = {
  'no-igd': 'error',
  'legacy-igd-q35': 'error',
  'igd-not-00-02': 'error',
  'vga-not-none': 'error',
  'rombar-0': 'error',
  'x-vga': 'error',
  'disable-vga': 'error',
  'no-romfile': 'error',
  'romfile-path': 'warning',
  'bios-not-ovmf': 'warning',
  'no-legacy-igd': 'warning',
  'pcie-on-i440fx': 'error',
  'guest-addr-not-02': 'error',
  'args-wrong-device': 'error',
  'qemu-too-old': 'error',
  'gms-missing': 'warning',
  'opregion-missing': 'warning',
  'lpc-missing': 'error',
  'legacy-mode-unsupported': 'error',
  'memory-low': 'warning',
  'cpu-not-host': 'info',
  'efidisk-not-4m': 'warning',
  'ovmf-image-unused': 'warning',
  'vbt-mismatch': 'warning',
  'gop-mismatch': 'warning',
  'gop-device-missing': 'warning',
  'amd-no-gpu': 'error',
  'amd-no-audio': 'error',
  'amd-all-functions': 'warning',
  'amd-not-q35': 'error',
  'amd-no-pcie': 'warning',
  'amd-no-vbios-rom': 'error',
  'amd-vbios-missing': 'warning',
  'amd-no-gop-rom': 'warning',
  'amd-intel-leftover': 'error',
  'amd-vga-not-none': 'warning',
  'amd-rombar-0': 'error',
  'amd-cpu-not-host': 'info',
} as const satisfies Record<string, Severity>;

export type RuleId = keyof typeof RULES;

function on(v: string | undefined): boolean {
  return v !== undefined && /^(1|on|true|yes)$/i.test(v);
}

function find(
  id: RuleId,
  line: number | undefined,
  params?: Record<string, string | number>,
): Finding {
  const f: Finding = { id, severity: RULES[id], message: t(`finding.${id}` as MessageKey, params) };
  if (line !== undefined) f.line = line;
  return f;
}

/** The hostpci entry that is (or claims to be) the IGD. */
function igdEntry(conf: VmConf): HostpciEntry | undefined {
  return (
    conf.hostpci.find((h) => on(h.options.get('legacy-igd'))) ??
    conf.hostpci.find((h) => h.host.startsWith('0000:00:02.'))
  );
}

export function checkVmConfig(input: string | VmConf, ctx: CheckContext = {}): Finding[] {
  const conf = typeof input === 'string' ? parseVmConf(input) : input;
  if (ctx.amd) return checkAmdVm(conf, ctx.amd, ctx.combinedRom ?? false, ctx.noVbios ?? false);
  const out: Finding[] = [];

  // disable_vga=1 may sit in a pasted modprobe file or an args line; scan every line.
  conf.raw.forEach((l, i) => {
    if (/disable_vga\s*=\s*(1|y)/i.test(l) && !l.trim().startsWith('#'))
      out.push(find('disable-vga', i + 1));
  });

  const igd = igdEntry(conf);
  if (!igd) {
    out.push(find('no-igd', undefined));
    return out;
  }
  const legacy = on(igd.options.get('legacy-igd'));
  const machine = conf.get('machine');
  const q35 = machine !== undefined && /q35/.test(machine.value);
  const dev = `hostpci${igd.index}`;
  const prop = (name: string): string | undefined => conf.setProps.get(`${dev}.${name}`);

  if (legacy && q35) out.push(find('legacy-igd-q35', machine!.line));
  if (legacy && igd.host !== IGD_HOST)
    out.push(find('igd-not-00-02', igd.line, { host: igd.host }));
  const vga = conf.get('vga');
  if (!vga || !/^none\b/.test(vga.value))
    out.push(find('vga-not-none', vga?.line, { vga: vga?.value ?? 'std' }));
  if (igd.options.get('rombar') === '0') out.push(find('rombar-0', igd.line));
  if (on(igd.options.get('x-vga')) || on(prop('x-vga'))) out.push(find('x-vga', igd.line));
  const romfile = igd.options.get('romfile');
  if (!romfile) out.push(find('no-romfile', igd.line));
  else if (romfile.includes('/')) out.push(find('romfile-path', igd.line, { rom: romfile }));
  const bios = conf.get('bios');
  if (!bios || bios.value !== 'ovmf')
    out.push(find('bios-not-ovmf', bios?.line, { bios: bios?.value ?? 'seabios' }));
  if (!legacy) out.push(find('no-legacy-igd', igd.line));
  if (on(igd.options.get('pcie')) && !q35) out.push(find('pcie-on-i440fx', igd.line));
  const addr = prop('addr');
  if (addr !== undefined && !/^(0x)?0?2(\.0)?$/i.test(addr))
    out.push(find('guest-addr-not-02', conf.get('args')?.line, { addr }));
  else if (!legacy && addr === undefined)
    out.push(find('guest-addr-not-02', igd.line, { addr: '?' }));

  // args that set x-igd-* on another device than the IGD's hostpci index do nothing for it.
  const args = conf.get('args');
  if (args) {
    for (const key of conf.setProps.keys()) {
      const [id, name] = [key.slice(0, key.lastIndexOf('.')), key.slice(key.lastIndexOf('.') + 1)];
      if (name.startsWith('x-igd') && id !== dev && /^hostpci\d+$/.test(id)) {
        out.push(find('args-wrong-device', args.line, { used: id, igd: dev }));
        break;
      }
    }
  }

  const { qemu, igpu } = ctx;
  if (qemu && igpu) {
    const min = minimumQemuFor(igpu);
    if (min && !atLeast(qemu, min))
      out.push(find('qemu-too-old', undefined, { qemu: fmt(qemu), min, code: igpu.code }));
    if (needsExplicitLpc(qemu, igpu) && !on(prop('x-igd-lpc')))
      out.push(find('lpc-missing', args?.line ?? igd.line, { code: igpu.code }));
    if (on(prop('x-igd-legacy-mode')) && hasLegacyModeSwitch(qemu) && !legacyModeCovers(qemu, igpu))
      out.push(find('legacy-mode-unsupported', args?.line, { qemu: fmt(qemu), code: igpu.code }));
  }
  if (qemu) {
    if (needsGmsOverride(qemu) && prop('x-igd-gms') === undefined)
      out.push(find('gms-missing', args?.line ?? igd.line, { qemu: fmt(qemu) }));
    // Legacy mode implies the OpRegion before 10.1; without it (or once legacy mode is off) it must be asked for.
    const legacyActive = legacy && (!igpu || legacyModeCovers(qemu, igpu));
    if (!opregionIsDefault(qemu) && !legacyActive && !on(prop('x-igd-opregion')))
      out.push(find('opregion-missing', args?.line ?? igd.line, { qemu: fmt(qemu) }));
  }

  // Only a 4m efidisk makes Proxmox load OVMF_CODE_4M.fd (facts.ts OVMF_CODE), the image a patched OVMF replaces.
  const efidisk = conf.get('efidisk0');
  if (ctx.mode === 'ovmf' && !(efidisk && /efitype=4m/.test(efidisk.value)))
    out.push(find('efidisk-not-4m', efidisk?.line));
  // Proxmox picks the .secboot image for q35 only (facts.ts OVMF_IMAGES).
  const used = ovmfImageForMachine(q35);
  if (ctx.mode === 'ovmf' && ctx.ovmfImage && ctx.ovmfImage !== used)
    out.push(
      find('ovmf-image-unused', machine?.line, {
        image: ctx.ovmfImage,
        used,
        machine: q35 ? 'q35' : 'i440fx',
      }),
    );
  // Proxmox's default is 512 MiB when memory: is absent.
  const memory = conf.get('memory');
  const mib = memory ? Number.parseInt(memory.value, 10) : 512;
  if (mib < MIN_MEMORY_MIB)
    out.push(find('memory-low', memory?.line, { mib, min: MIN_MEMORY_MIB }));
  const cpu = conf.get('cpu');
  if (!cpu || !/^(cputype=)?host\b/.test(cpu.value))
    out.push(find('cpu-not-host', cpu?.line, { cpu: cpu?.value ?? 'kvm64' }));
  return out;
}

/**
 * An AMD iGPU VM against the recipe render-amd.ts writes: q35, the GPU and its HDMI audio function
 * each on its own hostpci with pcie=1 and a ROM, no emulated VGA, nothing Intel-only left over.
 */
function checkAmdVm(conf: VmConf, amd: AmdIgpu, combinedRom: boolean, noVbios: boolean): Finding[] {
  const out: Finding[] = [];
  const gpu = conf.hostpci.find((h) => h.host === amd.gpuAddress);
  const audio = conf.hostpci.find((h) => h.host === amd.audioAddress);
  const raw = (h: HostpciEntry) => conf.lines.find((l) => l.line === h.line)?.value ?? '';
  // `c5:00` (no function) passes every function in one entry, with one ROM for both.
  const allFunctions =
    gpu && /^(host=)?([0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}(,|$)/i.test(raw(gpu));
  if (!gpu) out.push(find('amd-no-gpu', undefined, { host: amd.gpuAddress }));
  else if (allFunctions)
    out.push(find('amd-all-functions', gpu.line, { dev: `hostpci${gpu.index}` }));
  if (!audio && !allFunctions)
    out.push(find('amd-no-audio', gpu?.line, { host: amd.audioAddress }));

  const machine = conf.get('machine');
  if (!machine || !/^(type=)?(pc-)?q35(-[^,]*)?(,|$)/.test(machine.value))
    out.push(find('amd-not-q35', machine?.line, { machine: machine?.value ?? 'i440fx' }));
  for (const h of [gpu, audio]) {
    if (!h) continue;
    const dev = `hostpci${h.index}`;
    if (!on(h.options.get('pcie'))) out.push(find('amd-no-pcie', h.line, { dev }));
    if (h.options.get('rombar') === '0') out.push(find('amd-rombar-0', h.line, { dev }));
    if (h.options.has('legacy-igd'))
      out.push(find('amd-intel-leftover', h.line, { what: 'legacy-igd' }));
    const rom = h.options.get('romfile');
    if (rom?.includes('/')) out.push(find('romfile-path', h.line, { rom }));
    if (h === gpu && !rom)
      out.push(
        noVbios ? find('amd-vbios-missing', h.line, { dev }) : find('amd-no-vbios-rom', h.line),
      );
    if (h === audio && !rom && !combinedRom) out.push(find('amd-no-gop-rom', h.line));
  }
  const args = conf.get('args');
  const igdProp = [...conf.setProps.keys()].find((k) => /\.x-igd-[\w-]+$/.test(k));
  if (igdProp) out.push(find('amd-intel-leftover', args?.line, { what: `-set device.${igdProp}` }));
  const vga = conf.get('vga');
  if (!vga || !/^(type=)?none\b/.test(vga.value))
    out.push(find('amd-vga-not-none', vga?.line, { vga: vga?.value ?? 'std' }));
  const bios = conf.get('bios');
  if (!bios || bios.value !== 'ovmf')
    out.push(find('bios-not-ovmf', bios?.line, { bios: bios?.value ?? 'seabios' }));
  const cpu = conf.get('cpu');
  if (!cpu || !/^(cputype=)?host\b/.test(cpu.value))
    out.push(find('amd-cpu-not-host', cpu?.line, { cpu: cpu?.value ?? 'kvm64' }));
  return out;
}

/** VBT platform names ("$VBT ALDERLAKE-P" …) → the iGPU codes whose GOP accepts that VBT family. */
const VBT_PLATFORMS: readonly [RegExp, readonly IgpuCode[]][] = [
  // Desktop boards name both: "SNB/IVB-DESKTOP" (coreboot gigabyte_ga-h61m-series).
  [/SANDY|IVY|SNB|IVB/i, ['SNB', 'IVB']],
  [/HASWELL/i, ['HSW']],
  [/BROADWELL/i, ['BDW']],
  [/VALLEYVIEW|BAYTRAIL/i, ['BYT']],
  [/CHERRY|BRASWELL/i, ['CHV']],
  [/SKYLAKE|KABYLAKE|KABY|COFFEE|COMET|WHISKEY|AMBER/i, ['SKL', 'KBL', 'CFL', 'CML']],
  [/APOLLO|BROXTON/i, ['APL']],
  [/GEMINI/i, ['GLK']],
  [/ICELAKE|ICE LAKE/i, ['ICL']],
  [/ELKHART|JASPER/i, ['EHL', 'JSL']],
  // ADL/RPL/TWL boards often carry a VBT still named TIGERLAKE (coreboot asus_h610m-k and
  // msi_ms7e06, Intel FSP RaptorLake-Vbt.bin, the Twin Lake FSP sample).
  [/TIGER|ROCKET/i, ['TGL', 'RKL', 'ADL', 'ADL-N', 'RPL']],
  [/ALDER|RAPTOR|TWIN/i, ['ADL', 'ADL-N', 'RPL']],
  [/METEOR|ARROW/i, ['MTL', 'ARL']],
  [/LUNAR/i, ['LNL']],
  // Intel's Panther Lake FSP sample VBT names its platform PANTHERLAKE (Wildcat Lake is PTL in Linux).
  [/PANTHER|WILDCAT/i, ['PTL']],
];

export interface FirmwareFound {
  /** The GOP's version as the reader states it, e.g. "21.0.1066" or "21.?.1066". */
  gopVersion?: string;
  /** PCI device IDs in the GOP's own device table (gop-info); the most precise check. */
  gopDeviceIds?: readonly number[];
  /** Family names for those IDs, for the message. */
  gopFamilies?: readonly string[];
  /** The VBT's platform name ("$VBT TIGERLAKE" → "TIGERLAKE"). */
  vbtPlatform?: string;
}

/**
 * Cross-checks what the reader found in the firmware (GOP device table or version, VBT platform)
 * against the iGPU. A GOP whose device table does not list the iGPU will not bind to it; without
 * a readable table the GOP's major version is compared with the ones known for the platform.
 */
export function crossCheckFirmware(igpu: IntelIgpu, found: FirmwareFound): Finding[] {
  const out: Finding[] = [];
  if (found.vbtPlatform) {
    const hit = VBT_PLATFORMS.find(([re]) => re.test(found.vbtPlatform!));
    if (hit && !hit[1].includes(igpu.code))
      out.push(find('vbt-mismatch', undefined, { vbt: found.vbtPlatform, code: igpu.code }));
  }
  // Without the iGPU's device ID the GOP's table cannot be checked against it: its version still can.
  if (found.gopDeviceIds?.length && igpu.deviceId !== undefined) {
    if (!found.gopDeviceIds.includes(igpu.deviceId))
      out.push(
        find('gop-device-missing', undefined, {
          id: pciId(igpu.deviceId),
          code: igpu.code,
          families: found.gopFamilies?.length ? found.gopFamilies.join(', ') : 'other devices',
        }),
      );
    return out;
  }
  // The GOP lines known for the platform (gop/generations.ts); codes without one are not checked.
  const majors = gopMajorsFor(igpu.code);
  const m = found.gopVersion ? /^(\d+)/.exec(found.gopVersion) : null;
  if (majors.length && m && !majors.includes(Number(m[1])))
    out.push(
      find('gop-mismatch', undefined, {
        gop: found.gopVersion!,
        code: igpu.code,
        expected: majors.join(' / '),
      }),
    );
  return out;
}
