import { readFileSync } from 'node:fs';
import { analyze } from './src/lib/firmware/analyze';
for (const f of process.argv.slice(2)) {
  const r = await analyze(new Uint8Array(readFileSync(f)));
  console.log(f.replace('/work/shared/fixtures/', ''), r.error?.message ?? '', JSON.stringify({
    gops: r.amd?.gops.map((g) => [g.version, g.deviceIds.map((d) => d.toString(16)), g.path, g.reason.en, g.warnings.map((w) => w.en)]),
    vb: r.amd?.vbioses.map((v) => [v.version, v.family, v.path, v.warnings.map((w) => w.en)]),
    pei: r.amd?.peiGops.length, w: [...r.warnings, ...(r.amd?.warnings ?? [])].map((w) => w.en), intel: r.gops.length + r.vbts.length,
  }));
}
