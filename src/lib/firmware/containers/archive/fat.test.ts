import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fatFloppy } from '../../../../../fixtures/builder/containers';
import { FirmwareError } from '../../errors';
import { openContainer } from '../index';
import { recordingContext, rootOf } from '../testing';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const big = Uint8Array.from({ length: 5000 }, (_, i) => i * 13);
const small = new TextEncoder().encode('hello');

async function open(bytes: Uint8Array) {
  const root = rootOf(bytes);
  const { ctx, payloads } = recordingContext();
  const opened = await openContainer(root, bytes, 0, ctx);
  return { opened, root, payloads };
}

describe('FAT file systems', () => {
  it('a FAT12 floppy: one entry per file, each file read along its cluster chain', async () => {
    const img = fatFloppy([
      { name: 'README.TXT', data: small },
      { name: 'BIOS.BIN', data: big },
    ]);
    const { opened, root, payloads } = await open(img);
    expect(opened).toBe(true);
    expect(root.children[0].type).toBe('FAT12 file system');
    expect(root.children[0].children.map((c) => [c.name, c.raw.length])).toEqual([
      ['README.TXT', 5],
      ['BIOS.BIN', 5000],
    ]);
    expect(payloads.map((p) => sha(p.bytes))).toEqual([sha(small), sha(big)]);
  });

  it('a disk image: the FAT volume in the first FAT partition of the MBR', async () => {
    const vol = fatFloppy([{ name: 'BIOS.BIN', data: big }]);
    const disk = new Uint8Array(512 + vol.length);
    disk.set(vol, 512);
    const dv = new DataView(disk.buffer);
    disk[0x1be + 4] = 0x01;
    dv.setUint32(0x1be + 8, 1, true);
    dv.setUint32(0x1be + 12, vol.length / 512, true);
    disk[510] = 0x55;
    disk[511] = 0xaa;
    const { root, payloads } = await open(disk);
    expect(root.children[0].data).toMatchObject({ format: 'FAT', archiveOffset: 512 });
    expect(sha(payloads[0].bytes)).toBe(sha(big));
  });

  it('a cluster chain that loops or leaves the volume is an error naming the file', async () => {
    const img = fatFloppy([{ name: 'BIOS.BIN', data: big }]);
    // FAT entry of cluster 2 (the file's first) points to cluster 0xFF0 (past the volume).
    img[512 + 3] = 0xf0;
    img[512 + 4] = (img[512 + 4] & 0xf0) | 0x0f;
    const e = await open(img).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FirmwareError);
    expect((e as FirmwareError).message).toMatch(/BIOS\.BIN: its cluster chain/);
  });

  it('a boot sector whose parameters make no sense is not a FAT volume', async () => {
    const img = fatFloppy([{ name: 'BIOS.BIN', data: big }]);
    img[0x0d] = 3; // sectors per cluster: not a power of two
    expect((await open(img)).root.children[0]?.type).not.toBe('FAT12 file system');
  });
});
