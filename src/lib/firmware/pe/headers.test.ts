import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isPe, peChecksum, peImageLength, readPe } from './headers';
import { FirmwareError } from '../errors';
import { sha256Hex } from '../bytes/sha256';
import {
  fixtureJson,
  fixturePath,
  haveFixtures,
  readFixture,
} from '../../../../tests/helpers/fixtures';

function haveReadobj(): boolean {
  try {
    execFileSync('llvm-readobj', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const gopFiles = haveFixtures
  ? [
      ...readdirSync(fixturePath('gop-vbt')).map((g) => `gop-vbt/${g}/IntelGopDriver.efi`),
      ...readdirSync(fixturePath('gop'))
        .filter((f) => f.endsWith('.efi'))
        .map((f) => `gop/${f}`),
    ]
  : [];

/** The fields llvm-readobj prints, as numbers. */
function readobj(rel: string): { fields: Map<string, string>; sections: Record<string, string>[] } {
  const text = execFileSync('llvm-readobj', ['--file-headers', '--sections', fixturePath(rel)], {
    encoding: 'utf8',
  });
  const fields = new Map<string, string>();
  const sections: Record<string, string>[] = [];
  let cur: Record<string, string> | undefined;
  for (const line of text.split('\n')) {
    const m = /^\s*(\w+): (.*)$/.exec(line);
    if (/^\s*Section \{/.test(line)) sections.push((cur = {}));
    if (!m) continue;
    if (cur) cur[m[1]] = m[2];
    else if (!fields.has(m[1])) fields.set(m[1], m[2]);
  }
  return { fields, sections };
}

const num = (s: string | undefined): number => {
  const m = /\(?(0x[0-9A-Fa-f]+|\d+)\)?\s*$/.exec(s ?? '');
  return m ? Number(m[1]) : NaN;
};

describe.skipIf(!haveFixtures || !haveReadobj())('readPe against llvm-readobj', () => {
  it.each(gopFiles)('%s', (rel) => {
    const bytes = readFixture(rel);
    const pe = readPe(bytes);
    const { fields, sections } = readobj(rel);
    expect(pe.machine).toBe(num(fields.get('Machine')));
    expect(pe.format).toBe(fields.get('Magic') === '0x20B' ? 'PE32+' : 'PE32');
    expect(pe.entryPoint).toBe(num(fields.get('AddressOfEntryPoint')));
    expect(pe.imageBase).toBe(num(fields.get('ImageBase')));
    expect(pe.sizeOfImage).toBe(num(fields.get('SizeOfImage')));
    expect(pe.sizeOfHeaders).toBe(num(fields.get('SizeOfHeaders')));
    expect(pe.subsystem).toBe(num(fields.get('Subsystem')));
    expect(pe.subsystemName).toBe('EFI boot service driver');
    expect(pe.peHeaderOffset).toBe(num(fields.get('AddressOfNewExeHeader')));
    expect(pe.numberOfSections).toBe(num(fields.get('SectionCount')));
    expect(pe.sections.length).toBe(sections.length);
    pe.sections.forEach((s, i) => {
      expect(s.name).toBe(sections[i].Name.replace(/ ?\(.*$/, ''));
      expect(s.virtualSize).toBe(num(sections[i].VirtualSize));
      expect(s.virtualAddress).toBe(num(sections[i].VirtualAddress));
      expect(s.rawSize).toBe(num(sections[i].RawDataSize));
      expect(s.rawOffset).toBe(num(sections[i].PointerToRawData));
    });
    const rawEnd = Math.max(
      ...sections.map((s) => num(s.PointerToRawData) + num(s.RawDataSize)),
      num(fields.get('SizeOfHeaders')),
    );
    expect(pe.fileSize).toBe(rawEnd);
    expect(pe.fileSize).toBeLessThanOrEqual(bytes.length);
    expect(isPe(bytes)).toBe(true);
  });
});

interface RomEntry {
  file: string;
  kind: string;
  images?: { offset: number; pe_size: number; pe_sha256: string }[];
}

describe.skipIf(!haveFixtures)('embedded images and checksums', () => {
  const roms = haveFixtures
    ? fixtureJson<RomEntry[]>('expected-real.json').filter((e) => e.kind === 'option-rom')
    : [];
  it.each(roms.map((e) => [e.file, e] as const))(
    '%s: the PE in the option ROM has the listed size',
    async (file, e) => {
      const rom = readFixture(file);
      for (const img of e.images!) {
        const at = img.offset + (rom[img.offset + 0x16] | (rom[img.offset + 0x17] << 8)); // EfiImageHeaderOffset
        const len = peImageLength(rom, at);
        expect(len).toBe(img.pe_size);
        expect(await sha256Hex(rom.subarray(at, at + len!))).toBe(img.pe_sha256);
      }
    },
  );

  it('sizes the SEC core of OVMF as the UEFIExtract report does', () => {
    // report: "PE32 image section | 00348090 | 00002E84" -> 4-byte section header, then the PE
    const fd = readFixture('ovmf/debian-bookworm/OVMF_CODE_4M.fd');
    const len = peImageLength(fd, 0x348094);
    expect(len).toBe(0x2e84 - 4);
    const pe = readPe(fd.subarray(0x348094, 0x348094 + len!));
    // llvm-readobj on these bytes: I386, optional header magic 0x10B, EFI boot service driver
    expect(pe.machineName).toBe('IA32');
    expect(pe.format).toBe('PE32');
    expect(pe.subsystem).toBe(11);
  });

  it('finds the length of a PE embedded in a larger blob', () => {
    const gop = readFixture('gop-vbt/adl/IntelGopDriver.efi');
    const blob = new Uint8Array(gop.length + 1000);
    blob.set(gop, 300);
    expect(isPe(blob, 300)).toBe(true);
    expect(isPe(blob, 0)).toBe(false);
    expect(peImageLength(blob, 300)).toBe(gop.length);
    expect(peImageLength(blob, 301)).toBeUndefined();
    // cut short: not an image any more
    expect(peImageLength(blob.subarray(0, 300 + gop.length - 1), 300)).toBeUndefined();
  });
});

describe('peChecksum', () => {
  it('sums 16-bit words with end-around carry, skips the CheckSum field, adds the length', () => {
    // words 0x0001 + 0xFFFF = 0x10000 -> folded to 0x0001; the field at 4 is ignored; + 10 bytes
    const b = new Uint8Array([0x01, 0x00, 0xff, 0xff, 0xaa, 0xbb, 0xcc, 0xdd, 0x05, 0x00]);
    expect(peChecksum(b, 4)).toBe(0x0001 + 0x0005 + 10);
    // an odd trailing byte counts as the low half of a word
    expect(peChecksum(new Uint8Array([0x10, 0x00, 0, 0, 0, 0, 0x07]), 2)).toBe(0x10 + 0x07 + 7);
  });
});

describe('bad input', () => {
  const code = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(FirmwareError);
      return (e as FirmwareError).code;
    }
    return 'none';
  };
  it('rejects non-images and broken headers with FirmwareError', () => {
    expect(code(() => readPe(new Uint8Array(10)))).toBe('unrecognized');
    const mz = new Uint8Array(0x100);
    mz[0] = 0x4d;
    mz[1] = 0x5a;
    mz[0x3c] = 0xf0; // e_lfanew beyond the data
    expect(code(() => readPe(mz))).toBe('bad-format');
    mz[0x3c] = 0x40;
    expect(code(() => readPe(mz))).toBe('bad-format'); // no PE signature
    expect(isPe(mz)).toBe(false);
  });

  it.skipIf(!haveFixtures)('reports truncation of a real image', () => {
    const gop = readFixture('gop-vbt/snb/IntelGopDriver.efi');
    const end = readPe(gop).fileSize;
    expect(code(() => readPe(gop.subarray(0, end - 16)))).toBe('truncated');
    expect(code(() => readPe(gop.subarray(0, 0x100)))).toBe('truncated');
  });

  it('reads a TE header (layout from the PI spec)', () => {
    const te = new Uint8Array(40 + 40 + 0x20);
    const dv = new DataView(te.buffer);
    te[0] = 0x56;
    te[1] = 0x5a;
    dv.setUint16(2, 0x14c, true);
    te[4] = 1; // sections
    te[5] = 11; // subsystem
    dv.setUint16(6, 0x1e0, true); // StrippedSize
    dv.setUint32(8, 0x2a0, true);
    dv.setUint32(16, 0xfffd0000, true);
    te.set([0x2e, 0x74, 0x65, 0x78, 0x74], 40);
    dv.setUint32(40 + 8, 0x20, true);
    dv.setUint32(40 + 12, 0x240, true);
    dv.setUint32(40 + 16, 0x20, true);
    dv.setUint32(40 + 20, 0x1e0 - 40 + 80, true); // file offset as if unstripped
    const info = readPe(te);
    expect(info.format).toBe('TE');
    expect(info.machineName).toBe('IA32');
    expect(info.subsystemName).toBe('EFI boot service driver');
    expect(info.imageBase).toBe(0xfffd0000);
    expect(info.sections[0]).toMatchObject({ name: '.text', rawOffset: 80, rawSize: 0x20 });
    expect(info.fileSize).toBe(te.length);
  });
});
