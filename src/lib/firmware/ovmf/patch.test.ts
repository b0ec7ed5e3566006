import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath, haveFixtures, readFixture } from '../../../../tests/helpers/fixtures';
import { FirmwareError } from '../errors';
import { patchOvmf } from './patch';
import { verifyPatched } from './verify';
import { GOP_FILE_GUID, IGD_ASSIGNMENT_FILE_GUID, POLICY_FILE_GUID, VBT_FILE_GUID } from './layout';

// The fast LZMA preset keeps this file quick; the default preset is the same code path
// with a different match search (timed separately: ~4 s for the Debian 4 MiB image).
const FAST = { preset: 'fast' as const };
const OVMFS = [
  'ovmf/debian-bookworm/OVMF_CODE_4M.fd',
  'ovmf/debian-bookworm/OVMF_CODE_4M.secboot.fd',
  'ovmf/debian-bookworm/OVMF_CODE.fd',
  'ovmf/kholia-osx-kvm/OVMF_CODE.fd',
];
const have = haveFixtures && existsSync(fixturePath('gop-vbt/adl/vbt.bin'));
const tmp = mkdtempSync(join(tmpdir(), 'ovmf-patch-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** UEFIExtract's report rows: type, subtype and GUID/name text, without sizes/CRCs. */
function reportFiles(path: string): string[] {
  execFileSync('UEFIExtract', [path, 'report'], { stdio: 'ignore' });
  const rows = readFileSync(`${path}.report.txt`, 'utf8').split('\n');
  return rows
    .filter((r) => r.startsWith(' File'))
    .map((r) =>
      r
        .split('|')
        .slice(5)
        .join('|')
        .replace(/^[\s-]+/, '')
        .trim(),
    );
}

describe.skipIf(!have)('patchOvmf on real OVMF builds', () => {
  const gop = () => readFixture('gop-vbt/adl/IntelGopDriver.efi');
  const vbt = () => readFixture('gop-vbt/adl/vbt.bin');

  for (const rel of OVMFS) {
    it.skipIf(!existsSync(fixturePath(rel)))(
      `${rel}: verified, UEFIExtract sees the old files plus ours`,
      () => {
        const ovmf = readFixture(rel);
        // kholia's FVMAIN_COMPACT is tight: only the default preset makes the four files fit.
        const lzma = rel.includes('kholia') ? {} : FAST;
        const r = patchOvmf({ ovmf, gop: gop(), vbt: vbt(), lzma });
        verifyPatched(ovmf, r.image, r.inserted);
        expect(r.image.length).toBe(ovmf.length);
        expect([...r.inserted.keys()]).toEqual([
          GOP_FILE_GUID,
          VBT_FILE_GUID,
          POLICY_FILE_GUID,
          IGD_ASSIGNMENT_FILE_GUID,
        ]);
        const a = join(tmp, 'a.fd');
        const b = join(tmp, 'b.fd');
        writeFileSync(a, ovmf);
        writeFileSync(b, r.image);
        const before = reportFiles(a);
        const after = reportFiles(b);
        const added = after.filter((x) => !before.includes(x));
        expect(added.map((x) => x.split(' ')[0]).sort()).toEqual(
          [GOP_FILE_GUID, VBT_FILE_GUID, POLICY_FILE_GUID, IGD_ASSIGNMENT_FILE_GUID].sort(),
        );
        expect(before.filter((x) => !after.includes(x))).toEqual([]);
        expect(after.find((x) => x.startsWith(GOP_FILE_GUID))).toContain('IntelGopDriver');
      },
    );
  }

  it('re-patching the patched image with the same inputs gives the same bytes', () => {
    const ovmf = readFixture(OVMFS[0]);
    const once = patchOvmf({ ovmf, gop: gop(), vbt: vbt(), lzma: FAST }).image;
    const twice = patchOvmf({ ovmf: once, gop: gop(), vbt: vbt(), lzma: FAST });
    verifyPatched(once, twice.image, twice.inserted);
    expect(Buffer.compare(Buffer.from(once), Buffer.from(twice.image))).toBe(0);
  });

  it('leaves IgdAssignment out on request', () => {
    const r = patchOvmf({
      ovmf: readFixture(OVMFS[0]),
      gop: gop(),
      vbt: vbt(),
      noIgdAssignment: true,
      lzma: FAST,
    });
    expect(r.inserted.has(IGD_ASSIGNMENT_FILE_GUID)).toBe(false);
  });

  it('says what an OVMF_VARS file is not', () => {
    const vars = readFixture('ovmf/debian-bookworm/OVMF_VARS_4M.fd');
    expect(() => patchOvmf({ ovmf: vars, gop: gop(), vbt: vbt() })).toThrow(FirmwareError);
    expect(() => patchOvmf({ ovmf: vars, gop: gop(), vbt: vbt() })).toThrow(
      /not an OVMF code image/,
    );
  });

  it('reports no-space with the byte count when the payload cannot fit', () => {
    const huge = new Uint8Array(14 << 20).map((_, i) => (i * 2654435761) >>> 24);
    try {
      patchOvmf({
        ovmf: readFixture(OVMFS[0]),
        gop: gop(),
        vbt: huge.subarray(0, 0xfff000),
        lzma: FAST,
      });
      expect.unreachable();
    } catch (e) {
      expect((e as FirmwareError).code).toBe('no-space');
      expect((e as FirmwareError).message).toMatch(/\d+ more bytes/);
    }
  });
});
