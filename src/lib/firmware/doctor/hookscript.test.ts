import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFakeHost, edit, put } from '../../../../tests/helpers/fake-pve-host';
import { diagnose } from './engine';
import { hookScript, HOOK_SCRIPT_NAME } from './hookscript';

const HAVE_SHELLCHECK = spawnSync('shellcheck', ['--version']).status === 0;

function runHook(host: ReturnType<typeof buildFakeHost>, ...args: string[]): string {
  const script = join(dirname(host.home), HOOK_SCRIPT_NAME);
  writeFileSync(script, hookScript());
  return execFileSync('/bin/sh', [script, ...args], {
    cwd: host.home,
    env: { PATH: host.bin, HOME: host.home, TMPDIR: host.home, OVMF_GOP_PROBE_ROOT: host.root },
    encoding: 'utf8',
  });
}

describe('hookscript', () => {
  it.skipIf(!HAVE_SHELLCHECK)('is shellcheck-clean as POSIX sh', () => {
    const r = spawnSync('shellcheck', ['-s', 'sh', '-'], { input: hookScript(), encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('lists the Gen11+ device IDs from the iGPU table (N100 yes, Coffee Lake no)', () => {
    const ids = /^GEN11_IDS="([^"]*)"$/m.exec(hookScript())![1].split(' ');
    expect(ids).toContain('0x46d1');
    expect(ids).toContain('0x4680');
    expect(ids).not.toContain('0x3e92');
  });

  it('a healthy VM: pre-start prints nothing, other phases are ignored, nothing is written', () => {
    const host = buildFakeHost();
    expect(runHook(host, '101', 'pre-start')).toBe('');
    expect(runHook(host, '101', 'post-stop')).toBe('');
    expect(runHook(host, '999', 'pre-start')).toBe(
      'ovmf-gop: cannot read /etc/pve/qemu-server/999.conf\n',
    );
    expect(execFileSync('ls', ['-A', host.home], { encoding: 'utf8' })).toBe('');
  });

  it('a broken VM: one tagged line per problem, and the doctor explains them', () => {
    const host = buildFakeHost();
    edit(host.root, 'etc/pve/qemu-server/101.conf', (t) =>
      t.replace('romfile=igd.rom', 'romfile=gone.rom'),
    );
    put(host.root, 'etc/modprobe.d/vfio.conf', 'options vfio-pci ids=8086:46d1 disable_vga=1\n');
    // An N100 on QEMU 10.1 without x-igd-lpc, VGA decode off, i915 bound.
    put(host.root, 'sys/bus/pci/devices/0000:00:02.0/device', '0x46d1\n');
    const cfg = new Uint8Array(256);
    cfg[0x50] = 0x02;
    put(host.root, 'sys/bus/pci/devices/0000:00:02.0/config', cfg);
    rmSync(join(host.root, 'sys/bus/pci/devices/0000:00:02.0/driver'));
    mkdirSync(join(host.root, 'sys/bus/pci/drivers/i915'));
    symlinkSync(
      '../../../../bus/pci/drivers/i915',
      join(host.root, 'sys/bus/pci/devices/0000:00:02.0/driver'),
    );
    put(
      host.bin,
      'kvm',
      '#!/bin/sh\necho "QEMU emulator version 10.1.2 (pve-qemu-kvm_10.1.2-4)"\n',
    );
    // The stock OVMF is back where the patched one was.
    put(host.root, 'root/ovmf-backup/OVMF_CODE_4M.fd', 'stock ovmf');

    const out = runHook(host, '101', 'pre-start');
    expect(out.split('\n').filter(Boolean)).toEqual([
      'ovmf-gop: error [disable-vga] vfio-pci disable_vga=1 in /etc/modprobe.d takes the VGA ranges from the iGPU',
      'ovmf-gop: error [romfile-missing] hostpci0: /usr/share/kvm/gone.rom is missing or empty',
      'ovmf-gop: error [igd-not-primary] hostpci0: VGA decode is disabled (GGC IVD set): the host firmware made another GPU primary',
      'ovmf-gop: error [lpc-needed] hostpci0: QEMU 10.1 needs -set device.hostpci0.x-igd-lpc=on for this Gen11+ iGPU (0x46d1)',
      'ovmf-gop: warning [host-driver-bound] hostpci0: 0000:00:02.0 is bound to i915; bind vfio-pci at boot',
      'ovmf-gop: error [ovmf-replaced] /usr/share/pve-edk2-firmware/OVMF_CODE_4M.fd is the stock image again (same SHA-256 as /root/ovmf-backup/OVMF_CODE_4M.fd)',
    ]);

    // As it appears in the start task log, the doctor turns each line into its finding.
    const d = diagnose([{ name: 'task log', text: `${out}TASK OK\n` }]);
    expect(d.findings.map((f) => [f.id, f.severity])).toEqual([
      ['disable-vga', 'error'],
      ['romfile-missing', 'error'],
      ['igd-not-primary', 'error'],
      ['lpc-needed', 'error'],
      ['ovmf-replaced', 'error'],
      ['host-driver-bound', 'warning'],
    ]);
    expect(d.findings[1].source).toMatch(
      /^ovmf-gop hookscript \(pre-start\); qemu\/qemu hw\/pci\/pci\.c/,
    );
  });

  it('no IOMMU groups: iommu-off', () => {
    const host = buildFakeHost();
    rmSync(join(host.root, 'sys/kernel/iommu_groups'), { recursive: true });
    expect(runHook(host, '101', 'pre-start')).toBe(
      'ovmf-gop: error [iommu-off] no IOMMU groups: VT-d is off in the firmware or the kernel\n',
    );
  });
});
