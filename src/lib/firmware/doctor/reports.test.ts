import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diagnose } from './engine';
import { hostSettings } from './host-settings';
import { recogniseKind, splitInput } from './recognise';

const fixture = (name: string) =>
  readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');
const ids = (d: ReturnType<typeof diagnose>) => d.findings.map((f) => f.id).sort();

describe('probe reports', () => {
  it.each(['pve9-grub-adln-healthy.txt', 'pve8-sdboot-cfl-healthy.txt'])(
    '%s: a healthy host gets no findings',
    (name) => {
      const d = diagnose([{ name, text: fixture(name) }]);
      expect(d.findings).toEqual([]);
      // Every section was recognised; the report tells what it could not read.
      expect(d.parts.filter((p) => p.section).length).toBeGreaterThanOrEqual(21);
      expect(d.parts.find((p) => p.section === 'vbt')!.unreadable[0]).toMatch(/i915_vbt/);
    },
  );

  it('the healthy PVE 9.1 report notes the harmless messages it carries', () => {
    const d = diagnose([{ name: 'r', text: fixture('pve9-grub-adln-healthy.txt') }]);
    expect(d.notes.map((n) => n.id).sort()).toEqual(['audio-reset-harmless', 'legacy-mode-on']);
  });

  it('PVE 8.1 / GRUB / Kaby Lake: the broken VM and host are named with their lines', () => {
    const d = diagnose([{ name: 'report.txt', text: fixture('pve8-grub-kbl-broken.txt') }]);
    expect(ids(d)).toEqual([
      'gms-dvmt',
      'host-driver-bound',
      'iommu-off',
      'machine-q35',
      'opregion',
      'rom-missing',
      'stale-args',
      'vga-not-none',
    ]);
    const get = (id: string) => d.findings.find((f) => f.id === id)!;
    expect(get('vga-not-none').evidence).toContain(
      "report.txt [task-log.102]:114: TASK ERROR: legacy IGD assignment requires VGA mode to be 'none'",
    );
    expect(get('vga-not-none').fix.en).toBe('qm set 102 --vga none');
    expect(get('machine-q35').evidence).toContain(
      'report.txt [qm-config.102]:99: machine: pc-q35-8.1',
    );
    // Kernel 6.5 without intel_iommu=on, and no IOMMU groups.
    expect(get('iommu-off').evidence.join('\n')).toMatch(/groups: 0/);
    expect(get('iommu-off').evidence.join('\n')).toMatch(/running kernel: 6\.5/);
    expect(get('host-driver-bound').evidence.join('\n')).toMatch(/Kernel driver in use: i915/);
    expect(get('host-driver-bound').fix.en).toContain('options vfio-pci ids=8086:5912');
    // x-igd-lpc does not exist before QEMU 10.0.
    expect(get('stale-args').cause.en).toContain('x-igd-lpc');
    expect(get('stale-args').cause.en).toContain('QEMU 8.1');
    expect(get('gms-dvmt').severity).toBe('warning');
  });

  it('PVE 9.1 / systemd-boot / Alder Lake: every problem of the host is found', () => {
    const d = diagnose([{ name: 'report.txt', text: fixture('pve9-sdboot-adl-broken.txt') }]);
    expect(ids(d)).toEqual([
      'audio-function',
      'disable-vga',
      'dma-fault',
      'framebuffer-held',
      'host-driver-bound',
      'host-phys-bits',
      'igd-not-primary',
      'lpc-needed',
      'ovmf-replaced',
      'romfile-missing',
      'wrong-rom',
    ]);
    const get = (id: string) => d.findings.find((f) => f.id === id)!;
    // IOMMU width 39 from the DMAR cap register goes into the fix.
    expect(get('host-phys-bits').fix.en).toContain('qm set 103 --cpu host,phys-bits=39');
    expect(get('lpc-needed').fix.en).toContain('-set device.hostpci0.x-igd-lpc=on');
    expect(get('wrong-rom').cause.en).toContain('Skylake…Comet Lake');
    expect(get('ovmf-replaced').evidence).toHaveLength(2);
    expect(get('igd-not-primary').evidence.join('\n')).toContain('50.w=01c2');
    // The fix keeps the device already bound and adds the one still held by snd_hda_intel.
    expect(get('host-driver-bound').fix.en).toContain('ids=8086:4680,8086:7ad0');
    // Only the slot's display and audio functions: not the host's SMBus (7aa3) or SPI controller.
    expect(get('host-driver-bound').fix.en).toContain('"options vfio-pci ids=8086:4680,8086:7ad0"');
    // Sources cited by several rules of one finding are listed once.
    for (const f of d.findings) {
      const parts = f.source.split('; ');
      expect(new Set(parts).size, f.id).toBe(parts.length);
    }
    expect(get('romfile-missing').source.match(/pci_add_option_rom/g)).toHaveLength(1);
    expect(get('host-driver-bound').fix.en).toContain('softdep snd_hda_intel pre: vfio-pci');
    expect(d.findings.map((f) => f.severity)).toEqual(
      [...d.findings.map((f) => f.severity)].sort(
        (a, b) => ['error', 'warning', 'info'].indexOf(a) - ['error', 'warning', 'info'].indexOf(b),
      ),
    );
  });
});

