import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bootableIso, fatFloppy } from '../../../../../fixtures/builder/containers';
import { fixtureJson, haveFixtures, readFixture } from '../../../../../tests/helpers/fixtures';
import { analyze } from '../../analyze';
import { FirmwareError } from '../../errors';
import { openContainer } from '../index';
import { recordingContext, rootOf } from '../testing';
import { firmwareErrorOf, openRecorded } from './testing';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const bios = Uint8Array.from({ length: 9000 }, (_, i) => i * 31);
const readme = new TextEncoder().encode('Boot this CD to update the BIOS.');
const floppy = fatFloppy([{ name: 'BIOS.BIN', data: bios }]);

describe('ISO 9660 images', () => {
  it('the CD files and the El Torito floppy image, each an entry read where it lies', async () => {
    const iso = bootableIso([{ name: 'README.TXT', data: readme }], floppy);
    const root = rootOf(iso);
    const { ctx, payloads } = recordingContext();
    expect(await openContainer(root, iso, 0, ctx)).toBe(true);
    const pkg = root.children[0];
    expect(pkg.type).toBe('ISO 9660 CD image');
    expect(pkg.children.map((c) => c.name)).toEqual(['README.TXT', '[El Torito floppy image]']);
    expect(payloads.map((p) => sha(p.bytes))).toEqual([sha(readme), sha(floppy)]);
    // Stored where they lie: the entry's offset is the file offset of its contents.
    expect(payloads.map((p) => p.abs)).toEqual(pkg.children.map((c) => c.offset));
  });

  it('damaged volume descriptors are an error', async () => {
    const iso = bootableIso([{ name: 'README.TXT', data: readme }], floppy);
    iso[17 * 2048 + 1] = 0x58; // the boot record's CD001
    const e = await openContainer(rootOf(iso), iso, 0, recordingContext().ctx).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(FirmwareError);
    expect((e as FirmwareError).message).toMatch(/volume descriptors are damaged/);
  });

  it('a file past the end of a cut image is truncated, naming it', async () => {
    const iso = bootableIso([{ name: 'README.TXT', data: readme }], floppy);
    const e = await openContainer(
      rootOf(iso),
      iso.subarray(0, iso.length - 4096),
      0,
      recordingContext().ctx,
    ).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'truncated', path: 'ISO 9660 entry [El Torito floppy image]' });
  });
});

const haveXorriso = spawnSync('xorriso', ['-version'], { stdio: 'ignore' }).status === 0;
if (!haveXorriso)
  console.warn('[skip] ISO 9660 long-name tests: xorriso not found (apt install xorriso)');

const work = haveXorriso ? mkdtempSync(join(tmpdir(), 'iso9660-')) : '';
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});
let made = 0;

/**
 * An ISO image xorriso writes from `files` (path → contents, and what `more` adds to the folder)
 * with `args` before the output.
 */
