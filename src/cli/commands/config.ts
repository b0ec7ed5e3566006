import { readFileSync } from 'node:fs';
import {
  analyze,
  pciId,
  type Finding,
  type FirmwareFound,
  crossCheckFirmware,
  OVMF_IMAGES,
  pveRelease,
  ver,
  type OvmfImage,
  type Version,
  FirmwareError,
  gopInfo,
  parseVbt,
  detectBootLoader,
  parseLspci,
  parsePveversion,
  parseFirmware,
  type BootLoader,
  type Lang,
  renderConfig,
  type ConfigBlock,
  type OutputMode,
  isIgpuCode,
  lookupIgpu,
  igpuGeneration,
  type IntelIgpu,
  isAmdIgpu,
  type AmdIgpu,
  type PciAddress,
  readPcir,
  vbiosInfo,
} from '../../lib/firmware';
import { basename } from 'node:path';
import { parseArgs, UsageError, stringFlag, type CliCommand } from '../command';
import { printJson, readInput } from '../io';
import { amdFromBios, vbiosFromFile } from './rom-amd';

/** Reads a pasted-output file; `-` is stdin. */
export function readText(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (e) {
    throw new UsageError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
}

export function langOf(flags: Map<string, string | true>): Lang {
  const lang = flags.get('--lang') ?? 'en';
  if (lang !== 'en' && lang !== 'zh-CN') throw new UsageError('--lang must be en or zh-CN');
  return lang;
}

/**
 * The iGPU from --lspci text (Intel, or an AMD GPU with its .1 audio function), --device id or
 * --gen code (a generation without a device ID: the config then asks for it, device-id.ts);
 * undefined if none was given.
 */
export function igpuOf(flags: Map<string, string | true>): IntelIgpu | AmdIgpu | undefined {
  const lspci = flags.get('--lspci');
  const device = flags.get('--device');
  const gen = flags.get('--gen');
  if (typeof lspci === 'string') {
    const info = parseLspci(lspci);
    if (info.amd) return info.amd;
    if (info.vendorId !== 0x8086)
      throw new UsageError(
        `--lspci: vendor ${pciId(info.vendorId)} is neither Intel nor an AMD GPU`,
      );
    if (!info.igpu)
      throw new UsageError(
        `--lspci: device 8086:${pciId(info.deviceId)} is not a known Intel iGPU`,
      );
    return info.igpu;
  }
  if (typeof device === 'string') {
    const id = Number.parseInt(device.replace(/^8086:/i, ''), 16);
    const found = Number.isNaN(id) ? undefined : lookupIgpu(id);
    if (!found) throw new UsageError(`--device ${device} is not a known Intel iGPU device id`);
    return found;
  }
  if (typeof gen === 'string') {
    const code = gen.toUpperCase();
    if (!isIgpuCode(code))
      throw new UsageError(`--gen ${gen}: use a code such as SKL, CFL, ADL, ADL-N, MTL`);
    return igpuGeneration(code);
  }
  return undefined;
}

/** QEMU and kernel versions from --pveversion (pasted file), --qemu/--kernel and --pve. */
export function versionsOf(flags: Map<string, string | true>): {
  pve?: string;
  qemu?: Version;
  kernel?: Version;
} {
  const out: { pve?: string; qemu?: Version; kernel?: Version } = {};
  const file = flags.get('--pveversion');
  if (typeof file === 'string') Object.assign(out, parsePveversion(readText(file)));
  const pve = flags.get('--pve');
  if (typeof pve === 'string') {
    if (!pveRelease(pve))
      throw new UsageError(`--pve ${pve}: known versions are 7.4, 8.0–8.4, 9.0, 9.1`);
    out.pve = pve;
  }
  for (const [flag, key] of [
    ['--qemu', 'qemu'],
    ['--kernel', 'kernel'],
  ] as const) {
    const v = flags.get(flag);
    if (typeof v === 'string') {
      if (!/^\d+\.\d+/.test(v)) throw new UsageError(`${flag} needs a version like 10.1`);
      out[key] = ver(v);
    }
  }
  if (out.pve && !pveRelease(out.pve) && !(out.qemu && out.kernel)) delete out.pve;
  return out;
}

/** --ovmf-image: which Proxmox OVMF image a patched one replaces. */
export function ovmfImageOf(flags: Map<string, string | true>): OvmfImage | undefined {
  const v = flags.get('--ovmf-image');
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(OVMF_IMAGES as readonly string[]).includes(v))
    throw new UsageError(`--ovmf-image must be ${OVMF_IMAGES.join(' or ')}`);
  return v as OvmfImage;
}

