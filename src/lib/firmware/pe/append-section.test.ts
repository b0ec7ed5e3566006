import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendPeSection, peSectionData, SECTION_READONLY_DATA } from './append-section';
import { peChecksum, readPe } from './headers';
import { FirmwareError } from '../errors';
import { driverBytes, platformGopPolicy } from '../drivers/generated';

function haveReadobj(): boolean {
  try {
    execFileSync('llvm-readobj', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function payload(n: number, seed = 7): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) b[i] = x = (x * 1103515245 + 12345) >>> 16;
  return b;
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof FirmwareError) return e.code;
    throw e;
  }
  return undefined;
}

/** Reference PE checksum, written from the PE format description: 32-bit running sum of LE u16
 * words (CheckSum field as zero) folded to 16 bits at the end, plus the file length. */
function referenceChecksum(b: Uint8Array, at: number): number {
  const c = b.slice();
  c.fill(0, at, at + 4);
  let sum = 0;
  for (let i = 0; i < c.length; i += 2) {
    sum += c[i] + (i + 1 < c.length ? c[i + 1] * 256 : 0);
    if (sum > 0xffffffff) sum = (sum % 0x100000000) + Math.floor(sum / 0x100000000);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum + c.length;
}

const le32 = (b: Uint8Array, o: number) =>
  (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;

describe('appendPeSection', () => {
  const base = driverBytes(platformGopPolicy);
  const before = readPe(base);

  it('adds a .vbt section after everything else and updates the header fields', () => {
    const data = payload(8704);
    const { image, virtualAddress, rawOffset } = appendPeSection(base, '.vbt', data);
    const pe = readPe(image);
    expect(pe.numberOfSections).toBe(before.numberOfSections + 1);
    const s = pe.sections[pe.sections.length - 1];
    expect(s.name).toBe('.vbt');
    expect(s.virtualSize).toBe(8704);
    expect(s.rawSize).toBe(8704); // already a multiple of the 0x200 file alignment
    expect(s.virtualAddress).toBe(virtualAddress);
    expect(s.rawOffset).toBe(rawOffset);
    expect(s.characteristics).toBe(SECTION_READONLY_DATA);
    // Memory: right after the old image, page aligned; SizeOfImage covers it.
    expect(virtualAddress).toBe(before.sizeOfImage);
    expect(virtualAddress % 0x1000).toBe(0);
    expect(pe.sizeOfImage).toBe(Math.ceil((virtualAddress + 8704) / 0x1000) * 0x1000);
    // File: the old bytes are untouched except the patched header fields.
    expect(rawOffset).toBe(base.length);
    expect(image.length).toBe(base.length + 8704);
    expect([...image.subarray(rawOffset)]).toEqual([...data]);
    expect(peSectionData(image, '.vbt')).toEqual(data);
    for (const old of before.sections) {
      expect(image.subarray(old.rawOffset, old.rawOffset + old.rawSize)).toEqual(
        base.subarray(old.rawOffset, old.rawOffset + old.rawSize),
      );
    }
    // SizeOfInitializedData grows by the raw size; the checksum is recomputed.
    const opt = pe.optionalHeaderOffset;
    expect(le32(image, opt + 8)).toBe(le32(base, opt + 8) + 8704);
    expect(pe.checksum).not.toBe(0);
    expect(pe.checksum).toBe(peChecksum(image, opt + 64));
    expect(pe.checksum).toBe(referenceChecksum(image, opt + 64));
  });

  it('pads the raw data to the file alignment and keeps VirtualSize exact', () => {
    const { image } = appendPeSection(base, 'x', payload(5));
    const s = readPe(image).sections.at(-1)!;
    expect(s.virtualSize).toBe(5);
    expect(s.rawSize).toBe(0x200);
    expect([...image.subarray(s.rawOffset + 5, s.rawOffset + 0x200)].every((b) => b === 0)).toBe(
      true,
    );
  });

  it.skipIf(!haveReadobj())('llvm-readobj agrees on the new section and header fields', () => {
    const data = payload(3000);
    const { image } = appendPeSection(base, '.vbt', data);
    const dir = mkdtempSync(join(tmpdir(), 'append-'));
    try {
      const f = join(dir, 'p.efi');
      writeFileSync(f, image);
      const text = execFileSync('llvm-readobj', ['--file-headers', '--sections', f], {
        encoding: 'utf8',
      });
      expect(text).toMatch(new RegExp(`SectionCount: ${before.numberOfSections + 1}\\b`));
      expect(text).toMatch(new RegExp(`SizeOfImage: ${readPe(image).sizeOfImage}\\b`));
      const vbt = text.split(/Section \{/).find((s) => /Name: \.vbt/.test(s));
      expect(vbt).toBeDefined();
      expect(vbt).toMatch(/VirtualSize: 0xBB8\b/);
      expect(vbt).toMatch(
        new RegExp(`VirtualAddress: 0x${before.sizeOfImage.toString(16).toUpperCase()}\\b`),
      );
      expect(vbt).toMatch(/RawDataSize: 3072\b/);
      expect(vbt).toMatch(/IMAGE_SCN_MEM_READ/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a duplicate, a bad name, empty data and a TE image', () => {
    const once = appendPeSection(base, '.vbt', payload(16)).image;
    expect(code(() => appendPeSection(once, '.vbt', payload(16)))).toBe('bad-input');
    expect(code(() => appendPeSection(base, '.toolongname', payload(16)))).toBe('bad-input');
    expect(code(() => appendPeSection(base, '', payload(16)))).toBe('bad-input');
    expect(code(() => appendPeSection(base, '.vbt', new Uint8Array(0)))).toBe('bad-input');
    const te = new Uint8Array(64);
    te.set([0x56, 0x5a]);
    te[6] = 40; // StrippedSize
    expect(code(() => appendPeSection(te, '.vbt', payload(16)))).toBe('unsupported');
  });

  it('reports no-space when the section table is full up to the first section data', () => {
    // Shrink the header room: claim the first section's data starts right after the table.
    const img = base.slice();
    const pe = readPe(img);
    const tableEnd = pe.sectionTableOffset + pe.numberOfSections * 40;
    const first = pe.sectionTableOffset + 20; // PointerToRawData of section 0
    img.set([tableEnd & 0xff, tableEnd >> 8, 0, 0], first);
    // and SizeOfHeaders to match, so readPe still sees a consistent image
    img.set([tableEnd & 0xff, tableEnd >> 8, 0, 0], pe.optionalHeaderOffset + 60);
    expect(code(() => appendPeSection(img, '.vbt', payload(16)))).toBe('no-space');
  });

  it('refuses a signed image (security directory present)', () => {
    const img = base.slice();
    const pe = readPe(img);
    const sec = pe.optionalHeaderOffset + 112 + 4 * 8; // PE32+: directories start at 112
    img.set([0, 0x20, 0, 0, 0x10, 0, 0, 0], sec);
    expect(code(() => appendPeSection(img, '.vbt', payload(16)))).toBe('unsupported');
  });
});
