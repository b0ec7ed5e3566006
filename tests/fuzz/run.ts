/**
 * `npm run fuzz -- [--cases N] [--minutes M] [--seed S] [--jobs J] [--max-seed-bytes B]
 *                  [--hang-ms T]`
 * runs mutated parses in J worker threads; a case that has not answered after T ms (default
 * 30 s) is a hang: its thread is stopped, the case reported, and a new thread goes on after it.
 *
 * The input of every finding is written to `--save DIR` (default .tmp/fuzz-findings) as
 * `<seed>-<case>.bin`. `npm run fuzz -- --seed S --replay I [--write FILE]` runs case I of seed
 * S alone, in this thread (the seed list must be the same as in the run that found it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { caseInput, caseKind, CASE_LIMIT_MS, SEED_RUN, runInput, type Finding } from './engine';
import { fixtureSeeds, syntheticSeeds } from './seeds';
import type { WorkerInput, WorkerMessage } from './worker';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const cases = opt('--cases', 1_000_000);
const minutes = opt('--minutes', 10);
const seed = opt('--seed', Date.now() % 1_000_000);
const jobs = Math.max(1, opt('--jobs', 1));
const maxSeedBytes = opt('--max-seed-bytes', 20 << 20);
const hangMs = opt('--hang-ms', 30_000);
const replay = opt('--replay', -1);
const saveAt = args.indexOf('--save');
const saveDir = saveAt >= 0 ? args[saveAt + 1] : '.tmp/fuzz-findings';

if (replay >= 0) {
  const seeds = [...syntheticSeeds(), ...fixtureSeeds(maxSeedBytes)];
  const input = caseInput(seeds, seed, replay);
  const i = args.indexOf('--write');
  if (i >= 0) writeFileSync(args[i + 1], input.bytes);
  const r = await runInput(input.bytes);
  console.log(
    `case ${replay} of seed ${seed}: ${input.seed.name} [${input.kind}], ${input.bytes.length} bytes → ` +
      `${r.outcome}${r.outcome === 'finding' ? ` (${r.problem})` : ''} in ${r.ms.toFixed(0)} ms`,
  );
  process.exit(r.outcome === 'finding' ? 1 : 0);
}

interface Totals {
  cases: number;
  trees: number;
  firmwareErrors: number;
}
interface Job {
  worker: Worker;
  slot: Float64Array;
  /** Counts of earlier threads of this job (restarted after a hang). */
  base: Totals;
  last: Totals;
  done: boolean;
}

const deadline = Date.now() + minutes * 60_000;
const findings: Finding[] = [];
let seedNames: string[] = [];
let slowest = { ms: 0, seed: '', kind: '', caseIndex: -1 };
const started = Date.now();
const jobsState: Job[] = [];
const bootUrl = new URL('./worker-boot.mjs', import.meta.url);

function startJob(k: number, first: number, base: Totals): void {
  const status = new SharedArrayBuffer(16);
  const input: WorkerInput = {
    seed,
    first,
    step: jobs,
    cases,
    deadline,
    maxSeedBytes,
    status,
    saveDir,
  };
  const job: Job = {
    worker: new Worker(bootUrl, { workerData: input }),
    slot: new Float64Array(status),
    base,
    last: { cases: 0, trees: 0, firmwareErrors: 0 },
    done: false,
  };
  jobsState[k] = job;
  job.worker.on('message', (m: WorkerMessage) => {
    if (m.type === 'seeds') {
      seedNames = m.names;
      return;
    }
    job.last = { cases: m.cases, trees: m.trees, firmwareErrors: m.firmwareErrors };
    findings.push(...m.findings);
    for (const f of m.findings)
      console.log(`  finding: case ${f.caseIndex} ${f.seed} [${f.kind}]: ${f.problem}`);
    if (m.slowest.ms > slowest.ms) slowest = m.slowest;
    if (m.type === 'done') job.done = true;
  });
  job.worker.on('error', (e) => {
    // Something escaped the engine, which catches whatever a parse throws: an unhandled
    // rejection or a crash of the thread. It is a finding of the case that was running.
    if (job.done) return;
    if (job.slot[1] > 0) lostCase(k, job, `the thread failed: ${e.message}`);
    else {
      console.error(`fuzz worker ${k} failed between cases: ${e.stack ?? e}`);
      job.done = true;
    }
  });
  job.worker.on('exit', () => {
    job.done = true;
  });
}

