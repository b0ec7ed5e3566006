import { describe, expect, it } from 'vitest';
import { renderConfig, type ConfigOptions } from '$lib/firmware/config/render';
import { igpuGeneration, representativeIgpu } from '$lib/firmware/igpu/devices';
import { en } from '$lib/i18n/en';
import { zhCN } from '$lib/i18n/zh-CN';
import { ASK_DEVICE_ID_LINE, DEVICE_ID_UNKNOWN } from '$lib/firmware/config/device-id';
import { hookScript } from '$lib/firmware/doctor/hookscript';
import { PROBE_SCRIPT } from '$lib/firmware/doctor/probe-script';
import { parseLspci } from '$lib/firmware/config/inputs';
import { blockText, bundleFiles, installedOvmfName, safeFileName } from './bundle';

const config = renderConfig({
  pve: '9.1',
  boot: 'systemd-boot',
  igpu: representativeIgpu('ADL'),
  mode: 'ovmf',
  vmid: 123,
  ovmfFile: 'OVMF_CODE_4M.fd',
});
const REMBRANDT_LSPCI = [
  'c5:00.0 VGA compatible controller [0300]: Advanced Micro Devices, Inc. [AMD/ATI] Rembrandt [Radeon 680M] [1002:1681] (rev c8)',
  'c5:00.1 Audio device [0403]: Advanced Micro Devices, Inc. [AMD/ATI] Rembrandt Radeon High Definition Audio Controller [1002:1640]',
].join('\n');
const fw = (name: string, kind: 'ovmf' | 'igd-rom') => ({
  kind,
  name,
  bytes: new Uint8Array([1, 2, 3]),
  sha256: 'ab'.repeat(32),
});
const input = (lang: 'en' | 'zh-CN') => ({
  lang,
  mode: 'ovmf' as const,
  firmware: [fw('OVMF_CODE_4M.fd', 'ovmf'), fw('igd.rom', 'igd-rom')],
  config,
  boot: 'systemd-boot',
  vmid: 123,
  folder: 'igd-passthrough-vm123',
  installedOvmf: 'OVMF_CODE_4M.fd',
});

/** The AMD config of a Rembrandt iGPU with these ROM choices. */
const rembrandtConfig = (roms: Pick<ConfigOptions, 'romFile' | 'gopRomFile' | 'combinedRom'>) =>
  renderConfig({
    pve: '9.1',
    boot: 'grub',
    igpu: parseLspci(REMBRANDT_LSPCI).amd!,
    mode: 'rom',
    vmid: 123,
    ...roms,
  });
const amdRom = (name: string, amdKind: 'combined' | 'gop-only' | 'vbios') => ({
  ...fw(name, 'igd-rom'),
  kind: 'amd-rom' as const,
  amdKind,
});