/**
 * What the reader finds for the cross-check: the top-ranked GOP and VBT of --bios, or the
 * --gop-file / --vbt-file given, or the bare --gop-version / --vbt-platform strings.
 */
export async function firmwareFoundOf(
  flags: Map<string, string | true>,
): Promise<FirmwareFound | undefined> {
  const str = (f: string) => stringFlag(flags, f);
  const found: FirmwareFound = {};
  const bios = str('--bios');
  if (bios) {
    const a = await analyze(readInput(bios));
    if (a.error) throw new FirmwareError(a.error.code, `${bios}: ${a.error.message}`);
    const gop = a.gops[0];
    if (!gop) throw new FirmwareError('not-found', `no Intel GOP driver found in ${bios}`);
    Object.assign(found, {
      gopVersion: gop.version,
      gopDeviceIds: gop.deviceIds,
      gopFamilies: gop.deviceFamilies,
    });
    if (a.vbts[0]) found.vbtPlatform = a.vbts[0].platform;
  }
  const gopFile = str('--gop-file');
  if (gopFile) {
    const info = gopInfo(readInput(gopFile));
    Object.assign(found, {
      gopVersion: info.versionText,
      gopDeviceIds: info.deviceIds,
      gopFamilies: info.deviceFamilies,
    });
  }
  const vbtFile = str('--vbt-file');
  if (vbtFile) found.vbtPlatform = parseVbt(readInput(vbtFile)).platform;
  found.gopVersion = str('--gop-version') ?? found.gopVersion;
  found.vbtPlatform = str('--vbt-platform') ?? found.vbtPlatform;
  return Object.values(found).some((v) => v !== undefined) ? found : undefined;
}

