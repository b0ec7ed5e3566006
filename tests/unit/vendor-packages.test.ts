/**
 * The vendor-like BIOS images, packed the way vendors ship them by Debian's own archivers (zip,
 * 7z, xorriso + mtools), must give exactly the GOPs and VBTs the bare image gives. Each kind of
 * package is skipped, with the reason, when its tool is not installed.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fakeExe } from '../../fixtures/builder/containers';
import { bytesOf } from '../../src/lib/firmware/bytes/view';
import { findCandidates } from '../../src/lib/firmware/gop/find';
import { parseFirmware } from '../../src/lib/firmware/parse';
import { fixturePath, haveFixtures, noFixturesReason } from '../helpers/fixtures';

function have(tool: string): boolean {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// The smaller images: each is parsed once bare and once per package kind.
const IMAGES = [
  'vendor-like/aptio4-tiano.rom',
  'vendor-like/insyde-like.fd',
  'vendor-like/efi-oprom.rom',
  'vendor-like-2/aptio5-cap-tgl.CAP',
];

const work = mkdtempSync(join(tmpdir(), 'packages-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs a tool in the work directory; its output file is read back. */
function run(cmd: string, args: string[], input?: Uint8Array): void {
  execFileSync(cmd, args, { cwd: work, stdio: ['pipe', 'ignore', 'pipe'], input });
}

function base(rel: string): string {
  return rel.split('/').pop()!;
}

/** The SHA-256s of every GOP and VBT the finder offers, and the path of the first GOP. */
async function offered(bytes: Uint8Array) {
  const root = await parseFirmware(bytes);
  const c = await findCandidates(root);
  return {
    gopPath: c.gops[0]?.path ?? '',
    gops: c.gops.map((g) => g.sha256).sort(),
    vbts: c.vbts.map((v) => v.sha256).sort(),
  };
}

const bare = new Map<string, { gops: string[]; vbts: string[] }>();
async function bareResult(rel: string) {
  if (!bare.has(rel)) {
    const { gops, vbts } = await offered(bytesOf(readFileSync(fixturePath(rel))));
    bare.set(rel, { gops, vbts });
  }
  return bare.get(rel)!;
}

interface Wrapper {
  name: string;
  /** Every command `pack` runs. */
  tools: string[];
  /** Packs `file` (in the work directory) and returns the package's bytes. */
  pack(file: string): Uint8Array;
  /** What the first GOP's path starts with: the package nodes above the image. */
  path(file: string): string[];
  /** Largest image the package holds (a floppy's 1.44 MB). */
  maxSize?: number;
}

