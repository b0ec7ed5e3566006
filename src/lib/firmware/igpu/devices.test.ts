import { describe, expect, it } from 'vitest';
import { IGPU_DEVICES, IGPU_FAMILIES, igpuIdsFor, lookupIgpu, representativeIgpu } from './devices';

describe('Intel iGPU device table', () => {
  it('maps IDs as Linux include/drm/intel/pciids.h does', () => {
    // Spot checks: macro in pciids.h → expected code.
    const cases: [number, string][] = [
      [0x46a6, 'ADL'], // INTEL_ADLP_IDS
      [0x4680, 'ADL'], // INTEL_ADLS_IDS
      [0x9a49, 'TGL'], // INTEL_TGL_GT2_IDS
      [0x3e92, 'CFL'], // INTEL_CFL_S_GT2_IDS
      [0x3ea0, 'CFL'], // INTEL_WHL_U_GT2_IDS
      [0x0412, 'HSW'], // INTEL_HSW_GT2_IDS
      [0x7d55, 'MTL'], // INTEL_MTL_IDS
      [0x7d51, 'ARL'], // INTEL_ARL_H_IDS
      [0xb640, 'ARL'], // INTEL_ARL_S_IDS
      [0x64a0, 'LNL'], // INTEL_LNL_IDS
      [0xb080, 'PTL'], // INTEL_PTL_IDS
      [0xb0b0, 'PTL'], // INTEL_PTL_IDS
      [0xfd81, 'PTL'], // INTEL_WCL_IDS (a PTL derivative to Linux)
      [0x46d1, 'ADL-N'], // INTEL_ADLN_IDS
      [0xa780, 'RPL'], // INTEL_RPLS_IDS
      [0xa7a0, 'RPL'], // INTEL_RPLP_IDS
      [0x9bc5, 'CML'], // INTEL_CML_GT2_IDS
      [0x5912, 'KBL'], // INTEL_KBL_GT2_IDS
      [0x87c0, 'KBL'], // INTEL_AML_KBL_GT2_IDS
      [0x1912, 'SKL'], // INTEL_SKL_GT2_IDS
      [0x5a85, 'APL'], // INTEL_BXT_IDS
      [0x3185, 'GLK'], // INTEL_GLK_IDS
      [0x8a52, 'ICL'], // INTEL_ICL_PORT_F_IDS
      [0x4e61, 'JSL'], // INTEL_JSL_IDS
      [0x4571, 'EHL'], // INTEL_EHL_IDS
      [0x4c8a, 'RKL'], // INTEL_RKL_IDS
      [0x0f31, 'BYT'], // INTEL_VLV_IDS
      [0x22b0, 'CHV'], // INTEL_CHV_IDS
      [0x1616, 'BDW'], // INTEL_BDW_ULT_GT2_IDS
      [0x0162, 'IVB'], // INTEL_IVB_D_GT2_IDS
      [0x0116, 'SNB'], // INTEL_SNB_M_GT2_IDS
    ];
    for (const [id, code] of cases) expect(lookupIgpu(id)?.code, `0x${id.toString(16)}`).toBe(code);
  });

  it('leaves out discrete and unknown devices', () => {
    expect(lookupIgpu(0x56a0)).toBeUndefined(); // DG2 (Arc A770)
    expect(lookupIgpu(0x4905)).toBeUndefined(); // DG1
    expect(lookupIgpu(0x2e32)).toBeUndefined(); // G41 (pre-SNB)
    expect(lookupIgpu(0xffff)).toBeUndefined();
    expect(lookupIgpu(0xe20b)).toBeUndefined(); // BMG (Arc B580)
    // Early PTL IDs that pciids.h dropped again (commit 16016ade13f6, "current bspec table").
    for (const id of [0xb091, 0xb092, 0xb0a1, 0xb0a2]) expect(lookupIgpu(id)).toBeUndefined();
  });

  it("names Arrow Lake's and Meteor Lake's variants as pciids.h groups them", () => {
    const label = (id: number) => lookupIgpu(id)?.label;
    expect([0x7d51, 0x7dd1].map(label)).toEqual(['Arrow Lake-H', 'Arrow Lake-H']); // INTEL_ARL_H_IDS
    expect(label(0x7d41)).toBe('Arrow Lake-U'); // INTEL_ARL_U_IDS
    expect([0x7d67, 0xb640].map(label)).toEqual(['Arrow Lake-S', 'Arrow Lake-S']); // INTEL_ARL_S_IDS
    expect([0x7d40, 0x7d45].map(label)).toEqual(['Meteor Lake-U', 'Meteor Lake-U']); // INTEL_MTL_U_IDS
    expect(label(0x7d55)).toBe('Meteor Lake');
    expect(label(0xfd80)).toBe('Wildcat Lake');
  });

  it('has no duplicate IDs and the number of IDs per platform listed in pciids.h', () => {
    const ids = IGPU_DEVICES.map((d) => d.deviceId);
    expect(new Set(ids).size).toBe(ids.length);
    // Counted by hand from the pciids.h macros (HSW: 60 = 4 × 15, BDW 24, SKL 25, KBL 20 + AML 2, CFL 16 + AML 1 + WHL 5 …).
    const counts: Record<string, number> = {
      SNB: 7,
      IVB: 6,
      HSW: 60,
      BYT: 4,
      BDW: 24,
      CHV: 4,
      SKL: 25,
      APL: 5,
      GLK: 2,
      KBL: 22,
      CFL: 22,
      CML: 17,
      ICL: 15,
      EHL: 6,
      JSL: 5,
      TGL: 11,
      RKL: 6,
      ADL: 26,
      'ADL-N': 5,
      RPL: 18,
      MTL: 5,
      ARL: 5,
      LNL: 3,
      PTL: 14,
    };
    for (const f of IGPU_FAMILIES) expect(igpuIdsFor(f.code).length, f.code).toBe(counts[f.code]);
    expect(ids.length).toBe(317);
  });

  it('uses the 64-bit BDSM register at 0xC0 from Gen11 and 0x5C before', () => {
    expect(lookupIgpu(0x3e92)?.bdsmRegister).toBe(0x5c);
    expect(lookupIgpu(0x0102)?.bdsmRegister).toBe(0x5c);
    expect(lookupIgpu(0x8a52)?.bdsmRegister).toBe(0xc0);
    expect(lookupIgpu(0x46a6)?.bdsmRegister).toBe(0xc0);
    expect(lookupIgpu(0x7d55)?.bdsmRegister).toBe(0xc0);
    for (const d of IGPU_DEVICES) expect(d.bdsmRegister).toBe(d.gen >= 11 ? 0xc0 : 0x5c);
  });

  it('orders generations SNB < … < LNL < PTL', () => {
    const gen = (id: number) => lookupIgpu(id)!.gen;
    expect(gen(0x0102)).toBe(6);
    expect(gen(0x0412)).toBe(7);
    expect(gen(0x1616)).toBe(8);
    expect(gen(0x9bc5)).toBe(9);
    expect(gen(0x8a52)).toBe(11);
    expect(gen(0x46a6)).toBe(12);
    expect(gen(0x7d55)).toBeGreaterThan(12);
    expect(gen(0x64a0)).toBeGreaterThan(gen(0x7d55));
    expect(gen(0xb080)).toBeGreaterThan(gen(0x64a0));
    expect(gen(0xfd80)).toBe(gen(0xb080));
    expect(representativeIgpu('ADL-N').code).toBe('ADL-N');
  });
});
