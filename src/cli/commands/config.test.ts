import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../command';
import { acpiVfct } from '../../../fixtures/builder/containers';
import { fixturePath, haveFixtures, readFixture } from '../../../tests/helpers/fixtures';
import { checkVmCommand } from './check-vm';
import { configCommand } from './config';
import { romCommand } from './rom';
import { captureStdout } from '../../../tests/helpers/stdout';

const stdout = captureStdout();

const LSPCI =
  '00:02.0 VGA compatible controller [0300]: Intel Corporation Alder Lake-P GT2 [Iris Xe Graphics] [8086:46a6] (rev 0c)';
const dir = mkdtempSync(join(tmpdir(), 'igd-cli-'));

describe('config command', () => {
  it('prints the blocks for the example in the issue', async () => {
    const code = await configCommand.run([
      '--pve',
      '9.1',
      '--boot',
      'systemd-boot',
      '--lspci',
      LSPCI,
      '--mode',
      'rom',
      '--vmid',
      '100',
    ]);
    expect(code).toBe(0);
    expect(stdout.text).toContain('hostpci0: 0000:00:02.0,legacy-igd=1,romfile=igd.rom');
    expect(stdout.text).toContain('args: -set device.hostpci0.x-igd-lpc=on');
    expect(stdout.text).toContain('proxmox-boot-tool refresh');
  });

  it('--json gives the blocks as data and --lang zh-CN switches the reasons', async () => {
    await configCommand.run(['--pve', '8.0', '--boot', 'grub', '--device', '3e92', '--json']);
    const r = JSON.parse(stdout.text);
    expect(r.qemu).toBe('8.0');
    expect(
      r.blocks
        .find((b: { id: string }) => b.id === 'modules')
        .lines.map((l: { text: string }) => l.text),
    ).toEqual(['vfio', 'vfio_iommu_type1', 'vfio_pci']);
    stdout.clear();
    await configCommand.run(['--pve', '8.0', '--boot', 'grub', '--gen', 'CFL', '--lang', 'zh-CN']);
    expect(stdout.text).toMatch(/[\u4e00-\u9fff]/);
  });

  it('--block install prints a bare install.sh; pasted pveversion and boot status are read from files', async () => {
    const pv = join(dir, 'pveversion.txt');
    writeFileSync(
      pv,
      'pve-manager: 7.4-17 (running version: 7.4-17/513c62be)\nproxmox-ve: 7.4-1 (running kernel: 5.15.131-2-pve)\npve-qemu-kvm: 7.2.0-8\n',
    );
    const bs = join(dir, 'status.txt');
    writeFileSync(bs, '4A1B-2C3D is configured with: uefi (versions: 5.15.131-2-pve)\n');
    await configCommand.run([
      '--pveversion',
      pv,
      '--boot-status',
      bs,
      '--gen',
      'SKL',
      '--block',
      'modules',
    ]);
    expect(stdout.text).toBe('vfio\nvfio_iommu_type1\nvfio_pci\nvfio_virqfd\n');
    stdout.clear();
    await configCommand.run([
      '--pveversion',
      pv,
      '--boot-status',
      bs,
      '--gen',
      'SKL',
      '--block',
      'install',
    ]);
    expect(stdout.text.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(stdout.text).toContain('/etc/kernel/cmdline');
  });

  it('writes install.sh scripts that bash parses, for each boot loader and mode', async () => {
    for (const boot of ['grub', 'systemd-boot'])
      for (const mode of ['rom', 'ovmf']) {
        stdout.clear();
        await configCommand.run([
          '--pve',
          '8.0',
          '--boot',
          boot,
          '--gen',
          'ADL',
          '--mode',
          mode,
          '--block',
          'install',
        ]);
        expect(() => execFileSync('bash', ['-n'], { input: stdout.text })).not.toThrow();
      }
    // A broken script is caught, so the check above can fail.
    expect(() =>
      execFileSync('bash', ['-n'], { input: 'if true; then\n', stdio: 'pipe' }),
    ).toThrow();
  });

  it('--vm-conf: the qm set lines merge into the VM, say what they leave alone, and change ostype only with --ostype-l26', async () => {
    const conf = join(dir, '100.conf');
    writeFileSync(
      conf,
      [
        'args: -cpu host,hv_vendor_id=GenuineIntel -smbios type=1,serial=ABC123',
        'bios: ovmf',
        'cpu: x86-64-v2-AES',
        'efidisk0: local-lvm:vm-100-disk-1,efitype=4m,size=4M',
        'hostpci0: 0000:00:02.0,x-vga=1',
        'hostpci1: 0000:03:00.0,rombar=0',
        'machine: pc-i440fx-9.0',
        'memory: 16384',
        'ostype: win11',
        'vga: std',
      ].join('\n'),
    );
    const base = ['--pve', '9.1', '--boot', 'grub', '--gen', 'ADL', '--vm-conf', conf];
    await configCommand.run([...base, '--block', 'qm-set']);
    const merged = [
      '# bios: ovmf',
      '# machine: pc-i440fx-9.0',
      'qm set 100 --vga none',
      'qm set 100 --hostpci0 0000:00:02.0,legacy-igd=1,romfile=igd.rom',
      "qm set 100 --args '-cpu host,hv_vendor_id=GenuineIntel -smbios type=1,serial=ABC123 -set device.hostpci0.x-igd-lpc=on'",
      '# hostpci1: 0000:03:00.0,rombar=0',
      '# cpu: x86-64-v2-AES',
      '# memory: 16384',
      '# ostype: win11',
      '# efidisk0: local-lvm:vm-100-disk-1,efitype=4m,size=4M',
    ];
    expect(stdout.text).toBe(merged.join('\n') + '\n');
    stdout.clear();
    await configCommand.run([...base, '--ostype-l26', '--block', 'qm-set', '--json']);
    const block = JSON.parse(stdout.text) as {
      lines: { text: string; reason: { en: string; 'zh-CN': string } }[];
    };
    expect(block.lines.map((l) => l.text)).toEqual(
      merged.map((l) => (l === '# ostype: win11' ? 'qm set 100 --ostype l26' : l)),
    );
    const reason = (text: string) => block.lines.find((l) => l.text === text)!.reason;
    expect(reason('# memory: 16384').en).toBe('At least 4096 MiB already; your value is kept.');
    expect(reason('# hostpci1: 0000:03:00.0,rombar=0')['zh-CN']).toContain('其他直通设备');
    expect(reason('# cpu: x86-64-v2-AES').en).toMatch(/Kept unless you agree \(--cpu-host\)\.$/);
    expect(reason('qm set 100 --ostype l26').en).toMatch(
      /^Now: win11\. For a Windows OS type .*The cost: .*Changed because you agreed\.$/,
    );
    expect(reason('qm set 100 --vga none').en).toMatch(/^Now: std\. No emulated VGA/);
    // The install.sh of the same command line carries the consent as its default.
    stdout.clear();
    await configCommand.run([...base, '--ostype-l26', '--block', 'install']);
    expect(stdout.text).toContain('\nAPPLY=0 OSTYPE_OK=1 CPU_OK=0\n');
  });

  const BIOS = 'vendor-like/aptio5-spi.bin';
  it.skipIf(!haveFixtures || !existsSync(fixturePath(BIOS)))(
    '--bios runs the reader: the GOP found (ADL, 21.x) is checked against the iGPU',
    async () => {
      const found = async (device: string) => {
        stdout.clear();
        await configCommand.run(
          [
            '--pve',
            '9.1',
            '--boot',
            'grub',
            '--device',
            device,
            '--bios',
            fixturePath(BIOS),
          ].concat('--json'),
        );
        return (JSON.parse(stdout.text).findings as { id: string }[]).map((f) => f.id);
      };
      expect(await found('46a6')).toEqual([]);
      // TGL: its VBT family (TIGERLAKE) fits, but the ADL GOP's device table has no 9a49.
      expect(await found('9a49')).toEqual(['gop-device-missing']);
    },
  );

  it.skipIf(!haveFixtures || !existsSync(fixturePath('gop-vbt/skl-kbl/vbt.bin')))(
    '--gop-file and --vbt-file: a Skylake GOP and VBT for an Alder Lake iGPU are both flagged',
    async () => {
      await configCommand.run([
        '--pve',
        '9.1',
        '--boot',
        'grub',
        '--lspci',
        LSPCI,
        '--gop-file',
        fixturePath('gop-vbt/skl-kbl/IntelGopDriver.efi'),
        '--vbt-file',
        fixturePath('gop-vbt/skl-kbl/vbt.bin'),
      ]);
      expect(stdout.text).toMatch(
        /^warning: The VBT is for SKYLAKE, but the iGPU is ADL.*\[vbt-mismatch\]$/m,
      );
      expect(stdout.text).toMatch(
        /^warning: The GOP’s device table does not list 8086:46a6 \(ADL\).*\[gop-device-missing\]$/m,
      );
    },
  );

  it('--gen names no device: the modprobe line asks for the ID; --device fills it in', async () => {
    await configCommand.run(['--pve', '9.1', '--boot', 'grub', '--gen', 'ADL-N']);
    expect(stdout.text).toMatch(/· Alder Lake-N \/ Twin Lake \[8086:xxxx\] gen 12 ·/);
    expect(stdout.text).toContain(
      "\n# set your iGPU's PCI ID here (lspci -nn -s 00:02.0 shows it as [8086:xxxx]), then: options vfio-pci ids=8086:xxxx\n",
    );
    expect(stdout.text).not.toMatch(/ids=8086:[0-9a-f]{4}/);
    expect(stdout.text).toMatch(
      /^warning: The iGPU's PCI device ID is not known.*\[device-id-unknown\]$/m,
    );
    stdout.clear();
    await configCommand.run(['--pve', '9.1', '--boot', 'grub', '--device', '46d1']);
    expect(stdout.text).toContain('\noptions vfio-pci ids=8086:46d1\n');
    expect(stdout.text).not.toContain('device-id-unknown');
  });

  it('--mode ovmf --ovmf-image: installs over that image and warns that an i440fx VM never loads the secboot one', async () => {
    await configCommand.run([
      '--pve',
      '9.1',
      '--boot',
      'grub',
      '--device',
      '46a6',
      '--mode',
      'ovmf',
      '--ovmf-image',
      'OVMF_CODE_4M.secboot.fd',
      '--json',
    ]);
    const r = JSON.parse(stdout.text);
    const files = r.blocks.find((b: { id: string }) => b.id === 'files');
    expect(files.lines.map((l: { text: string }) => l.text)).toContain(
      'install -m 0644 OVMF_CODE_4M.secboot.fd /usr/share/pve-edk2-firmware/OVMF_CODE_4M.secboot.fd',
    );
    expect(r.findings.map((f: { id: string }) => f.id)).toEqual(['ovmf-image-unused']);
    await expect(
      configCommand.run(['--pve', '9.1', '--boot', 'grub', '--gen', 'ADL', '--ovmf-image', 'x.fd']),
    ).rejects.toThrow(UsageError);
  });

  it('reports bad usage as UsageError', async () => {
    await expect(configCommand.run(['--boot', 'grub', '--gen', 'ADL'])).rejects.toThrow(UsageError);
    await expect(
      configCommand.run(['--pve', '9.1', '--boot', 'lilo', '--gen', 'ADL']),
    ).rejects.toThrow(UsageError);
    await expect(
      configCommand.run(['--pve', '9.1', '--boot', 'grub', '--device', '56a0']),
    ).rejects.toThrow(UsageError);
    await expect(
      configCommand.run(['--pve', '9.1', '--boot', 'grub', '--gen', 'ADL', '--lang', 'fr']),
    ).rejects.toThrow(UsageError);
  });
});

describe('check-vm command', () => {
  it('exits 1 with findings for a q35 config and 0 for a good one', async () => {
    const bad = join(dir, '101.conf');
    writeFileSync(
      bad,
      'bios: ovmf\nmachine: pc-q35-9.0\nvga: none\nhostpci0: 0000:00:02.0,legacy-igd=1,romfile=igd.rom\ncpu: host\nmemory: 8192\n',
    );
    expect(await checkVmCommand.run([bad, '--pve', '9.1', '--gen', 'CFL'])).toBe(1);
    expect(stdout.text).toContain('[legacy-igd-q35]');
    const good = join(dir, '102.conf');
    writeFileSync(
      good,
      'bios: ovmf\nmachine: pc\nvga: none\nhostpci0: 0000:00:02.0,legacy-igd=1,romfile=igd.rom\ncpu: host\nmemory: 8192\n',
    );
    stdout.clear();
    expect(await checkVmCommand.run([good, '--pve', '9.1', '--gen', 'CFL', '--json'])).toBe(0);
    expect(JSON.parse(stdout.text)).toEqual({ qemu: '10.1', findings: [] });
  });

  it('scans extra files such as a modprobe.d file for disable_vga=1', async () => {
    const good = join(dir, '102.conf');
    const mp = join(dir, 'vfio.conf');
    writeFileSync(mp, 'options vfio-pci ids=8086:3e92 disable_vga=1\n');
    expect(await checkVmCommand.run([good, mp, '--gen', 'CFL'])).toBe(1);
    expect(stdout.text).toContain('[disable-vga]');
  });

  it('needs a file', async () => {
    await expect(checkVmCommand.run([])).rejects.toThrow(UsageError);
  });
});

const AMD_LSPCI = [
  'c5:00.0 VGA compatible controller [0300]: Advanced Micro Devices, Inc. [AMD/ATI] Rembrandt [Radeon 680M] [1002:1681] (rev c8)',
  'c5:00.1 Audio device [0403]: Advanced Micro Devices, Inc. [AMD/ATI] Rembrandt Radeon High Definition Audio Controller [1002:1640]',
].join('\n');

describe('config command for an AMD iGPU', () => {
  it('recognises the Rembrandt iGPU and its audio function from lspci -nn and writes the q35 config', async () => {
    const code = await configCommand.run(['--pve', '9.1', '--boot', 'grub', '--lspci', AMD_LSPCI]);
    expect(code).toBe(0);
    const out = stdout.text;
    // The family name comes from the AMD device table (or says 1002:1681 without it).
    expect(out.split('\n')[0]).toMatch(
      /^Proxmox VE 9\.1 · QEMU 10\.1 · kernel 6\.17 · (AMD Radeon iGPU 1002:1681|.*Rembrandt.*) c5:00\.0 \[1002:1681\] \+ c5:00\.1 \[1002:1640\] · grub · rom$/,
    );
    for (const line of [
      'machine: q35',
      'hostpci0: 0000:c5:00.0,pcie=1,romfile=vbios-1681.bin',
      'hostpci1: 0000:c5:00.1,pcie=1,romfile=amd-gop-1681-audio.rom',
      'options vfio-pci ids=1002:1681,1002:1640',
      'softdep amdgpu pre: vfio-pci',
      'softdep snd_hda_intel pre: vfio-pci',
      'GRUB_CMDLINE_LINUX_DEFAULT="quiet iommu=pt initcall_blacklist=sysfb_init"',
    ])
      expect(out).toContain(`\n${line}\n`);
    expect(out).not.toMatch(/legacy-igd=|x-igd-|intel_iommu|i915/);
    expect(out).toMatch(/vendor-reset .*not officially supported/);
  });

  it('--combined-rom and --lang zh-CN; the install.sh parses', async () => {
    await configCommand.run([
      '--pve',
      '8.2',
      '--boot',
      'systemd-boot',
      '--lspci',
      AMD_LSPCI,
      '--combined-rom',
      '--block',
      'vm-conf',
    ]);
    expect(stdout.text).toContain(
      'hostpci0: 0000:c5:00.0,pcie=1,romfile=amd-vbios-gop-1681.rom\nhostpci1: 0000:c5:00.1,pcie=1\n',
    );
    stdout.clear();
    await configCommand.run([
      '--pve',
      '8.2',
      '--boot',
      'grub',
      '--lspci',
      AMD_LSPCI,
      '--lang',
      'zh-CN',
    ]);
    expect(stdout.text).toContain('AMD 重置问题');
    stdout.clear();
    await configCommand.run([
      '--pve',
      '9.1',
      '--boot',
      'grub',
      '--lspci',
      AMD_LSPCI,
      '--block',
      'install',
    ]);
    expect(stdout.text).toContain("GPU_HOST='0000:c5:00.0' AUDIO_HOST='0000:c5:00.1'");
    expect(() => execFileSync('bash', ['-n'], { input: stdout.text })).not.toThrow();
  });

  it('refuses Intel-only and AMD-only options on the other vendor, and the patched-OVMF mode for AMD', async () => {
    const amd = ['--pve', '9.1', '--boot', 'grub', '--lspci', AMD_LSPCI];
    await expect(configCommand.run([...amd, '--gop-version', '21.0'])).rejects.toThrow(UsageError);
    await expect(configCommand.run([...amd, '--mode', 'ovmf'])).rejects.toThrow(/option ROM/);
    await expect(
      configCommand.run(['--pve', '9.1', '--boot', 'grub', '--gen', 'ADL', '--combined-rom']),
    ).rejects.toThrow(UsageError);
    // The GPU line alone: the audio function is needed too.
    await expect(
      configCommand.run(['--pve', '9.1', '--boot', 'grub', '--lspci', AMD_LSPCI.split('\n')[0]]),
    ).rejects.toThrow(/lspci -nn -s c5:00/);
  });
});

describe.skipIf(!haveFixtures)(
  'config command for an AMD iGPU: the BIOS, or --vbios, says whether there is a VBIOS',
  () => {
    const amd = ['--pve', '9.1', '--boot', 'grub', '--lspci', AMD_LSPCI];
    const GOP_ONLY = 'amd/gop/isc30-gop-6600h-v3.7.10/AMDGopDriver_6600H.rom';
    const CARD = 'amd/oprom/thieuson-renoir-1636-vbios+gop/Renoir_Generic_VBIOS_updGOP.bin';

    it('--no-vbios: no romfile on the GPU function, only the GOP ROM, the VFCT note, the warning', async () => {
      expect(await configCommand.run([...amd, '--no-vbios'])).toBe(0);
      const text = stdout.text;
      expect(text).toContain('hostpci0: 0000:c5:00.0,pcie=1\n');
      expect(text).toContain('hostpci1: 0000:c5:00.1,pcie=1,romfile=amd-gop-1681-audio.rom');
      expect(text).not.toContain('vbios-1681.bin');
      expect(text).toContain('cat /sys/firmware/acpi/tables/VFCT > vfct.bin');
      expect(text).toMatch(/^warning \(line 4\): .*VBIOS.* \[amd-vbios-missing\]$/m);
      await expect(configCommand.run([...amd, '--no-vbios', '--rom', 'x.bin'])).rejects.toThrow(
        /drop --rom/,
      );
      await expect(configCommand.run([...amd, '--no-vbios', '--combined-rom'])).rejects.toThrow(
        /combined ROM/,
      );
      await expect(
        configCommand.run(['--pve', '9.1', '--boot', 'grub', '--lspci', LSPCI, '--no-vbios']),
      ).rejects.toThrow(UsageError);
    });

    it('--bios with an AMD GOP and no VBIOS configures without one; with a VBIOS, as before', async () => {
      expect(await configCommand.run([...amd, '--bios', fixturePath(GOP_ONLY), '--json'])).toBe(0);
      const r = JSON.parse(stdout.text);
      expect(r.noVbios).toBe(true);
      expect(r.vm.want).toEqual({
        vendor: 'amd',
        gpuHost: '0000:c5:00.0',
        audioHost: '0000:c5:00.1',
        audioRom: 'amd-gop-1681-audio.rom',
      });
      expect(r.biosNotes).toContain('no APU VBIOS found: writing the GOP-only ROM');
      expect(r.findings.map((f: { id: string }) => f.id)).toEqual(['amd-vbios-missing']);
      stdout.clear();
      expect(await configCommand.run([...amd, '--bios', fixturePath(CARD), '--json'])).toBe(0);
      const withVbios = JSON.parse(stdout.text);
      expect(withVbios.noVbios).toBe(false);
      expect(withVbios.vm.want.gpuRom).toBe('vbios-1681.bin');
      await expect(
        configCommand.run([...amd, '--bios', fixturePath(CARD), '--no-vbios']),
      ).rejects.toThrow(/holds a VBIOS/);
      await expect(
        configCommand.run([...amd, '--bios', fixturePath(GOP_ONLY), '--rom', 'mine.bin']),
      ).rejects.toThrow(/holds no VBIOS/);
    });

    const REMBRANDT = 'amd/vbios/isc30-vbios-1681-032.017.000.055.000000/vbios_6800h.bin';
    const PHOENIX = 'amd/vbios/isc30-vbios-15bf-022.012.000.027.000001/vbios_7840hs.bin';
    /** A VFCT table as the host shows it, written to the scratch folder. */
    const vfct = (name: string, records: Parameters<typeof acpiVfct>[0]) => {
      const path = join(dir, name);
      writeFileSync(path, acpiVfct(records));
      return path;
    };

    it('the note’s CLI steps: rom writes the ROMs config names, and config --bios --vbios puts the VBIOS ROM on the GPU', async () => {
      // The note, as config --bios prints it for a BIOS without a VBIOS.
      expect(await configCommand.run([...amd, '--bios', fixturePath(GOP_ONLY)])).toBe(0);
      expect(stdout.text).toContain('hostpci0: 0000:c5:00.0,pcie=1\n');
      expect(stdout.text).toContain(
        'config with the same options as now plus --bios BIOS --vbios vfct.bin',
      );
      expect(stdout.text).toContain(
        'rom --bios BIOS --vbios vfct.bin --device-id 0x1681 -o amd.rom',
      );
      expect(stdout.text).not.toContain('without --no-vbios');
      // The iGPU's VBIOS at c5:00.0 beside a second GPU's at 03:00.0.
      const table = vfct('vfct.bin', [
        { bus: 0x03, deviceId: 0x15bf, image: readFixture(PHOENIX) },
        { bus: 0xc5, deviceId: 0x1681, image: readFixture(REMBRANDT) },
      ]);
      const out = join(dir, 'vbios-step', 'amd.rom');
      mkdirSync(join(dir, 'vbios-step'), { recursive: true });
      stdout.clear();
      expect(
        // The step as the note gives it (its device ID, so rom picks the iGPU's record too).
        await romCommand.run([
          ...['--bios', fixturePath(GOP_ONLY), '--vbios', table],
          ...['--device-id', '0x1681', '-o', out],
        ]),
      ).toBe(0);
      stdout.clear();
      expect(
        await configCommand.run([
          ...amd,
          '--bios',
          fixturePath(GOP_ONLY),
          '--vbios',
          table,
          '--json',
        ]),
      ).toBe(0);
      const r = JSON.parse(stdout.text);
      expect(r.noVbios).toBe(false);
      expect(r.vm.want).toEqual({
        vendor: 'amd',
        gpuHost: '0000:c5:00.0',
        audioHost: '0000:c5:00.1',
        gpuRom: 'vbios-1681.bin',
        audioRom: 'amd-gop-1681-audio.rom',
      });
      // Each ROM the configuration names is one rom wrote, and the VBIOS is the table's, byte for byte.
      for (const rom of [r.vm.want.gpuRom, r.vm.want.audioRom])
        expect(existsSync(join(dir, 'vbios-step', rom))).toBe(true);
      expect(readFileSync(join(dir, 'vbios-step', 'vbios-1681.bin'))).toEqual(
        Buffer.from(readFixture(REMBRANDT)),
      );
      expect(r.biosNotes).toContainEqual(
        expect.stringMatching(
          /from the ACPI VFCT table vfct\.bin, the record for c5:00\.0 \[1002:1681\] at 0x/,
        ),
      );
      expect(r.findings.map((f: { id: string }) => f.id)).not.toContain('amd-vbios-missing');
      expect(r.blocks.map((b: { id: string }) => b.id)).not.toContain('amd-no-vbios');
    });

    it('--vbios with a table holding the device twice: the record at the --lspci address', async () => {
      const image = readFixture(REMBRANDT);
      const twice = vfct('vfct-twice.bin', [
        { bus: 0x04, deviceId: 0x1681, image },
        { bus: 0xc5, deviceId: 0x1681, image },
      ]);
      expect(await configCommand.run([...amd, '--vbios', twice, '--json'])).toBe(0);
      expect(JSON.parse(stdout.text).biosNotes).toEqual([
        expect.stringMatching(/the record for c5:00\.0 \[1002:1681\] at 0x/),
      ]);
    });

    it('--vbios alone (a VBIOS file), and what it refuses', async () => {
      const vbios = fixturePath(REMBRANDT);
      expect(await configCommand.run([...amd, '--vbios', vbios, '--json'])).toBe(0);
      expect(JSON.parse(stdout.text)).toMatchObject({
        noVbios: false,
        vm: { want: { gpuRom: 'vbios-1681.bin' } },
      });
      await expect(configCommand.run([...amd, '--vbios', fixturePath(PHOENIX)])).rejects.toThrow(
        /VBIOS for 1002:15bf, not for this iGPU 1002:1681/,
      );
      await expect(configCommand.run([...amd, '--vbios', vbios, '--no-vbios'])).rejects.toThrow(
        /either --vbios or --no-vbios/,
      );
      await expect(
        configCommand.run(['--pve', '9.1', '--boot', 'grub', '--lspci', LSPCI, '--vbios', vbios]),
      ).rejects.toThrow(UsageError);
      await expect(
        configCommand.run([...amd, '--vbios', fixturePath(GOP_ONLY)]),
      ).rejects.toMatchObject({
        code: 'bad-format',
      });
    });
  },
);

describe('check-vm command for an AMD iGPU', () => {
  it('checks the AMD recipe with --lspci: an i440fx legacy-igd config fails, the generated one passes', async () => {
    const bad = join(dir, '201.conf');
    writeFileSync(
      bad,
      'bios: ovmf\nmachine: pc\nvga: none\nhostpci0: 0000:c5:00.0,legacy-igd=1,romfile=vbios-1681.bin\ncpu: host\nargs: -set device.hostpci0.x-igd-gms=0x2\n',
    );
    expect(await checkVmCommand.run([bad, '--lspci', AMD_LSPCI, '--lang', 'zh-CN'])).toBe(1);
    expect(stdout.text).toContain('[amd-not-q35]');
    expect(stdout.text).toContain('[amd-no-audio]');
    expect(stdout.text).toContain('[amd-intel-leftover]');
    expect(stdout.text).toMatch(/[\u4e00-\u9fff]/);
    const good = join(dir, '202.conf');
    writeFileSync(
      good,
      'bios: ovmf\nmachine: q35\nvga: none\nhostpci0: 0000:c5:00.0,pcie=1,romfile=amd-vbios-gop-1681.rom\nhostpci1: 0000:c5:00.1,pcie=1\ncpu: host\n',
    );
    stdout.clear();
    expect(await checkVmCommand.run([good, '--lspci', AMD_LSPCI, '--json'])).toBe(0);
    expect(JSON.parse(stdout.text).findings.map((f: { id: string }) => f.id)).toEqual([
      'amd-no-gop-rom',
    ]);
    stdout.clear();
    expect(await checkVmCommand.run([good, '--lspci', AMD_LSPCI, '--combined-rom', '--json'])).toBe(
      0,
    );
    expect(JSON.parse(stdout.text).findings).toEqual([]);
  });

  it('--no-vbios: the GPU function without a ROM is a warning, so the check passes', async () => {
    const conf = join(dir, '203.conf');
    writeFileSync(
      conf,
      'bios: ovmf\nmachine: q35\nvga: none\nhostpci0: 0000:c5:00.0,pcie=1\nhostpci1: 0000:c5:00.1,pcie=1,romfile=amd-gop-1681-audio.rom\ncpu: host\n',
    );
    expect(await checkVmCommand.run([conf, '--lspci', AMD_LSPCI, '--json'])).toBe(1);
    expect(JSON.parse(stdout.text).findings.map((f: { id: string }) => f.id)).toEqual([
      'amd-no-vbios-rom',
    ]);
    stdout.clear();
    expect(await checkVmCommand.run([conf, '--lspci', AMD_LSPCI, '--no-vbios', '--json'])).toBe(0);
    expect(
      JSON.parse(stdout.text).findings.map((f: { id: string; severity: string }) => [
        f.id,
        f.severity,
      ]),
    ).toEqual([['amd-vbios-missing', 'warning']]);
  });
});

describe('check-vm command for an AMD iGPU without --lspci', () => {
  const GOOD =
    'bios: ovmf\nmachine: q35\nvga: none\nhostpci0: 0000:c5:00.0,pcie=1,romfile=vbios-1681.bin\nhostpci1: 0000:c5:00.1,pcie=1,romfile=amd-gop-1681-audio.rom\ncpu: host\n';

  it('the ROM names made by the AMD builder: checked as AMD, and the report says what was assumed', async () => {
    const good = join(dir, '301.conf');
    writeFileSync(good, GOOD);
    expect(await checkVmCommand.run([good])).toBe(0);
    expect(stdout.text).toBe(
      'assumed: hostpci0 has romfile=vbios-1681.bin, a ROM the AMD builder makes for 1002:1681 (Rembrandt): the VM is checked as an AMD iGPU VM with the GPU at c5:00.0 and its audio at c5:00.1\nno problems found\n',
    );
    const bad = join(dir, '302.conf');
    writeFileSync(bad, GOOD.replace('machine: q35', 'machine: pc-i440fx-9.0'));
    stdout.clear();
    expect(await checkVmCommand.run([bad, '--json'])).toBe(1);
    const r = JSON.parse(stdout.text);
    expect(r.amd).toMatchObject({ gpuAddress: '0000:c5:00.0', deviceId: 0x1681 });
    expect(r.assumed).toHaveLength(1);
    expect(r.findings.map((f: { id: string }) => f.id)).toEqual(['amd-not-q35']);
  });

  it('--device with an AMD APU ID: the GPU entry whose audio function is passed too', async () => {
    const conf = join(dir, '303.conf');
    writeFileSync(
      conf,
      'bios: ovmf\nmachine: q35\nvga: none\nhostpci0: 0000:01:00.0\nhostpci1: c5:00.0,pcie=1\nhostpci2: c5:00.1,pcie=1\ncpu: host\n',
    );
    expect(await checkVmCommand.run([conf, '--device', '1681', '--json'])).toBe(1);
    const r = JSON.parse(stdout.text);
    expect(r.assumed[0]).toMatch(/^device 1002:1681 is an AMD Rembrandt iGPU/);
    expect(r.findings.map((f: { id: string }) => f.id)).toEqual([
      'amd-no-vbios-rom',
      'amd-no-gop-rom',
    ]);
    // The same ID spelt with its vendor; an ID of neither table is refused as before.
    stdout.clear();
    expect(await checkVmCommand.run([conf, '--device', '1002:1681', '--json'])).toBe(1);
    await expect(checkVmCommand.run([conf, '--device', '1002:46a6'])).rejects.toThrow(UsageError);
    // An AMD ID with no entry that can be its GPU: say so rather than check something else.
    const none = join(dir, '304.conf');
    writeFileSync(none, 'hostpci0: 01:00.0\nhostpci1: 02:00.0\n');
    await expect(checkVmCommand.run([none, '--device', '1681'])).rejects.toThrow(/--lspci/);
  });

  it('on a Proxmox host: the hostpci address sysfs shows as an AMD display controller (read-only)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pve-root-'));
    mkdirSync(join(root, 'etc/pve'), { recursive: true });
    const fn = (addr: string, vendor: string, device: string, cls: string) => {
      const d = join(root, 'sys/bus/pci/devices', addr);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'vendor'), `0x${vendor}\n`);
      writeFileSync(join(d, 'device'), `0x${device}\n`);
      writeFileSync(join(d, 'class'), `0x${cls}\n`);
    };
    fn('0000:c4:00.0', '1002', '15bf', '038000');
    fn('0000:c4:00.1', '1002', '1640', '040300');
    const conf = join(dir, '305.conf');
    writeFileSync(
      conf,
      'bios: ovmf\nmachine: q35\nvga: none\nhostpci0: 0000:c4:00.0,pcie=1,romfile=MyVbios.bin\nhostpci1: 0000:c4:00.1,pcie=1,romfile=MyGop.rom\ncpu: host\n',
    );
    const before = process.env.IGD_TEST_ROOT;
    process.env.IGD_TEST_ROOT = root;
    try {
      expect(await checkVmCommand.run([conf])).toBe(0);
      expect(stdout.text).toMatch(
        /^assumed: hostpci0 c4:00\.0: this host says c4:00\.0 is an AMD display controller \[1002:15bf\] \(Phoenix\).*\nno problems found\n$/,
      );
      // Without /etc/pve the same machine is not taken for the VM's host: an Intel check, as before.
      rmSync(join(root, 'etc/pve'), { recursive: true });
      stdout.clear();
      expect(await checkVmCommand.run([conf, '--json'])).toBe(1);
      const r = JSON.parse(stdout.text);
      expect(r.assumed).toBeUndefined();
      expect(r.findings.map((f: { id: string }) => f.id)).toContain('no-igd');
    } finally {
      if (before === undefined) delete process.env.IGD_TEST_ROOT;
      else process.env.IGD_TEST_ROOT = before;
      rmSync(root, { recursive: true, force: true });
    }
  });
});
