import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath, haveFixtures, readFixture } from '../../../../tests/helpers/fixtures';
import { gopInfo } from '../gop/gop-info';
import { parseVbt } from '../gop/vbt';
import { lookupIgpu } from '../igpu/devices';
import { parseAmdLspci } from './amd';
import { checkVmConfig, crossCheckFirmware, RULES, type CheckContext } from './check';

const CFL = lookupIgpu(0x3e92)!;
const ADL = lookupIgpu(0x46a6)!;
const MTL = lookupIgpu(0x7d55)!;
const q = (s: string) => ({ major: Number(s.split('.')[0]), minor: Number(s.split('.')[1]) });

const BASE: Record<string, string> = {
  bios: 'ovmf',
  machine: 'pc',
  vga: 'none',
  hostpci0: '0000:00:02.0,legacy-igd=1,romfile=igd.rom',
  args: '-set device.hostpci0.x-igd-gms=0x2 -set device.hostpci0.x-igd-opregion=on',
  cpu: 'host',
  memory: '4096',
};

/** A conf from BASE with keys replaced (null removes), plus extra raw text at the end. */
function conf(over: Record<string, string | null> = {}, extra = ''): string {
  const m = { ...BASE, ...over };
  return (
    Object.entries(m)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n') + (extra ? `\n${extra}` : '')
  );
}

interface Case {
  rule: string;
  bad: [string, CheckContext?];
  good: [string, CheckContext?];
}

const OLD: CheckContext = { qemu: q('8.0'), igpu: CFL };
/** Rules of crossCheckFirmware (GOP/VBT against the iGPU), tested below. */
const FIRMWARE_RULES = ['vbt-mismatch', 'gop-mismatch', 'gop-device-missing'];

