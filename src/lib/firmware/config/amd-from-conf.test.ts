import { describe, expect, it } from 'vitest';
import { amdIgpuFromConf, type PciFunctionFacts } from './amd-from-conf';
import { checkVmConfig } from './check';

const conf = (...lines: string[]) => lines.join('\n') + '\n';

/** A host as sysfs shows it: address → vendor, device, class. */
const host =
  (devices: Record<string, PciFunctionFacts>) =>
  (address: string): PciFunctionFacts | undefined =>
    devices[address];

describe('amdIgpuFromConf: an AMD iGPU VM from its config alone', () => {
  it('from the ROM names the AMD builder gives: the VBIOS on the GPU, the GOP ROM on the audio function', () => {
    const g = amdIgpuFromConf(
      conf(
        'hostpci0: 0000:c5:00.0,pcie=1,romfile=vbios-1681.bin',
        'hostpci1: 0000:c5:00.1,pcie=1,romfile=amd-gop-1681-audio.rom',
      ),
    )!;
    expect(g.amd).toEqual({
      vendor: 'amd',
      gpuAddress: '0000:c5:00.0',
      audioAddress: '0000:c5:00.1',
      deviceId: 0x1681,
      audioDeviceId: 0x1640,
      label: 'Rembrandt',
    });
    expect(g.assumed).toEqual([
      'hostpci0 has romfile=vbios-1681.bin, a ROM the AMD builder makes for 1002:1681 (Rembrandt): the VM is checked as an AMD iGPU VM with the GPU at c5:00.0 and its audio at c5:00.1',
    ]);
    // The GOP ROM alone (no VBIOS in the BIOS) names the slot through the audio function.
    const audioOnly = amdIgpuFromConf(
      conf('hostpci3: 06:00.0,pcie=1', 'hostpci4: 06:00.1,romfile=amd-gop-1636-audio.rom'),
    )!;
    expect([audioOnly.amd.gpuAddress, audioOnly.amd.deviceId, audioOnly.amd.audioDeviceId]).toEqual(
      ['0000:06:00.0', 0x1636, 0x1637],
    );
    // The combined ROM.
    expect(
      amdIgpuFromConf(conf('hostpci0: c4:00,romfile=amd-vbios-gop-15bf.rom'))!.amd,
    ).toMatchObject({
      gpuAddress: '0000:c4:00.0',
      deviceId: 0x15bf,
      label: 'Phoenix',
    });
  });

  it('names that only look alike, or an Intel config, are not taken for AMD', () => {
    expect(
      amdIgpuFromConf(conf('hostpci0: 0000:00:02.0,legacy-igd=1,romfile=igd.rom')),
    ).toBeUndefined();
    expect(amdIgpuFromConf(conf('hostpci0: 01:00.0,romfile=vbios-1681.rom'))).toBeUndefined();
    expect(amdIgpuFromConf(conf('hostpci0: 01:00.0,romfile=my-vbios-1681.bin'))).toBeUndefined();
  });

  it('from an AMD device ID: the function-0 entry whose .1 is passed too, or the only one', () => {
    const paired = amdIgpuFromConf(
      conf('hostpci0: 0000:01:00.0,pcie=1', 'hostpci1: c5:00.0,pcie=1', 'hostpci2: c5:00.1,pcie=1'),
      { deviceId: 0x1681 },
    )!;
    expect(paired.amd.gpuAddress).toBe('0000:c5:00.0');
    expect(paired.assumed[0]).toMatch(
      /^device 1002:1681 is an AMD Rembrandt iGPU \(AMD table\); its GPU function is taken to be hostpci1 c5:00\.0, the entry whose function \.1 is passed too$/,
    );
    expect(
      amdIgpuFromConf(conf('hostpci0: c5:00,pcie=1'), { deviceId: 0x1681 })!.amd.gpuAddress,
    ).toBe('0000:c5:00.0');
    // Two candidates and neither has its audio function passed: not guessed.
    expect(
      amdIgpuFromConf(conf('hostpci0: 01:00.0', 'hostpci1: c5:00.0'), { deviceId: 0x1681 }),
    ).toBeUndefined();
    // An ID the AMD table does not know.
    expect(amdIgpuFromConf(conf('hostpci0: c5:00.0'), { deviceId: 0x46a6 })).toBeUndefined();
  });

  it('from this host: the hostpci address that sysfs says is an AMD display controller, first of all', () => {
    const readPci = host({
      '0000:00:02.0': { vendorId: 0x8086, deviceId: 0x46a6, classCode: 0x030000 },
      '0000:01:00.0': { vendorId: 0x144d, deviceId: 0xa80a, classCode: 0x010802 },
      '0000:c4:00.0': { vendorId: 0x1002, deviceId: 0x15bf, classCode: 0x038000 },
      '0000:c4:00.1': { vendorId: 0x1002, deviceId: 0x1640, classCode: 0x040300 },
    });
    const text = conf(
      'hostpci0: 0000:01:00.0',
      // A romfile the user named after another APU: the host's own device wins.
      'hostpci1: 0000:c4:00.1,romfile=vbios-1681.bin',
    );
    const g = amdIgpuFromConf(text, { readPci })!;
    expect(g.amd).toMatchObject({
      gpuAddress: '0000:c4:00.0',
      audioAddress: '0000:c4:00.1',
      deviceId: 0x15bf,
      audioDeviceId: 0x1640,
      label: 'Phoenix',
    });
    expect(g.assumed[0]).toMatch(
      /^hostpci1 c4:00\.1: this host says c4:00\.0 is an AMD display controller \[1002:15bf\] \(Phoenix\)/,
    );
    // The whole check then runs the AMD rules: the GPU function is not passed.
    expect(checkVmConfig(text, { amd: g.amd }).map((f) => f.id)).toContain('amd-no-gpu');
    // An Intel host: nothing AMD.
    expect(
      amdIgpuFromConf(conf('hostpci0: 0000:00:02.0,legacy-igd=1'), { readPci }),
    ).toBeUndefined();
  });

  it("a Radeon card beside Intel's IGD is no AMD iGPU: not from the host, not from a device ID", () => {
    const text = conf(
      'hostpci0: 0000:00:02.0,legacy-igd=1,romfile=igd.rom',
      'hostpci1: 0000:03:00.0,pcie=1',
    );
    const readPci = host({
      '0000:00:02.0': { vendorId: 0x8086, deviceId: 0x46a6, classCode: 0x030000 },
      // Navi 23 [Radeon RX 6600]: a discrete card, in no iGPU table.
      '0000:03:00.0': { vendorId: 0x1002, deviceId: 0x73ff, classCode: 0x030000 },
      '0000:03:00.1': { vendorId: 0x1002, deviceId: 0xab28, classCode: 0x040300 },
    });
    expect(amdIgpuFromConf(text, { readPci })).toBeUndefined();
    // The card alone (no IGD passed) is still no APU.
    expect(amdIgpuFromConf(conf('hostpci1: 0000:03:00.0,pcie=1'), { readPci })).toBeUndefined();
    // An APU ID given for the same VM: the IGD entry says Intel, so no guess.
    expect(amdIgpuFromConf(text, { deviceId: 0x1681 })).toBeUndefined();
    // The IGD known by the host's vendor rather than its address.
    const elsewhere = host({
      '0000:00:02.0': { vendorId: 0x1002, deviceId: 0x15bf, classCode: 0x030000 },
      '0000:00:04.0': { vendorId: 0x8086, deviceId: 0x46a6, classCode: 0x030000 },
    });
    expect(
      amdIgpuFromConf(conf('hostpci0: 0000:00:04.0', 'hostpci1: c5:00.0', 'hostpci2: c5:00.1'), {
        deviceId: 0x1681,
        readPci: elsewhere,
      }),
    ).toBeUndefined();
    // Without the Intel entry the same ID finds its GPU function.
    expect(
      amdIgpuFromConf(conf('hostpci1: 0000:03:00.0,pcie=1'), { deviceId: 0x1681 })!.amd.gpuAddress,
    ).toBe('0000:03:00.0');
  });
});
