import { FirmwareError } from '../../src/lib/firmware/errors';
import { parseFirmware } from '../../src/lib/firmware/parse';
import type { DecodeCache, DecodedBody } from '../../src/lib/firmware/tree/context';
import { MUTATIONS, mutate, rng, type MutationKind } from './mutate';
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
  slowest: { ms: number; seed: string; kind: MutationKind; caseIndex: number };
}

export const CASE_LIMIT_MS = 2000;

export function emptyReport(): FuzzReport {
  return {
    cases: 0,
    trees: 0,
    firmwareErrors: 0,
    findings: [],
    slowest: { ms: 0, seed: '', kind: 'bitflip', caseIndex: -1 },
  };
}

/**
 * Consecutive cases share a seed image, so the decoded sections a mutation left alone can be
 * reused (see DecodeCache) instead of decompressed again: big images cost most of their parse
 * time in LZMA, and a case changes only a few bytes.
 */
export const SEED_RUN = 32;

export function seedIndex(seeds: Seed[], i: number, seedRun = SEED_RUN): number {
  return Math.floor(i / seedRun) % seeds.length;
}

/** The input of case `i` of a run with `seed`: any case can be rebuilt alone. */
export function caseInput(
  seeds: Seed[],
  seed: number,
  i: number,
  seedRun = SEED_RUN,
): { seed: Seed; bytes: Uint8Array; kind: MutationKind } {
  const s = seeds[seedIndex(seeds, i, seedRun)];
  const { bytes, kind } = mutate(s.bytes, rng((seed * 0x9e3779b1 + i) >>> 0));
  return { seed: s, bytes, kind };
}

/** The mutation kind of case `i` (it depends only on the run's seed and i). */
export function caseKind(seed: number, i: number): MutationKind {
  return MUTATIONS[Math.floor(rng((seed * 0x9e3779b1 + i) >>> 0)() * MUTATIONS.length)];
}

export type CaseOutcome =
  | { outcome: 'tree'; ms: number }
  | { outcome: 'firmware-error'; ms: number }
  | { outcome: 'finding'; ms: number; problem: string };

/**
 * Decoded bodies of the current seed's streams, capped: a case's own mutated streams are
 * stored too, and must not pile up.
 */
export class SeedDecodeCache implements DecodeCache {
  private map = new Map<string, DecodedBody>();
  private bytes = 0;
  private seed = -1;
  constructor(private readonly maxBytes = 256 << 20) {}
  /** Forget everything when the cases move on to another seed. */
  useSeed(index: number): void {
    if (index === this.seed) return;
    this.seed = index;
    this.map.clear();
    this.bytes = 0;
  }
  get(key: string): DecodedBody | undefined {
    return this.map.get(key);
  }
  set(key: string, value: DecodedBody): void {
    if (this.bytes + value.out.length > this.maxBytes) return;
    this.map.set(key, value);
    this.bytes += value.out.length;
  }
}

/** Wall time and this process's CPU time of one parse, in ms. */
async function timedParse(
  bytes: Uint8Array,
  decodeCache?: DecodeCache,
): Promise<{ error?: unknown; wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let error: unknown;
  try {
    await parseFirmware(bytes, { decodeCache });
  } catch (e) {
    error = e ?? new Error('threw a nullish value');
  }
  const wall = performance.now() - t0;
  const c = process.cpuUsage(cpu0);
  return { error, wall, cpu: (c.user + c.system) / 1000 };
}

/**
 * Parse one input; anything but a tree or a FirmwareError within CASE_LIMIT_MS is a finding.
 * The limit is on work done: a case is too slow when it takes longer than the limit in wall
 * time and in CPU time, twice. (Long campaigns run at low priority on a shared machine, where
 * waiting for a core can stretch the wall time of any case.) A hang never returns here: the
 * threaded runner in run.ts watches for that.
 */
export async function runInput(bytes: Uint8Array, decodeCache?: DecodeCache): Promise<CaseOutcome> {
  const first = await timedParse(bytes, decodeCache);
  const e = first.error;
  if (e !== undefined && !(e instanceof FirmwareError)) {
    return {
      outcome: 'finding',
      ms: first.wall,
      problem: `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
    };
  }
  const ok: CaseOutcome = { outcome: e ? 'firmware-error' : 'tree', ms: first.wall };
  if (first.wall <= CASE_LIMIT_MS || first.cpu <= CASE_LIMIT_MS) return ok;
  // Again without the cache: the time limit is on a parse that decodes everything itself.
  const again = await timedParse(bytes);
  if (again.wall <= CASE_LIMIT_MS || again.cpu <= CASE_LIMIT_MS) return ok;
  const ms = Math.min(first.wall, again.wall);
  return {
    outcome: 'finding',
    ms,
    problem: `took ${ms.toFixed(0)} ms (${Math.min(first.cpu, again.cpu).toFixed(0)} ms CPU), twice`,
  };
}

/** Add one case's outcome to a report. */
export function record(
  report: FuzzReport,
  i: number,
  input: { seed: Seed; kind: MutationKind },
  r: CaseOutcome,
): void {
  report.cases++;
  if (r.outcome === 'tree') report.trees++;
  else if (r.outcome === 'firmware-error') report.firmwareErrors++;
  else
    report.findings.push({
      caseIndex: i,
      seed: input.seed.name,
      kind: input.kind,
      problem: r.problem,
    });
  if (r.ms > report.slowest.ms)
    report.slowest = { ms: r.ms, seed: input.seed.name, kind: input.kind, caseIndex: i };
}

/**
 * Runs cases `first`, `first + step`, … (fewer than `cases` in all, until the deadline) in this
 * thread. Case i uses seed (i / SEED_RUN) mod n and a PRNG seeded from (seed, i), so any case can
 * be replayed alone. A case passes when it ends in a tree or a FirmwareError within CASE_LIMIT_MS.
 */
export async function fuzz(
  seeds: Seed[],
  opts: {
    cases: number;
    seed: number;
    deadlineMs?: number;
    first?: number;
    step?: number;
    /** Cases per seed before the next (default SEED_RUN). */
    seedRun?: number;
    onCase?: (i: number, report: FuzzReport) => void;
    beforeCase?: (i: number) => void;
  },
): Promise<FuzzReport> {
  const report = emptyReport();
  const cache = new SeedDecodeCache();
  const stopAt = opts.deadlineMs ? Date.now() + opts.deadlineMs : Infinity;
  const step = opts.step ?? 1;
  for (let i = opts.first ?? 0; i < opts.cases && Date.now() < stopAt; i += step) {
    opts.beforeCase?.(i);
    const input = caseInput(seeds, opts.seed, i, opts.seedRun);
    cache.useSeed(seedIndex(seeds, i, opts.seedRun));
    record(report, i, input, await runInput(input.bytes, cache));
    opts.onCase?.(i, report);
  }
  return report;
}
