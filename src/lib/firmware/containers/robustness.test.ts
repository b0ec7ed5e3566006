import { describe, expect, it } from 'vitest';
import { haveFixtures, readFixture } from '../../../../tests/helpers/fixtures';
import { guidBytes } from '../bytes/guid';
import { FirmwareError } from '../errors';
import { detectKind } from '../detect';
import { CAPSULE_GUIDS } from './capsule';
import { openContainer } from './index';
import { recordingContext, rootOf } from './testing';

/** Run openContainer; anything thrown must be a FirmwareError. */
async function survive(bytes: Uint8Array): Promise<'opened' | 'declined' | 'error'> {
  detectKind(bytes);
  try {
    return (await openContainer(rootOf(bytes), bytes, 0, recordingContext().ctx))
      ? 'opened'
      : 'declined';
  } catch (e) {
    if (!(e instanceof FirmwareError)) throw e;
    return 'error';
  }
}

function rng(seed: number): () => number {
  return () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
}

describe.skipIf(!haveFixtures)('damaged container headers only ever give FirmwareErrors', () => {
  const heads: [string, number][] = [
    ['vendor-like/aptio5-spi.bin', 0x1000],
    ['vendor-like/aptio5-asus.cap', 0x1000],
    ['vendor-like-2/fmp-capsule-skl-kbl.cap', 0x1000],
    ['vendor-like/efi-oprom.rom', 0x400],
    ['oprom/gangqizai-igd/1240p_gop.rom', 0x400],
  ];
  for (const [rel, len] of heads) {
    it(`${rel}: truncations and byte flips in the header`, async () => {
      const whole = readFixture(rel);
      const head = whole.slice(0, len);
      const r = rng(len);
      expect(await survive(head)).toBe('opened');
      for (let cut = 0; cut < 0x80; cut += 3) await survive(head.subarray(0, cut));
      for (let n = 0; n < 300; n++) {
        const b = head.slice();
        for (let k = 0; k < 3; k++) b[r() % 0x80] = r() & 0xff;
        await survive(b);
      }
    });
  }
});

describe('synthetic hostile headers', () => {
  it('FMP item offsets pointing anywhere', async () => {
    const r = rng(7);
    for (let n = 0; n < 200; n++) {
      const b = new Uint8Array(0x100);
      b.set(guidBytes(CAPSULE_GUIDS.fmp));
      const dv = new DataView(b.buffer);
      dv.setUint32(0x10, 0x20, true);
      dv.setUint32(0x18, r() % 0x200, true);
      dv.setUint32(0x20, 1, true);
      dv.setUint16(0x24, r() % 3, true);
      dv.setUint16(0x26, r() % 3, true);
      for (let i = 0x28; i < 0x100; i++) b[i] = r() % 4 === 0 ? r() & 0xff : 0;
      await survive(b);
    }
  });
});
