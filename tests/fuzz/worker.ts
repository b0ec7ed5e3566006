/**
 * One fuzz worker thread: runs its share of the cases (first, first + step, …) and reports to
 * the runner. Before each case it stores the case index and start time in shared memory, so the
 * runner can tell a hang (a loop that never yields) from slow progress and stop the thread.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { caseInput, fuzz, type Finding } from './engine';
import { fixtureSeeds, syntheticSeeds } from './seeds';

export interface WorkerInput {
  seed: number;
  first: number;
  step: number;
  cases: number;
  /** Date.now() at which to stop. */
  deadline: number;
  maxSeedBytes: number;
  /** Float64Array view: [case index, start time (Date.now()) or 0 between cases]. */
  status: SharedArrayBuffer;
  /** Where the input of each finding is written (`<seed>-<case>.bin`). */
  saveDir: string;
}

export type WorkerMessage =
  | { type: 'seeds'; names: string[] }
  | {
      type: 'progress' | 'done';
      cases: number;
      trees: number;
      firmwareErrors: number;
      findings: Finding[];
      slowest: { ms: number; seed: string; kind: string; caseIndex: number };
    };

const input = workerData as WorkerInput;
const port = parentPort!;
const slot = new Float64Array(input.status);
const seeds = [...syntheticSeeds(), ...fixtureSeeds(input.maxSeedBytes)];
port.postMessage({ type: 'seeds', names: seeds.map((s) => s.name) } satisfies WorkerMessage);

function saveInput(i: number): void {
  mkdirSync(input.saveDir, { recursive: true });
  writeFileSync(
    join(input.saveDir, `${input.seed}-${i}.bin`),
    caseInput(seeds, input.seed, i).bytes,
  );
}

let sentFindings = 0;
const snapshot = (
  type: 'progress' | 'done',
  r: Awaited<ReturnType<typeof fuzz>>,
): WorkerMessage => {
  const findings = r.findings.slice(sentFindings);
  sentFindings = r.findings.length;
  for (const f of findings) saveInput(f.caseIndex);
  return { type, ...r, findings };
};

const report = await fuzz(seeds, {
  cases: input.cases,
  seed: input.seed,
  first: input.first,
  step: input.step,
  deadlineMs: Math.max(1, input.deadline - Date.now()),
  beforeCase: (i) => {
    slot[0] = i;
    slot[1] = Date.now();
  },
  onCase: (_i, r) => {
    slot[1] = 0;
    if (r.cases % 250 === 0 || r.findings.length > sentFindings)
      port.postMessage(snapshot('progress', r));
  },
});
port.postMessage(snapshot('done', report));