const WRAPPERS: Wrapper[] = [
  {
    name: 'zip (deflate)',
    tools: ['zip'],
    pack(file) {
      run('zip', ['-q', '-X', '-9', `${file}.zip`, file]);
      return bytesOf(readFileSync(join(work, `${file}.zip`)));
    },
    path: (file) => ['ZIP archive', `ZIP entry ${file}`],
  },
  {
    name: 'zip (stored, ZIP64)',
    tools: ['zip'],
    pack(file) {
      run('zip', ['-q', '-X', '-0', '-fz', `${file}.64.zip`, file]);
      return bytesOf(readFileSync(join(work, `${file}.64.zip`)));
    },
    path: (file) => ['ZIP archive', `ZIP entry ${file}`],
  },
  {
    name: 'zip from a pipe (data descriptors), inside another zip',
    tools: ['zip'],
    pack(file) {
      const streamed = execFileSync('zip', ['-q', '-X', '-', '-'], {
        cwd: work,
        input: readFileSync(join(work, file)),
        maxBuffer: 64 << 20,
      });
      const inner = join(work, `${file}.inner.zip`);
      execFileSync('sh', ['-c', `cat > "${inner}"`], { input: streamed });
      run('zip', ['-q', '-X', `${file}.outer.zip`, `${file}.inner.zip`]);
      return bytesOf(readFileSync(join(work, `${file}.outer.zip`)));
    },
    path: (file) => ['ZIP archive', `ZIP entry ${file}.inner.zip`, 'ZIP archive', 'ZIP entry -'],
  },
  {
    name: '7z (LZMA2 in chunks, encoded header)',
    tools: ['7zz'],
    pack(file) {
      run('7zz', ['a', '-bd', '-mx=5', `${file}.7z`, file]);
      return bytesOf(readFileSync(join(work, `${file}.7z`)));
    },
    path: (file) => ['7-Zip archive', `7z entry ${file}`],
  },
  {
    name: '7z (BCJ x86 + LZMA, plain header)',
    tools: ['7zz'],
    pack(file) {
      run('7zz', ['a', '-bd', '-mhc=off', '-mf=BCJ', '-m0=LZMA', `${file}.bcj.7z`, file]);
      return bytesOf(readFileSync(join(work, `${file}.bcj.7z`)));
    },
    path: (file) => ['7-Zip archive', `7z entry ${file}`],
  },
  {
    name: '7-Zip self-extractor (a stub, then the archive)',
    tools: ['7zz'],
    pack(file) {
      run('7zz', ['a', '-bd', `${file}.sfx.7z`, file]);
      return fakeExe(bytesOf(readFileSync(join(work, `${file}.sfx.7z`))));
    },
    path: (file) => ['7-Zip self-extracting archive', `7z entry ${file}`],
  },
  {
    name: 'bootable CD: El Torito 1.44 MB floppy emulation, FAT12 (mkfs.fat, mtools, xorriso)',
    tools: ['xorriso', 'mkfs.fat', 'mmd', 'mcopy'],
    maxSize: 1_400_000,
    pack(file) {
      const dir = `${file}.cd`;
      run('mkdir', ['-p', dir]);
      run('mkfs.fat', ['-C', '-F', '12', `${dir}/floppy.img`, '1440']);
      run('mmd', ['-i', `${dir}/floppy.img`, '::BIOS']);
      run('mcopy', ['-i', `${dir}/floppy.img`, file, `::BIOS/${file}`]);
      run('xorriso', ['-as', 'mkisofs', '-quiet', '-o', `${file}.iso`, '-b', 'floppy.img', dir]);
      return bytesOf(readFileSync(join(work, `${file}.iso`)));
    },
    path: (file) => [
      'ISO 9660 CD image',
      // The name as written (Rock Ridge), not the ISO 9660 name FLOPPY.IMG.
      'ISO 9660 entry floppy.img',
      'FAT12 file system',
      `FAT entry BIOS/${file}`,
    ],
  },
  {
    name: 'bootable CD: El Torito hard-disk emulation (hidden), MBR + FAT16',
    tools: ['xorriso', 'mkfs.fat', 'mmd', 'mcopy'],
    pack(file) {
      const dir = `${file}.hd`;
      run('mkdir', ['-p', dir]);
      run('mkfs.fat', ['-C', '-F', '16', `${file}.part`, '16384']);
      run('mcopy', ['-i', `${file}.part`, file, `::${file}`]);
      const part = readFileSync(join(work, `${file}.part`));
      // One MBR sector: the FAT16 partition (type 06) from LBA 1 to the end.
      const mbr = Buffer.alloc(512);
      mbr[0x1be] = 0x80;
      mbr[0x1be + 4] = 0x06;
      mbr.writeUInt32LE(1, 0x1be + 8);
      mbr.writeUInt32LE(part.length / 512, 0x1be + 12);
      mbr[510] = 0x55;
      mbr[511] = 0xaa;
      writeFileSync(join(work, dir, 'disk.img'), Buffer.concat([mbr, part]));
      run('xorriso', [
        ...['-as', 'mkisofs', '-quiet', '-o', `${file}.hd.iso`, '-hard-disk-boot'],
        ...['-b', 'disk.img', '-hide', 'disk.img', '-hide', 'boot.catalog', dir],
      ]);
      return bytesOf(readFileSync(join(work, `${file}.hd.iso`)));
    },
    path: (file) => [
      'ISO 9660 CD image',
      'ISO 9660 entry [El Torito hard disk image]',
      'FAT16 file system',
      `FAT entry ${file}`,
    ],
  },
];

describe.skipIf(!haveFixtures)('vendor-like images in the packages vendors ship', () => {
  if (!haveFixtures) console.warn(`[skip] ${noFixturesReason}`);
  for (const w of WRAPPERS) {
    const missing = w.tools.filter((t) => !have(t));
    const present = missing.length === 0;
    if (!present) console.warn(`[skip] ${w.name}: ${missing.join(', ')} not installed`);
    describe.skipIf(!present)(w.name, () => {
      for (const rel of IMAGES) {
        if (w.maxSize && haveFixtures && statSync(fixturePath(rel)).size > w.maxSize) continue;
        it(`${rel}: the same GOP and VBT SHA-256s as the bare image`, async () => {
          const file = base(rel);
          copyFileSync(fixturePath(rel), join(work, file));
          const expected = await bareResult(rel);
          expect(expected.gops.length).toBeGreaterThan(0);
          const got = await offered(w.pack(file));
          expect({ gops: got.gops, vbts: got.vbts }).toEqual(expected);
          expect(got.gopPath.startsWith(['image', ...w.path(file)].join(' / '))).toBe(true);
        }, 60_000);
      }
    });
  }
});