function xorriso(
  files: Record<string, Uint8Array>,
  args: string[],
  more: (dir: string) => void = () => {},
): Uint8Array {
  const dir = join(work, `tree${++made}`);
  for (const [path, data] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), data);
  }
  more(dir);
  const out = join(work, `image${made}.iso`);
  const native = args[0] !== '-as';
  const argv = native ? ['-outdev', out, ...args, '-map', dir, '/'] : [...args, '-o', out, dir];
  // UTF-8 names need a UTF-8 locale, or xorriso replaces what it cannot convert.
  const r = spawnSync('xorriso', argv, { env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  if (r.status !== 0) throw new Error(`xorriso ${argv.join(' ')} failed: ${r.stderr}`);
  return new Uint8Array(spawnSync('cat', [out], { maxBuffer: 1 << 26 }).stdout);
}

/** File bytes that differ from file to file. */
const contents = (seed: number, length = 3000) =>
  Uint8Array.from({ length }, (_, i) => (i * 131 + seed * 7 + (i >> 8)) & 0xff);

const LONG = `BIOS/${'x'.repeat(90)}_long_name_bios_update.bin`; // 118 characters: past Joliet's 64
const LONGEST = `${'y'.repeat(246)}.bin`; // 250 bytes: Rock Ridge splits its NM into a continuation area
const NON_ASCII = 'Bücher_ÆØÅ_日本/Größe.txt';
const DEEP = 'a/b/c/d/e/f/g/h/i/j/deep.txt'; // deeper than ISO 9660's 8 levels
const FILES: Record<string, Uint8Array> = {
  [LONG]: contents(1),
  [LONGEST]: contents(2, 5000),
  [NON_ASCII]: contents(3),
  [DEEP]: contents(4),
  'README.TXT': readme,
};
const hashes = (files: Record<string, Uint8Array>) =>
  Object.fromEntries(Object.entries(files).map(([p, d]) => [p, sha(d)]));

/** Each listed entry's path and the SHA-256 of the contents handed to the parse. */
async function listing(iso: Uint8Array): Promise<Record<string, string>> {
  const { opened, root, payloads } = await openRecorded(iso);
  expect(opened).toBe(true);
  const names = root.children[0].children.map((c) => c.name!);
  expect(payloads.length).toBe(names.length);
  return Object.fromEntries(names.map((n, i) => [n, sha(payloads[i].bytes)]));
}

describe.skipIf(!haveXorriso)('ISO 9660 long names (images xorriso writes)', () => {
  for (const options of [['-J'], ['-R'], ['-J', '-R']]) {
    it(`xorriso -as mkisofs ${options.join(' ')}: Rock Ridge names, long, non-ASCII and deep`, async () => {
      const iso = xorriso(FILES, ['-as', 'mkisofs', ...options]);
      expect(await listing(iso)).toEqual(hashes(FILES));
    });
  }

  it('the 250-byte name really is an NM entry continued in a CE area', () => {
    const iso = xorriso({ [LONGEST]: contents(2) }, ['-as', 'mkisofs', '-R']);
    const continued = [...rockRidgeNames(iso)].filter((nm) => nm.flags & 1);
    expect(continued.length).toBe(1);
  });

  it('a symbolic link (SL) is left out, not listed as an empty file', async () => {
    const files = { 'BIOS/bios.bin': contents(10) };
    const iso = xorriso(files, ['-as', 'mkisofs', '-R'], (dir) =>
      symlinkSync('BIOS/bios.bin', join(dir, 'latest.bin')),
    );
    expect([...rockRidgeEntries(iso)].some((e) => e.signature === 'SL')).toBe(true);
    expect(await listing(iso)).toEqual(hashes(files));
  });

  it('directories moved by ISO 9660 depth rules (CL/RE) are listed where they belong', async () => {
    const iso = xorriso(FILES, ['-rockridge', 'on', '-compliance', 'deep_paths_off']);
    // xorriso did move them: a CL entry points at the moved directory.
    expect([...rockRidgeEntries(iso)].some((e) => e.signature === 'CL')).toBe(true);
    expect(await listing(iso)).toEqual(hashes(FILES));
  });

  it('Joliet alone (no Rock Ridge): UCS-2 names, cut to Joliet’s length as xorriso writes them', async () => {
    const short = { [NON_ASCII]: contents(3), [DEEP]: contents(4), 'README.TXT': readme };
    const iso = xorriso({ ...short, [LONG]: contents(1) }, ['-rockridge', 'off', '-joliet', 'on']);
    const got = await listing(iso);
    for (const [path, hash] of Object.entries(hashes(short))) expect(got[path]).toBe(hash);
    const cut = Object.keys(got).find((p) => p.startsWith('BIOS/'))!;
    expect(cut.length).toBeLessThan(LONG.length);
    expect(cut).toMatch(/^BIOS\/x{40,}.*\.bin$/);
    expect(got[cut]).toBe(sha(contents(1)));
  });

  it('Joliet long names (up to 103 characters) whole', async () => {
    const name = `${'z'.repeat(95)}.bin`;
    const iso = xorriso({ [name]: contents(5) }, [
      '-rockridge',
      'off',
      '-joliet',
      'on',
      '-compliance',
      'joliet_long_names',
    ]);
    expect(await listing(iso)).toEqual({ [name]: sha(contents(5)) });
  });

  it('neither Rock Ridge nor Joliet: the plain ISO names', async () => {
    const iso = xorriso({ 'bios.bin': contents(6) }, ['-rockridge', 'off']);
    expect(await listing(iso)).toEqual({ 'BIOS.BIN': sha(contents(6)) });
  });

  it('a Rock Ridge continuation area that leads back to itself is an error, not a hang', async () => {
    const iso = xorriso({ [LONGEST]: contents(2) }, ['-as', 'mkisofs', '-R']);
    const ce = nameContinuation(iso);
    // The continuation area now holds only a CE entry naming the area itself.
    const area = target(iso, ce.at);
    setBoth32(iso, ce.at + 20, 28);
    iso.copyWithin(area, ce.at, ce.at + 28);
    const e = await firmwareErrorOf(openRecorded(iso));
    expect(e.message).toMatch(/continuation areas \(CE\) lead back/);
    expect(e.offset).toBe(area);
  });

  it('a directory whose record points back at the root is an error, not a loop', async () => {
    const iso = xorriso({ 'a/b.txt': contents(7) }, ['-as', 'mkisofs', '-R']);
    const rootSector = u32(iso, 16 * 2048 + 156 + 2);
    const a = directoryRecords(iso, rootSector).find((r) => r.directory)!;
    setBoth32(iso, a.at + 2, rootSector);
    const e = await firmwareErrorOf(openRecorded(iso));
    expect(e.message).toMatch(/leads back to a directory already read/);
    expect(e.offset).toBe(rootSector * 2048);
  });

  it('a Rock Ridge entry longer than its record is an error naming its offset', async () => {
    const iso = xorriso({ 'bios.bin': contents(8) }, ['-as', 'mkisofs', '-R']);
    const nm = [...rockRidgeEntries(iso)].find((e) => e.signature === 'NM' && e.length > 5)!;
    iso[nm.at + 2] = 0xf0;
    const e = await firmwareErrorOf(openRecorded(iso));
    expect(e).toMatchObject({ code: 'bad-format', offset: nm.at });
    expect(e.message).toMatch(/system use entry runs past its area/);
  });

  it('a Rock Ridge NM entry shorter than its 5-byte header is an error naming its offset', async () => {
    const iso = xorriso({ 'bios.bin': contents(8) }, ['-as', 'mkisofs', '-R']);
    const nm = [...rockRidgeEntries(iso)].find((e) => e.signature === 'NM' && e.length >= 8)!;
    // NM cut to 4 bytes (no flags byte); the rest of its bytes become an entry nobody reads.
    iso.set([0x4e, 0x4d, 4, 1, 0x5a, 0x5a, nm.length - 4, 1], nm.at);
    const e = await firmwareErrorOf(openRecorded(iso));
    expect(e).toMatchObject({ code: 'bad-format', offset: nm.at });
    expect(e.message).toMatch(/NM entry of 4 bytes is shorter than its 5-byte header/);
  });

  it('a second CE in one system use area is an error at the second (SUSP allows one)', async () => {
    const iso = xorriso({ [LONGEST]: contents(2) }, ['-as', 'mkisofs', '-R']);
    const ce = nameContinuation(iso);
    // An attribute entry of the same record, long enough to hold a copy of the CE.
    const spare = [...rockRidgeEntries(iso)].find(
      (e) =>
        (e.signature === 'PX' || e.signature === 'TF') && e.length >= 32 && e.record === ce.record,
    )!;
    iso.copyWithin(spare.at, ce.at, ce.at + 28);
    iso.set([0x5a, 0x5a, spare.length - 28, 1], spare.at + 28);
    const e = await firmwareErrorOf(openRecorded(iso));
    expect(e).toMatchObject({ code: 'bad-format', offset: Math.max(ce.at, spare.at) });
    expect(e.message).toMatch(/second continuation entry \(CE\)/);
  });

  it('a damaged Joliet root record is an error at the descriptor', async () => {
    const iso = xorriso({ 'bios.bin': contents(9) }, ['-rockridge', 'off', '-joliet', 'on']);
    const svd = [16, 17, 18].find((s) => iso[s * 2048] === 2)! * 2048;
    iso[svd + 156] = 20; // a root record too short for its name
    const e = await firmwareErrorOf(openRecorded(iso));
    expect(e).toMatchObject({ code: 'bad-format', offset: svd + 156 });
  });

  it.skipIf(!haveFixtures)(
    'a BIOS image with a long name on the CD is found by the analysis',
    async () => {
      const name = `Update/${'Z790_AORUS_ELITE_AX_'.repeat(4)}F10_aptio5_spi.bin`;
      const iso = xorriso({ [name]: readFixture('vendor-like/aptio5-spi.bin') }, [
        '-as',
        'mkisofs',
        '-J',
        '-R',
      ]);
      const want = fixtureJson<{ file: string; gops: { sha256: string }[] }[]>(
        'vendor-like/expected.json',
      ).find((e) => e.file === 'aptio5-spi.bin')!;
      const result = await analyze(iso);
      expect(result.error).toBeUndefined();
      expect(result.gops[0].sha256).toBe(want.gops[0].sha256);
      expect(result.gops[0].path).toContain(name);
    },
  );
});

// Helpers that find what the damage tests change, reading the image the plain way.

const u32 = (b: Uint8Array, at: number) =>
  (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;

function setBoth32(b: Uint8Array, at: number, v: number) {
  const dv = new DataView(b.buffer, b.byteOffset);
  dv.setUint32(at, v, true);
  dv.setUint32(at + 4, v, false);
}

/** The records of one directory sector: where each lies and whether it is a directory. */
function directoryRecords(b: Uint8Array, sector: number) {
  const out: { at: number; directory: boolean }[] = [];
  for (let at = sector * 2048; b[at] !== 0; at += b[at])
    if (b[at + 32] !== 1 || b[at + 33] > 1) out.push({ at, directory: (b[at + 25] & 2) !== 0 });
  return out;
}

/** Where a CE entry at `at` points. */
const target = (b: Uint8Array, at: number) => u32(b, at + 4) * 2048 + u32(b, at + 12);

/** The CE entry of the long name's record: the one leading to the rest of its NM. */
const nameContinuation = (b: Uint8Array) =>
  [...rockRidgeEntries(b)].find(
    (e) =>
      e.signature === 'CE' &&
      String.fromCharCode(...b.subarray(target(b, e.at), target(b, e.at) + 2)) === 'NM',
  )!;

/** Every SUSP entry in the records of every directory sector (found by their own shape). */
function* rockRidgeEntries(b: Uint8Array) {
  const rootSector = u32(b, 16 * 2048 + 156 + 2);
  for (let sector = rootSector; sector < b.length / 2048; sector++) {
    for (let at = sector * 2048; at < (sector + 1) * 2048 && b[at] >= 34; at += b[at]) {
      const nameLength = b[at + 32];
      const end = at + b[at];
      for (
        let p = at + 33 + nameLength + (nameLength % 2 ? 0 : 1);
        p + 4 <= end && b[p + 2] >= 4;
        p += b[p + 2]
      ) {
        const signature = String.fromCharCode(b[p], b[p + 1]);
        if (!/^[A-Z]{2}$/.test(signature) || b[p + 3] !== 1) break;
        yield { signature, at: p, length: b[p + 2], record: at };
      }
    }
  }
}

/** The NM entries among them, with their flags. */
function* rockRidgeNames(b: Uint8Array) {
  for (const e of rockRidgeEntries(b)) if (e.signature === 'NM') yield { ...e, flags: b[e.at + 4] };
}
