/**
 * Every format without a real fixture, through the whole reader: parse, find, rank, and the CLI's
 * `extract`. Each synthetic image (fixtures/builder/corpus.ts) says which GOP and VBT bytes went
 * in, which copies must be set aside, which container must be on the path to the GOP (so a volume
 * found by scanning cannot pass for an opened container), or which error it must end in.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticCorpus } from '../../fixtures/builder/corpus';
import { extractCommand } from '../../src/cli/commands/extract';
import { FirmwareError } from '../../src/lib/firmware/errors';
import { findCandidates } from '../../src/lib/firmware/gop/find';
import { rankCandidates } from '../../src/lib/firmware/gop/rank';
import { parseFirmware } from '../../src/lib/firmware/parse';
import { findAll } from '../../src/lib/firmware/tree/node';
import { serialize } from '../../src/lib/firmware/tree/serialize';
import { captureStdout } from '../helpers/stdout';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const corpus = syntheticCorpus();

describe('synthetic corpus: the finder on every format', () => {
  it('covers every container, section encoding and error case it was written for', () => {
    expect(corpus.filter((c) => c.expect === 'ok').length).toBeGreaterThanOrEqual(50);
    expect(corpus.filter((c) => c.expect === 'error').length).toBeGreaterThanOrEqual(6);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
  });

  for (const img of corpus.filter((c) => c.expect === 'ok')) {
    it(`${img.name}: ${img.covers}`, async () => {
      const root = await parseFirmware(img.bytes, { name: img.name });
      // Nothing the reader could not read on the way (every file's checks pass, no opaque rest).
      for (const f of findAll(root, (n) => n.kind === 'file' && !n.fields.deleted))
        expect(
          f.checks.filter((c) => !c.ok),
          `${f.guid} checks`,
        ).toEqual([]);
      expect(
        findAll(root, (n) => n.kind === 'section' && n.warnings.length > 0).map((n) => n.warnings),
      ).toEqual([]);

      const found = await findCandidates(root);
      const ranking = rankCandidates(found);
      expect(ranking.gops.map((r) => r.candidate.sha256)).toEqual(
        ranking.gops.length ? [sha(img.gops[0]), ...img.gops.slice(1).map(sha)] : [],
      );
      expect(found.gops.map((g) => g.sha256).sort()).toEqual(img.gops.map(sha).sort());
      expect(found.vbts.map((v) => v.sha256).sort()).toEqual(img.vbts.map(sha).sort());
      if (img.vbts.length) expect(ranking.vbts[0].candidate.sha256).toBe(sha(img.vbts[0]));
      for (const g of found.gops) expect(g.bytes.length).toBe(g.size);
      for (const ignored of img.mustIgnore) {
        expect(found.ignored.map((x) => x.sha256)).toContain(sha(ignored));
      }
      if (img.gopPath) expect(found.gops[0].path).toMatch(img.gopPath);
      if (img.vbtPath) expect(found.vbts[0].path).toMatch(img.vbtPath);
      // An untouched tree serializes back to the input.
      expect(sha(serialize(root))).toBe(sha(img.bytes));
    });
  }

  for (const img of corpus.filter((c) => c.expect === 'error')) {
    it(`${img.name}: fails clearly (${img.covers})`, async () => {
      const err = await parseFirmware(img.bytes).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(FirmwareError);
      expect((err as FirmwareError).code).toBe(img.error!.code);
      expect((err as FirmwareError).message).toMatch(img.error!.message);
      expect((err as FirmwareError).describe()).not.toContain('\n');
    });
  }

  it('keeps identical recovery copies as one candidate with its copies listed', async () => {
    const img = corpus.find((c) => c.name === 'fv-recovery-copy.fd')!;
    const found = await findCandidates(await parseFirmware(img.bytes));
    expect(found.gops).toHaveLength(1);
    expect(found.gops[0].copies).toHaveLength(1);
    expect(found.vbts[0].copies).toHaveLength(1);
  });
});

describe('synthetic corpus: `extract` writes the top-ranked pair of every image', () => {
  const stdout = captureStdout();

  const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
  for (const img of corpus) {
    it(`${img.name}`, async () => {
      const input = join(dir, img.name);
      writeFileSync(input, img.bytes);
      const outDir = join(dir, `${img.name}.out`);
      if (img.expect === 'error') {
        const err = await extractCommand.run([input, '-o', outDir]).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(FirmwareError);
        return;
      }
      expect(await extractCommand.run([input, '-o', outDir])).toBe(0);
      const written = readdirSync(outDir).sort();
      const want = [...img.gops.slice(0, 1), ...img.vbts.slice(0, 1)].map(sha).sort();
      expect(written.map((f) => sha(readFileSync(join(outDir, f)))).sort()).toEqual(want);
      for (const f of written)
        expect(f).toMatch(/^(IntelGopDriver-\d+\.\d+\.\d+\.efi|vbt-[A-Z0-9-]+\.bin)$/);
      expect(stdout.text).toContain(img.gops.length ? 'GOP #1' : 'VBT #1');
    });
  }
});