const CASES: Case[] = [
  { rule: 'no-igd', bad: [conf({ hostpci0: null })], good: [conf()] },
  {
    rule: 'legacy-igd-q35',
    bad: [conf({ machine: 'pc-q35-8.1' })],
    good: [conf({ machine: 'pc-i440fx-8.1' })],
  },
  {
    rule: 'igd-not-00-02',
    bad: [conf({ hostpci0: '0000:00:03.0,legacy-igd=1,romfile=igd.rom' })],
    good: [conf({ hostpci0: '00:02,legacy-igd=1,romfile=igd.rom' })],
  },
  { rule: 'vga-not-none', bad: [conf({ vga: 'std' })], good: [conf()] },
  {
    rule: 'rombar-0',
    bad: [conf({ hostpci0: BASE.hostpci0 + ',rombar=0' })],
    good: [conf({ hostpci0: BASE.hostpci0 + ',rombar=1' })],
  },
  { rule: 'x-vga', bad: [conf({ hostpci0: BASE.hostpci0 + ',x-vga=1' })], good: [conf()] },
  {
    rule: 'disable-vga',
    bad: [conf({}, '[/etc/modprobe.d/vfio.conf]\noptions vfio-pci ids=8086:3e92 disable_vga=1')],
    good: [
      conf(
        {},
        '[/etc/modprobe.d/vfio.conf]\noptions vfio-pci ids=8086:3e92\n# disable_vga=1 breaks legacy IGD',
      ),
    ],
  },
  { rule: 'no-romfile', bad: [conf({ hostpci0: '0000:00:02.0,legacy-igd=1' })], good: [conf()] },
  {
    rule: 'romfile-path',
    bad: [conf({ hostpci0: '0000:00:02.0,legacy-igd=1,romfile=/usr/share/kvm/igd.rom' })],
    good: [conf()],
  },
  { rule: 'bios-not-ovmf', bad: [conf({ bios: null })], good: [conf()] },
  {
    rule: 'no-legacy-igd',
    bad: [conf({ hostpci0: '0000:00:02.0,romfile=igd.rom' })],
    good: [conf()],
  },
  { rule: 'pcie-on-i440fx', bad: [conf({ hostpci0: BASE.hostpci0 + ',pcie=1' })], good: [conf()] },
  {
    rule: 'guest-addr-not-02',
    bad: [conf({ args: BASE.args + ' -set device.hostpci0.addr=03.0' })],
    good: [conf({ args: BASE.args + ' -set device.hostpci0.addr=02.0' })],
  },
  {
    rule: 'args-wrong-device',
    bad: [
      conf({ args: '-set device.hostpci1.x-igd-gms=0x2 -set device.hostpci0.x-igd-opregion=on' }),
    ],
    good: [conf()],
  },
  {
    rule: 'qemu-too-old',
    bad: [conf({ args: null }), { qemu: q('10.0'), igpu: MTL }],
    good: [conf({ args: '-set device.hostpci0.x-igd-lpc=on' }), { qemu: q('10.1'), igpu: MTL }],
  },
  {
    rule: 'gms-missing',
    bad: [conf({ args: '-set device.hostpci0.x-igd-opregion=on' }), OLD],
    good: [
      conf({ args: '-set device.hostpci0.x-igd-opregion=on' }),
      { qemu: q('10.0'), igpu: CFL },
    ],
  },
  {
    rule: 'opregion-missing',
    bad: [
      conf({
        hostpci0: '0000:00:02.0,romfile=igd.rom',
        args: '-set device.hostpci0.x-igd-gms=0x2',
      }),
      { qemu: q('9.2'), igpu: CFL },
    ],
    good: [conf({ args: '-set device.hostpci0.x-igd-gms=0x2' }), { qemu: q('9.2'), igpu: CFL }],
  },
  {
    rule: 'lpc-missing',
    bad: [conf({ args: null }), { qemu: q('10.1'), igpu: ADL }],
    good: [conf({ args: '-set device.hostpci0.x-igd-lpc=on' }), { qemu: q('10.1'), igpu: ADL }],
  },
  {
    rule: 'legacy-mode-unsupported',
    bad: [
      conf({ args: '-set device.hostpci0.x-igd-lpc=on -set device.hostpci0.x-igd-legacy-mode=on' }),
      { qemu: q('10.1'), igpu: ADL },
    ],
    good: [
      conf({ args: '-set device.hostpci0.x-igd-legacy-mode=on' }),
      { qemu: q('10.1'), igpu: CFL },
    ],
  },
  {
    rule: 'efidisk-not-4m',
    bad: [conf({ efidisk0: 'local-lvm:vm-100-disk-0,size=128K' }), { ...OLD, mode: 'ovmf' }],
    good: [
      conf({ efidisk0: 'local-lvm:vm-100-disk-0,efitype=4m,size=4M' }),
      { ...OLD, mode: 'ovmf' },
    ],
  },
  {
    rule: 'ovmf-image-unused',
    bad: [
      conf({ efidisk0: 'local-lvm:vm-100-disk-0,efitype=4m' }),
      { ...OLD, mode: 'ovmf', ovmfImage: 'OVMF_CODE_4M.secboot.fd' },
    ],
    good: [
      conf({ efidisk0: 'local-lvm:vm-100-disk-0,efitype=4m' }),
      { ...OLD, mode: 'ovmf', ovmfImage: 'OVMF_CODE_4M.fd' },
    ],
  },
  { rule: 'memory-low', bad: [conf({ memory: '2048' })], good: [conf({ memory: '8192' })] },
  {
    rule: 'cpu-not-host',
    bad: [conf({ cpu: 'x86-64-v2-AES' })],
    good: [conf({ cpu: 'host,hidden=1' })],
  },
];

/** The Rembrandt iGPU of a mini PC (real lspci -nn lines) and the VM config render-amd.ts writes for it. */
const REMBRANDT = parseAmdLspci(
  [
    'c5:00.0 VGA compatible controller [0300]: Advanced Micro Devices, Inc. [AMD/ATI] Rembrandt [Radeon 680M] [1002:1681] (rev c8)',
    'c5:00.1 Audio device [0403]: Advanced Micro Devices, Inc. [AMD/ATI] Rembrandt Radeon High Definition Audio Controller [1002:1640]',
  ].join('\n'),
)!;
const AMD: CheckContext = { qemu: q('10.1'), amd: REMBRANDT };
const AMD_BASE: Record<string, string> = {
  bios: 'ovmf',
  machine: 'q35',
  vga: 'none',
  hostpci0: '0000:c5:00.0,pcie=1,romfile=vbios-1681.bin',
  hostpci1: '0000:c5:00.1,pcie=1,romfile=amd-gop-1681-audio.rom',
  cpu: 'host',
};
function amdConf(over: Record<string, string | null> = {}): string {
  return Object.entries({ ...AMD_BASE, ...over })
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
}

