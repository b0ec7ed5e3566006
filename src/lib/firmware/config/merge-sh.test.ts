// The merge decisions twice: vm-merge.ts and its bash twins in merge-sh.ts (what install.sh runs),
// on the same cases. Each case also states the expected result, so both can be wrong only together
// with the expectation.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MERGE_SH, MERGE_SH_AMD, PLAN_SEP } from './merge-sh';
import {
  mergeArgs,
  mergeHostpci,
  mergeIds,
  planVm,
  type IgdProp,
  type MappingFacts,
  type VmConsent,
  type VmWant,
} from './vm-merge';
import { mergeAmdHostpci, planAmdVm, type AmdMappingFacts, type AmdVmWant } from './vm-merge-amd';

const haveBash = spawnSync('bash', ['--version'], { stdio: 'ignore' }).status === 0;
if (!haveBash) console.warn('[skip] merge-sh parity tests: bash not found');

const dir = mkdtempSync(join(tmpdir(), 'merge-sh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const lib = join(dir, 'lib.sh');
writeFileSync(lib, MERGE_SH.join('\n') + '\n');
const amdLib = join(dir, 'amd.sh');
writeFileSync(amdLib, MERGE_SH_AMD.join('\n') + '\n');

/** Runs one merge-sh function with these arguments; its stdout without the final newline. */
function sh(fn: string, args: string[], from = lib): string {
  const r = spawnSync('bash', ['-euc', `source "$0"; ${fn} "$@"`, from, ...args], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${fn}: exit ${r.status}: ${r.stderr}`);
  return r.stdout.replace(/\n$/, '');
}

const LPC: IgdProp[] = [{ name: 'x-igd-lpc', value: 'on' }];
const OLD: IgdProp[] = [
  { name: 'x-igd-gms', value: '0x6' },
  { name: 'x-igd-opregion', value: 'on' },
];
const propArgs = (props: readonly IgdProp[]) => props.map((p) => `${p.name}=${p.value}`);

const ARGS_CASES: [string, string, IgdProp[], string][] = [
  ['', 'hostpci0', LPC, '-set device.hostpci0.x-igd-lpc=on'],
  ['', 'hostpci0', [], ''],
  // Already there: the string comes back as it was, spacing included.
  ['-set  device.hostpci0.x-igd-lpc=on', 'hostpci0', LPC, '-set  device.hostpci0.x-igd-lpc=on'],
  [
    '-cpu host,+invtsc -set device.hostpci0.x-igd-gms=0x2 -smbios type=1,serial=X',
    'hostpci0',
    OLD,
    '-cpu host,+invtsc -set device.hostpci0.x-igd-gms=0x6 -smbios type=1,serial=X -set device.hostpci0.x-igd-opregion=on',
  ],
  // Another device's -set stays; ours goes to the iGPU's own index.
  [
    '-set device.hostpci1.x-igd-lpc=off',
    'hostpci2',
    LPC,
    '-set device.hostpci1.x-igd-lpc=off -set device.hostpci2.x-igd-lpc=on',
  ],
  // Every occurrence is set; a look-alike name is not ours.
  [
    '-set device.hostpci0.x-igd-lpc=off -set device.hostpci0.x-igd-lpcx=1 -set device.hostpci0.x-igd-lpc=0',
    'hostpci0',
    LPC,
    '-set device.hostpci0.x-igd-lpc=on -set device.hostpci0.x-igd-lpcx=1 -set device.hostpci0.x-igd-lpc=on',
  ],
  [
    '\t-machine   hpet=off\t',
    'hostpci0',
    LPC,
    '-machine hpet=off -set device.hostpci0.x-igd-lpc=on',
  ],
  // Glob characters stay words.
  ['-fw_cfg name=opt/x,file=/root/*.bin', 'hostpci0', [], '-fw_cfg name=opt/x,file=/root/*.bin'],
];

const HOSTPCI_CASES: [string, string][] = [
  ['', '0000:00:02.0,legacy-igd=1,romfile=igd.rom'],
  ['0000:00:02.0,legacy-igd=1,romfile=igd.rom', '0000:00:02.0,legacy-igd=1,romfile=igd.rom'],
  ['00:02.0', '00:02.0,legacy-igd=1,romfile=igd.rom'],
  ['00:02,x-vga=1,pcie=1,rombar=0', '0000:00:02.0,legacy-igd=1,romfile=igd.rom'],
  [
    '0000:00:02.0,romfile=old.rom,pcie=0,rombar=1,legacy-igd=0',
    '0000:00:02.0,romfile=igd.rom,pcie=0,rombar=1,legacy-igd=1',
  ],
  ['host=00:02.0,x-vga=on', 'host=00:02.0,legacy-igd=1,romfile=igd.rom'],
];

const IDS_CASES: [string[], string, string][] = [
  [[], '8086:46a6', '8086:46a6'],
  [['10de:1b80,10de:10f0'], '8086:46a6', '10de:1b80,10de:10f0,8086:46a6'],
  [['10de:1b80', '8086:46A6'], '8086:46a6', '10de:1b80,8086:46A6'],
  [['10de:1b80,,10de:1b80', ''], '8086:46a6', '10de:1b80,8086:46a6'],
];

const want = (props: IgdProp[], min = 4096): VmWant => ({
  rom: 'igd.rom',
  props,
  minMemoryMiB: min,
});

/**
 * [name, VM config, want, consent, expected plan as "key action now -> value", what is known of
 * the resource mappings].
 */
const PLAN_CASES: [string, string, VmWant, VmConsent, string[], MappingFacts?][] = [
  [
    'a new VM with nothing set',
    'name: fresh\n',
    want(LPC),
    {},
    [
      'bios add  -> ovmf',
      'machine keep  -> ',
      'vga add  -> none',
      'hostpci0 add  -> 0000:00:02.0,legacy-igd=1,romfile=igd.rom',
      'args add  -> -set device.hostpci0.x-igd-lpc=on',
      'cpu add  -> host',
      'memory add  -> 4096',
      'ostype keep  -> ',
    ],
  ],
  [
    'a Windows VM with 16 GiB, its own args and a second device',
    [
      'agent: 1',
      'args: -cpu host,hv_vendor_id=xyz -set device.hostpci0.x-igd-gms=0x2',
      'bios: seabios',
      'cpu: x86-64-v2-AES',
      'hostpci0: 0000:01:00.0,pcie=1',
      'hostpci1: 0000:00:02.0,x-vga=1',
      'machine: pc-q35-9.0',
      'memory: 16384',
      'ostype: win11',
      'vga: std',
      '',
      '[snap1]',
      'memory: 2048',
    ].join('\n'),
    want(LPC),
    {},
    // hostpci0 has pcie=1, which Proxmox refuses on i440fx: the machine is not switched, and the
    // iGPU's legacy entry and args that need i440fx wait with it (proposed, not applied).
    [
      'bios change seabios -> ovmf',
      'machine ask pc-q35-9.0 -> pc',
      'vga change std -> none',
      'hostpci1 ask 0000:00:02.0,x-vga=1 -> 0000:00:02.0,legacy-igd=1,romfile=igd.rom',
      'args ask -cpu host,hv_vendor_id=xyz -set device.hostpci0.x-igd-gms=0x2 -> -cpu host,hv_vendor_id=xyz -set device.hostpci0.x-igd-gms=0x2 -set device.hostpci1.x-igd-lpc=on',
      'hostpci0 keep 0000:01:00.0,pcie=1 -> 0000:01:00.0,pcie=1',
      'cpu ask x86-64-v2-AES -> host',
      'memory keep 16384 -> 16384',
      'ostype ask win11 -> l26',
    ],
  ],
  [
    'a q35 VM whose other devices are not PCIe (pcie=0, or none said): switched to i440fx',
    [
      'args: -cpu host,hv_vendor_id=xyz',
      'hostpci0: 0000:01:00.0,pcie=0',
      'hostpci1: 0000:00:02.0,pcie=1',
      'hostpci2: 0000:03:00.0',
      'machine: q35',
      'memory: 8192',
    ].join('\n'),
    want(LPC),
    {},
    [
      'bios add  -> ovmf',
      'machine change q35 -> pc',
      'vga add  -> none',
      'hostpci1 change 0000:00:02.0,pcie=1 -> 0000:00:02.0,legacy-igd=1,romfile=igd.rom',
      'args change -cpu host,hv_vendor_id=xyz -> -cpu host,hv_vendor_id=xyz -set device.hostpci1.x-igd-lpc=on',
      'hostpci0 keep 0000:01:00.0,pcie=0 -> 0000:01:00.0,pcie=0',
      'hostpci2 keep 0000:03:00.0 -> 0000:03:00.0',
      'cpu add  -> host',
      'memory keep 8192 -> 8192',
      'ostype keep  -> ',
    ],
  ],
  [
    'a q35 VM with a mapped NVMe on pcie=on: even with the iGPU already right, the machine waits',
    'machine: pc-q35-8.1\nhostpci0: 0000:00:02.0,legacy-igd=1,romfile=igd.rom\nhostpci1: mapping=nvme,pcie=on\n',
    want([]),
    {},
    [
      'bios add  -> ovmf',
      'machine ask pc-q35-8.1 -> pc',
      'vga add  -> none',
      'hostpci0 keep 0000:00:02.0,legacy-igd=1,romfile=igd.rom -> 0000:00:02.0,legacy-igd=1,romfile=igd.rom',
      'hostpci1 keep mapping=nvme,pcie=on -> mapping=nvme,pcie=on',
      'cpu add  -> host',
      'memory add  -> 4096',
      'ostype keep  -> ',
    ],
  ],
  [
    'a resource mapping nobody resolved (the app): may be the iGPU, so no second entry and no args',
    'hostpci0: mapping=igpu,x-vga=1\nhostpci1: 0000:01:00.0\nmemory: 8192\n',
    want(LPC),
    {},
    [
      'bios add  -> ovmf',
      'machine keep  -> ',
      'vga add  -> none',
      'hostpci0 check mapping=igpu,x-vga=1 -> mapping=igpu,x-vga=1',
      'hostpci1 keep 0000:01:00.0 -> 0000:01:00.0',
      'cpu add  -> host',
      'memory keep 8192 -> 8192',
      'ostype keep  -> ',
    ],
  ],
  [
    'mappings resolved (install.sh, pvesh): the iGPU one is merged in place, the other kept',
    'hostpci0: mapping=nic\nhostpci1: mapping=igpu,x-vga=1,rombar=0\nmemory: 8192\n',
    want(LPC),
    {},
    [
      'bios add  -> ovmf',
      'machine keep  -> ',
      'vga add  -> none',
      'hostpci1 change mapping=igpu,x-vga=1,rombar=0 -> mapping=igpu,legacy-igd=1,romfile=igd.rom',
      'args add  -> -set device.hostpci1.x-igd-lpc=on',
      'hostpci0 keep mapping=nic -> mapping=nic',
      'cpu add  -> host',
      'memory keep 8192 -> 8192',
      'ostype keep  -> ',
    ],
    new Map([
      ['nic', false],
      ['igpu', true],
    ]),
  ],
  [
    'a mapping known not to be the iGPU: the iGPU gets the next free entry',
    'hostpci0: mapping=nic\n',
    want([]),
    {},
    [
      'bios add  -> ovmf',
      'machine keep  -> ',
      'vga add  -> none',
      'hostpci1 add  -> 0000:00:02.0,legacy-igd=1,romfile=igd.rom',
      'hostpci0 keep mapping=nic -> mapping=nic',
      'cpu add  -> host',
      'memory add  -> 4096',
      'ostype keep  -> ',
    ],
    new Map([['nic', false]]),
  ],
  [
    'an unresolved mapping beside the iGPU by address: the address wins, the mapping is kept',
    'hostpci0: mapping=dgpu\nhostpci1: 00:02.0,legacy-igd=1,romfile=igd.rom\nmemory: 4096\n',
    want([]),
    {},
    [
      'bios add  -> ovmf',
      'machine keep  -> ',
      'vga add  -> none',
      'hostpci1 keep 00:02.0,legacy-igd=1,romfile=igd.rom -> 00:02.0,legacy-igd=1,romfile=igd.rom',
      'hostpci0 keep mapping=dgpu -> mapping=dgpu',
      'cpu add  -> host',
      'memory keep 4096 -> 4096',
      'ostype keep  -> ',
    ],
  ],
  [
    'the same Windows VM when the user agrees to both',
    'cpu: kvm64\nmemory: current=2048\nostype: win10\nhostpci0: 0000:01:00.0\n',
    want(OLD),
    { ostype: true, cpu: true },
    [
      'bios add  -> ovmf',
      'machine keep  -> ',
      'vga add  -> none',
      'hostpci1 add  -> 0000:00:02.0,legacy-igd=1,romfile=igd.rom',
      'args add  -> -set device.hostpci1.x-igd-gms=0x6 -set device.hostpci1.x-igd-opregion=on',
      'hostpci0 keep 0000:01:00.0 -> 0000:01:00.0',
      'cpu change kvm64 -> host',
      'memory change current=2048 -> 4096',
      'ostype change win10 -> l26',
    ],
  ],
  [
    'a VM already set up',
    [
      '# a comment: with a colon',
      'bios: ovmf',
      'cpu: host,hidden=1',
      'hostpci0: 0000:00:02.0,legacy-igd=1,romfile=igd.rom',
      'args: -set device.hostpci0.x-igd-lpc=on',
      'machine: pc-i440fx-9.2+pve1',
      'memory: 8192',
      'ostype: l26',
      'vga: none',
    ].join('\n'),
    want(LPC),
    {},
    [
      'bios keep ovmf -> ovmf',
      'machine keep pc-i440fx-9.2+pve1 -> pc-i440fx-9.2+pve1',
      'vga keep none -> none',
      'hostpci0 keep 0000:00:02.0,legacy-igd=1,romfile=igd.rom -> 0000:00:02.0,legacy-igd=1,romfile=igd.rom',
      'args keep -set device.hostpci0.x-igd-lpc=on -> -set device.hostpci0.x-igd-lpc=on',
      'cpu keep host,hidden=1 -> host,hidden=1',
      'memory keep 8192 -> 8192',
      'ostype keep l26 -> l26',
    ],
  ],
  [
    'no x-igd properties needed, a type= spelling, and Windows consent with a Linux guest',
    'vga: type=none\ncpu: cputype=host\nmemory: 4095\nostype: other\nmachine: pc\n',
    want([]),
    { ostype: true },
    [
      'bios add  -> ovmf',
      'machine keep pc -> pc',
      'vga keep type=none -> type=none',
      'hostpci0 add  -> 0000:00:02.0,legacy-igd=1,romfile=igd.rom',
      'cpu keep cputype=host -> cputype=host',
      'memory change 4095 -> 4096',
      'ostype keep other -> other',
    ],
  ],
];

describe.skipIf(!haveBash)('merge decisions: TypeScript and install.sh agree', () => {
  it('mergeArgs = merge_args', () => {
    for (const [now, dev, props, expected] of ARGS_CASES) {
      expect(mergeArgs(now, dev, props), now).toBe(expected);
      expect(sh('merge_args', [now, dev, ...propArgs(props)]), now).toBe(expected);
    }
  });

  it('mergeHostpci = merge_hostpci', () => {
    for (const [now, expected] of HOSTPCI_CASES) {
      expect(mergeHostpci(now, 'igd.rom'), now).toBe(expected);
      expect(sh('merge_hostpci', [now, 'igd.rom']), now).toBe(expected);
    }
  });

  it('mergeIds = merge_ids', () => {
    for (const [lists, ours, expected] of IDS_CASES) {
      expect(mergeIds(lists, ours)).toBe(expected);
      expect(sh('merge_ids', [ours, ...lists])).toBe(expected);
    }
  });

  for (const [name, conf, w, consent, expected, mappings] of PLAN_CASES)
    it(`planVm = plan_vm: ${name}`, () => {
      const ts = planVm(conf, w, consent, mappings).map(
        (d) => `${d.key} ${d.action} ${d.now} -> ${d.value}`,
      );
      expect(ts).toEqual(expected);
      const file = join(dir, 'vm.conf');
      writeFileSync(file, conf);
      const out = sh('plan_vm', [
        file,
        w.rom,
        String(w.minMemoryMiB),
        consent.ostype ? '1' : '0',
        consent.cpu ? '1' : '0',
        [...(mappings ?? [])].map(([n, igd]) => `${n}=${igd ? 1 : 0}`).join(','),
        ...propArgs(w.props),
      ]);
      const bash = out
        .split('\n')
        .map((l) => l.split(PLAN_SEP))
        .map(([k, a, n, v]) => `${k} ${a} ${n} -> ${v}`);
      expect(bash).toEqual(expected);
    });
});

const GPU = '0000:c5:00.0';
const AUDIO = '0000:c5:00.1';

/** [now, host, rom, expected] for mergeAmdHostpci. */
const AMD_HOSTPCI_CASES: [string, string, string | undefined, string][] = [
  ['', GPU, 'vbios.rom', '0000:c5:00.0,pcie=1,romfile=vbios.rom'],
  ['', AUDIO, undefined, '0000:c5:00.1,pcie=1'],
  [
    '0000:c5:00.0,pcie=1,romfile=vbios.rom',
    GPU,
    'vbios.rom',
    '0000:c5:00.0,pcie=1,romfile=vbios.rom',
  ],
  // A bare slot (all functions) becomes the GPU function; Intel's legacy-igd and rombar=0 go.
  [
    'c5:00,legacy-igd=1,rombar=0,x-vga=1',
    GPU,
    'v.rom',
    '0000:c5:00.0,x-vga=1,pcie=1,romfile=v.rom',
  ],
  ['C5:00.0,pcie=0,romfile=old.rom,romfile=x', GPU, 'v.rom', 'C5:00.0,pcie=1,romfile=v.rom'],
  ['host=c5:00.1,romfile=mine.rom', AUDIO, undefined, 'host=c5:00.1,romfile=mine.rom,pcie=1'],
  ['host=0000:c4:00.1,mdev=x', AUDIO, 'gop.rom', 'host=0000:c5:00.1,mdev=x,pcie=1,romfile=gop.rom'],
];

const amdWant = (audioRom?: string, gpuRom: string | null = 'vbios.rom'): AmdVmWant => ({
  vendor: 'amd',
  gpuHost: GPU,
  audioHost: AUDIO,
  ...(gpuRom ? { gpuRom } : {}),
  ...(audioRom ? { audioRom } : {}),
});

const AMD_PLAN_CASES: [string, string, AmdVmWant, VmConsent, string[], AmdMappingFacts?][] = [
  [
    'a new VM',
    'name: fresh\n',
    amdWant('gop.rom'),
    {},
    [
      'bios add  -> ovmf',
      'machine add  -> q35',
      'vga add  -> none',
      'hostpci0 add  -> 0000:c5:00.0,pcie=1,romfile=vbios.rom',
      'hostpci1 add  -> 0000:c5:00.1,pcie=1,romfile=gop.rom',
      'cpu add  -> host',
    ],
  ],
  [
    'an Intel-style VM on i440fx with a dGPU at hostpci0 and all functions at hostpci2',
    [
      'args: -set device.hostpci2.x-igd-opregion=on',
      'cpu: kvm64',
      'hostpci0: 0000:01:00.0,pcie=1',
      'hostpci2: 0000:c5:00,legacy-igd=1',
      'machine: pc-i440fx-9.0',
      'vga: std',
      '[snap]',
      'machine: q35',
    ].join('\n'),
    amdWant(),
    { cpu: true },
    [
      'bios add  -> ovmf',
      'machine change pc-i440fx-9.0 -> q35',
      'vga change std -> none',
      'hostpci2 change 0000:c5:00,legacy-igd=1 -> 0000:c5:00.0,pcie=1,romfile=vbios.rom',
      'hostpci1 add  -> 0000:c5:00.1,pcie=1',
      'hostpci0 keep 0000:01:00.0,pcie=1 -> 0000:01:00.0,pcie=1',
      'cpu change kvm64 -> host',
    ],
  ],
  [
    'a q35 VM already set up keeps its machine version',
    [
      'bios: ovmf',
      'cpu: host',
      'hostpci3: 0000:c5:00.1,pcie=1,romfile=gop.rom',
      'hostpci0: 0000:c5:00.0,pcie=1,romfile=vbios.rom',
      'machine: pc-q35-9.2+pve1,viommu=virtio',
      'vga: type=none',
    ].join('\n'),
    amdWant('gop.rom'),
    {},
    [
      'bios keep ovmf -> ovmf',
      'machine keep pc-q35-9.2+pve1,viommu=virtio -> pc-q35-9.2+pve1,viommu=virtio',
      'vga keep type=none -> type=none',
      'hostpci0 keep 0000:c5:00.0,pcie=1,romfile=vbios.rom -> 0000:c5:00.0,pcie=1,romfile=vbios.rom',
      'hostpci3 keep 0000:c5:00.1,pcie=1,romfile=gop.rom -> 0000:c5:00.1,pcie=1,romfile=gop.rom',
      'cpu keep host -> host',
    ],
  ],
  [
    'no VBIOS in the BIOS: the GPU function without a romfile, a romfile the user set kept',
    [
      'hostpci0: 0000:c5:00.0,romfile=vfct-vbios.bin',
      'machine: q35',
      'bios: ovmf',
      'vga: none',
    ].join('\n'),
    amdWant('gop.rom', null),
    {},
    [
      'bios keep ovmf -> ovmf',
      'machine keep q35 -> q35',
      'vga keep none -> none',
      'hostpci0 change 0000:c5:00.0,romfile=vfct-vbios.bin -> 0000:c5:00.0,romfile=vfct-vbios.bin,pcie=1',
      'hostpci1 add  -> 0000:c5:00.1,pcie=1,romfile=gop.rom',
      'cpu add  -> host',
    ],
  ],
  [
    'no VBIOS in the BIOS, a new VM: the GPU function gets no romfile',
    'name: fresh\n',
    amdWant('gop.rom', null),
    {},
    [
      'bios add  -> ovmf',
      'machine add  -> q35',
      'vga add  -> none',
      'hostpci0 add  -> 0000:c5:00.0,pcie=1',
      'hostpci1 add  -> 0000:c5:00.1,pcie=1,romfile=gop.rom',
      'cpu add  -> host',
    ],
  ],
  [
    'mapping= resolved to the GPU function: merged in place, the audio function added, no second GPU entry',
    [
      'bios: ovmf',
      'cpu: host',
      'hostpci0: mapping=igpu,x-vga=1',
      'hostpci1: mapping=nvme',
      'machine: q35',
      'vga: none',
    ].join('\n'),
    amdWant('gop.rom'),
    {},
    [
      'bios keep ovmf -> ovmf',
      'machine keep q35 -> q35',
      'vga keep none -> none',
      'hostpci0 change mapping=igpu,x-vga=1 -> mapping=igpu,x-vga=1,pcie=1,romfile=vbios.rom',
      'hostpci2 add  -> 0000:c5:00.1,pcie=1,romfile=gop.rom',
      'hostpci1 keep mapping=nvme -> mapping=nvme',
      'cpu keep host -> host',
    ],
    new Map([
      ['igpu', 'gpu'],
      ['nvme', 'other'],
    ]),
  ],
  [
    'mapping= entries for both functions, each resolved: both merged in place',
    [
      'hostpci3: mapping=hdmi,pcie=1',
      'hostpci5: mapping=radeon,pcie=1,romfile=old.bin',
      'machine: q35',
    ].join('\n'),
    amdWant('gop.rom'),
    {},
    [
      'bios add  -> ovmf',
      'machine keep q35 -> q35',
      'vga add  -> none',
      'hostpci5 change mapping=radeon,pcie=1,romfile=old.bin -> mapping=radeon,pcie=1,romfile=vbios.rom',
      'hostpci3 change mapping=hdmi,pcie=1 -> mapping=hdmi,pcie=1,romfile=gop.rom',
      'cpu add  -> host',
    ],
    new Map([
      ['radeon', 'gpu'],
      ['hdmi', 'audio'],
    ]),
  ],
  [
    'an unresolved mapping=: checked, nothing added for either function',
    ['hostpci0: mapping=igpu', 'hostpci1: 0000:01:00.0', 'machine: q35'].join('\n'),
    amdWant('gop.rom'),
    {},
    [
      'bios add  -> ovmf',
      'machine keep q35 -> q35',
      'vga add  -> none',
      'hostpci0 check mapping=igpu -> mapping=igpu',
      'hostpci1 keep 0000:01:00.0 -> 0000:01:00.0',
      'cpu add  -> host',
    ],
  ],
  [
    'the GPU by address and an unresolved mapping= that may be the audio function: GPU merged, mapping checked',
    ['hostpci0: 0000:c5:00.0', 'hostpci1: mapping=maybe-audio', 'machine: q35'].join('\n'),
    amdWant('gop.rom'),
    {},
    [
      'bios add  -> ovmf',
      'machine keep q35 -> q35',
      'vga add  -> none',
      'hostpci0 change 0000:c5:00.0 -> 0000:c5:00.0,pcie=1,romfile=vbios.rom',
      'hostpci1 check mapping=maybe-audio -> mapping=maybe-audio',
      'cpu add  -> host',
    ],
    new Map(),
  ],
  [
    'a mapping= of both functions in one entry: checked (it cannot give each its ROM)',
    'hostpci0: mapping=apu,pcie=1\nmachine: q35\n',
    amdWant('gop.rom'),
    {},
    [
      'bios add  -> ovmf',
      'machine keep q35 -> q35',
      'vga add  -> none',
      'hostpci0 check mapping=apu,pcie=1 -> mapping=apu,pcie=1',
      'cpu add  -> host',
    ],
    new Map([['apu', 'both']]),
  ],
  [
    'a CPU model of the user is asked about',
    'cpu: x86-64-v2-AES\nmachine: q35\n',
    amdWant('gop.rom'),
    {},
    [
      'bios add  -> ovmf',
      'machine keep q35 -> q35',
      'vga add  -> none',
      'hostpci0 add  -> 0000:c5:00.0,pcie=1,romfile=vbios.rom',
      'hostpci1 add  -> 0000:c5:00.1,pcie=1,romfile=gop.rom',
      'cpu ask x86-64-v2-AES -> host',
    ],
  ],
];

describe.skipIf(!haveBash)('AMD merge decisions: TypeScript and install.sh agree', () => {
  it('mergeAmdHostpci = merge_amd_hostpci', () => {
    for (const [now, host, rom, expected] of AMD_HOSTPCI_CASES) {
      expect(mergeAmdHostpci(now, host, rom), now).toBe(expected);
      expect(sh('merge_amd_hostpci', [now, host, rom ?? ''], amdLib), now).toBe(expected);
    }
  });

  it('the AMD library has no Intel merge in it', () => {
    const text = MERGE_SH_AMD.join('\n');
    expect(text).not.toMatch(/is_igd_host|merge_hostpci\(|plan_vm\(|merge_args/);
  });

  for (const [name, conf, w, consent, expected, mappings] of AMD_PLAN_CASES)
    it(`planAmdVm = plan_vm_amd: ${name}`, () => {
      const ts = planAmdVm(conf, w, consent, mappings).map(
        (d) => `${d.key} ${d.action} ${d.now} -> ${d.value}`,
      );
      expect(ts).toEqual(expected);
      const file = join(dir, 'amd-vm.conf');
      writeFileSync(file, conf);
      const out = sh(
        'plan_vm_amd',
        [
          file,
          w.gpuHost,
          w.gpuRom ?? '',
          w.audioHost,
          w.audioRom ?? '',
          consent.cpu ? '1' : '0',
          [...(mappings ?? [])].map(([k, v]) => `${k}=${v}`).join(','),
        ],
        amdLib,
      );
      const bash = out
        .split('\n')
        .map((l) => l.split(PLAN_SEP))
        .map(([k, a, n, v]) => `${k} ${a} ${n} -> ${v}`);
      expect(bash).toEqual(expected);
    });
});
