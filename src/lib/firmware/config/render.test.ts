import { describe, expect, it } from 'vitest';
import { FirmwareError } from '../errors';
import { lookupIgpu, type IgpuInfo } from '../igpu/devices';
import { renderConfig, type ConfigResult, type OutputMode } from './render';
import type { BootLoader } from './inputs';

/**
 * What each Proxmox release ships, restated from the notes (igd-passthrough-notes §4.3,
 * proxmox/pve-qemu debian/changelog) independently of facts.ts: [pve, qemu, kernel].
 */
const RELEASES: [string, number, number][] = [
  ['7.4', 7.2, 5.15],
  ['8.0', 8.0, 6.2],
  ['8.1', 8.1, 6.5],
  ['8.2', 8.1, 6.8],
  ['8.3', 9.0, 6.8],
  ['8.4', 9.2, 6.8],
  ['9.0', 10.0, 6.14],
  ['9.1', 10.1, 6.17],
];
/** Kernel versions compare as numbers only when the minor has two digits; keep them as [major, minor]. */
const kernelOf = (k: number): [number, number] => {
  const [a, b] = String(k).split('.');
  return [Number(a), Number(b)];
};
const kLess = (k: number, major: number, minor: number) => {
  const [a, b] = kernelOf(k);
  return a < major || (a === major && b < minor);
};

// One device per generation family (IDs from pciids.h) and its gen per QEMU's notion.
const DEVICES: [string, number, number][] = [
  ['SNB', 0x0102, 6],
  ['HSW', 0x0412, 7],
  ['BDW', 0x1616, 8],
  ['SKL', 0x1912, 9],
  ['CFL', 0x3e92, 9],
  ['CML', 0x9bc5, 9],
  ['ICL', 0x8a52, 11],
  ['JSL', 0x4e61, 11],
  ['TGL', 0x9a49, 12],
  ['ADL', 0x46a6, 12],
  ['ADL-N', 0x46d1, 12],
  ['RPL', 0xa780, 12],
  ['MTL', 0x7d55, 13],
  ['ARL', 0x7d51, 13],
  ['LNL', 0x64a0, 20],
];
const BOOTS: BootLoader[] = ['grub', 'systemd-boot'];
const MODES: OutputMode[] = ['rom', 'ovmf'];

function lines(r: ConfigResult, id: string): string[] {
  const b = r.blocks.find((x) => x.id === id);
  if (!b) throw new Error(`no block ${id}`);
  return b.lines.map((l) => l.text);
}

const KVM = '/usr/share/kvm';
const OVMF_4M = '/usr/share/pve-edk2-firmware/OVMF_CODE_4M.fd';

/**
 * Every block's lines for one combination, derived from the documented facts (cited at each
 * rule) independently of render.ts; install.sh is run for real in install.test.ts.
 */