CASES.push(
  { rule: 'amd-no-gpu', bad: [amdConf({ hostpci0: null }), AMD], good: [amdConf(), AMD] },
  { rule: 'amd-no-audio', bad: [amdConf({ hostpci1: null }), AMD], good: [amdConf(), AMD] },
  {
    rule: 'amd-all-functions',
    bad: [amdConf({ hostpci0: '0000:c5:00,pcie=1,romfile=vbios-1681.bin', hostpci1: null }), AMD],
    good: [amdConf(), AMD],
  },
  {
    rule: 'amd-not-q35',
    bad: [amdConf({ machine: 'pc-i440fx-9.2' }), AMD],
    good: [amdConf({ machine: 'pc-q35-9.2+pve1' }), AMD],
  },
  {
    rule: 'amd-no-pcie',
    bad: [amdConf({ hostpci1: '0000:c5:00.1,romfile=amd-gop-1681-audio.rom' }), AMD],
    good: [amdConf({ hostpci1: '0000:c5:00.1,pcie=on,romfile=amd-gop-1681-audio.rom' }), AMD],
  },
  {
    rule: 'amd-no-vbios-rom',
    bad: [amdConf({ hostpci0: '0000:c5:00.0,pcie=1' }), AMD],
    good: [amdConf(), AMD],
  },
  {
    // No VBIOS in the user's BIOS: the missing GPU ROM is said to be the VBIOS, as a warning.
    rule: 'amd-vbios-missing',
    bad: [amdConf({ hostpci0: '0000:c5:00.0,pcie=1' }), { ...AMD, noVbios: true }],
    good: [amdConf(), { ...AMD, noVbios: true }],
  },
  {
    rule: 'amd-no-gop-rom',
    bad: [amdConf({ hostpci1: '0000:c5:00.1,pcie=1' }), AMD],
    // With the combined ROM on the GPU function the audio function needs none.
    good: [amdConf({ hostpci1: '0000:c5:00.1,pcie=1' }), { ...AMD, combinedRom: true }],
  },
  {
    rule: 'amd-intel-leftover',
    bad: [
      amdConf({
        hostpci0: '0000:c5:00.0,legacy-igd=1,pcie=1,romfile=vbios-1681.bin',
        args: '-set device.hostpci0.x-igd-opregion=on',
      }),
      AMD,
    ],
    good: [amdConf({ args: '-cpu host,hv_vendor_id=AuthenticAMD' }), AMD],
  },
  {
    rule: 'amd-vga-not-none',
    bad: [amdConf({ vga: 'std' }), AMD],
    good: [amdConf({ vga: 'type=none' }), AMD],
  },
  {
    rule: 'amd-rombar-0',
    bad: [amdConf({ hostpci0: AMD_BASE.hostpci0 + ',rombar=0' }), AMD],
    good: [amdConf({ hostpci0: AMD_BASE.hostpci0 + ',rombar=1' }), AMD],
  },
  {
    rule: 'amd-cpu-not-host',
    bad: [amdConf({ cpu: 'x86-64-v2-AES' }), AMD],
    good: [amdConf({ cpu: 'host,flags=+pdpe1gb' }), AMD],
  },
);

