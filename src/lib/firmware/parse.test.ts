import { describe, expect, it } from 'vitest';
import {
  FileType,
  buildFile,
  buildVolume,
  filler,
  uiSection,
} from '../../../fixtures/builder/index';
import { Budget } from './budget';
import { FirmwareError } from './errors';
import { parseFirmware } from './parse';

describe('parseFirmware', () => {
  const vol = buildVolume({
    size: 0x2000,
    files: [
      buildFile({
        guid: '11111111-2222-3333-4444-555555555555',
        type: FileType.DRIVER,
        sections: [uiSection('X')],
      }),
    ],
  });

  it('returns an image root with the volumes, reporting progress', async () => {
    const seen: number[] = [];
    const root = await parseFirmware(new Uint8Array([...vol, ...vol]), {
      name: 'two.fd',
      progress: (n) => seen.push(n),
    });
    expect(root.kind).toBe('image');
    expect(root.name).toBe('two.fd');
    expect(root.children.map((c) => c.kind)).toEqual(['volume', 'volume']);
    expect(root.children[1].absOffset).toBe(0x2000);
    expect(seen).toContain(0x2000);
    expect(seen[seen.length - 1]).toBe(0x4000);
  });

  it('throws an unrecognized FirmwareError for bytes with nothing known', async () => {
    const err = await parseFirmware(filler(4096)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FirmwareError);
    expect((err as FirmwareError).code).toBe('unrecognized');
  });

  it('honours the budget passed in', async () => {
    const err = await parseFirmware(vol, { budget: new Budget({ maxNodes: 2 }) }).catch(
      (e: unknown) => e,
    );
    expect((err as FirmwareError).code).toBe('budget');
  });
});
