import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FirmwareError } from '../../lib/firmware/errors';
import { UsageError } from '../command';
import { lzmaCommand } from './lzma';

const dir = mkdtempSync(join(tmpdir(), 'lzma-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lzma command', () => {
  const data = new TextEncoder().encode('call me maybe '.repeat(500));
  const src = join(dir, 'in.bin');
  writeFileSync(src, data);

  for (const extra of [[], ['--preset', 'fast', '--dict', '64k'], ['--x86']]) {
    it(`compress then decompress ${extra.join(' ')}`, async () => {
      const packed = join(dir, 'p.lzma');
      const back = join(dir, 'back.bin');
      expect(await lzmaCommand.run(['compress', src, packed, ...extra])).toBe(0);
      const header = readFileSync(packed);
      expect(header[0]).toBe(0x5d);
      expect(header.readUInt32LE(1)).toBe(extra.includes('64k') ? 65536 : 1 << 24);
      const x86 = extra.includes('--x86') ? ['--x86'] : [];
      expect(await lzmaCommand.run(['decompress', packed, back, ...x86])).toBe(0);
      expect(readFileSync(back).equals(Buffer.from(data))).toBe(true);
    });
  }

  it('bad usage is a UsageError, bad data a FirmwareError', async () => {
    await expect(lzmaCommand.run(['compress', src])).rejects.toBeInstanceOf(UsageError);
    await expect(lzmaCommand.run(['squash', src, join(dir, 'x')])).rejects.toBeInstanceOf(
      UsageError,
    );
    await expect(
      lzmaCommand.run(['compress', src, join(dir, 'x'), '--preset', 'ultra']),
    ).rejects.toBeInstanceOf(UsageError);
    await expect(
      lzmaCommand.run(['compress', src, join(dir, 'x'), '--dict', 'lots']),
    ).rejects.toBeInstanceOf(UsageError);
    await expect(lzmaCommand.run(['decompress', src, join(dir, 'x')])).rejects.toBeInstanceOf(
      FirmwareError,
    );
  });
});
