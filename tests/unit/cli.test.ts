import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildFile,
  buildSection,
  buildVolume,
  FileType,
  filler,
  SectionType,
  uiSection,
} from '../../fixtures/builder/index';

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

describe('inspect shows the firmware tree', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-tree-'));
  const guid = '3C1DE39F-1234-4A5B-8C9D-0123456789AB';
  const volume = buildVolume({
    size: 0x2000,
    files: [
      buildFile({
        guid,
        type: FileType.DRIVER,
        sections: [buildSection(SectionType.PE32, filler(300, 2)), uiSection('HelloDriver')],
      }),
    ],
  });
  const file = join(dir, 'volume.fd');
  writeFileSync(file, volume);

  it('as JSON: volume → file (GUID, UI name) → sections, with sizes', () => {
    const r = cli('inspect', file, '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    const fv = json.tree.children[0];
    expect(fv.kind).toBe('volume');
    expect(fv.size).toBe(0x2000);
    const ffs = fv.children.find((c: { kind: string }) => c.kind === 'file');
    expect(ffs.guid).toBe(guid);
    expect(ffs.name).toBe('HelloDriver');
    expect(ffs.children.map((c: { type: string }) => c.type)).toEqual(['PE32', 'USER_INTERFACE']);
    expect(ffs.children[0].size).toBe(4 + 300);
  });

  it('as text: one line per node, absolute offsets', () => {
    const r = cli('inspect', file);
    expect(r.code).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.includes(guid))!;
    // The file follows the 0x48-byte volume header.
    expect(line).toMatch(/\| 00000048 +\| /);
    expect(line).toContain('HelloDriver');
  });

  it('reports a file with no firmware in it without failing', () => {
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, new Uint8Array(1000).fill(0x41));
    const r = cli('inspect', junk);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/tree: +none/);
  });

  it('names the tool for a package it recognises but cannot open, and extract exits 1 with it', () => {
    const zip = join(dir, 'bios.zip');
    writeFileSync(zip, new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...new Array(200).fill(0x33)]));
    const r = cli('inspect', zip);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/tree: +none \(this is a ZIP archive.*7-Zip/);
    const x = cli('extract', zip, '-o', join(dir, 'out'));
    expect(x.code).toBe(1);
    expect(x.stderr.trim().split('\n')).toHaveLength(1);
    expect(x.stderr).toMatch(/ZIP archive.*7-Zip/);
  });
});
