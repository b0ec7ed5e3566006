import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hookScript } from '../../lib/firmware/doctor/hookscript';
import { PROBE_SCRIPT } from '../../lib/firmware/doctor/probe-script';
import { captureStdout } from '../../../tests/helpers/stdout';
import { buildFakeHost, edit } from '../../../tests/helpers/fake-pve-host';
import { UsageError } from '../command';
import { doctorCommand, hookscriptCommand, probeScriptCommand } from './doctor';

const stdout = captureStdout();
const testdata = (n: string) =>
  fileURLToPath(new URL(`../../lib/firmware/doctor/testdata/${n}`, import.meta.url));

describe('doctor command', () => {
  it('names each problem of a broken report with its evidence, cause, fix and source; exit 1', async () => {
    const code = await doctorCommand.run([testdata('pve8-grub-kbl-broken.txt')]);
    expect(code).toBe(1);
    expect(stdout.text).toMatch(/pve8-grub-kbl-broken\.txt \[qm-config\.102\] — vm-config/);
    expect(stdout.text).toContain('error [vga-not-none]');
    expect(stdout.text).toContain('  > ');
    expect(stdout.text).toContain('  fix: qm set 102 --vga none');
    expect(stdout.text).toContain('source: proxmox/qemu-server src/PVE/QemuServer/PCI.pm');
    // What the probe could not read is shown too.
    expect(stdout.text).toContain('could not read: /etc/kernel/cmdline (no such file)');
  });

  it('a healthy report: no problems, exit 0, harmless messages listed as such', async () => {
    const code = await doctorCommand.run([testdata('pve9-grub-adln-healthy.txt')]);
    expect(code).toBe(0);
    expect(stdout.text).toContain('no problems found');
    expect(stdout.text).toContain('known harmless [audio-reset-harmless]');
  });

  it('--json gives {findings:[{id,severity,evidence,cause,fix,source}]} in the chosen language', async () => {
    await doctorCommand.run([testdata('pve9-sdboot-adl-broken.txt'), '--json', '--lang', 'zh-CN']);
    const r = JSON.parse(stdout.text);
    expect(r.findings.length).toBe(11);
    for (const f of r.findings)
      expect(Object.keys(f)).toEqual(['id', 'severity', 'evidence', 'cause', 'fix', 'source']);
    const lpc = r.findings.find((f: { id: string }) => f.id === 'lpc-needed');
    expect(lpc.cause).toMatch(/传统模式/);
    expect(lpc.evidence[0]).toContain('hostpci0: 0000:00:02.0,legacy-igd=1');
  });

  it('bad usage is a usage error', async () => {
    await expect(doctorCommand.run([])).rejects.toBeInstanceOf(UsageError);
    await expect(doctorCommand.run(['x', '--lang', 'fr'])).rejects.toBeInstanceOf(UsageError);
  });

  it('probe-script prints the script byte for byte', async () => {
    expect(await probeScriptCommand.run([])).toBe(0);
    expect(stdout.text).toBe(PROBE_SCRIPT);
  });

  it('hookscript prints the hookscript byte for byte', async () => {
    expect(await hookscriptCommand.run([])).toBe(0);
    expect(stdout.text).toBe(hookScript());
    expect(stdout.text.startsWith('#!/bin/sh\n')).toBe(true);
  });

  it('--vm runs the probe on this host and diagnoses its report', async () => {
    const host = buildFakeHost();
    // Break the fake host: the VM's ROM is gone.
    edit(host.root, 'etc/pve/qemu-server/101.conf', (t) =>
      t.replace('romfile=igd.rom', 'romfile=gone.rom'),
    );
    const saved = { PATH: process.env.PATH, ROOT: process.env.OVMF_GOP_PROBE_ROOT };
    process.env.PATH = host.bin;
    process.env.OVMF_GOP_PROBE_ROOT = host.root;
    try {
      expect(await doctorCommand.run(['--vm', '101', '--json'])).toBe(1);
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.ROOT === undefined) delete process.env.OVMF_GOP_PROBE_ROOT;
      else process.env.OVMF_GOP_PROBE_ROOT = saved.ROOT;
    }
    const r = JSON.parse(stdout.text);
    expect(r.findings.map((f: { id: string }) => f.id)).toEqual(['romfile-missing']);
    expect(r.findings[0].evidence[0]).toBe(
      'probe of VM 101 [romfiles]: /usr/share/kvm/gone.rom: no such file',
    );
    expect(r.inputs.some((p: { section?: string }) => p.section === 'qm-config.101')).toBe(true);
  });

  it('--vm needs a numeric id', async () => {
    await expect(doctorCommand.run(['--vm', 'abc'])).rejects.toBeInstanceOf(UsageError);
  });

  it('reads stdin for "-" through the real CLI entry', () => {
    const main = fileURLToPath(new URL('../main.ts', import.meta.url));
    let out = '';
    try {
      out = execFileSync('npx', ['tsx', main, 'doctor', '-', '--json'], {
        input: 'TASK ERROR: legacy IGD assignment is not compatible with q35\n',
        encoding: 'utf8',
      });
    } catch (e) {
      // Exit 1 (an error finding) still prints the JSON.
      out = (e as { stdout: string }).stdout;
    }
    const r = JSON.parse(out);
    expect(r.findings.map((f: { id: string }) => f.id)).toEqual(['machine-q35']);
    expect(r.findings[0].evidence).toEqual([
      'stdin:1: TASK ERROR: legacy IGD assignment is not compatible with q35',
    ]);
  });
});