describe('checkVmConfig rules for an AMD iGPU VM', () => {
  it('the generated config is clean, and an Intel legacy-igd config is wrong in every AMD way', () => {
    expect(checkVmConfig(amdConf(), AMD)).toEqual([]);
    const ids = checkVmConfig(conf({ args: '-set device.hostpci0.x-igd-gms=0x2' }), AMD).map(
      (f) => f.id,
    );
    expect(ids).toEqual(['amd-no-gpu', 'amd-no-audio', 'amd-not-q35', 'amd-intel-leftover']);
  });
  it('no VBIOS in the BIOS: the GPU without a ROM is a warning naming the VBIOS, never the error', () => {
    const text = amdConf({ hostpci0: '0000:c5:00.0,pcie=1' });
    const f = checkVmConfig(text, { ...AMD, noVbios: true });
    expect(f.map((x) => [x.id, x.severity, x.line])).toEqual([['amd-vbios-missing', 'warning', 4]]);
    expect(f[0].message.en).toMatch(/VBIOS.*VFCT.*romfile= of hostpci0/);
    expect(checkVmConfig(text, AMD).map((x) => x.id)).toEqual(['amd-no-vbios-rom']);
  });
  it('finds the functions however the host is spelled, and points at the lines', () => {
    const text = amdConf({ hostpci0: 'host=c5:00.0,pcie=1', hostpci1: 'C5:00.1,pcie=1' });
    const f = checkVmConfig(text, AMD);
    expect(f.map((x) => x.id)).toEqual(['amd-no-vbios-rom', 'amd-no-gop-rom']);
    expect(text.split('\n')[f[0].line! - 1]).toBe('hostpci0: host=c5:00.0,pcie=1');
    expect(f[1].message['zh-CN']).toContain('音频');
  });
});

describe('checkVmConfig rules', () => {
  it('the base config is clean on old and new QEMU', () => {
    expect(checkVmConfig(conf(), OLD)).toEqual([]);
    expect(checkVmConfig(conf({ args: null }), { qemu: q('10.1'), igpu: CFL })).toEqual([]);
  });

  for (const c of CASES) {
    it(`${c.rule}: fires on a bad config, not on a fixed one`, () => {
      const bad = checkVmConfig(c.bad[0], c.bad[1] ?? OLD);
      const hit = bad.find((f) => f.id === c.rule);
      expect(hit, JSON.stringify(bad.map((f) => f.id))).toBeDefined();
      expect(hit!.severity).toBe(RULES[c.rule as keyof typeof RULES]);
      expect(hit!.message.en.length).toBeGreaterThan(0);
      expect(hit!.message['zh-CN'].length).toBeGreaterThan(0);
      expect(checkVmConfig(c.good[0], c.good[1] ?? OLD).map((f) => f.id)).not.toContain(c.rule);
    });
  }

  it('points at the offending line', () => {
    const text = conf({ machine: 'pc-q35-9.0' });
    const f = checkVmConfig(text, OLD).find((x) => x.id === 'legacy-igd-q35')!;
    expect(text.split('\n')[f.line! - 1]).toBe('machine: pc-q35-9.0');
  });

  it('ignores snapshot sections of a .conf', () => {
    const text = conf() + '\n\n[snap1]\nmachine: pc-q35-8.1\nvga: std\n';
    expect(checkVmConfig(text, OLD)).toEqual([]);
  });

  it('has a case for every rule that reads a VM config', () => {
    const covered = new Set(CASES.map((c) => c.rule));
    for (const id of Object.keys(RULES))
      if (!FIRMWARE_RULES.includes(id)) expect(covered.has(id), id).toBe(true);
  });
});

