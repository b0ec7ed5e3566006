import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('CLI dispatcher', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  const pe = new Uint8Array(512);
  pe.set([0x4d, 0x5a]);
  const file = join(dir, 'thing.bin');
  writeFileSync(file, pe);

  it('inspect --json reports size and SHA-256 of the file', () => {
    const r = cli('inspect', file, '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.size).toBe(512);
    expect(json.sha256).toBe(createHash('sha256').update(pe).digest('hex'));
  });

  it('exits 2 with a one-line message on bad usage', () => {
    const r = cli('inspect');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('usage');
    expect(cli('frobnicate').code).toBe(2);
    expect(cli('inspect', file, '--bogus').code).toBe(2);
  });

  it('exits 1 naming the problem when the file cannot be read', () => {
    const r = cli('inspect', join(dir, 'missing.fd'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/missing\.fd: no such file/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('prints help for the tool and for a command', () => {
    const all = cli('--help');
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/inspect/);
    const one = cli('inspect', '--help');
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/usage: ovmf-gop inspect <file>/);
  });
});
