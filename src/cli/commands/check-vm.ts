import { checkVmConfig, isAmdIgpu, pveRelease, ver } from '../../lib/firmware';
import { parseArgs, UsageError, type CliCommand } from '../command';
import { printJson } from '../io';
import { igpuOf, langOf, ovmfImageOf, printFindings, readText, versionsOf } from './config';

export const checkVmCommand: CliCommand = {
  name: 'check-vm',
  summary:
    'check a Proxmox <vmid>.conf (and optionally a modprobe.d file) for iGPU passthrough mistakes (Intel IGD, or AMD with --lspci)',
  usage:
    'check-vm <vmid.conf|-> [more files…] [--pve 9.1 | --pveversion <file> | --qemu 10.1] ' +
    '[--lspci "<lspci -nn lines>" | --device 46a6 | --gen ADL] [--mode rom|ovmf] [--ovmf-image <name>] [--combined-rom | --no-vbios] [--json] [--lang en|zh-CN]',
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
    const igpu = igpuOf(flags);
    // Extra files (e.g. /etc/modprobe.d/*.conf) are appended after a section break so only the
    // disable_vga scan sees them; the .conf parser stops at the first [section].
    const text = positional
      .map((p, i) => (i === 0 ? readText(p) : `[${p}]\n${readText(p)}`))
      .join('\n');
    const mode = flags.get('--mode');
    if (mode !== undefined && mode !== 'rom' && mode !== 'ovmf')
      throw new UsageError('--mode must be rom or ovmf');
    // An AMD iGPU (from --lspci) is checked against the AMD recipe.
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
      printJson({ qemu: qemu ? `${qemu.major}.${qemu.minor}` : undefined, findings });
    else if (!findings.length)
      process.stdout.write(lang === 'en' ? 'no problems found\n' : '未发现问题\n');
    else printFindings(findings, lang);
    return errors ? 1 : 0;
  },
};