describe('crossCheckFirmware', () => {
  it('warns when the VBT platform does not match the iGPU', () => {
    expect(crossCheckFirmware(ADL, { vbtPlatform: 'SKYLAKE' }).map((f) => f.id)).toEqual([
      'vbt-mismatch',
    ]);
    expect(crossCheckFirmware(ADL, { vbtPlatform: 'ALDERLAKE-P' })).toEqual([]);
    // ADL/RPL boards often ship a VBT still named TIGERLAKE (coreboot asus_h610m-k, FSP RPL).
    expect(crossCheckFirmware(ADL, { vbtPlatform: 'TIGERLAKE' })).toEqual([]);
    expect(crossCheckFirmware(CFL, { vbtPlatform: 'KABYLAKE' })).toEqual([]);
    expect(crossCheckFirmware(lookupIgpu(0x0162)!, { vbtPlatform: 'SNB/IVB-DESKTOP' })).toEqual([]);
    // Panther Lake (B080) with Intel's PTL sample VBT, and with a VBT of another generation.
    const ptl = lookupIgpu(0xb080)!;
    expect(ptl.code).toBe('PTL');
    expect(crossCheckFirmware(ptl, { vbtPlatform: 'PANTHERLAKE' })).toEqual([]);
    expect(crossCheckFirmware(ptl, { vbtPlatform: 'METEORLAKE' }).map((f) => f.id)).toEqual([
      'vbt-mismatch',
    ]);
    const mtl = lookupIgpu(0x7d55)!;
    expect(crossCheckFirmware(mtl, { vbtPlatform: 'PANTHERLAKE' }).map((f) => f.id)).toEqual([
      'vbt-mismatch',
    ]);
  });
  it('warns when the GOP major version is not the one known for the platform', () => {
    expect(crossCheckFirmware(CFL, { gopVersion: '17.0.1071' }).map((f) => f.id)).toEqual([
      'gop-mismatch',
    ]);
    expect(crossCheckFirmware(CFL, { gopVersion: '9.0.1074' })).toEqual([]);
    expect(crossCheckFirmware(ADL, { gopVersion: '21.0.1061' })).toEqual([]);
  });
  it('compares the GOP major with the one GOP-line table (gop/generations.ts)', () => {
    // Braswell / Cherry Trail (CHV, 0x22B0): GOP line 8; Bay Trail's 7 is another line.
    const chv = lookupIgpu(0x22b0)!;
    expect(chv.code).toBe('CHV');
    expect(crossCheckFirmware(chv, { gopVersion: '8.0.1039' })).toEqual([]);
    const f = crossCheckFirmware(chv, { gopVersion: '7.0.1007' });
    expect(f.map((x) => x.id)).toEqual(['gop-mismatch']);
    expect(f[0].message.en).toContain('8');
    // Ice Lake's line 14 (LongQT-sea ICL_GOPv14), Arrow Lake's 22.
    expect(crossCheckFirmware(lookupIgpu(0x8a52)!, { gopVersion: '14.0.1032' })).toEqual([]);
    expect(crossCheckFirmware(lookupIgpu(0x7d67)!, { gopVersion: '22.0.1062' })).toEqual([]);
    // No GOP line is known for Lunar Lake and Panther Lake: their major is not checked.
    for (const id of [0x64a0, 0xb080])
      expect(crossCheckFirmware(lookupIgpu(id)!, { gopVersion: '23.0.1000' })).toEqual([]);
  });
  it("prefers the GOP's own device table to the version", () => {
    const found = { gopVersion: '17.0.1071', gopDeviceIds: [0x3e92], gopFamilies: ['Coffee Lake'] };
    expect(crossCheckFirmware(CFL, found)).toEqual([]);
    const f = crossCheckFirmware(ADL, found);
    expect(f.map((x) => x.id)).toEqual(['gop-device-missing']);
    expect(f[0].message.en).toContain('8086:46a6 (ADL)');
    expect(f[0].message.en).toContain('Coffee Lake');
  });

  // Each real GOP/VBT pair of the fixtures against an iGPU of its own generation and one of another.
  const PAIRS: [string, number, number][] = [
    ['snb', 0x0126, 0x46a6],
    ['hsw', 0x0416, 0x9a49],
    ['skl-kbl', 0x1912, 0x46a6],
    ['apl', 0x5a85, 0x3e92],
    ['glk', 0x3185, 0x46a6],
    ['tgl', 0x9a49, 0x3e92],
    ['adl', 0x46a6, 0x1912],
    ['mtl', 0x7d55, 0x46a6],
  ];
  const havePairs = haveFixtures && existsSync(fixturePath('gop-vbt/adl/vbt.bin'));
  it.skipIf(!havePairs).each(PAIRS)(
    'fixtures gop-vbt/%s: no finding for its own iGPU 0x%s, warnings for another',
    (dir, own, other) => {
      const gop = gopInfo(readFixture(`gop-vbt/${dir}/IntelGopDriver.efi`));
      const found = {
        gopVersion: gop.versionText,
        gopDeviceIds: gop.deviceIds,
        gopFamilies: gop.deviceFamilies,
        vbtPlatform: parseVbt(readFixture(`gop-vbt/${dir}/vbt.bin`)).platform,
      };
      expect(crossCheckFirmware(lookupIgpu(own)!, found)).toEqual([]);
      expect(crossCheckFirmware(lookupIgpu(other)!, found).map((f) => f.id)).toEqual([
        'vbt-mismatch',
        'gop-device-missing',
      ]);
    },
  );
});