/** Bus, device and function of `0000:bb:dd.f`, the address a VFCT record is matched on. */
function pciAddressOf(address: string): PciAddress | undefined {
  const m = /^(?:[0-9a-f]{4}:)?([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i.exec(address);
  return m ? { bus: parseInt(m[1], 16), device: parseInt(m[2], 16), function: +m[3] } : undefined;
}

export function printFindings(findings: Finding[], lang: Lang): void {
  for (const f of findings)
    process.stdout.write(
      `${f.severity}${f.line ? ` (line ${f.line})` : ''}: ${f.message[lang]} [${f.id}]\n`,
    );
}

function printBlock(b: ConfigBlock, lang: Lang): void {
  process.stdout.write(`\n=== ${b.title[lang]}${b.path ? ` — ${b.path}` : ''} [${b.id}]\n`);
  for (const l of b.lines) process.stdout.write(`${l.text}\n    # ${l.reason[lang]}\n`);
}

const USAGE =
  'config (--pve <7.4|8.0…8.4|9.0|9.1> | --pveversion <file>) [--qemu x.y --kernel x.y] ' +
  '(--boot grub|systemd-boot | --boot-status <file>) (--lspci "<lspci -nn line>" | --device 46a6 | --gen ADL) ' +
  '[--mode rom|ovmf] [--vmid 100] [--rom igd.rom] [--gop-rom AMDGopDriver.rom | --combined-rom | --no-vbios] [--vbios VBIOS.bin|VFCT] [--ovmf-image OVMF_CODE_4M.fd|OVMF_CODE_4M.secboot.fd] ' +
  '[--ovmf-file f] [--gms 0x2] [--memory 4096] [--strict] ' +
  '[--vm-conf <vmid>.conf] [--ostype-l26] [--cpu-host] ' +
  '[--bios BIOS | --gop-file X.efi] [--vbt-file Y.bin] [--gop-version v] [--vbt-platform name] ' +
  '(AMD: --bios BIOS finds the GOP and VBIOS; without a VBIOS in it, as --no-vbios unless --vbios gives one: ' +
  'a VBIOS file or a copy of /sys/firmware/acpi/tables/VFCT, whose record for the --lspci address and device is used) ' +
  '[--block <id>] [--json] [--lang en|zh-CN]';

export const configCommand: CliCommand = {
  name: 'config',
  summary:
    'generate host and VM configuration for IGD passthrough (Proxmox, QEMU, libvirt, install.sh)',
  usage: USAGE,
  async run(args) {
    const { positional, flags } = parseArgs(
      args,
      [
        '--pve',
        '--pveversion',
        '--qemu',
        '--kernel',
        '--boot',
        '--boot-status',
        '--lspci',
        '--device',
        '--gen',
        '--mode',
        '--vmid',
        '--rom',
        '--ovmf-image',
        '--ovmf-file',
        '--gms',
        '--memory',
        '--bios',
        '--gop-file',
        '--vbt-file',
        '--gop-version',
        '--vbt-platform',
        '--block',
        '--lang',
        '--vm-conf',
        '--gop-rom',
        '--vbios',
      ],
      ['--json', '--strict', '--ostype-l26', '--cpu-host', '--combined-rom', '--no-vbios'],
    );
    if (positional.length) throw new UsageError(`unexpected argument ${positional[0]}`);
    const lang = langOf(flags);
    const versions = versionsOf(flags);
    if (!versions.pve && !(versions.qemu && versions.kernel))
      throw new UsageError('give --pve, or --pveversion, or both --qemu and --kernel');
    let boot: BootLoader;
    const bootFlag = flags.get('--boot');
    const bootStatus = flags.get('--boot-status');
    if (bootFlag === 'grub' || bootFlag === 'systemd-boot') boot = bootFlag;
    else if (bootFlag !== undefined) throw new UsageError('--boot must be grub or systemd-boot');
    else if (typeof bootStatus === 'string') boot = detectBootLoader(readText(bootStatus));
    else throw new UsageError('give --boot or --boot-status');
    const igpu = igpuOf(flags);
    if (!igpu) throw new UsageError('give --lspci, --device or --gen');
    const mode = (flags.get('--mode') ?? 'rom') as OutputMode;
    if (mode !== 'rom' && mode !== 'ovmf') throw new UsageError('--mode must be rom or ovmf');
    const num = (flag: string, def?: number): number | undefined => {
      const v = flags.get(flag);
      if (v === undefined) return def;
      const n = typeof v === 'string' ? Number(v) : NaN;
      if (!Number.isInteger(n)) throw new UsageError(`${flag} needs an integer`);
      return n;
    };
    const str = (flag: string) => stringFlag(flags, flag);
    const amd = isAmdIgpu(igpu);
    for (const f of ['--gop-file', '--vbt-file', '--gop-version', '--vbt-platform'])
      if (amd && flags.has(f))
        throw new UsageError(`${f} cross-checks an Intel GOP/VBT; not for AMD`);
    for (const f of ['--gop-rom', '--combined-rom', '--no-vbios', '--vbios'])
      if (!amd && flags.has(f))
        throw new UsageError(`${f} is for an AMD iGPU (--lspci with [1002:…])`);
    if (flags.has('--gop-rom') && flags.has('--combined-rom'))
      throw new UsageError('give either --gop-rom or --combined-rom, not both');
    // AMD: the BIOS says whether there is a VBIOS to put on the GPU function (rom-amd.ts finds
    // the same GOP and VBIOS the rom command builds from), unless --vbios gives one, as it does
    // to rom: a VBIOS file, or the host's VFCT table read the same way.
    const bios = str('--bios');
    const vbiosPath = str('--vbios');
    const amdNotes: string[] = [];
    let noVbios = flags.has('--no-vbios');
    if (vbiosPath && noVbios) throw new UsageError('give either --vbios or --no-vbios, not both');
    if (amd && bios) {
      const root = await parseFirmware(readInput(bios), { name: basename(bios) });
      const found = await amdFromBios(root, bios);
      amdNotes.push(...found.notes);
      if (found.vbios && noVbios) throw new UsageError(`${bios} holds a VBIOS; drop --no-vbios`);
      noVbios = !found.vbios && !vbiosPath;
      if (found.vbios && vbiosPath)
        amdNotes.push(`  the BIOS's VBIOS is replaced by ${basename(vbiosPath)}`);
    }
    if (amd && vbiosPath) {
      const given = vbiosFromFile(
        readInput(vbiosPath),
        vbiosPath,
        igpu.deviceId,
        pciAddressOf(igpu.gpuAddress),
      );
      // The configuration names the ROM for this device: a VBIOS file for another one is refused.
      const pcir = readPcir(given.vbios, 0);
      const info = pcir && vbiosInfo(given.vbios, pcir);
      if (!info)
        throw new FirmwareError(
          'bad-format',
          `${vbiosPath}: not an AMD VBIOS (a legacy option ROM image, vendor 1002, display class, ATOM BIOS)`,
          { offset: 0, path: vbiosPath },
        );
      if (info.deviceId !== igpu.deviceId)
        throw new UsageError(
          `${vbiosPath} is a VBIOS for 1002:${pciId(info.deviceId)}, not for this iGPU 1002:${pciId(igpu.deviceId)}`,
        );
      amdNotes.push(...given.notes);
    }
    if (noVbios && str('--rom'))
      throw new UsageError(
        `${bios ? `${bios} holds no VBIOS` : '--no-vbios'}: the GPU function gets no ROM; drop --rom`,
      );
    const result = renderConfig({
      ...versions,
      boot,
      igpu,
      mode,
      vmid: num('--vmid', 100)!,
      romFile: str('--rom'),
      gopRomFile: str('--gop-rom'),
      combinedRom: flags.has('--combined-rom'),
      noVbios,
      ovmfImage: ovmfImageOf(flags),
      ovmfFile: str('--ovmf-file'),
      gms: num('--gms'),
      memoryMiB: num('--memory'),
      strictLegacyMode: flags.has('--strict'),
      // A known VM config makes the qm set lines merge into it (vm-merge.ts).
      vmConf: str('--vm-conf') === undefined ? undefined : readText(str('--vm-conf')!),
      consent: { ostype: flags.has('--ostype-l26'), cpu: flags.has('--cpu-host') },
    });
    if (flags.has('--bios') && flags.has('--gop-file'))
      throw new UsageError('give either --bios or --gop-file, not both');
    const found = amd ? undefined : await firmwareFoundOf(flags);
    if (found && !isAmdIgpu(igpu)) result.findings.push(...crossCheckFirmware(igpu, found));
    const only = str('--block');
    if (only !== undefined) {
      const b = result.blocks.find((x) => x.id === only);
      if (!b)
        throw new UsageError(
          `--block ${only}: one of ${result.blocks.map((x) => x.id).join(', ')}`,
        );
      if (flags.has('--json')) printJson(b);
      else process.stdout.write(b.lines.map((l) => l.text).join('\n') + '\n');
      return 0;
    }
    if (flags.has('--json')) {
      printJson(amd && (bios || vbiosPath) ? { ...result, noVbios, biosNotes: amdNotes } : result);
      return 0;
    }
    const device = isAmdIgpu(igpu)
      ? `${igpu.gpuAddress.slice(5)} [1002:${pciId(igpu.deviceId)}] + ${igpu.audioAddress.slice(5)} [1002:${pciId(igpu.audioDeviceId)}]`
      : `[8086:${igpu.deviceId === undefined ? 'xxxx' : pciId(igpu.deviceId)}] gen ${igpu.gen}`;
    process.stdout.write(
      `Proxmox VE ${result.pve ?? '?'} · QEMU ${result.qemu} · kernel ${result.kernel} · ${igpu.label} ` +
        `${device} · ${boot} · ${mode}\n`,
    );
    for (const n of amdNotes) process.stdout.write(`${n}\n`);
    for (const b of result.blocks) printBlock(b, lang);
    if (result.findings.length) {
      process.stdout.write('\n');
      printFindings(result.findings, lang);
    }
    return 0;
  },
};