describe('download bundle', () => {
  it('keeps files a shell and the config generator accept', () => {
    expect(safeFileName('OVMF_CODE_4M (1).fd')).toBe('OVMF_CODE_4M.fd');
    expect(safeFileName('my ovmf.fd')).toBe('my_ovmf.fd');
    expect(safeFileName('.hidden')).toBe('_.hidden');
    expect(installedOvmfName(['OVMF_CODE_4M.secboot.fd', 'OVMF_CODE_4M.fd'])).toBe(
      'OVMF_CODE_4M.fd',
    );
    expect(installedOvmfName(['OVMF_CODE_4M.secboot.fd'])).toBe('OVMF_CODE_4M.secboot.fd');
  });

  it('writes comments only where the target file allows them', () => {
    const cmdline = config.blocks.find((b) => b.path === '/etc/kernel/cmdline')!;
    expect(blockText(cmdline, 'en')).toBe(cmdline.lines.map((l) => l.text).join('\n') + '\n');
    const vm = config.blocks.find((b) => b.path?.includes('/qemu-server/'))!;
    expect(blockText(vm, 'en')).not.toMatch(/^#/m);
    const modprobe = config.blocks.find((b) => b.id === 'modprobe')!;
    const text = blockText(modprobe, 'zh-CN');
    for (const l of modprobe.lines) expect(text).toContain(`# ${l.reason['zh-CN']}\n${l.text}\n`);
  });

  it('lists the same files in both languages, README and install.sh comments translated', () => {
    const dec = new TextDecoder();
    const a = bundleFiles(input('en'));
    const b = bundleFiles(input('zh-CN'));
    expect(a.map((f) => f.name)).toEqual(b.map((f) => f.name));
    expect(dec.decode(a[0].bytes)).toContain(`# ${en['readme.title']}`);
    expect(dec.decode(b[0].bytes)).toContain(`# ${zhCN['readme.title']}`);
    const script = (files: typeof a) =>
      dec.decode(files.find((f) => f.name === 'install.sh')!.bytes);
    const install = config.blocks.find((x) => x.id === 'install')!;
    // Same commands; only comment lines differ.
    const code = (s: string) => s.split('\n').filter((l) => !/^# /.test(l) || l.startsWith('#!'));
    expect(code(script(a))).toEqual(code(script(b)));
    expect(script(b)).toContain(`# ${install.lines[1].reason['zh-CN'].split('\n')[0]}`);
    expect(a.find((f) => f.name === 'install.sh')!.executable).toBe(true);
    expect(dec.decode(a.find((f) => f.name === 'SHA256SUMS')!.bytes)).toBe(
      `${'ab'.repeat(32)}  OVMF_CODE_4M.fd\n${'ab'.repeat(32)}  igd.rom\n`,
    );
  });

  it('carries the doctor: the read-only probe and the hookscript, and says how to run them', () => {
    const dec = new TextDecoder();
    for (const lang of ['en', 'zh-CN'] as const) {
      const files = bundleFiles(input(lang));
      const probe = files.find((f) => f.name === 'ovmf-gop-probe.sh')!;
      const hook = files.find((f) => f.name === 'ovmf-gop-hook.sh')!;
      expect(dec.decode(probe.bytes)).toBe(PROBE_SCRIPT);
      expect(dec.decode(hook.bytes)).toBe(hookScript());
      expect(probe.executable && hook.executable).toBe(true);
      const text = dec.decode(files[0].bytes);
      const tr = lang === 'en' ? en : zhCN;
      expect(text).toContain(`## ${tr['readme.doctor']}`);
      expect(text).toContain(tr['readme.doctor.probe']);
      expect(text).toContain('sh ovmf-gop-probe.sh 123 > ovmf-gop-report.txt\n');
      expect(text).toContain('ovmf-gop doctor ovmf-gop-report.txt');
      expect(text).toContain(
        'cp ovmf-gop-hook.sh /var/lib/vz/snippets/ovmf-gop-hook.sh && chmod 755 /var/lib/vz/snippets/ovmf-gop-hook.sh\n' +
          'qm set 123 --hookscript local:snippets/ovmf-gop-hook.sh\n',
      );
      expect(text).toContain(`- \`ovmf-gop-probe.sh\` — ${tr['readme.file.probe']}`);
    }
  });

  it('names no device in the README when the device ID is not known', () => {
    // The ID the generation's first table entry would have named.
    const standIn = representativeIgpu('ADL-N');
    const asked = renderConfig({
      pve: '9.1',
      boot: 'grub',
      igpu: igpuGeneration('ADL-N'),
      mode: 'rom',
      vmid: 123,
    });
    const files = bundleFiles({ ...input('en'), config: asked, mode: 'rom', firmware: [] });
    const all = files.map((f) => new TextDecoder().decode(f.bytes)).join('\n');
    const invented = `8086:${standIn.deviceId.toString(16).padStart(4, '0')}`;
    expect(all).not.toContain(invented);
    expect(all).toContain('(8086:xxxx, Gen 12)');
    expect(all).toContain(`- ${DEVICE_ID_UNKNOWN.message.en}`);
    expect(all).toContain(ASK_DEVICE_ID_LINE);
  });

  it('tells which AMD ROM goes on which function, and the reset problem, in both languages', () => {
    const amdConfig = rembrandtConfig({
      romFile: 'vbios-1681.bin',
      gopRomFile: 'amd-gop-1681-audio.rom',
    });
    const rom = amdRom;
    for (const [lang, tr] of [
      ['en', en],
      ['zh-CN', zhCN],
    ] as const) {
      const files = bundleFiles({
        ...input(lang),
        mode: 'rom',
        config: amdConfig,
        firmware: [
          rom('amd-vbios-gop-1681.rom', 'combined'),
          rom('amd-gop-1681-audio.rom', 'gop-only'),
          rom('vbios-1681.bin', 'vbios'),
        ],
      });
      expect(files.filter((f) => f.kind === 'firmware').map((f) => f.name)).toEqual([
        'amd-vbios-gop-1681.rom',
        'amd-gop-1681-audio.rom',
        'vbios-1681.bin',
      ]);
      const text = new TextDecoder().decode(files.find((f) => f.name === 'README.md')!.bytes);
      expect(text).toContain(`\`amd-gop-1681-audio.rom\` — ${tr['readme.file.amd.gop-only']}`);
      expect(text).toContain(`\`vbios-1681.bin\` — ${tr['readme.file.amd.vbios']}`);
      expect(text).toContain(
        tr['readme.amd.functions']
          .replace('{bus}', 'c5')
          .replace('{gpuRom}', 'vbios-1681.bin')
          .replace('{gopRom}', 'amd-gop-1681-audio.rom')
          .replace('{combinedRom}', 'amd-vbios-gop-1681.rom'),
      );
      expect(text).toContain(tr['readme.amd.reset']);
      expect(text).toContain('hostpci1: 0000:c5:00.1,pcie=1,romfile=amd-gop-1681-audio.rom');
      const sums = new TextDecoder().decode(files.find((f) => f.name === 'SHA256SUMS')!.bytes);
      expect(sums.split('\n').filter(Boolean)).toHaveLength(3);
    }
  });

  it('tells the layout the zip holds: one combined ROM, or the GOP ROM alone with how to add the VBIOS', () => {
    const amdConfig = rembrandtConfig({ romFile: 'amd-vbios-gop-1681.rom', combinedRom: true });
    const rom = amdRom;
    const readmeOf = (firmware: ReturnType<typeof rom>[]) =>
      new TextDecoder().decode(
        bundleFiles({ ...input('en'), mode: 'rom', config: amdConfig, firmware }).find(
          (f) => f.name === 'README.md',
        )!.bytes,
      );
    const combined = readmeOf([rom('amd-vbios-gop-1681.rom', 'combined')]);
    expect(combined).toContain(
      en['readme.amd.functionsCombined']
        .replace('{bus}', 'c5')
        .replace('{combinedRom}', 'amd-vbios-gop-1681.rom'),
    );
    expect(combined).not.toContain('amd-gop-1681-audio.rom');
    const gopOnly = readmeOf([rom('amd-gop-ffff-audio.rom', 'gop-only')]);
    expect(gopOnly).toContain(
      en['readme.amd.functionsNoVbios']
        .replace('{bus}', 'c5')
        .replace('{gopRom}', 'amd-gop-ffff-audio.rom'),
    );
    expect(gopOnly).toContain('/sys/firmware/acpi/tables/VFCT');
  });
});
