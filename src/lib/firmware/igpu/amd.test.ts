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

  it('holds every family the issue lists', () => {
    const families = new Set(AMD_APUS.map((a) => a.family));
    for (const f of [
      'Raven',
      'Picasso',
      'Renoir',
      'Lucienne',
      'Cezanne',
      'Barcelo',
      'Rembrandt',
      'Mendocino',
      'Van Gogh',
      'Raphael',
      'Granite Ridge',
      'Phoenix',
      'Phoenix2',
      'Hawk Point',
      'Strix Point',
      'Krackan',
      'Strix Halo',
    ] as const)
      expect(families.has(f), f).toBe(true);
    // pci.ids IDs beyond the first die of a family (Sephiroth, Rembrandt 164d, Phoenix 164f).
    expect(lookupAmdApu(0x1435)?.family).toBe('Van Gogh');
    expect(lookupAmdApu(0x164d)?.family).toBe('Rembrandt');
    expect(lookupAmdApu(0x164f)?.family).toBe('Phoenix');
    expect(lookupAmdApu(0x1901)?.family).toBe('Hawk Point');
  });

  it('has the audio IDs public lspci/kernel logs show at BB:00.1', () => {
    // GPU at BB:00.0 → audio at BB:00.1, as transcribed from the sources in amd.ts.
    const seen: [number, number][] = [
      [0x98e4, 0x15b3],
      [0x15dd, 0x15de],
      [0x15d8, 0x15de],
      [0x1636, 0x1637],
      [0x164c, 0x1637],
      [0x1638, 0x1637],
      [0x15e7, 0x1637],
      [0x1681, 0x1640],
      [0x1506, 0x1640],
      [0x163f, 0x1640],
      [0x164e, 0x1640],
      [0x13c0, 0x1640],
      [0x15bf, 0x1640],
      [0x1900, 0x1640],
      [0x150e, 0x1640],
      [0x1114, 0x1640],
      [0x1902, 0x1640],
      [0x1586, 0x1640],
    ];
    for (const [gpu, audio] of seen) {
      const apu = lookupAmdApu(gpu);
      expect(apu?.audioDeviceId, gpu.toString(16)).toBe(audio);
      expect(apu?.audioSeen, gpu.toString(16)).toBe(true);
      expect(apu?.audioEvidence, gpu.toString(16)).toMatch(/\S/);
    }
    expect(AMD_APUS.filter((a) => a.audioSeen).length).toBe(seen.length);
  });

  it('justifies each audio ID no public output shows, by a sibling die that has it', () => {
    const unseen = AMD_APUS.filter((a) => a.audioDeviceId !== undefined && !a.audioSeen);
    expect(unseen.map((a) => a.deviceId.toString(16)).sort()).toEqual(
      ['1435', '15c8', '164d', '164f', '1901'].sort(),
    );
    for (const a of unseen) {
      const sibling = /sibling die [^,]*\b([0-9a-f]{4}),/.exec(a.audioEvidence ?? '');
      expect(sibling, a.label).not.toBeNull();
      const seenSibling = lookupAmdApu(parseInt(sibling![1], 16));
      expect(seenSibling?.family, a.label).toBe(a.family === 'Phoenix2' ? 'Phoenix' : a.family);
      expect(seenSibling?.audioSeen, a.label).toBe(true);
      expect(a.audioDeviceId, a.label).toBe(seenSibling?.audioDeviceId);
    }
    // Carrizo is the one family with no audio ID at all: no source names it.
    expect(
      AMD_APUS.filter((a) => a.audioDeviceId === undefined).every((a) => a.family === 'Carrizo'),
    ).toBe(true);
  });

  it('lists each device ID once', () => {
    const ids = AMD_APUS.map((a) => a.deviceId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
