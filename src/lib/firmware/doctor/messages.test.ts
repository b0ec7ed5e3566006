import { describe, expect, it } from 'vitest';
import { diagnose } from './engine';
import { isHarmless, isPattern, RULES } from './rules';

/**
 * One real message per pattern: the format string from the source each rule cites, printed the
 * way the tool prints it (QEMU's "kvm: -device …:" prefix, kernel timestamps, PVE task lines).
 */
const SAMPLES: readonly [id: string, text: string][] = [
  [
    'machine-q35',
    'kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pcie.0,addr=0x2: IGD device 0000:00:02.0 cannot support legacy mode due to existing devices at address 1f.0',
  ],
  [
    'machine-q35',
    'kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pcie.0,addr=0x2,x-igd-lpc=on: vfio 0000:00:02.0: Cannot create LPC bridge due to existing device at 1f.0',
  ],
  ['machine-q35', 'TASK ERROR: legacy IGD assignment is not compatible with q35'],
  [
    'qemu-too-old',
    'kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2,romfile=/usr/share/kvm/igd.rom: IGD device 0000:00:02.0 is unsupported in legacy mode, try SandyBridge or newer',
  ],
  [
    'qemu-too-old',
    "kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2,x-igd-legacy-mode=on: vfio 0000:00:02.0: Machine is not i440fx, assigned BDF is not 00:02.0, or device 7d55 (gen -1) doesn't support legacy mode",
  ],
  [
    'rom-missing',
    'kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2: IGD device 0000:00:02.0 has no ROM, legacy mode disabled',
  ],
  [
    'rom-missing',
    'kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2: vfio 0000:00:02.0: Device has no ROM',
  ],
  ['rom-missing', 'TASK ERROR: legacy IGD assignment requires rombar to be enabled'],
  [
    'romfile-missing',
    'kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2,romfile=/usr/share/kvm/igd.rom: failed to find romfile "/usr/share/kvm/igd.rom"',
  ],
  [
    'romfile-missing',
    'kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2,romfile=/usr/share/kvm/igd.rom: romfile "/usr/share/kvm/igd.rom" is empty',
  ],
  ['vga-not-none', "TASK ERROR: legacy IGD assignment requires VGA mode to be 'none'"],
  ['igd-address', 'TASK ERROR: legacy IGD assignment only works for devices on host bus 00:02.0'],
  ['igd-address', 'TASK ERROR: legacy IGD assignment is not compatible with multifunction devices'],
  ['igd-address', 'TASK ERROR: legacy IGD assignment is not compatible with alternate devices'],
  ['igd-address', 'TASK ERROR: only one device can be assigned in legacy-igd mode'],
  [
    'igd-address',
    'kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x3,x-igd-legacy-mode=on: vfio 0000:00:02.0: Machine is not i440fx or assigned BDF is not 00:02.0',
  ],
  [
    'igd-address',
    "kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x3,x-igd-legacy-mode=on: vfio 0000:00:02.0: Machine is not i440fx, assigned BDF is not 00:02.0, or device 3e92 (gen 9) doesn't support legacy mode",
  ],
  [
    'lpc-needed',
    "kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2,x-igd-legacy-mode=on: vfio 0000:00:02.0: Machine is not i440fx, assigned BDF is not 00:02.0, or device 46d1 (gen 12) doesn't support legacy mode",
  ],
  [
    'pcie-forces-q35',
    'TASK ERROR: q35 machine model is not enabled at /usr/share/perl5/PVE/QemuServer/PCI.pm line 486.',
  ],
  ['iommu-off', 'TASK ERROR: cannot prepare PCI pass-through, IOMMU not present'],
  [
    'iommu-off',
    'kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2: vfio 0000:00:02.0: no iommu_group found: No such file or directory',
  ],
  [
    'host-driver-bound',
    'kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2: vfio 0000:00:02.0: error getting device from group 1: Device or resource busy\nVerify all devices in group 1 are bound to vfio-<bus> or pci-stub and not already in use',
  ],
  ['host-driver-bound', "TASK ERROR: can't unbind/bind PCI group to VFIO '0000:00:02.0'"],
  [
    'framebuffer-held',
    "[  301.110001] vfio-pci 0000:00:02.0: BAR 2: can't reserve [mem 0x4000000000-0x400fffffff 64bit pref]",
  ],
  [
    'framebuffer-held',
    'kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2: Failed to mmap 0000:00:02.0 BAR 2. Performance may be slow',
  ],
  [
    'bdsm',
    'qemu: hardware error: vfio-igd: Guest attempted to program IGD GTT before BIOS reserved stolen memory.  Unsupported BIOS?',
  ],
  ['bdsm', 'SetupStolenMemory: 0000:00:02.0: failed to allocate stolen memory: Out of Resources'],
  ['bdsm', 'SetupStolenMemory: 0000:00:02.0: failed to write stolen memory address: Unsupported'],
  ['bdsm', 'IgdAssignment: cannot reserve 4200000 bytes of stolen memory'],
  [
    'gms-dvmt',
    'kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2: Unsupported IGD GMS value 0x11',
  ],
  ['gms-dvmt', 'kvm: x-igd-gms is not supported on this device'],
  [
    'gms-dvmt',
    "kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2: Parameter 'x-igd-gms' expects 0~0x40",
  ],
  [
    'host-phys-bits',
    'kvm: warning: vfio_container_dma_map(0x55fab36ce610, 0x380010000000, 0x108000, 0x7fd336000000) = -22 (Invalid argument)',
  ],
  ['host-phys-bits', 'kvm: VFIO_MAP_DMA failed: Invalid argument'],
  [
    'opregion',
    'kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2: IGD device 0000:00:02.0 does not support OpRegion access,legacy mode disabled',
  ],
  [
    'opregion',
    'kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2: vfio 0000:00:02.0: failed to read IGD OpRegion',
  ],
  [
    'opregion',
    'kvm: warning: IGD device detected, but OpRegion is not supported on hotplugged device.',
  ],
  ['opregion', 'SetupOpRegion: 0000:00:02.0: failed to allocate OpRegion: Out of Resources'],
  ['opregion', 'SetupOpRegion: 0000:00:02.0: failed to write OpRegion address: Device Error'],
  ['opregion', 'IgdAssignment: fw_cfg etc/igd-opregion absent, ASLS left alone'],
  [
    'igd-kernel-regions',
    'kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2: IGD device 0000:00:02.0 does not support host bridge access,legacy mode disabled',
  ],
  [
    'igd-kernel-regions',
    'kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2: vfio 0000:00:02.0: IGD LPC bridge access is not supported by kernel',
  ],
  ['wrong-rom', 'IgdAssignment: device 8086:7d55 is not in our iGPU table, BDSM left alone'],
  ['wrong-rom', 'PciIoNotify: GetIgdPrivateData: Unsupported'],
  [
    'stale-args',
    "kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2: can't apply global vfio-pci.x-igd-lpc=on: Property 'vfio-pci.x-igd-lpc' not found",
  ],
  ['stale-args', 'TASK ERROR: legacy IGD assignment is not compatible with x-vga'],
  ['reset-failed', 'kvm: vfio: Cannot reset device 0000:01:00.1, no available reset mechanism.'],
  [
    'reset-failed',
    'kvm: vfio: Cannot reset device 0000:00:02.0, depends on group 13 which is not owned.',
  ],
  [
    'reset-failed',
    "failed to reset PCI device '0000:00:02.0', but trying to continue as not all devices need a reset",
  ],
  ['disable-vga', 'options vfio-pci ids=8086:3e92 disable_vga=1'],
  ['guest-code43', 'Windows has stopped this device because it has reported problems. (Code 43)'],
  ['guest-code43', 'Windows 已停止此设备，因为它报告了问题。 (代码 43)'],
  ['start-failed', 'TASK ERROR: start failed: QEMU exited with code 1'],
  [
    'host-driver-bound',
    'kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2,romfile=/usr/share/kvm/igd.rom: vfio 0000:00:02.0: group 1 is not viable\nPlease ensure all devices within the iommu_group are bound to their vfio bus driver.',
  ],
  [
    'host-driver-bound',
    'kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2: vfio 0000:00:02.0: failed to open /dev/vfio/1: No such file or directory',
  ],
  [
    'start-failed',
    "TASK ERROR: start failed: command '/usr/bin/kvm -id 100 -name 'win,debug-threads=on' -no-shutdown' failed: exit code 1",
  ],
];