/** The input of a case that never finished, for a regression test (seeds are loaded only now). */
function saveHangInput(i: number): void {
  const seeds = [...syntheticSeeds(), ...fixtureSeeds(maxSeedBytes)];
  mkdirSync(saveDir, { recursive: true });
  writeFileSync(join(saveDir, `${seed}-${i}.bin`), caseInput(seeds, seed, i).bytes);
}

/**
 * The case a thread was running never finished (a hang, or the thread died): report it, save its
 * input, and go on after it in a new thread.
 */
function lostCase(k: number, j: Job, problem: string): void {
  const i = j.slot[0];
  const name = seedNames.length ? seedNames[Math.floor(i / SEED_RUN) % seedNames.length] : '?';
  const f: Finding = {
    caseIndex: i,
    seed: name,
    kind: caseKind(seed, i),
    problem: `${problem}; replay with --seed ${seed} --replay ${i}`,
  };
  findings.push(f);
  console.log(`  finding: case ${i} ${name}: ${f.problem}`);
  saveHangInput(i);
  j.done = true;
  void j.worker.terminate();
  const base = {
    cases: j.base.cases + j.last.cases + 1,
    trees: j.base.trees + j.last.trees,
    firmwareErrors: j.base.firmwareErrors + j.last.firmwareErrors,
  };
  if (i + jobs < cases && Date.now() < deadline) startJob(k, i + jobs, base);
  else j.base = base;
}

function totals(): Totals {
  const t = { cases: 0, trees: 0, firmwareErrors: 0 };
  for (const j of jobsState) {
    t.cases += j.base.cases + j.last.cases;
    t.trees += j.base.trees + j.last.trees;
    t.firmwareErrors += j.base.firmwareErrors + j.last.firmwareErrors;
  }
  return t;
}

console.log(
  `fuzz: up to ${cases} cases or ${minutes} min, seed ${seed}, ${jobs} thread(s), hang after ${hangMs} ms`,
);
for (let k = 0; k < jobs; k++) startJob(k, k, { cases: 0, trees: 0, firmwareErrors: 0 });

let lastPrint = Date.now();
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const now = Date.now();
    jobsState.forEach((j, k) => {
      if (j.done) return;
      const caseStarted = j.slot[1];
      if (caseStarted > 0 && now - caseStarted > hangMs)
        lostCase(k, j, `no answer after ${hangMs} ms (hang)`);
    });
    if (now - lastPrint >= 60_000) {
      lastPrint = now;
      const t = totals();
      console.log(`  ${t.cases} cases (${(t.cases / ((now - started) / 1000)).toFixed(0)}/s)`);
    }
    if (jobsState.every((j) => j.done)) {
      clearInterval(timer);
      resolve();
    }
  }, 500);
});

const t = totals();
const secs = (Date.now() - started) / 1000;
console.log(
  `fuzz: ${t.cases} cases in ${secs.toFixed(0)} s (${(t.cases / secs).toFixed(0)}/s): ` +
    `${t.trees} trees, ${t.firmwareErrors} FirmwareErrors, ${findings.length} findings; ` +
    `slowest ${slowest.ms.toFixed(0)} ms (case ${slowest.caseIndex}, ${slowest.seed}, ${slowest.kind}; limit ${CASE_LIMIT_MS} ms)`,
);
for (const f of findings.slice(0, 50)) {
  console.log(`  case ${f.caseIndex} (seed ${seed}) ${f.seed} [${f.kind}]: ${f.problem}`);
}
process.exit(findings.length ? 1 : 0);
