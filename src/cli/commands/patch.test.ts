import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  fixtureJson,
  fixturePath,
  haveFixtures,
  readFixture,
} from '../../../tests/helpers/fixtures';
import { buildIgdRom } from '../../lib/firmware/igd/rom';
import { readOptionRomTree } from '../../lib/firmware/oprom/verify';
import { patchOvmf } from '../../lib/firmware/ovmf/patch';
import { UsageError } from '../command';
import { patchCommand } from './patch';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const OVMF = 'ovmf/debian-bookworm/OVMF_CODE_4M.fd';
const BIOS = 'vendor-like/aptio5-spi.bin';
const have = haveFixtures && [OVMF, BIOS].every((f) => existsSync(fixturePath(f)));

const dir = mkdtempSync(join(tmpdir(), 'patch-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('patch: usage', () => {
  it('needs --ovmf, -o and one source of GOP and VBT', async () => {
    await expect(patchCommand.run([])).rejects.toBeInstanceOf(UsageError);
    await expect(patchCommand.run(['--ovmf', 'a', '-o', 'b'])).rejects.toThrow(/--bios BIOS/);
    await expect(
      patchCommand.run(['--ovmf', 'a', '-o', 'b', '--bios', 'c', '--gop', 'd']),
    ).rejects.toThrow(/not both/);
    await expect(
      patchCommand.run(['--ovmf', 'a', '-o', 'b', '--gop', 'd', '--vbt', 'e', '--preset', 'x']),
    ).rejects.toThrow(/--preset/);
  });
});

describe.skipIf(!have)('patch: the CLI end to end', () => {
  it(
    'from a vendor BIOS: exit 0, the same bytes as the core, and the IgdAssignment ROM',
    { timeout: 120_000 },
    async () => {
      const out = join(dir, 'OVMF_CODE_4M.fd');
      const rom = join(dir, 'igd.rom');
      const r = cli(
        'patch',
        '--ovmf',
        fixturePath(OVMF),
        '--bios',
        fixturePath(BIOS),
        '--preset',
        'fast',
        '-o',
        out,
        '--rom',
        rom,
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(
        /✓ new files: IntelGopDriver, Vbt, PlatformGopPolicy, IgdAssignment/,
      );
      const written = new Uint8Array(readFileSync(out));

      // The BIOS's expected GOP and VBT, given directly to the core, give the same image.
      const expected = fixtureJson<
        { file: string; gops: { sha256: string }[]; vbts: { sha256_exact: string }[] }[]
      >('vendor-like/expected.json').find((e) => e.file === 'aptio5-spi.bin')!;
      const direct = await patchOvmf({
        ovmf: readFixture(OVMF),
        gop: readFixture('gop-vbt/adl/IntelGopDriver.efi'),
        vbt: readFixture('gop-vbt/adl/vbt.bin'),
        preset: 'fast',
      });
      // (aptio5-spi.bin was built around the ADL pair: same GOP and VBT bytes.)
      expect(direct.files.find((f) => f.role === 'gop')!.contentSha256).toBe(
        expected.gops[0].sha256,
      );
      expect(sha256(written)).toBe(direct.sha256);
      expect(r.stdout).toContain(`sha256 ${expected.gops[0].sha256}`);
      expect(r.stdout).toContain(`sha256 ${expected.vbts[0].sha256_exact}`);

      const romBytes = new Uint8Array(readFileSync(rom));
      expect(sha256(romBytes)).toBe((await buildIgdRom({ variant: 'assignment' })).sha256);
      const images = (await readOptionRomTree(romBytes)).children;
      expect(images).toHaveLength(1);
    },
  );

  it('--full-recompress encodes the whole payload: nothing kept, the same files', async () => {
    const out = join(dir, 'full.fd');
    const args = [
      '--ovmf',
      fixturePath(OVMF),
      '--gop',
      fixturePath('gop-vbt/adl/IntelGopDriver.efi'),
    ];
    const r = cli(
      'patch',
      ...args,
      '--vbt',
      fixturePath('gop-vbt/adl/vbt.bin'),
      '--preset',
      'fast',
      '--full-recompress',
      '--json',
      '-o',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { payloadKept: number; sha256: string; files: unknown[] };
    expect(json.payloadKept).toBe(0);
    expect(json.files).toHaveLength(4);
    expect(sha256(new Uint8Array(readFileSync(out)))).toBe(json.sha256);
  });

  it('an OVMF_VARS file: exit 1 and one line saying what to drop', () => {
    const r = cli(
      'patch',
      '--ovmf',
      fixturePath('ovmf/debian-bookworm/OVMF_VARS_4M.fd'),
      '--gop',
      fixturePath('gop-vbt/adl/IntelGopDriver.efi'),
      '--vbt',
      fixturePath('gop-vbt/adl/vbt.bin'),
      '-o',
      join(dir, 'x.fd'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/OVMF_VARS file .* OVMF_CODE_4M\.fd/);
    expect(existsSync(join(dir, 'x.fd'))).toBe(false);
  });
});
