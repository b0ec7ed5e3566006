/**
 * Progress of `analyze` on large files, as the app's progress bar and cancel button hear it:
 * reports keep coming while the formats search the file, while it is named and while the
 * candidates are found, and the bar never goes back. Timings belong in the bench
 * (bench/analyze-progress.ts); these tests count reports between steps instead.
 */
import { describe, expect, it } from 'vitest';
import { syntheticCorpus } from '../../../fixtures/builder/corpus';
import { filler } from '../../../fixtures/builder/index';
import { analyze } from './analyze';
import { FIRMWARE_FORMATS } from './containers/index';
import { payloadOf } from './gop/find';
import { parseFirmware } from './parse';
import type { Progress } from './progress';
import { findAll } from './tree/node';

const MiB = 1 << 20;

async function analyzeReporting(bytes: Uint8Array) {
  const reports: Progress[] = [];
  const result = await analyze(bytes, (p) => reports.push(p));
  return { result, reports, done: reports.map((p) => p.done) };
}

const neverBack = (done: number[]) => done.every((n, i) => i === 0 || n >= done[i - 1]);

describe('analyze progress on 16 MiB', () => {
  it('random bytes nothing reads: reports at the start all through the searches, then the error', async () => {
    const bytes = filler(16 * MiB, 7);
    const { result, reports, done } = await analyzeReporting(bytes);
    expect(result.error?.code).toBe('unrecognized');
    expect(reports.every((p) => p.phase === 'parse' && p.total === bytes.length)).toBe(true);
    // Nothing was read, so the bar stays at the start: it never jumps ahead or back.
    expect(done.every((n) => n === 0)).toBe(true);
    // The parse tries every format, the failure path searches for packages, naming the file
    // tries every probe: each of these steps is followed by a report.
    expect(reports.length).toBeGreaterThan(2 * FIRMWARE_FORMATS.length);
    // Reporting changes nothing the user sees.
    expect(await analyze(bytes)).toEqual(result);
  });

  it('an SPI image inside 16 MiB of unknown data: reports while the formats search, through the image, and while the candidates are found', async () => {
    const spi = syntheticCorpus().find((c) => c.name === 'descriptor-v1.bin')!;
    const at = 0x5a0000;
    const bytes = filler(16 * MiB, 9);
    bytes.set(spi.bytes, at);
    const { result, done } = await analyzeReporting(bytes);
    expect(result.file).toMatchObject({ kind: 'intel-descriptor', offset: at });
    expect(result.gops).toHaveLength(1);
    expect(neverBack(done)).toBe(true);
    expect(done.at(-1)).toBe(bytes.length);

    // Before the image is read, the formats search the whole file: reports at the start.
    const searching = done.slice(
      0,
      done.findIndex((n) => n > 0),
    );
    expect(searching.length).toBeGreaterThan(FIRMWARE_FORMATS.length / 2);
    expect(searching.every((n) => n === 0)).toBe(true);
    // Then the parse moves through the image inside.
    expect(done.some((n) => n > at && n < at + spi.bytes.length)).toBe(true);

    // After the parse reached the end, naming the file and finding the candidates look at every
    // body of the tree again: at least one report per body, all at the end.
    const root = await parseFirmware(bytes);
    const bodies = findAll(root, (n) => (payloadOf(n)?.length ?? 0) > 0).length;
    const afterEnd = done.slice(done.indexOf(bytes.length));
    expect(bodies).toBeGreaterThan(3);
    expect(afterEnd.length).toBeGreaterThan(bodies);
    expect(afterEnd.every((n) => n === bytes.length)).toBe(true);

    expect(await analyze(bytes)).toEqual(result);
  });
});
