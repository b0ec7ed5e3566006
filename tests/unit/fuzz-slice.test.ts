import { describe, expect, it } from 'vitest';
import { fuzz } from '../fuzz/engine';
import { fixtureSeeds, syntheticSeeds } from '../fuzz/seeds';

// A fixed-seed slice of `npm run fuzz` for CI: same cases every run.
describe('parser fuzz slice', () => {
  it('ends every one of 2,000 mutated images in a tree or a FirmwareError within 2 s', async () => {
    const seeds = [...syntheticSeeds(), ...fixtureSeeds(4_200_000)];
    // Runs of 8 cases per seed: every seed gets its turn within the 2,000 cases.
    const report = await fuzz(seeds, { cases: 2000, seed: 20261124, seedRun: 8 });
    expect(seeds.length * 8).toBeLessThan(2000);
    expect(report.cases).toBe(2000);
    expect(report.findings).toEqual([]);
    // Both outcomes occur: mutations that still parse, and ones rejected with an error.
    expect(report.trees).toBeGreaterThan(0);
    expect(report.firmwareErrors).toBeGreaterThan(0);
  }, 290_000);
});
