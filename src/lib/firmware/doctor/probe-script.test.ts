import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFakeHost } from '../../../../tests/helpers/fake-pve-host';
import { diagnose } from './engine';
import { PROBE_SECTIONS, REPORT_HEADER } from './probe-format';
import { PROBE_SCRIPT } from './probe-script';

const HAVE_SHELLCHECK = spawnSync('shellcheck', ['--version']).status === 0;

/** Every path under a directory with its type and content hash (links by target). */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.push(`${p} -> ${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.push(`${p}/ ${st.mode}`);
        walk(p);
      } else
        out.push(
          `${p} ${st.mode} ${st.mtimeMs} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`,
        );
    }
  };
  walk(dir);
  return out;
}

describe('probe script', () => {
  let host: ReturnType<typeof buildFakeHost>;
  let report = '';
  let before: string[] = [];
  let after: string[] = [];

  beforeAll(() => {
    host = buildFakeHost();
    const base = dirname(host.home);
    const script = join(base, 'probe.sh');
    writeFileSync(script, PROBE_SCRIPT);
    before = snapshot(base);
    report = execFileSync('/bin/sh', [script], {
      cwd: host.home,
      env: { PATH: host.bin, HOME: host.home, TMPDIR: host.home, OVMF_GOP_PROBE_ROOT: host.root },
      encoding: 'utf8',
    });
    after = snapshot(base);
  });

  it.skipIf(!HAVE_SHELLCHECK)('is shellcheck-clean as POSIX sh', () => {
    const r = spawnSync('shellcheck', ['-s', 'sh', '-'], { input: PROBE_SCRIPT, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('writes nothing: the fake root, HOME, TMPDIR and the working directory are unchanged', () => {
    expect(after).toEqual(before);
    expect(readdirSync(host.home)).toEqual([]);
  });

  it('prints every section once, in order, under the report header', () => {
    expect(report.split('\n')[0]).toBe(REPORT_HEADER);
    const markers = [...report.matchAll(/^===== ([a-z0-9.-]+) =====$/gm)].map((m) => m[1]);
    // Only VM 101 has a hostpci line, so only it gets the per-VM sections.
    const perVm = ['qm-config', 'qm-showcmd', 'task-log'];
    const expected = Object.keys(PROBE_SECTIONS).map((s) => (perVm.includes(s) ? `${s}.101` : s));
    expect(markers).toEqual(expected);
  });

  it('masks MAC addresses, serial numbers and UUIDs', () => {
    expect(report).not.toMatch(
      /BC:24:11|3c:ec:ef|3cecef123456|QkFEMTIzNDU|3dd750ce|54d1c06c|00-11-22-ff/i,
    );
    expect(report).toContain('net0: virtio=XX:XX:XX:XX:XX:XX,bridge=vmbr0');
    expect(report).toContain('Device Serial Number <masked>');
    expect(report).toContain('MAC(XXXXXXXXXXXX,0)');
    expect(report).toContain('vmgenid: <masked>');
  });

  it('reads registers from sysfs when setpci is missing, and the driver link', () => {
    expect(report).toMatch(/^50\.w=0261$/m);
    expect(report).toMatch(/^5c\.l=8b800001$/m);
    expect(report).toMatch(/^fc\.l=89f9e018$/m);
    expect(report).toMatch(/^driver: vfio-pci$/m);
  });

  it('says what it cannot read and why', () => {
    expect(report).toContain('## cannot read: proxmox-boot-tool status (exit status 2)');
    expect(report).toContain('## cannot read: /etc/kernel/cmdline (no such file)');
    expect(report).toContain(
      '## cannot read: dpkg-query -W pve-edk2-firmware* (command not found)',
    );
  });

  it('hashes the romfile, reads its PCIR IDs, takes the newest task log, encodes the VBT', () => {
    const rom = readFileSync(join(host.root, 'usr/share/kvm/igd.rom'));
    expect(report).toContain(
      `${createHash('sha256').update(rom).digest('hex')}  /usr/share/kvm/igd.rom`,
    );
    expect(report).toMatch(/^pcir \/usr\/share\/kvm\/igd\.rom: +8086 3e92$/m);
    expect(report).toContain(
      '### /var/log/pve/tasks/A/UPID:pve:0000C1D2:0003A4B5:691F0A2A:qmstart:101:root@pam:',
    );
    expect(report).not.toContain('old run');
    expect(report).toContain(Buffer.from('$VBT COFFEELAKE        \0\0').toString('base64'));
    expect(report).toMatch(/^group 1: 0000:00:02\.0$/m);
    expect(report).toMatch(/^groups: 2$/m);
  });

  it('the doctor reads the report: a healthy host, nothing invented', () => {
    const d = diagnose([{ name: 'report.txt', text: report }]);
    expect(d.findings).toEqual([]);
    const kinds = new Map(d.parts.map((p) => [p.section, p.kind]));
    expect(kinds.get('qm-config.101')).toBe('vm-config');
    expect(kinds.get('igpu-regs')).toBe('igpu-regs');
  });
});