function expectedBlocks(
  qemu: number,
  kernel: number,
  boot: BootLoader,
  id: number,
  gen: number,
  mode: OutputMode,
): [string, string[]][] {
  const hex = id.toString(16).padStart(4, '0');
  // vfio_virqfd only before kernel 6.2 (merged into vfio; pve-docs 2953349).
  const modules = [
    'vfio',
    'vfio_iommu_type1',
    'vfio_pci',
    ...(kLess(kernel, 6, 2) ? ['vfio_virqfd'] : []),
  ];
  // intel_iommu=on only before 6.8, where it became the default (pve-docs 4d318fb).
  const params = [
    ...(kLess(kernel, 6, 8) ? ['intel_iommu=on'] : []),
    'iommu=pt',
    'initcall_blacklist=sysfb_init',
  ].join(' ');
  // args per QEMU version (notes §4.2/4.3): GMS forced to 0 before 10.0; OpRegion default from
  // 10.1; 10.1 legacy mode = Gen6–9 only, so Gen11+ needs the LPC IDs.
  const props: string[] = [];
  if (qemu < 10) props.push(`x-igd-gms=${gen >= 11 ? '0x6' : '0x2'}`);
  if (qemu < 10.1) props.push('x-igd-opregion=on');
  if (qemu >= 10.1 && gen >= 11) props.push('x-igd-lpc=on');
  const args = props.map((p) => `-set device.hostpci0.${p}`).join(' ');
  const hostpci = '0000:00:02.0,legacy-igd=1,romfile=igd.rom';
  const rom = [`install -m 0644 igd.rom ${KVM}/igd.rom`, `sha256sum ${KVM}/igd.rom`];
  const blocks: [string, string[]][] = [
    ['modules', modules],
    boot === 'grub'
      ? ['cmdline', [`GRUB_CMDLINE_LINUX_DEFAULT="quiet ${params}"`]]
      : ['cmdline', [`root=ZFS=rpool/ROOT/pve-1 boot=zfs ${params}`]],
    ['cmdline-apply', [boot === 'grub' ? 'update-grub' : 'proxmox-boot-tool refresh']],
    [
      'modprobe',
      [
        `options vfio-pci ids=8086:${hex}`,
        'softdep i915 pre: vfio-pci',
        'blacklist i915',
        // xe (Linux 6.8+) drives Gen12 and newer too.
        ...(gen >= 12 && !kLess(kernel, 6, 8) ? ['blacklist xe'] : []),
      ],
    ],
    ['initramfs', ['update-initramfs -u -k all', 'reboot']],
  ];
  if (mode === 'rom') blocks.push(['files', rom]);
  else
    blocks.push(
      [
        'files',
        [
          ...rom,
          `mkdir -p /root/ovmf-backup && cp -a ${OVMF_4M} /root/ovmf-backup/`,
          `dpkg-divert --local --rename --divert ${OVMF_4M}.distrib --add ${OVMF_4M}`,
          `install -m 0644 OVMF_CODE_4M.fd ${OVMF_4M}`,
          `sha256sum ${OVMF_4M}`,
        ],
      ],
      [
        'ovmf-undo',
        [
          `rm ${OVMF_4M}`,
          `dpkg-divert --local --rename --remove ${OVMF_4M}`,
          'dpkg -V pve-edk2-firmware',
        ],
      ],
    );
  blocks.push(
    [
      'vm-conf',
      [
        'bios: ovmf',
        'machine: pc',
        'vga: none',
        `hostpci0: ${hostpci}`,
        ...(args ? [`args: ${args}`] : []),
        'cpu: host',
        'memory: 4096',
        // No ostype: the guest's OS is the user's choice (vm-merge.ts changes it only when asked).
      ],
    ],
    [
      'qm-set',
      [
        'qm set 123 --bios ovmf --machine pc --vga none',
        `qm set 123 --hostpci0 ${hostpci}`,
        ...(args ? [`qm set 123 --args "${args}"`] : []),
        // For a new VM only, so commented out: pasted into an existing VM it could lower memory.
        // With the VM's config known the lines merge instead (vm-plan.ts) and never lower it.
        '# qm set 123 --cpu host --memory 4096',
        'qm set 123 --efidisk0 local-lvm:1,efitype=4m,pre-enrolled-keys=0',
      ],
    ],
    [
      'qemu',
      [
        'qemu-system-x86_64 -enable-kvm \\',
        '  -machine pc \\',
        '  -cpu host -m 4096 \\',
        `  -drive if=pflash,format=raw,readonly=on,file=${OVMF_4M} \\`,
        '  -drive if=pflash,format=raw,file=vm-123-vars.fd \\',
        '  -vga none -nodefaults \\',
        `  -device ${['vfio-pci', 'host=0000:00:02.0', 'id=hostpci0', 'bus=pci.0', 'addr=0x2', `romfile=${KVM}/igd.rom`, ...props].join(',')}`,
      ],
    ],
    [
      'libvirt',
      [
        "<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>",
        `  <os><type arch='x86_64' machine='pc'>hvm</type><loader readonly='yes' type='pflash'>${OVMF_4M}</loader></os>`,
        "  <cpu mode='host-passthrough'/>",
        "  <hostdev mode='subsystem' type='pci' managed='yes'>",
        "    <source><address domain='0x0000' bus='0x00' slot='0x02' function='0x0'/></source>",
        "    <alias name='ua-igd'/>",
        `    <rom file='${KVM}/igd.rom'/>`,
        "    <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>",
        '  </hostdev>',
        "  <video><model type='none'/></video>",
        ...(props.length
          ? [
              "  <qemu:override><qemu:device alias='ua-igd'><qemu:frontend>",
              ...props.map((p) => {
                const [name, value] = p.split('=');
                return value === 'on'
                  ? `    <qemu:property name='${name}' type='bool' value='true'/>`
                  : `    <qemu:property name='${name}' type='unsigned' value='${Number(value)}'/>`;
              }),
              '  </qemu:frontend></qemu:device></qemu:override>',
            ]
          : []),
        '</domain>',
      ],
    ],
    [
      'flashrom',
      [
        'apt install flashrom',
        'flashrom -p internal --ifd -i bios -r /root/bios-region.bin',
        'flashrom -p internal -r /root/flash-full.bin',
        '# "/dev/mem mmap failed" → add iomem=relaxed to the kernel command line once',
      ],
    ],
    [
      'host-bios',
      [
        'VT-d: Enabled',
        'CSM / Legacy boot: Disabled (UEFI only)',
        'Primary display: IGD (iGPU)',
        // Before 10.0 the guest gets x-igd-gms of stolen memory, so DVMT must not exceed it.
        qemu < 10 ? 'DVMT Pre-Allocated: 64M' : 'DVMT Pre-Allocated: 64M or more',
      ],
    ],
  );
  return blocks;
}

