import { describe, expect, it } from 'vitest';
import { FirmwareError } from '../errors';
import { amdFamilyName, parseAmdLspci } from './amd';
import { parseLspci } from './inputs';

// Real `lspci -nn` line formats (pciutils: address, class name [cccc]: vendor name, device name [vvvv:dddd]).
const REMBRANDT = [
  'c5:00.0 VGA compatible controller [0300]: Advanced Micro Devices, Inc. [AMD/ATI] Rembrandt [Radeon 680M] [1002:1681] (rev c8)',
  'c5:00.1 Audio device [0403]: Advanced Micro Devices, Inc. [AMD/ATI] Rembrandt Radeon High Definition Audio Controller [1002:1640]',
].join('\n');

/** A whole `lspci -nn` of a Phoenix mini PC: host bridges (1022) first, the iGPU as a display controller. */
const PHOENIX_FULL = [
  '00:00.0 Host bridge [0600]: Advanced Micro Devices, Inc. [AMD] Device [1022:14e8]',
  '00:08.1 PCI bridge [0604]: Advanced Micro Devices, Inc. [AMD] Device [1022:14eb]',
  '01:00.0 Non-Volatile memory controller [0108]: Samsung Electronics Co Ltd NVMe SSD Controller PM9A1/PM9A3/980PRO [144d:a80a]',
  '0000:c4:00.0 Display controller [0380]: Advanced Micro Devices, Inc. [AMD/ATI] Phoenix1 [1002:15bf] (rev c2)',
  '0000:c4:00.1 Audio device [0403]: Advanced Micro Devices, Inc. [AMD/ATI] Rembrandt Radeon High Definition Audio Controller [1002:1640]',
  '0000:c4:00.2 Encryption controller [1080]: Advanced Micro Devices, Inc. [AMD] Family 19h (Model 74h) CCP/PSP 3.0 Device [1022:15c7]',
  '0000:c4:00.6 Audio device [0403]: Advanced Micro Devices, Inc. [AMD] Family 17h/19h HD Audio Controller [1022:15e3]',
].join('\n');

/** A device table that knows nothing: the fallback name. */
const NO_TABLE = () => undefined;

describe('parseAmdLspci', () => {
  it('finds the Rembrandt GPU at c5:00.0 and its HDMI audio at c5:00.1', () => {
    expect(parseAmdLspci(REMBRANDT, NO_TABLE)).toEqual({
      vendor: 'amd',
      gpuAddress: '0000:c5:00.0',
      audioAddress: '0000:c5:00.1',
      deviceId: 0x1681,
      audioDeviceId: 0x1640,
      label: 'AMD Radeon iGPU 1002:1681',
    });
  });

  it('reads a whole listing: display class 0380, a domain prefix, the 1022 audio at .6 is not the HDMI function', () => {
    const g = parseAmdLspci(PHOENIX_FULL)!;
    expect([g.gpuAddress, g.audioAddress, g.deviceId, g.audioDeviceId]).toEqual([
      '0000:c4:00.0',
      '0000:c4:00.1',
      0x15bf,
      0x1640,
    ]);
  });

  it('takes the family name from the table given, and names unknown IDs by their numbers', () => {
    const table = (id: number) => (id === 0x1681 ? 'Rembrandt' : undefined);
    expect(parseAmdLspci(REMBRANDT, table)!.label).toBe('Rembrandt');
    expect(amdFamilyName(0x1681, table)).toBe('Rembrandt');
    expect(amdFamilyName(0x15bf, table)).toBe('AMD Radeon iGPU 1002:15bf');
    expect(amdFamilyName(0x15bf, NO_TABLE)).toBe('AMD Radeon iGPU 1002:15bf');
    // Without a table given, the default one (or the fallback) names it.
    expect(amdFamilyName(0x1681)).toMatch(/^(AMD Radeon iGPU 1002:1681|.*Rembrandt.*)$/);
  });

  it('is undefined without an AMD display function; a FirmwareError without the .1 audio function', () => {
    expect(parseAmdLspci(PHOENIX_FULL.split('\n').slice(0, 3).join('\n'))).toBeUndefined();
    // An AMD (1022) audio device is not a GPU.
    expect(
      parseAmdLspci(
        '0000:c4:00.6 Audio device [0403]: Advanced Micro Devices, Inc. [AMD] Family 17h/19h HD Audio Controller [1022:15e3]',
      ),
    ).toBeUndefined();
    const only = REMBRANDT.split('\n')[0];
    expect(() => parseAmdLspci(only)).toThrow(FirmwareError);
    expect(() => parseAmdLspci(only)).toThrow(/lspci -nn -s c5:00/);
  });
});

describe('parseLspci with AMD lines', () => {
  it('gives the AMD iGPU, and keeps reading an Intel 00:02.0 line as before', () => {
    const r = parseLspci(REMBRANDT);
    expect(r).toMatchObject({ address: '0000:c5:00.0', vendorId: 0x1002, deviceId: 0x1681 });
    expect(r.igpu).toBeUndefined();
    expect(r.amd?.audioAddress).toBe('0000:c5:00.1');
    expect(parseLspci(PHOENIX_FULL).amd?.deviceId).toBe(0x15bf);
    const intel = parseLspci(
      '00:02.0 VGA compatible controller [0300]: Intel Corporation Alder Lake-P GT2 [Iris Xe Graphics] [8086:46a6] (rev 0c)',
    );
    expect(intel.igpu?.code).toBe('ADL');
    expect(intel.amd).toBeUndefined();
  });
});
