import { describe, expect, it } from 'vitest';
import { FirmwareError } from '../errors';
import { parseAmdLspci, type AmdIgpu } from './amd';
import type { BootLoader } from './inputs';
import { renderConfig, type ConfigResult } from './render';

/** [pve, kernel] per release, restated from the notes (§4.3) independently of facts.ts. */
const RELEASES: [string, string][] = [
  ['7.4', '5.15'],
  ['8.0', '6.2'],
  ['8.1', '6.5'],
  ['8.2', '6.8'],
  ['8.3', '6.8'],
  ['8.4', '6.8'],
  ['9.0', '6.14'],
  ['9.1', '6.17'],
];
const kernelBelow = (k: string, major: number, minor: number) => {
  const [a, b] = k.split('.').map(Number);
  return a < major || (a === major && b < minor);
};

/** Real lspci -nn pairs of two APUs at different buses. */
const APUS: [string, string, [string, string, number, number]][] = [
  [
    'Rembrandt',
    [
      'c5:00.0 VGA compatible controller [0300]: Advanced Micro Devices, Inc. [AMD/ATI] Rembrandt [Radeon 680M] [1002:1681] (rev c8)',
      'c5:00.1 Audio device [0403]: Advanced Micro Devices, Inc. [AMD/ATI] Rembrandt Radeon High Definition Audio Controller [1002:1640]',
    ].join('\n'),
    ['c5', '1681', 0x1681, 0x1640],
  ],
  [
    'Renoir',
    [
      '06:00.0 VGA compatible controller [0300]: Advanced Micro Devices, Inc. [AMD/ATI] Renoir [Radeon Vega Series / Radeon Vega Mobile Series] [1002:1636] (rev c6)',
      '06:00.1 Audio device [0403]: Advanced Micro Devices, Inc. [AMD/ATI] Renoir Radeon High Definition Audio Controller [1002:1637]',
    ].join('\n'),
    ['06', '1636', 0x1636, 0x1637],
  ],
];
const BOOTS: BootLoader[] = ['grub', 'systemd-boot'];
const KVM = '/usr/share/kvm';

/** Nothing of the Intel recipe may reach an AMD host or VM (issue 16). */
const INTEL_ONLY =
  /legacy-igd|x-igd|intel_iommu|i915|blacklist xe|machine: pc$|--machine pc\b|00:02\.0/m;

