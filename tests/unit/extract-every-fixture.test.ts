/**
 * `extract` on every firmware file in the fixtures, listed in an expected JSON or not: it either
 * writes files that re-read as what they claim (a PE image holding the GOP name, a VBT that
 * validates) or ends in a one-line FirmwareError saying nothing was found or what the file is.
 * The GOP and VBT folders must each yield their kind.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractCommand } from '../../src/cli/commands/extract';
import { FirmwareError } from '../../src/lib/firmware/errors';
import { isIntelGop } from '../../src/lib/firmware/gop/gop-info';
import { parseVbt } from '../../src/lib/firmware/gop/vbt';
import { readPe } from '../../src/lib/firmware/pe/headers';
import { amdGopInfo } from '../../src/lib/firmware/amd/gop-info';
import { vbiosInfo } from '../../src/lib/firmware/amd/vbios';
import { readPcir } from '../../src/lib/firmware/oprom/read';
import { firmwareFixtureFiles, fixturesDir, haveFixtures } from '../helpers/fixtures';
import { captureStdout } from '../helpers/stdout';

const files = firmwareFixtureFiles();

describe.skipIf(!haveFixtures)('`extract` on every firmware fixture', () => {
  const stdout = captureStdout();

  it('has the fixture folders to run on', () => {
    expect(files.filter((f) => f.startsWith('gop/')).length).toBeGreaterThanOrEqual(15);
    expect(files.filter((f) => f.startsWith('vbt/')).length).toBeGreaterThanOrEqual(30);
    expect(files.length).toBeGreaterThanOrEqual(90);
  });

  const root = haveFixtures ? mkdtempSync(join(tmpdir(), 'extract-every-')) : '';
  for (const rel of files) {
    it(rel, { timeout: 30_000 }, async () => {
      const dir = join(root, rel.replace(/\//g, '_'));
      let code: number | undefined;
      let error: unknown;
      try {
        code = await extractCommand.run([join(fixturesDir, rel), '-o', dir, '--all', '--json']);
      } catch (e) {
        error = e;
      }
      if (error !== undefined) {
        expect(error).toBeInstanceOf(FirmwareError);
        expect(['not-found', 'unrecognized', 'unsupported']).toContain(
          (error as FirmwareError).code,
        );
        expect((error as FirmwareError).describe()).not.toContain('\n');
        expect(rel.startsWith('gop/') || rel.startsWith('vbt/')).toBe(false);
        return;
      }
      expect(code).toBe(0);
      const report = JSON.parse(stdout.text) as {
        written: { kind: 'gop' | 'vbt' | 'amd-gop' | 'vbios'; file: string }[];
      };
      expect(report.written.length).toBeGreaterThan(0);
      for (const w of report.written) {
        const bytes = new Uint8Array(readFileSync(w.file));
        if (w.kind === 'gop') {
          const pe = readPe(bytes);
          expect(pe.fileSize).toBeLessThanOrEqual(bytes.length); // some carry data after the last section
          expect(isIntelGop(bytes)).toBe(true);
        } else if (w.kind === 'amd-gop') {
          // An x64 AMD GOP that names its version; never the 32-bit PEI GOP.
          expect(amdGopInfo(bytes)?.phase).toBe('dxe');
        } else if (w.kind === 'vbios') {
          const pcir = readPcir(bytes, 0)!;
          expect(pcir.imageLength * 512).toBe(bytes.length);
          expect(vbiosInfo(bytes, pcir)?.vendorId).toBe(0x1002);
        } else {
          expect(parseVbt(bytes).size).toBe(bytes.length);
        }
      }
      if (rel.startsWith('gop/')) expect(report.written.some((w) => w.kind === 'gop')).toBe(true);
      if (rel.startsWith('vbt/')) expect(report.written.some((w) => w.kind === 'vbt')).toBe(true);
      if (rel.startsWith('amd/vbios/'))
        expect(report.written.some((w) => w.kind === 'vbios')).toBe(true);
    });
  }
});
