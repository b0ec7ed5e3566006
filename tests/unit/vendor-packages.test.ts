/**
 * The vendor-like BIOS images, packed the way vendors ship them by Debian's own archivers (zip,
 * 7z, xorriso + mtools), must give exactly the GOPs and VBTs the bare image gives. Each kind of
 * package is skipped, with the reason, when its tool is not installed.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fakeExe } from '../../fixtures/builder/containers';
import { bytesOf } from '../../src/lib/firmware/bytes/view';
import { findCandidates } from '../../src/lib/firmware/gop/find';
import { parseFirmware } from '../../src/lib/firmware/parse';
import type { FirmwareNode } from '../../src/lib/firmware/tree/node';
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
    root,
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

/** Types from the root down to the first node holding volumes or a ROM image. */
function packagePath(root: FirmwareNode): string[] {
  const out: string[] = [];
  for (let n = root.children[0]; n && n.data.is.startsWith('archive'); n = n.children[0])
    out.push(n.name ? `${n.type} ${n.name}` : n.type);
  return out;
}

interface Wrapper {
  name: string;
  tool: string;
  /** Packs `file` (in the work directory) and returns the package's bytes. */
  pack(file: string): Uint8Array;
  /** The package nodes above the image, for the first image. */
  path(file: string): string[];
}

const WRAPPERS: Wrapper[] = [
  {
    name: 'zip (deflate)',
    tool: 'zip',
    pack(file) {
      run('zip', ['-q', '-X', '-9', `${file}.zip`, file]);
      return bytesOf(readFileSync(join(work, `${file}.zip`)));
    },
    path: (file) => ['ZIP archive', `ZIP entry ${file}`],
  },
  {
    name: 'zip (stored, ZIP64)',
    tool: 'zip',
    pack(file) {
      run('zip', ['-q', '-X', '-0', '-fz', `${file}.64.zip`, file]);
      return bytesOf(readFileSync(join(work, `${file}.64.zip`)));
    },
    path: (file) => ['ZIP archive', `ZIP entry ${file}`],
  },
  {
    name: 'zip from a pipe (data descriptors), inside another zip',
    tool: 'zip',
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
    tool: '7zz',
    pack(file) {
      run('7zz', ['a', '-bd', '-mx=5', `${file}.7z`, file]);
      return bytesOf(readFileSync(join(work, `${file}.7z`)));
    },
    path: (file) => ['7-Zip archive', `7z entry ${file}`],
  },
  {
    name: '7z (BCJ x86 + LZMA, plain header)',
    tool: '7zz',
    pack(file) {
      run('7zz', ['a', '-bd', '-mhc=off', '-mf=BCJ', '-m0=LZMA', `${file}.bcj.7z`, file]);
      return bytesOf(readFileSync(join(work, `${file}.bcj.7z`)));
    },
    path: (file) => ['7-Zip archive', `7z entry ${file}`],
  },
  {
    name: '7-Zip self-extractor (a stub, then the archive)',
    tool: '7zz',
    pack(file) {
      run('7zz', ['a', '-bd', `${file}.sfx.7z`, file]);
      return fakeExe(bytesOf(readFileSync(join(work, `${file}.sfx.7z`))));
    },
    path: (file) => ['7-Zip self-extracting archive', `7z entry ${file}`],
  },
];

describe.skipIf(!haveFixtures)('vendor-like images in the packages vendors ship', () => {
  if (!haveFixtures) console.warn(`[skip] ${noFixturesReason}`);
  for (const w of WRAPPERS) {
    const present = have(w.tool);
    if (!present) console.warn(`[skip] ${w.name}: \`${w.tool}\` is not installed`);
    describe.skipIf(!present)(w.name, () => {
      for (const rel of IMAGES) {
        it(`${rel}: the same GOP and VBT SHA-256s as the bare image`, async () => {
          const file = base(rel);
          copyFileSync(fixturePath(rel), join(work, file));
          const expected = await bareResult(rel);
          expect(expected.gops.length).toBeGreaterThan(0);
          const got = await offered(w.pack(file));
          expect({ gops: got.gops, vbts: got.vbts }).toEqual(expected);
          expect(packagePath(got.root)).toEqual(w.path(file));
        }, 60_000);
      }
    });
  }
});