describe('renderConfig over every PVE version × boot loader × generation × mode', () => {
  for (const [pve, qemu, kernel] of RELEASES)
    for (const boot of BOOTS)
      for (const [code, id, gen] of DEVICES)
        for (const mode of MODES) {
          it(`PVE ${pve} ${boot} ${code} ${mode}: exact lines of every block`, () => {
            const igpu = lookupIgpu(id) as IgpuInfo;
            expect(igpu.code).toBe(code);
            const r = renderConfig({ pve, boot, igpu, mode, vmid: 123 });
            const got = r.blocks
              .filter((b) => b.id !== 'install')
              .map((b): [string, string[]] => [b.id, b.lines.map((l) => l.text)]);
            expect(got).toEqual(expectedBlocks(qemu, kernel, boot, id, gen, mode));
            expect(r.blocks.map((b) => b.id).at(-3)).toBe('install');
            const path = (id: string) => r.blocks.find((b) => b.id === id)!.path;
            expect(path('cmdline')).toBe(
              boot === 'grub' ? '/etc/default/grub' : '/etc/kernel/cmdline',
            );
            expect(path('modules')).toBe('/etc/modules');
            expect(path('modprobe')).toBe('/etc/modprobe.d/igd-passthrough.conf');
            expect(path('vm-conf')).toBe('/etc/pve/qemu-server/123.conf');

            // Never disable_vga, never q35 (install.sh only greps for disable_vga to warn).
            const all = r.blocks
              .filter((b) => b.id !== 'install')
              .flatMap((b) => b.lines.map((l) => l.text))
              .join('\n');
            expect(all).not.toMatch(/disable_vga|q35/);
            const script = r.blocks.find((b) => b.id === 'install')!.lines.map((l) => l.text);
            expect(script.filter((l) => /disable_vga/.test(l))).toEqual([
              expect.stringMatching(/^if grep -rqsE 'disable_vga=\(1\|Y\|y\)'.*warning/),
            ]);

            // MTL/ARL/LNL need QEMU ≥ 10.1 (qemu 7969cf4639); that is the only finding a generated config has.
            expect(r.findings.map((f) => f.id)).toEqual(
              gen > 12 && qemu < 10.1 ? ['qemu-too-old'] : [],
            );

            for (const b of r.blocks)
              for (const l of b.lines) {
                expect(l.reason.en.length, `${b.id}: ${l.text}`).toBeGreaterThan(0);
                expect(l.reason['zh-CN'].length, `${b.id}: ${l.text}`).toBeGreaterThan(0);
              }
          });
        }
});

