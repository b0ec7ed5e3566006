import { describe, expect, it } from 'vitest';
import { analyze } from '$lib/firmware/analyze';
import { renderConfig } from '$lib/firmware/config/render';
import { planVm, type VmWant } from '$lib/firmware/config/vm-merge';
import { igpuGeneration } from '$lib/firmware/igpu/devices';
import { haveFixtures, readFixture } from '../../../tests/helpers/fixtures';
import { amdRomsFor, mergedQmSetBlock, resolveConfig, type FirmwareChoice } from './config';

// A 16 GiB Windows VM with its own args and a NIC on hostpci0: step 3's qm set lines once pasted.
const CONF = [
  'args: -smbios type=1,serial=ABC',
  'cpu: x86-64-v2-AES',
  'hostpci0: 0000:03:00.0',
  'memory: 16384',
  'ostype: win11',
].join('\n');

describe('step 3 with a pasted VM config', () => {
  const { result } = resolveConfig({ pve: '9.1', boot: 'grub', igpu: 'ADL', vmid: 321 });

  it('merges into the VM: the iGPU on the next free slot, args kept, nothing lowered', () => {
    const b = mergedQmSetBlock(result!, 321, CONF, {});
    expect(b.id).toBe('qm-set');
    expect(b.lines.map((l) => l.text)).toEqual([
      'qm set 321 --bios ovmf',
      '# machine: -',
      'qm set 321 --vga none',
      'qm set 321 --hostpci1 0000:00:02.0,legacy-igd=1,romfile=igd.rom',
      "qm set 321 --args '-smbios type=1,serial=ABC -set device.hostpci1.x-igd-lpc=on'",
      '# hostpci0: 0000:03:00.0',
      '# cpu: x86-64-v2-AES',
      '# memory: 16384',
      '# ostype: win11',
      'qm set 321 --efidisk0 local-lvm:1,efitype=4m,pre-enrolled-keys=0',
    ]);
    // Each line's reason in both languages; the kept ones say why.
    for (const l of b.lines) expect(l.reason['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
    expect(b.lines[7].reason.en).toBe('At least 4096 MiB already; your value is kept.');
  });

  it('the consent boxes turn exactly the ostype and cpu lines into commands', () => {
    const lines = mergedQmSetBlock(result!, 321, CONF, { ostype: true, cpu: true }).lines;
    expect(lines.filter((l) => /--(cpu|ostype) /.test(l.text)).map((l) => l.text)).toEqual([
      'qm set 321 --cpu host',
      'qm set 321 --ostype l26',
    ]);
    // The same decisions as install.sh's plan (vm-merge.ts; merge-sh.test.ts runs both).
    const plan = planVm(CONF, result!.vm.want as VmWant, { ostype: true, cpu: true });
    expect(lines.length).toBe(plan.length + 1);
  });
});

describe('step 3 with a pasted VM config the legacy merge must not break', () => {
  const { result } = resolveConfig({ pve: '9.1', boot: 'grub', igpu: 'ADL', vmid: 321 });

  it('a q35 VM with a pcie=1 dGPU: no --machine pc, and the iGPU lines that need it wait, each saying why', () => {
    const conf =
      'machine: q35\nhostpci0: 0000:01:00.0,pcie=1\nhostpci1: 0000:00:02.0\nmemory: 8192\n';
    const b = mergedQmSetBlock(result!, 321, conf, {});
    expect(b.lines.map((l) => l.text)).toEqual([
      'qm set 321 --bios ovmf',
      '# machine: q35',
      'qm set 321 --vga none',
      '# hostpci1: 0000:00:02.0',
      '# args: -',
      '# hostpci0: 0000:01:00.0,pcie=1',
      'qm set 321 --cpu host',
      '# memory: 8192',
      '# ostype: -',
      'qm set 321 --efidisk0 local-lvm:1,efitype=4m,pre-enrolled-keys=0',
    ]);
    expect(b.lines[1].reason.en).toContain('"q35 machine model is not enabled"');
    expect(b.lines[1].reason.en).toContain('take pcie=1 off those devices yourself');
    expect(b.lines[3].reason.en).toMatch(/^Waits for the machine type/);
    expect(b.lines[4].reason.en).toMatch(/^Waits for the machine type/);
  });

  it('a hostpci mapping= entry may be the iGPU: no second iGPU entry, and the user is told what to check', () => {
    const conf = 'hostpci0: mapping=igpu\nmemory: 8192\n';
    const b = mergedQmSetBlock(result!, 321, conf, {});
    const texts = b.lines.map((l) => l.text);
    expect(texts.filter((t) => /--(hostpci\d|args) /.test(t))).toEqual([]);
    const line = b.lines.find((l) => l.text === '# hostpci0: mapping=igpu')!;
    expect(line.reason.en).toContain('pvesh get /cluster/mapping/pci/<name>');
    expect(line.reason.en).toContain('legacy-igd=1,romfile=igd.rom');
    expect(line.reason['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
  });
});

const lspci = [
  'c5:00.0 VGA compatible controller [0300]: Advanced Micro Devices, Inc. [AMD/ATI] Rembrandt [Radeon 680M] [1002:1681] (rev c8)',
  'c5:00.1 Audio device [0403]: Advanced Micro Devices, Inc. [AMD/ATI] Rembrandt Radeon High Definition Audio Controller [1002:1640]',
].join('\n');

describe('step 3 with a pasted AMD lspci', () => {
  it('shows the AMD configuration (option ROMs even when the patched OVMF was chosen)', () => {
    const r = resolveConfig({ pve: '9.1', boot: 'grub', mode: 'ovmf', vmid: 321, lspci });
    expect(r.igpuError).toBeUndefined();
    expect(r.error).toBeUndefined();
    expect(r.igpu?.deviceId).toBe(0x1681);
    const vm = r.result!.blocks.find((b) => b.id === 'vm-conf')!.lines.map((l) => l.text);
    expect(vm).toEqual([
      'bios: ovmf',
      'machine: q35',
      'vga: none',
      'hostpci0: 0000:c5:00.0,pcie=1,romfile=vbios-1681.bin',
      'hostpci1: 0000:c5:00.1,pcie=1,romfile=amd-gop-1681-audio.rom',
      'cpu: host',
    ]);
    // Pasting the VM's config merges the AMD way: q35 kept, both functions.
    const merged = mergedQmSetBlock(r.result!, 321, 'machine: pc-q35-9.2\ncpu: host\n', {});
    expect(merged.lines.map((l) => l.text)).toEqual([
      'qm set 321 --bios ovmf',
      '# machine: pc-q35-9.2',
      'qm set 321 --vga none',
      'qm set 321 --hostpci0 0000:c5:00.0,pcie=1,romfile=vbios-1681.bin',
      'qm set 321 --hostpci1 0000:c5:00.1,pcie=1,romfile=amd-gop-1681-audio.rom',
      '# cpu: host',
      'qm set 321 --efidisk0 local-lvm:1,efitype=4m,pre-enrolled-keys=0',
    ]);
  });
});

describe('step 3 with the AMD ROM layout', () => {
  const built = [
    { kind: 'combined', fileName: 'amd-vbios-gop-1681.rom' },
    { kind: 'gop-only', fileName: 'amd-gop-1681-audio.rom' },
    { kind: 'vbios', fileName: 'vbios-1681.bin' },
  ] as const;
  const names = { combined: built[0].fileName, gop: built[1].fileName, gpu: built[2].fileName };
  const hostpci = (r: ReturnType<typeof resolveConfig>) =>
    r
      .result!.blocks.find((b) => b.id === 'vm-conf')!
      .lines.map((l) => l.text)
      .filter((t) => t.startsWith('hostpci'));

  it('one combined ROM: on the GPU function, none on the audio function, and only it goes along', () => {
    const r = resolveConfig(
      { pve: '9.1', boot: 'grub', vmid: 321, lspci },
      { amdRomNames: names, amdRoms: { combined: true, noVbios: false } },
    );
    expect(hostpci(r)).toEqual([
      'hostpci0: 0000:c5:00.0,pcie=1,romfile=amd-vbios-gop-1681.rom',
      'hostpci1: 0000:c5:00.1,pcie=1',
    ]);
    expect(amdRomsFor(built, { combined: true, noVbios: false }).map((x) => x.kind)).toEqual([
      'combined',
    ]);
  });

  it('two ROMs: the VBIOS and the GOP ROM go along, not the combined one', () => {
    const r = resolveConfig(
      { pve: '9.1', boot: 'grub', vmid: 321, lspci },
      { amdRomNames: names, amdRoms: { combined: false, noVbios: false } },
    );
    expect(hostpci(r)).toEqual([
      'hostpci0: 0000:c5:00.0,pcie=1,romfile=vbios-1681.bin',
      'hostpci1: 0000:c5:00.1,pcie=1,romfile=amd-gop-1681-audio.rom',
    ]);
    expect(amdRomsFor(built, { combined: false, noVbios: false }).map((x) => x.kind)).toEqual([
      'gop-only',
      'vbios',
    ]);
    expect(amdRomsFor([built[1]], { combined: false, noVbios: true }).map((x) => x.kind)).toEqual([
      'gop-only',
    ]);
  });
});

describe('step 3 without the real device ID', () => {
  const modprobe = (r: ReturnType<typeof resolveConfig>) =>
    r.result!.blocks.find((b) => b.id === 'modprobe')!.lines.map((l) => l.text);

  it('asks for the ID instead of naming the generation’s first one', () => {
    const r = resolveConfig({ pve: '9.1', boot: 'grub', igpu: 'ADL-N', vmid: 100 });
    expect(r.igpu).toMatchObject({ code: 'ADL-N', gen: 12 });
    expect(r.igpu!.deviceId).toBeUndefined();
    expect(modprobe(r)[0]).toMatch(/^# set your iGPU's PCI ID here \(lspci -nn -s 00:02\.0/);
    expect(modprobe(r).some((l) => /ids=8086:[0-9a-f]{4}/.test(l))).toBe(false);
    expect(r.result!.findings.map((f) => f.id)).toContain('device-id-unknown');
  });

  it('names the device a pasted lspci line (or the probe) gives', () => {
    const lspci =
      '00:02.0 VGA compatible controller [0300]: Intel Corporation Alder Lake-N [UHD Graphics] [8086:46d1]';
    const r = resolveConfig({ pve: '9.1', boot: 'grub', igpu: 'ADL', vmid: 100, lspci });
    expect(r.igpu!.deviceId).toBe(0x46d1);
    expect(modprobe(r)[0]).toBe('options vfio-pci ids=8086:46d1');
    expect(r.result!.findings.map((f) => f.id)).not.toContain('device-id-unknown');
  });
});

describe.skipIf(!haveFixtures)('step 3 takes the generation of step 1’s GOP', () => {
  /** What step 1 passes on for a real file: its top GOP's version and generation. */
  const firmwareOf = async (rel: string): Promise<FirmwareChoice> => {
    const gop = (await analyze(readFixture(rel))).gops[0];
    return { gopVersion: gop.version, gopGeneration: gop.igpuCode };
  };
  const ids = (r: ReturnType<typeof resolveConfig>) => r.result!.findings.map((f) => f.id);

  it('a BIOS capsule with a Skylake … Comet Lake GOP: Gen 9, device ID still unknown', async () => {
    const firmware = await firmwareOf('vendor-like/efi-capsule.cap');
    expect(firmware).toEqual({ gopVersion: '9.0.1080', gopGeneration: 'SKL' });
    const r = resolveConfig({ pve: '9.1', boot: 'grub', vmid: 100 }, { firmware });
    expect(r.igpu).toEqual(igpuGeneration('SKL'));
    expect(r.igpu!.deviceId).toBeUndefined();
    expect(r.result).toEqual(
      renderConfig({
        pve: '9.1',
        boot: 'grub',
        igpu: igpuGeneration('SKL'),
        mode: 'rom',
        vmid: 100,
      }),
    );
    // Not the ADL default's config: Gen 9 keeps legacy mode on QEMU 10.1, so no x-igd-lpc.
    const vm = (x: ReturnType<typeof resolveConfig>) =>
      x.result!.blocks.find((b) => b.id === 'vm-conf')!.lines.map((l) => l.text);
    const adl = resolveConfig({ pve: '9.1', boot: 'grub', vmid: 100 });
    expect(adl.igpu).toEqual(igpuGeneration('ADL'));
    expect(vm(adl)).toContain('args: -set device.hostpci0.x-igd-lpc=on');
    expect(vm(r).some((l) => l.startsWith('args:'))).toBe(false);
    expect(ids(r)).toContain('device-id-unknown');
    // The GOP fits the generation it named.
    expect(r.firmwareFindings).toEqual([]);
  });

  it('a Jasper Lake GOP (N5095): Gen 11; a chosen generation or a pasted lspci line wins', async () => {
    const firmware = await firmwareOf('gop/11-n5095.efi');
    expect(firmware.gopGeneration).toBe('JSL');
    const base = { pve: '9.1', boot: 'grub', vmid: 100 } as const;
    expect(resolveConfig(base, { firmware }).igpu).toEqual(igpuGeneration('JSL'));
    expect(resolveConfig({ ...base, igpu: 'CFL' }, { firmware }).igpu).toEqual(
      igpuGeneration('CFL'),
    );
    const lspci =
      '00:02.0 VGA compatible controller [0300]: Intel Corporation JasperLake [UHD Graphics] [8086:4e71] (rev 01)';
    const pasted = resolveConfig({ ...base, lspci }, { firmware });
    expect(pasted.igpu).toMatchObject({ code: 'JSL', deviceId: 0x4e71 });
    expect(ids(pasted)).not.toContain('device-id-unknown');
  });
});