const DMAR = (i: number) =>
  `[  812.44${i}] DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x8b80${i}000 [fault reason 0x06] PTE Read access is not set`;

describe('pattern rules', () => {
  it.each(SAMPLES)('%s fires on: %s', (id, text) => {
    const d = diagnose([{ name: 'pasted', text }]);
    const f = d.findings.find((x) => x.id === id);
    expect(f, JSON.stringify(d.findings.map((x) => x.id))).toBeDefined();
    // The evidence quotes the input line that carries the message.
    expect(f!.evidence.some((e) => text.split('\n').some((l) => e.endsWith(l.trim())))).toBe(true);
    expect(f!.cause.en.length).toBeGreaterThan(20);
    expect(f!.cause['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
    expect(f!.fix['zh-CN']).not.toBe('');
    expect(f!.source).toMatch(/\S/);
  });

  it('every pattern in the table is exercised by a real message', () => {
    const all = SAMPLES.map(([, t]) => t);
    for (const rule of RULES) {
      if (!isPattern(rule) && !isHarmless(rule)) continue;
      for (const re of rule.patterns) {
        if (rule.id === 'dma-fault') continue; // below
        if (isHarmless(rule)) continue; // notes have their own tests
        expect(
          all.some((t) => t.split('\n').some((l) => re.test(l))),
          `${rule.id} ${re}`,
        ).toBe(true);
      }
    }
  });

  it('fills the romfile path from the message into the fix', () => {
    const d = diagnose([
      { name: 'log', text: SAMPLES.find(([id]) => id === 'romfile-missing')![1] },
    ]);
    expect(d.findings[0].fix.en).toContain('cp <your ROM> /usr/share/kvm/igd.rom');
  });
});

describe('harmless messages', () => {
  it('the audio function reset message is a note, not a cause', () => {
    const text = [
      'kvm: vfio: Cannot reset device 0000:00:1f.3, no available reset mechanism.',
      'kvm: vfio: Cannot reset device 0000:00:1f.3, no available reset mechanism.',
      'TASK OK',
    ].join('\n');
    const d = diagnose([{ name: 'task', text }]);
    expect(d.findings).toEqual([]);
    expect(d.notes.map((n) => n.id)).toEqual(['audio-reset-harmless']);
    expect(d.notes[0].evidence).toHaveLength(2);
  });

  it('QEMU 10 legacy-mode info lines are notes', () => {
    const text =
      'kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2,romfile=/usr/share/kvm/igd.rom: info: OpRegion detected on Intel display 3e92.\n' +
      'kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2,romfile=/usr/share/kvm/igd.rom: info: IGD legacy mode enabled, use x-igd-legacy-mode=off to disable it if unwanted.';
    const d = diagnose([{ name: 'task', text }]);
    expect(d.findings).toEqual([]);
    expect(d.notes.map((n) => n.id)).toEqual(['legacy-mode-on']);
  });

  it('a working ROM log is a note', () => {
    const text =
      'SetupOpRegion: 0000:00:02.0: OpRegion @ 0x7E9F6000 size 0x2000 version 2.1.0\n' +
      'SetupStolenMemory: 0000:00:02.0: stolen memory @ 0x7B800000, size 64 MB';
    const d = diagnose([{ name: 'debugcon.log', text }]);
    expect(d.parts[0].kind).toBe('rom-log');
    expect(d.findings).toEqual([]);
    expect(d.notes.map((n) => n.id)).toEqual(['igd-rom-ok']);
  });

  it('a few DMAR faults are expected; an ongoing stream is a finding', () => {
    const few = diagnose([{ name: 'dmesg', text: [0, 1, 2].map(DMAR).join('\n') }]);
    expect(few.findings).toEqual([]);
    expect(few.notes.map((n) => n.id)).toEqual(['dma-fault']);
    const many = diagnose([
      { name: 'dmesg', text: Array.from({ length: 12 }, (_, i) => DMAR(i)).join('\n') },
    ]);
    expect(many.findings.map((f) => f.id)).toEqual(['dma-fault']);
    // Long runs are quoted by their first lines and a count.
    expect(many.findings[0].evidence).toHaveLength(6);
    expect(many.findings[0].evidence[5]).toBe('… 7 more line(s)');
  });

  it('a reset message for another device is a warning', () => {
    const d = diagnose([
      {
        name: 'task',
        text: 'kvm: vfio: Cannot reset device 0000:00:1f.3, no available reset mechanism.\nkvm: vfio: Cannot reset device 0000:00:02.0, no available reset mechanism.',
      },
    ]);
    expect(d.findings.map((f) => [f.id, f.evidence.length])).toEqual([['reset-failed', 1]]);
  });
});

describe('messages that say only that something failed', () => {
  const FAILED = 'TASK ERROR: start failed: QEMU exited with code 1';

  it('alone, "start failed" asks for the lines that say why', () => {
    const d = diagnose([{ name: 'task', text: `${FAILED}\n` }]);
    expect(d.findings.map((f) => f.id)).toEqual(['start-failed']);
    expect(d.findings[0].severity).toBe('error');
    expect(d.findings[0].fix.en).toContain('qm start <vmid>');
    expect(d.parts[0].lines).toBe(1);
  });

  it('with the reason beside it, the reason is the finding', () => {
    const text = `${SAMPLES.find(([id]) => id === 'rom-missing')![1]}\n${FAILED}`;
    const d = diagnose([{ name: 'task', text }]);
    expect(d.findings.map((f) => f.id)).toEqual(['rom-missing']);
  });

  it('the same messages without their prefix or timestamp are found', () => {
    const bar =
      "vfio-pci 0000:00:02.0: BAR 2: can't reserve [mem 0x4000000000-0x400fffffff 64bit pref]";
    const rom = 'IGD device 0000:00:02.0 has no ROM, legacy mode disabled';
    expect(diagnose([{ name: 'a', text: bar }]).findings.map((f) => f.id)).toEqual([
      'framebuffer-held',
    ]);
    expect(diagnose([{ name: 'b', text: rom }]).findings.map((f) => f.id)).toEqual(['rom-missing']);
  });

  it('without the IOMMU width, the fix says how to read it on the host', () => {
    const d = diagnose([
      {
        name: 'q',
        text: 'kvm: -device vfio-pci,host=0000:00:02.0,id=hostpci0,bus=pci.0,addr=0x2: VFIO_MAP_DMA failed: Invalid argument',
      },
    ]);
    const fix = d.findings.find((f) => f.id === 'host-phys-bits')!.fix.en;
    expect(fix).toContain('qm set <vmid> --cpu host,phys-bits=N');
    expect(fix).toContain(
      'echo $(( ((0x$(cat /sys/class/iommu/dmar0/intel-iommu/cap) >> 16) & 0x3f) + 1 ))',
    );
  });
});