describe('renderConfig options', () => {
  const adl = lookupIgpu(0x46a6)!;
  const cfl = lookupIgpu(0x3e92)!;

  it('adds x-igd-legacy-mode=on only where legacy mode applies (QEMU ≥ 10.0; Gen6–9 on 10.1)', () => {
    const args = (pve: string, igpu: IgpuInfo) =>
      lines(
        renderConfig({ pve, boot: 'grub', igpu, mode: 'rom', vmid: 100, strictLegacyMode: true }),
        'vm-conf',
      ).find((l) => l.startsWith('args:')) ?? '';
    expect(args('8.4', cfl)).not.toContain('x-igd-legacy-mode');
    expect(args('9.0', cfl)).toContain('x-igd-legacy-mode=on');
    expect(args('9.0', adl)).toContain('x-igd-legacy-mode=on');
    expect(args('9.1', cfl)).toBe('args: -set device.hostpci0.x-igd-legacy-mode=on');
    expect(args('9.1', adl)).toBe('args: -set device.hostpci0.x-igd-lpc=on');
  });

  it('uses pasted versions over the release table and honours rom name, gms and memory', () => {
    const r = renderConfig({
      qemu: { major: 10, minor: 1 },
      kernel: { major: 6, minor: 8 },
      boot: 'grub',
      igpu: cfl,
      mode: 'rom',
      vmid: 777,
      romFile: 'CFL_GOP.rom',
      gms: 4,
      memoryMiB: 8192,
    });
    expect(r.qemu).toBe('10.1');
    expect(lines(r, 'vm-conf')).toContain(
      'hostpci0: 0000:00:02.0,legacy-igd=1,romfile=CFL_GOP.rom',
    );
    expect(lines(r, 'vm-conf')).toContain('args: -set device.hostpci0.x-igd-gms=0x4');
    expect(lines(r, 'vm-conf')).toContain('memory: 8192');
    expect(lines(r, 'files')[0]).toBe('install -m 0644 CFL_GOP.rom /usr/share/kvm/CFL_GOP.rom');
  });

  it('rejects bad inputs with FirmwareError', () => {
    const base = { pve: '9.1', boot: 'grub' as const, igpu: adl, mode: 'rom' as const, vmid: 100 };
    expect(() => renderConfig({ ...base, vmid: 99 })).toThrow(FirmwareError);
    expect(() => renderConfig({ ...base, pve: '6.4' })).toThrow(FirmwareError);
    expect(() => renderConfig({ ...base, romFile: '../etc/passwd' })).toThrow(FirmwareError);
    expect(() => renderConfig({ ...base, gms: 0x100 })).toThrow(FirmwareError);
  });

  it('writes an install.sh with dry run, backups and the right loader (bash -n in the CLI test)', () => {
    for (const boot of BOOTS)
      for (const mode of MODES) {
        const script = lines(
          renderConfig({ pve: '8.0', boot, igpu: adl, mode, vmid: 100 }),
          'install',
        ).join('\n');
        expect(script.startsWith('#!/usr/bin/env bash\n')).toBe(true);
        // Dry run unless --apply; one dated backup folder; the refresh of the loader in use.
        expect(script).toContain('APPLY=0 OSTYPE_OK=0 CPU_OK=0\n');
        expect(script).toContain('    --apply) APPLY=1 ;;\n');
        expect(script).toContain(
          'BACKUP="$(mktemp -d "$R/root/igd-passthrough-backup-$(date +%Y%m%d-%H%M%S-%N)-XXXX")"',
        );
        expect(script.includes('dpkg-divert')).toBe(mode === 'ovmf');
        expect(script).toContain(
          `then update-initramfs -u -k all; ${boot === 'grub' ? 'update-grub' : 'proxmox-boot-tool refresh'}; fi`,
        );
      }
  });

  it('advises reading only the BIOS region with flashrom', () => {
    const r = renderConfig({ pve: '9.1', boot: 'grub', igpu: adl, mode: 'rom', vmid: 100 });
    expect(lines(r, 'flashrom')).toContain(
      'flashrom -p internal --ifd -i bios -r /root/bios-region.bin',
    );
  });
});