function expectedBlocks(
  kernel: string,
  boot: BootLoader,
  bus: string,
  dev: string,
  audio: string,
  combined: boolean,
): [string, string[]][] {
  const gpuRom = combined ? `amd-vbios-gop-${dev}.rom` : `vbios-${dev}.bin`;
  const gopRom = `amd-gop-${dev}-audio.rom`;
  // AMD-Vi is on by default: only iommu=pt; the boot framebuffer is sysfb's from 5.15 (efifb before).
  const params = `iommu=pt ${kernelBelow(kernel, 5, 15) ? 'video=efifb:off' : 'initcall_blacklist=sysfb_init'}`;
  const gpu = `0000:${bus}:00.0,pcie=1,romfile=${gpuRom}`;
  const aud = `0000:${bus}:00.1,pcie=1${combined ? '' : `,romfile=${gopRom}`}`;
  return [
    [
      'modules',
      [
        'vfio',
        'vfio_iommu_type1',
        'vfio_pci',
        ...(kernelBelow(kernel, 6, 2) ? ['vfio_virqfd'] : []),
      ],
    ],
    boot === 'grub'
      ? ['cmdline', [`GRUB_CMDLINE_LINUX_DEFAULT="quiet ${params}"`]]
      : ['cmdline', [`root=ZFS=rpool/ROOT/pve-1 boot=zfs ${params}`]],
    ['cmdline-apply', [boot === 'grub' ? 'update-grub' : 'proxmox-boot-tool refresh']],
    [
      'modprobe',
      [
        `options vfio-pci ids=1002:${dev},1002:${audio}`,
        'softdep amdgpu pre: vfio-pci',
        'softdep snd_hda_intel pre: vfio-pci',
      ],
    ],
    ['initramfs', ['update-initramfs -u -k all', 'reboot']],
    [
      'files',
      [
        `install -m 0644 ${gpuRom} ${KVM}/${gpuRom}`,
        `sha256sum ${KVM}/${gpuRom}`,
        ...(combined
          ? []
          : [`install -m 0644 ${gopRom} ${KVM}/${gopRom}`, `sha256sum ${KVM}/${gopRom}`]),
      ],
    ],
    [
      'vm-conf',
      [
        'bios: ovmf',
        'machine: q35',
        'vga: none',
        `hostpci0: ${gpu}`,
        `hostpci1: ${aud}`,
        'cpu: host',
      ],
    ],
    [
      'qm-set',
      [
        'qm set 123 --bios ovmf --machine q35 --vga none',
        `qm set 123 --hostpci0 ${gpu}`,
        `qm set 123 --hostpci1 ${aud}`,
        '# qm set 123 --cpu host',
        'qm set 123 --efidisk0 local-lvm:1,efitype=4m,pre-enrolled-keys=0',
      ],
    ],
    [
      'qemu',
      [
        'qemu-system-x86_64 -enable-kvm \\',
        '  -machine q35 \\',
        '  -cpu host -m 4096 \\',
        '  -drive if=pflash,format=raw,readonly=on,file=/usr/share/pve-edk2-firmware/OVMF_CODE_4M.fd \\',
        '  -drive if=pflash,format=raw,file=vm-123-vars.fd \\',
        '  -vga none -nodefaults \\',
        '  -device pcie-root-port,id=rp0,chassis=1,slot=1 \\',
        `  -device vfio-pci,host=0000:${bus}:00.0,id=hostpci0,bus=rp0,addr=0x0,multifunction=on,romfile=${KVM}/${gpuRom} \\`,
        `  -device vfio-pci,host=0000:${bus}:00.1,id=hostpci1,bus=rp0,addr=0x0.1${combined ? '' : `,romfile=${KVM}/${gopRom}`}`,
      ],
    ],
    [
      'amd-reset',
      [
        'After the VM stops, the iGPU may not start again',
        'vendor-reset: APUs not officially supported',
        'Avoid VM restarts; reboot the host to recover',
        'Guest side: disable the GPU before shutdown',
      ],
    ],
    [
      'host-bios',
      [
        'SVM and IOMMU (AMD-Vi): Enabled',
        'Integrated graphics: Enabled (Forced when a discrete GPU is present)',
        'CSM / Legacy boot: Disabled (UEFI only)',
      ],
    ],
  ];
}

const all = (r: ConfigResult) =>
  r.blocks
    .filter((b) => b.id !== 'install')
    .flatMap((b) => b.lines.map((l) => l.text))
    .join('\n');

describe('renderConfig for an AMD iGPU over every PVE version × boot loader × ROM layout', () => {
  for (const [name, lspci, [bus, dev, id, audioId]] of APUS)
    for (const [pve, kernel] of RELEASES)
      for (const boot of BOOTS)
        for (const combined of [false, true])
          it(`${name} PVE ${pve} ${boot} ${combined ? 'combined ROM' : 'VBIOS + GOP ROM'}: exact lines, nothing Intel-only`, () => {
            const amd = parseAmdLspci(lspci)!;
            expect([amd.deviceId, amd.audioDeviceId]).toEqual([id, audioId]);
            const r = renderConfig({
              pve,
              boot,
              igpu: amd,
              mode: 'rom',
              vmid: 123,
              combinedRom: combined,
            });
            const got = r.blocks
              .filter((b) => b.id !== 'install')
              .map((b): [string, string[]] => [b.id, b.lines.map((l) => l.text)]);
            expect(got).toEqual(
              expectedBlocks(kernel, boot, bus, dev, audioId.toString(16), combined),
            );
            expect(r.blocks.find((b) => b.id === 'modprobe')!.path).toBe(
              '/etc/modprobe.d/igd-passthrough.conf',
            );
            expect(r.blocks.find((b) => b.id === 'cmdline')!.path).toBe(
              boot === 'grub' ? '/etc/default/grub' : '/etc/kernel/cmdline',
            );
            // Not one Intel-only word anywhere; install.sh names legacy-igd only to drop it from a hostpci.
            expect(all(r)).not.toMatch(INTEL_ONLY);
            const script = r.blocks.find((b) => b.id === 'install')!.lines.map((l) => l.text);
            expect(script.filter((l) => INTEL_ONLY.test(l))).toEqual([
              '    elif [ "$key" = legacy-igd ]; then :',
            ]);
            expect(r.findings).toEqual([]);
            expect(r.igpu).toBe(amd);
            expect(r.vm.want).toEqual({
              vendor: 'amd',
              gpuHost: `0000:${bus}:00.0`,
              audioHost: `0000:${bus}:00.1`,
              gpuRom: combined ? `amd-vbios-gop-${dev}.rom` : `vbios-${dev}.bin`,
              ...(combined ? {} : { audioRom: `amd-gop-${dev}-audio.rom` }),
            });
            for (const b of r.blocks)
              for (const l of b.lines) {
                expect(l.reason.en.length, `${b.id}: ${l.text}`).toBeGreaterThan(0);
                expect(/[\u4e00-\u9fff]/.test(l.reason['zh-CN']), `${b.id}: ${l.text}`).toBe(true);
              }
          });
});

