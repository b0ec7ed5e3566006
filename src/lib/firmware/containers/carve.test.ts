import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { capsule, fakeExe, optionRom } from '../../../../fixtures/builder/containers';
import { syntheticCorpus } from '../../../../fixtures/builder/corpus';
import { buildVolume, filler } from '../../../../fixtures/builder/index';
import { makeGop } from '../../../../fixtures/builder/payloads';
import { inspectFirmware } from '../inspect';
import { findCandidates } from '../gop/find';
import { parseFirmware } from '../parse';
import { findAll } from '../tree/node';
import { carveImages, describeCarved } from './carve';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const corpus = syntheticCorpus();
const spi = corpus.find((c) => c.name === 'descriptor-v1.bin')!;
const bios = corpus.find((c) => c.name === 'fv-ffsv2.fd')!;

describe('firmware carved out of other files', () => {
  it('an SPI image inside a flasher: found at its offset with its size, read as a flash image', async () => {
    const exe = fakeExe(concat(filler(0x1a1e00, 1), spi.bytes, filler(0x333, 2)));
    const at = 0x1a2000; // fakeExe puts its payload at 0x200
    expect(carveImages(exe)).toEqual([
      { kind: 'intel-descriptor', what: 'SPI image', offset: at, size: 0x100000 },
    ]);
    expect(describeCarved(carveImages(exe)[0])).toBe('a 1 MiB SPI image at 0x1A2000');
    const { file, root } = await inspectFirmware(exe);
    expect(file).toMatchObject({
      kind: 'intel-descriptor',
      offset: at,
      detail: 'a 1 MiB SPI image at 0x1A2000 inside this file',
    });
    expect(root!.children.map((c) => [c.type, c.offset, c.raw.length])).toEqual([
      ['data', 0, at],
      ['image found inside', at, 0x100000],
      ['data', at + 0x100000, exe.length - at - 0x100000],
    ]);
    const found = root!.children[1];
    expect(sha(found.raw)).toBe(sha(spi.bytes));
    expect(found.children.map((c) => c.name)).toContain('BIOS');
    const c = await findCandidates(root!);
    expect(c.gops.map((g) => g.sha256)).toEqual([sha(spi.gops[0])]);
  });

  it('a 16 MiB flasher: the parse reports progress while the formats search it, before it reads the image inside', async () => {
    const at = 0x1a2000;
    const rest = (16 << 20) - at - spi.bytes.length - 0x40;
    const exe = fakeExe(concat(filler(0x1a1e00, 1), spi.bytes, filler(rest, 2)));
    expect(exe.length).toBe(16 << 20);
    const reports: number[] = [];
    const root = await parseFirmware(exe, { progress: (n) => reports.push(n) });
    const searching = reports.slice(
      0,
      reports.findIndex((n) => n >= at),
    );
    // Still at the start of the file while the formats search it, then on through the image.
    expect(searching.length).toBeGreaterThan(0);
    expect(searching.every((n) => n === 0)).toBe(true);
    expect(reports.every((n, i) => i === 0 || n >= reports[i - 1])).toBe(true);
    expect(reports.at(-1)).toBe(exe.length);
    // Reporting changes nothing read.
    const quiet = await parseFirmware(exe);
    const shape = (r: typeof root) => findAll(r, () => true).map((n) => [n.type, n.absOffset]);
    expect(shape(root)).toEqual(shape(quiet));
    expect(root.children[1]).toMatchObject({ type: 'image found inside', offset: at });
  });

  it('a capsule and an option ROM in an unknown wrapper: both found, each read', async () => {
    const gop = makeGop({ major: 17, minor: 0, build: 1081 });
    const rom = optionRom([{ codeType: 3, body: gop }]);
    const cap = capsule('efi', bios.bytes);
    // Neither lies on any boundary: wrappers place them where they please.
    const wrapped = concat(filler(0x1003, 3), cap, filler(0x11, 4), rom, filler(0x40, 5));
    const romAt = 0x1003 + cap.length + 0x11;
    expect(carveImages(wrapped).map((c) => [c.what, c.offset, c.size])).toEqual([
      ['UEFI capsule', 0x1003, cap.length],
      ['PCI option ROM', romAt, rom.length],
    ]);
    const c = await findCandidates(await parseFirmware(wrapped));
    expect(c.gops.map((g) => g.sha256).sort()).toEqual([sha(bios.gops[0]), sha(gop)].sort());
  });

  it('images inside a found image are part of it, not found again', () => {
    const spiInCapsule = capsule('efi', spi.bytes);
    const wrapped = concat(filler(0x400, 6), spiInCapsule);
    expect(carveImages(wrapped).map((c) => c.what)).toEqual(['UEFI capsule']);
  });

  it('volumes alone are left to the volumes-inside reader', async () => {
    const vol = buildVolume({ size: 0x1000, files: [] });
    const b = concat(filler(0x800, 7), vol);
    expect(carveImages(b)).toEqual([]);
    expect((await inspectFirmware(b)).file.label).toBe('Firmware image (volumes found inside)');
  });

  it('a driver holding a capsule GUID and a small capsule-like header stays a driver', async () => {
    const gop = makeGop({ major: 17, minor: 0, build: 1081 });
    const small = capsule('efi', filler(0x100, 8));
    const pe = concat(gop, small);
    expect(carveImages(pe)).toEqual([]);
    expect((await inspectFirmware(pe)).file.kind).toBe('pe');
  });

  it('a header whose size runs past the file is not an image', () => {
    const cap = capsule('efi', bios.bytes, { declaredSize: bios.bytes.length * 2 });
    expect(carveImages(concat(filler(0x100, 9), cap))).toEqual([]);
  });
});
