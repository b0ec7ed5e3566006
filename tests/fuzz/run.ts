// `npm run fuzz -- [--cases N] [--minutes M] [--seed S] [--max-seed-bytes B]`
import { fuzz } from './engine';
import { fixtureSeeds, syntheticSeeds } from './seeds';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const cases = opt('--cases', 1_000_000);
const minutes = opt('--minutes', 10);
const seed = opt('--seed', Date.now() % 1_000_000);
const seeds = [...syntheticSeeds(), ...fixtureSeeds(opt('--max-seed-bytes', 20 << 20))];

console.log(`fuzz: ${seeds.length} seeds, up to ${cases} cases or ${minutes} min, seed ${seed}`);
const started = Date.now();
const report = await fuzz(seeds, {
  cases,
  seed,
  deadlineMs: minutes * 60_000,
  onCase: (i) => {
    if (i % 5000 === 4999) {
      const rate = ((i + 1) / ((Date.now() - started) / 1000)).toFixed(0);
      console.log(`  ${i + 1} cases (${rate}/s)`);
    }
  },
});
console.log(
  `fuzz: ${report.cases} cases in ${((Date.now() - started) / 1000).toFixed(0)} s: ` +
    `${report.trees} trees, ${report.firmwareErrors} FirmwareErrors, ${report.findings.length} findings; ` +
    `slowest ${report.slowest.ms.toFixed(0)} ms (${report.slowest.seed}, ${report.slowest.kind})`,
);
for (const f of report.findings.slice(0, 50)) {
  console.log(`  case ${f.caseIndex} (seed ${seed}) ${f.seed} [${f.kind}]: ${f.problem}`);
}
process.exit(report.findings.length ? 1 : 0);