describe('OVMF images', () => {
  const report = (live: string) =>
    [
      '# ovmf-gop probe report v1',
      '===== ovmf =====',
      'Local diversion of /usr/share/pve-edk2-firmware/OVMF_CODE_4M.fd to /usr/share/pve-edk2-firmware/OVMF_CODE_4M.fd.distrib',
      `${live}  /usr/share/pve-edk2-firmware/OVMF_CODE_4M.fd`,
      `${'d1'.repeat(32)}  /usr/share/pve-edk2-firmware/OVMF_CODE_4M.fd.distrib`,
    ].join('\n');

  it('a live image equal to the diverted stock one is reported as replaced', () => {
    const d = diagnose([{ name: 'r', text: report('d1'.repeat(32)) }]);
    expect(ids(d)).toEqual(['ovmf-replaced']);
    expect(d.findings[0].cause.en).toContain(
      '/usr/share/pve-edk2-firmware/OVMF_CODE_4M.fd.distrib',
    );
    expect(d.findings[0].fix.en).toContain(
      'dpkg-divert --local --rename --divert /usr/share/pve-edk2-firmware/OVMF_CODE_4M.fd.distrib --add /usr/share/pve-edk2-firmware/OVMF_CODE_4M.fd',
    );
  });

  it('a patched live image (other hash) is fine', () => {
    expect(diagnose([{ name: 'r', text: report('e2'.repeat(32)) }]).findings).toEqual([]);
  });
});