describe('renderConfig for an AMD iGPU: options and reasons', () => {
  const amd = parseAmdLspci(APUS[0][1]) as AmdIgpu;
  const base = { pve: '9.1', boot: 'grub' as const, igpu: amd, mode: 'rom' as const, vmid: 100 };
  const lines = (r: ConfigResult, id: string) =>
    r.blocks.find((b) => b.id === id)!.lines.map((l) => l.text);

  it('takes the ROM names given', () => {
    const r = renderConfig({ ...base, romFile: 'vbios_680m.bin', gopRomFile: 'AMDGopDriver.rom' });
    expect(lines(r, 'vm-conf')).toContain('hostpci0: 0000:c5:00.0,pcie=1,romfile=vbios_680m.bin');
    expect(lines(r, 'vm-conf')).toContain('hostpci1: 0000:c5:00.1,pcie=1,romfile=AMDGopDriver.rom');
    expect(() => renderConfig({ ...base, gopRomFile: '../x.rom' })).toThrow(FirmwareError);
  });

  it('keeps the boot framebuffer off the iGPU the way the kernel needs: efifb before 5.15, sysfb from 5.15', () => {
    const cmdline = (kernel: { major: number; minor: number }) =>
      lines(
        renderConfig({ ...base, pve: undefined, qemu: { major: 6, minor: 2 }, kernel }),
        'cmdline',
      )[0];
    expect(cmdline({ major: 5, minor: 11 })).toBe(
      'GRUB_CMDLINE_LINUX_DEFAULT="quiet iommu=pt video=efifb:off"',
    );
    expect(cmdline({ major: 5, minor: 15 })).toBe(
      'GRUB_CMDLINE_LINUX_DEFAULT="quiet iommu=pt initcall_blacklist=sysfb_init"',
    );
  });

  it('refuses the patched-OVMF mode: the AMD GOP comes in a ROM', () => {
    expect(() => renderConfig({ ...base, mode: 'ovmf' })).toThrow(FirmwareError);
  });

  it('states the reset problem plainly, in both languages', () => {
    const reset = renderConfig(base).blocks.find((b) => b.id === 'amd-reset')!;
    const en = reset.lines.map((l) => l.reason.en).join(' ');
    expect(en).toMatch(/vendor-reset .*not officially supported/);
    expect(en).toMatch(/until the host reboots/);
    expect(en).toMatch(/Guest-side fixes/);
    expect(reset.lines.map((l) => l.reason['zh-CN']).join('')).toContain('vendor-reset');
  });

  it('no VBIOS in the BIOS: the GPU function without a ROM, only the GOP ROM installed, a note on the VFCT table, a warning', () => {
    const r = renderConfig({ ...base, noVbios: true, romFile: 'ignored.bin' });
    expect(lines(r, 'files')).toEqual([
      'install -m 0644 amd-gop-1681-audio.rom /usr/share/kvm/amd-gop-1681-audio.rom',
      'sha256sum /usr/share/kvm/amd-gop-1681-audio.rom',
    ]);
    expect(lines(r, 'vm-conf')).toEqual([
      'bios: ovmf',
      'machine: q35',
      'vga: none',
      'hostpci0: 0000:c5:00.0,pcie=1',
      'hostpci1: 0000:c5:00.1,pcie=1,romfile=amd-gop-1681-audio.rom',
      'cpu: host',
    ]);
    expect(lines(r, 'qm-set').slice(1, 3)).toEqual([
      'qm set 100 --hostpci0 0000:c5:00.0,pcie=1',
      'qm set 100 --hostpci1 0000:c5:00.1,pcie=1,romfile=amd-gop-1681-audio.rom',
    ]);
    expect(lines(r, 'qemu').slice(-2)).toEqual([
      '  -device vfio-pci,host=0000:c5:00.0,id=hostpci0,bus=rp0,addr=0x0,multifunction=on \\',
      '  -device vfio-pci,host=0000:c5:00.1,id=hostpci1,bus=rp0,addr=0x0.1,romfile=/usr/share/kvm/amd-gop-1681-audio.rom',
    ]);
    expect(all(r)).not.toMatch(/vbios-1681|ignored\.bin/);
    expect(r.vm.want).toEqual({
      vendor: 'amd',
      gpuHost: '0000:c5:00.0',
      audioHost: '0000:c5:00.1',
      audioRom: 'amd-gop-1681-audio.rom',
    });
    const script = r.blocks.find((b) => b.id === 'install')!.lines.map((l) => l.text);
    expect(script).toContain("ROM=''");
    expect(script).toContain("GOP_ROM='amd-gop-1681-audio.rom'");
    // The note says what is missing, why it matters and where to get it, in both languages.
    const note = r.blocks.find((b) => b.id === 'amd-no-vbios')!;
    expect(note.kind).toBe('notes');
    const en = note.lines.map((l) => l.reason.en).join(' ');
    expect(en).toMatch(/no VBIOS for this iGPU/);
    expect(en).toMatch(/GOP cannot start the GPU/);
    expect(en).toMatch(/ACPI VFCT table/);
    expect(en).toMatch(/whether amdgpu is loaded, blacklisted/);
    expect(en).toMatch(/--vbios vfct\.bin/);
    expect(note.lines.map((l) => l.text)).toContain(
      'cat /sys/firmware/acpi/tables/VFCT > vfct.bin',
    );
    expect(note.lines.map((l) => l.reason['zh-CN']).join('')).toContain('VFCT');
    expect(renderConfig(base).blocks.some((b) => b.id === 'amd-no-vbios')).toBe(false);
    // The generated VM is checked with the same rules: the missing VBIOS is a warning, not an error.
    expect(r.findings.map((f) => [f.id, f.severity])).toEqual([['amd-vbios-missing', 'warning']]);
    expect(r.findings[0].message.en).toContain('hostpci0');
  });

  it('refuses a combined ROM without a VBIOS, with a typed error', () => {
    expect(() => renderConfig({ ...base, noVbios: true, combinedRom: true })).toThrow(
      expect.objectContaining({
        code: 'bad-input',
        message: expect.stringMatching(/combined ROM/),
      }),
    );
  });

  it('merges into a known VM: q35 kept, both functions, the other device and args left alone', () => {
    const vmConf = [
      'args: -cpu host,hv_vendor_id=AuthenticAMD',
      'bios: ovmf',
      'cpu: x86-64-v2-AES',
      'efidisk0: local-lvm:vm-100-disk-1,efitype=4m,size=4M',
      'hostpci0: 0000:01:00.0,pcie=1',
      'hostpci1: c5:00,x-vga=1',
      'machine: pc-q35-9.2+pve1',
      'vga: std',
    ].join('\n');
    expect(lines(renderConfig({ ...base, vmConf }), 'qm-set')).toEqual([
      '# bios: ovmf',
      '# machine: pc-q35-9.2+pve1',
      'qm set 100 --vga none',
      'qm set 100 --hostpci1 0000:c5:00.0,x-vga=1,pcie=1,romfile=vbios-1681.bin',
      'qm set 100 --hostpci2 0000:c5:00.1,pcie=1,romfile=amd-gop-1681-audio.rom',
      '# hostpci0: 0000:01:00.0,pcie=1',
      '# cpu: x86-64-v2-AES',
      '# efidisk0: local-lvm:vm-100-disk-1,efitype=4m,size=4M',
    ]);
    // An i440fx VM is moved to q35.
    expect(
      lines(renderConfig({ ...base, vmConf: 'machine: pc-i440fx-9.0\n' }), 'qm-set'),
    ).toContain('qm set 100 --machine q35');
  });
});
