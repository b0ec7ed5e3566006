import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  amdIgpuFromConf,
  checkVmConfig,
  isAmdIgpu,
  lookupAmdApu,
  lookupIgpu,
  pveRelease,
  ver,
  type PciReader,
} from '../../lib/firmware';
import { parseArgs, UsageError, type CliCommand } from '../command';
import { printJson } from '../io';
import { igpuOf, langOf, ovmfImageOf, printFindings, readText, versionsOf } from './config';

/**
 * The PCI functions of this host, read-only from sysfs, when the CLI runs on a Proxmox host
 * (IGD_TEST_ROOT puts a test's fake root in front, as install.sh does); undefined elsewhere, where
 * the addresses of a pasted VM config say nothing about this machine's devices.
 */
export function pveSysfsReader(root = process.env.IGD_TEST_ROOT ?? ''): PciReader | undefined {
  const dir = `${root}/sys/bus/pci/devices`;
  if (!existsSync(`${root}/etc/pve`) || !existsSync(dir)) return undefined;
  return (address) => {
    const read = (f: string) => {
      try {
        return Number.parseInt(readFileSync(join(dir, address, f), 'utf8').trim(), 16);
      } catch {
        return NaN;
      }
    };
    const [vendorId, deviceId, classCode] = ['vendor', 'device', 'class'].map(read);
    return [vendorId, deviceId, classCode].some(Number.isNaN)
      ? undefined
      : { vendorId, deviceId, classCode };
  };
}

/** --device as an AMD APU GPU ID: `1002:1681`, or `1681` when the AMD table knows it and Intel's does not. */
function amdDeviceOf(text: string | true | undefined): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^(1002:)?([0-9a-f]{4})$/i.exec(text.trim());
  if (!m) return undefined;
  const id = Number.parseInt(m[2], 16);
  if (m[1]) {
    if (!lookupAmdApu(id))
      throw new UsageError(`--device ${text} is not an AMD APU iGPU in the table`);
    return id;
  }
  return lookupAmdApu(id) && !lookupIgpu(id) ? id : undefined;
}

export const checkVmCommand: CliCommand = {
  name: 'check-vm',
  summary:
    'check a Proxmox <vmid>.conf (and optionally a modprobe.d file) for iGPU passthrough mistakes (Intel IGD, or AMD: from --lspci, an AMD --device, the ROM names, or this host)',
  usage:
    'check-vm <vmid.conf|-> [more files…] [--pve 9.1 | --pveversion <file> | --qemu 10.1] ' +
    '[--lspci "<lspci -nn lines>" | --device 46a6|1002:1681 | --gen ADL] [--mode rom|ovmf] [--ovmf-image <name>] [--combined-rom | --no-vbios] [--json] [--lang en|zh-CN]',
  async run(args) {
    const { positional, flags } = parseArgs(
      args,
      [
        '--pve',
        '--pveversion',
        '--qemu',
        '--kernel',
        '--lspci',
        '--device',
        '--gen',
        '--mode',
        '--ovmf-image',
        '--lang',
      ],
      ['--json', '--combined-rom', '--no-vbios'],
    );
    if (!positional.length)
      throw new UsageError('check-vm needs a <vmid>.conf file (or - for stdin)');
    const lang = langOf(flags);
    const versions = versionsOf(flags);
    const rel = versions.pve ? pveRelease(versions.pve) : undefined;
    const qemu = versions.qemu ?? (rel ? ver(rel.qemu) : undefined);
    // Extra files (e.g. /etc/modprobe.d/*.conf) are appended after a section break so only the
    // disable_vga scan sees them; the .conf parser stops at the first [section].
    const text = positional
      .map((p, i) => (i === 0 ? readText(p) : `[${p}]\n${readText(p)}`))
      .join('\n');
    const mode = flags.get('--mode');
    if (mode !== undefined && mode !== 'rom' && mode !== 'ovmf')
      throw new UsageError('--mode must be rom or ovmf');
    const amdDevice = flags.has('--lspci') ? undefined : amdDeviceOf(flags.get('--device'));
    let igpu = amdDevice === undefined ? igpuOf(flags) : undefined;
    // Without --lspci, an AMD VM is recognised from this host's PCI devices, the ROM names or an
    // AMD --device, and the report says what was assumed.
    let assumed: string[] = [];
    if (!igpu) {
      const guess = amdIgpuFromConf(text, { deviceId: amdDevice, readPci: pveSysfsReader() });
      if (guess) [igpu, assumed] = [guess.amd, guess.assumed];
      else if (amdDevice !== undefined)
        throw new UsageError(
          `--device ${flags.get('--device')} is an AMD iGPU, but no hostpci entry of this VM can be taken for its GPU function; give --lspci "<lspci -nn -s BB:00 lines>"`,
        );
    }
    const findings = checkVmConfig(
      text,
      igpu && isAmdIgpu(igpu)
        ? {
            qemu,
            amd: igpu,
            combinedRom: flags.has('--combined-rom'),
            noVbios: flags.has('--no-vbios'),
          }
        : { qemu, igpu, mode, ovmfImage: ovmfImageOf(flags) },
    );
    const errors = findings.filter((f) => f.severity === 'error').length;
    if (flags.has('--json'))
      printJson({
        qemu: qemu ? `${qemu.major}.${qemu.minor}` : undefined,
        ...(assumed.length && igpu ? { amd: igpu, assumed } : {}),
        findings,
      });
    else {
      for (const a of assumed) process.stdout.write(`assumed: ${a}\n`);
      if (!findings.length)
        process.stdout.write(lang === 'en' ? 'no problems found\n' : '未发现问题\n');
      else printFindings(findings, lang);
    }
    return errors ? 1 : 0;
  },
};
