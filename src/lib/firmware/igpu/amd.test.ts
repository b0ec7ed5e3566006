import { describe, expect, it } from 'vitest';
import { AMD_APUS, amdGpusWithAudio, isAmdApuAudio, lookupAmdApu } from './amd';

describe('AMD APU device table', () => {
  it('names the families as pci.ids and amdgpu_drv.c do', () => {
    const cases: [number, string][] = [
      [0x15dd, 'Raven'],
      [0x15d8, 'Picasso'],
      [0x1636, 'Renoir'],
      [0x164c, 'Lucienne'],
      [0x1638, 'Cezanne'],
      [0x15e7, 'Barcelo'],
      [0x1681, 'Rembrandt'],
      [0x1506, 'Mendocino'],
      [0x163f, 'Van Gogh'],
      [0x164e, 'Raphael'],
      [0x13c0, 'Granite Ridge'],
      [0x15bf, 'Phoenix'],
      [0x15c8, 'Phoenix2'],
      [0x1900, 'Hawk Point'],
      [0x150e, 'Strix Point'],
      [0x1114, 'Krackan'],
      [0x1902, 'Krackan'],
      [0x1586, 'Strix Halo'],
      [0x9870, 'Carrizo'],
      [0x98e4, 'Stoney'],
    ];
    for (const [id, family] of cases)
      expect(lookupAmdApu(id)?.family, id.toString(16)).toBe(family);
    expect(lookupAmdApu(0x6900)).toBeUndefined();
  });

  it('pairs each GPU with its HDMI audio function', () => {
    expect(lookupAmdApu(0x1636)?.audioDeviceId).toBe(0x1637);
    expect(lookupAmdApu(0x15d8)?.audioDeviceId).toBe(0x15de);
    expect(lookupAmdApu(0x1681)?.audioDeviceId).toBe(0x1640);
    expect(amdGpusWithAudio(0x1637).map((a) => a.family)).toEqual([
      'Renoir',
      'Lucienne',
      'Cezanne',
      'Barcelo',
    ]);
    expect(isAmdApuAudio(0x1640)).toBe(true);
    expect(isAmdApuAudio(0x1636)).toBe(false);
  });

  it('lists each device ID once', () => {
    const ids = AMD_APUS.map((a) => a.deviceId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
