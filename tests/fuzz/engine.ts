import { FirmwareError } from '../../src/lib/firmware/errors';
import { parseFirmware } from '../../src/lib/firmware/parse';
import { mutate, rng, type MutationKind } from './mutate';
import type { Seed } from './seeds';

export interface Finding {
  caseIndex: number;
  seed: string;
  kind: MutationKind;
  problem: string;
}

export interface FuzzReport {
  cases: number;
  trees: number;
  firmwareErrors: number;
  findings: Finding[];
  slowest: { ms: number; seed: string; kind: MutationKind };
}

export const CASE_LIMIT_MS = 2000;

/**
 * Runs `cases` mutated parses (case i uses seed i mod n and a PRNG seeded from (seed, i), so
 * any case can be replayed alone). A case passes when it ends in a tree or a FirmwareError
 * within CASE_LIMIT_MS.
 */
export async function fuzz(
  seeds: Seed[],
  opts: { cases: number; seed: number; deadlineMs?: number; onCase?: (i: number) => void },
): Promise<FuzzReport> {
  const report: FuzzReport = {
    cases: 0,
    trees: 0,
    firmwareErrors: 0,
    findings: [],
    slowest: { ms: 0, seed: '', kind: 'bitflip' },
  };
  const stopAt = opts.deadlineMs ? Date.now() + opts.deadlineMs : Infinity;
  for (let i = 0; i < opts.cases && Date.now() < stopAt; i++) {
    const seed = seeds[i % seeds.length];
    const random = rng((opts.seed * 0x9e3779b1 + i) >>> 0);
    const { bytes, kind } = mutate(seed.bytes, random);
    const started = performance.now();
    try {
      await parseFirmware(bytes);
      report.trees++;
    } catch (e) {
      if (e instanceof FirmwareError) report.firmwareErrors++;
      else
        report.findings.push({
          caseIndex: i,
          seed: seed.name,
          kind,
          problem: `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
        });
    }
    const ms = performance.now() - started;
    if (ms > report.slowest.ms) report.slowest = { ms, seed: seed.name, kind };
    if (ms > CASE_LIMIT_MS) {
      report.findings.push({
        caseIndex: i,
        seed: seed.name,
        kind,
        problem: `took ${ms.toFixed(0)} ms`,
      });
    }
    report.cases++;
    opts.onCase?.(i);
  }
  return report;
}
