import { describe, expect, it } from 'vitest';
import { lookupIgpu } from '../igpu/devices';
import {
  hasBdsmRegister,
  isSupported,
  pveReleasesWithLegacyMode,
  ver,
  WITHOUT_LEGACY_MODE,
} from './facts';

const igpu = (id: number) => lookupIgpu(id)!;

describe('config facts for Meteor Lake and newer', () => {
  // 7D55 MTL, 7D67 ARL-S, 7D51 ARL-H, 64A0 LNL, B080 PTL, FD80 WCL (Linux pciids.h)
  const newest = [0x7d55, 0x7d67, 0x7d51, 0x64a0, 0xb080, 0xfd80].map(igpu);

  it('no Proxmox release runs them in legacy mode; Gen6–9 parts get every listed release', () => {
    for (const d of newest) expect(pveReleasesWithLegacyMode(d), d.label).toEqual([]);
    expect(pveReleasesWithLegacyMode(igpu(0x3e92)).map((r) => r.pve)).toContain('9.1'); // CFL
  });

  it('the way without legacy mode needs QEMU 10.1 (PVE 9.1), x-igd-lpc and the OpRegion', () => {
    expect(WITHOUT_LEGACY_MODE.minimumQemu).toBe('10.1');
    expect(WITHOUT_LEGACY_MODE.properties).toEqual(['x-igd-lpc=on', 'x-igd-opregion=on']);
    for (const d of newest) {
      expect(isSupported(ver('10.0'), d), d.label).toBe(false);
      expect(isSupported(ver(WITHOUT_LEGACY_MODE.minimumQemu), d), d.label).toBe(true);
    }
  });

  it('has no BDSM register from Meteor Lake on (stolen memory in LMEMBAR)', () => {
    for (const d of newest) expect(hasBdsmRegister(d), d.label).toBe(false);
    expect(hasBdsmRegister(igpu(0xa780))).toBe(true); // RPL-S
    expect(hasBdsmRegister(igpu(0x0102))).toBe(true); // SNB
  });
});