describe('pasted pieces', () => {
  const CONF_Q35 = [
    'bios: ovmf',
    'hostpci0: 0000:00:02.0,legacy-igd=1,romfile=igd.rom',
    'machine: pc-q35-9.2',
    'vga: none',
    'memory: 8192',
  ].join('\n');

  it('a VM config alone: config errors, and version checks are skipped, not guessed', () => {
    const d = diagnose([{ name: '100.conf', text: CONF_Q35 }]);
    expect(d.parts[0].kind).toBe('vm-config');
    expect(ids(d)).toEqual(['machine-q35', 'versions-unknown']);
    const skipped = d.findings.find((f) => f.id === 'versions-unknown')!;
    expect(skipped.severity).toBe('info');
    expect(skipped.cause.en).toMatch(/gms-dvmt/);
  });

  it('with pveversion -v beside it, the version checks run', () => {
    const pv =
      'proxmox-ve: 8.3.0 (running kernel: 6.8.12-4-pve)\npve-manager: 8.3.0 (running version: 8.3.0/c1689ccb1065a83b)\npve-qemu-kvm: 9.0.2-4\n';
    const d = diagnose([
      { name: '100.conf', text: CONF_Q35 },
      { name: 'pveversion.txt', text: pv },
    ]);
    expect(d.parts.map((p) => p.kind)).toEqual(['vm-config', 'pveversion']);
    expect(ids(d)).toEqual(['gms-dvmt', 'machine-q35', 'opregion']);
  });

  it('QEMU 10.1 + an N100 with x-igd-legacy-mode=on: stale-args, and lpc-needed', () => {
    const conf = [
      'args: -set device.hostpci0.x-igd-legacy-mode=on',
      'bios: ovmf',
      'hostpci0: 0000:00:02.0,legacy-igd=1,romfile=igd.rom',
      'machine: pc-i440fx-10.1',
      'vga: none',
    ].join('\n');
    const lspci =
      '00:02.0 VGA compatible controller [0300]: Intel Corporation Alder Lake-N [UHD Graphics] [8086:46d1]';
    const kvm = 'QEMU emulator version 10.1.2 (pve-qemu-kvm_10.1.2-4)';
    const d = diagnose([
      { name: '100.conf', text: conf },
      { name: 'lspci', text: lspci },
      { name: 'kvm', text: kvm },
    ]);
    expect(ids(d)).toEqual(['lpc-needed', 'stale-args', 'versions-unknown']);
    // Only the kernel is unknown here, so only the kernel-dependent check was skipped.
    expect(d.findings.find((f) => f.id === 'versions-unknown')!.cause.en).toMatch(/: iommu-off\.$/);
    expect(d.findings.find((f) => f.id === 'stale-args')!.cause.en).toContain(
      'QEMU 10.1 has no legacy mode for this ADL-N',
    );
  });

  it('the kernel version comes from uname -r when pveversion is missing', () => {
    const report = `# ovmf-gop probe report v1\n===== uname =====\n6.5.13-5-pve\n===== proc-cmdline =====\nBOOT_IMAGE=/boot/vmlinuz-6.5.13-5-pve root=/dev/mapper/pve-root ro quiet\n===== lspci-nnk =====\n00:02.0 VGA compatible controller [0300]: Intel Corporation HD Graphics 630 [8086:5912] (rev 04)\n\tKernel driver in use: vfio-pci\n`;
    const d = diagnose([{ name: 'r', text: report }]);
    expect(d.findings.find((f) => f.id === 'iommu-off')!.evidence[0]).toBe(
      'r [uname]:3: 6.5.13-5-pve',
    );
  });

  it('qm showcmd of a whole 00:1f slot: audio-function', () => {
    const showcmd = [
      '/usr/bin/kvm \\',
      '  -id 103 \\',
      "  -device 'vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2,romfile=/usr/share/kvm/igd.rom' \\",
      "  -device 'vfio-pci,host=0000:00:1f.0,id=hostpci1.0,bus=pci.0,addr=0x10.0,multifunction=on' \\",
      "  -device 'vfio-pci,host=0000:00:1f.3,id=hostpci1.3,bus=pci.0,addr=0x10.3' \\",
      "  -machine 'type=pc-i440fx-10.1+pve0'",
    ].join('\n');
    const d = diagnose([{ name: 'showcmd', text: showcmd }]);
    expect(d.parts[0].kind).toBe('qm-showcmd');
    expect(ids(d)).toEqual(['audio-function', 'versions-unknown']);
    expect(d.findings[0].fix.en).toContain('qm set 103 --hostpciN 0000:00:1f.3');
  });

  it('a plain QEMU command line on q35 with the IGD', () => {
    const cmd =
      'qemu-system-x86_64 -machine q35,accel=kvm -m 8G -vga none -device vfio-pci,host=00:02.0,id=hostdev0,addr=2.0,romfile=/root/igd.rom';
    const d = diagnose([{ name: 'cmd', text: cmd }]);
    expect(d.parts[0].kind).toBe('qemu-cmdline');
    expect(ids(d)).toContain('machine-q35');
  });

  it('a journal line quoting -device vfio-pci is a QEMU error, not a command line', () => {
    const line =
      '2026-11-22T15:01:49+0100 pve QEMU[14021]: kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2: IGD device 0000:00:02.0 has no ROM, legacy mode disabled';
    const d = diagnose([{ name: 'journal', text: line }]);
    expect(d.parts[0].kind).not.toBe('qemu-cmdline');
    expect(ids(d)).toEqual(['rom-missing']);
    expect(recogniseKind("  -machine pc\n  -device 'vfio-pci,host=0000:00:02.0,addr=0x2'")).toBe(
      'qemu-cmdline',
    );
  });

  it('a libvirt domain XML without a ROM on i440fx', () => {
    const xml = `<domain type='kvm'>
  <os><type arch='x86_64' machine='pc-i440fx-9.2'>hvm</type></os>
  <devices>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source><address domain='0x0000' bus='0x00' slot='0x02' function='0x0'/></source>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </hostdev>
    <video><model type='none'/></video>
  </devices>
</domain>`;
    const d = diagnose([{ name: 'vm.xml', text: xml }]);
    expect(d.parts[0].kind).toBe('libvirt-xml');
    expect(ids(d)).toEqual(['rom-missing', 'versions-unknown']);
  });

  it('lspci -xxx of the iGPU: GGC with IVD set and ASLS = 0', () => {
    const xxx = [
      '00:02.0 VGA compatible controller: Intel Corporation HD Graphics 630 (rev 04)',
      '00: 86 80 12 59 07 04 10 00 04 00 00 03 00 00 00 00',
      '50: c2 02 00 00 00 00 00 00 00 00 00 00 01 00 00 7b',
      'f0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
    ].join('\n');
    const d = diagnose([{ name: 'xxx', text: xxx }]);
    expect(d.parts[0].kind).toBe('lspci-xxx');
    expect(ids(d)).toEqual(['igd-not-primary', 'opregion']);
  });

  it('lspci -nnk with i915 on the iGPU and no VM known', () => {
    const text =
      '00:02.0 VGA compatible controller [0300]: Intel Corporation CoffeeLake-S GT2 [UHD Graphics 630] [8086:3e92]\n\tKernel driver in use: i915\n\tKernel modules: i915';
    expect(ids(diagnose([{ name: 'lspci', text }]))).toEqual([
      'host-driver-bound',
      'versions-unknown',
    ]);
  });

  it('the vfio-pci binding fix keeps the ids a modprobe file already lists', () => {
    const lspci =
      '00:02.0 VGA compatible controller [0300]: Intel Corporation CoffeeLake-S GT2 [UHD Graphics 630] [8086:3e92]\n\tKernel driver in use: i915\n\tKernel modules: i915';
    const modprobe = 'options vfio-pci ids=10DE:1C82,10de:0fb9\nsoftdep nouveau pre: vfio-pci';
    const d = diagnose([
      { name: 'lspci', text: lspci },
      { name: 'vfio.conf', text: modprobe },
    ]);
    const fix = d.findings.find((f) => f.id === 'host-driver-bound')!.fix.en;
    expect(fix).toContain('echo "options vfio-pci ids=10de:1c82,10de:0fb9,8086:3e92" >');
  });

  it('recognises each kind from content alone', () => {
    expect(
      recogniseKind('BOOT_IMAGE=/boot/vmlinuz-6.8.12-4-pve root=/dev/mapper/pve-root ro quiet'),
    ).toBe('proc-cmdline');
    expect(recogniseKind('GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=on"')).toBe(
      'default-grub',
    );
    expect(recogniseKind('root=ZFS=rpool/ROOT/pve-1 boot=zfs intel_iommu=on')).toBe(
      'kernel-cmdline',
    );
    expect(recogniseKind('QEMU emulator version 9.2.0 (pve-qemu-kvm_9.2.0-5)')).toBe('kvm-version');
    expect(recogniseKind('options vfio-pci ids=8086:3e92\nsoftdep i915 pre: vfio-pci')).toBe(
      'modprobe',
    );
    expect(
      recogniseKind('[    0.381190] DMAR: Intel(R) Virtualization Technology for Directed I/O'),
    ).toBe('kernel-log');
    expect(
      recogniseKind(
        'Nov 20 10:10:09 pve kernel: DMAR: Intel(R) Virtualization Technology for Directed I/O',
      ),
    ).toBe('kernel-log');
    expect(
      recogniseKind(
        'System currently booted with uefi\n7A1C-2B3D is configured with: uefi (versions: 6.8.12-9-pve)',
      ),
    ).toBe('boot-tool');
    expect(recogniseKind('TASK ERROR: start failed: QEMU exited with code 1')).toBe('task-log');
    // Messages pasted without their prefix or timestamp, as forum posts quote them.
    expect(recogniseKind('IGD device 0000:00:02.0 has no ROM, legacy mode disabled')).toBe(
      'qemu-error',
    );
    expect(
      recogniseKind(
        "vfio-pci 0000:00:02.0: BAR 2: can't reserve [mem 0x4000000000-0x400fffffff 64bit pref]",
      ),
    ).toBe('kernel-log');
    expect(recogniseKind('hello world')).toBe('unknown');
  });

  it('text with no problems and no setup gives nothing', () => {
    expect(diagnose([{ name: 'x', text: 'hello world' }]).findings).toEqual([]);
  });
});

describe('step 3 inputs from a report', () => {
  it('PVE 9.1, GRUB, the N100 line, VM 100, ROM mode', () => {
    const s = hostSettings(splitInput('r', fixture('pve9-grub-adln-healthy.txt')));
    expect(s).toEqual({
      pveversion: expect.stringContaining('pve-qemu-kvm: 10.1.2-4'),
      pve: '9.1',
      boot: 'grub',
      lspci:
        '00:02.0 VGA compatible controller [0300]: Intel Corporation Alder Lake-N [UHD Graphics] [8086:46d1]',
      vmid: 100,
      romName: 'igd-46d1.rom',
      mode: 'rom',
    });
  });

  it('PVE 8.4 (a release the generator knows) and systemd-boot', () => {
    const s = hostSettings(splitInput('r', fixture('pve8-sdboot-cfl-healthy.txt')));
    expect([s.pve, s.boot, s.vmid, s.romName]).toEqual(['8.4', 'systemd-boot', 101, 'igd-cfl.rom']);
    expect(s.lspci).toContain('[8086:3e92]');
  });

  it('nothing is invented from a text that does not say it', () => {
    expect(hostSettings(splitInput('x', 'TASK OK'))).toEqual({});
  });
});
