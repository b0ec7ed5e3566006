import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bootableIso, fatFloppy } from '../../../../../fixtures/builder/containers';
import { FirmwareError } from '../../errors';
import { openContainer } from '../index';
import { recordingContext, rootOf } from '../testing';

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
