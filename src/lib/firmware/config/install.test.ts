// install.sh run for real by bash: dry and with --apply, against a scratch root ($ROOT) holding
// the files a Proxmox host has, with stub commands (id, pveversion, lspci, qm, dpkg-divert,
// update-initramfs, update-grub, proxmox-boot-tool) that log what they were asked to do.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lookupIgpu } from '../igpu/devices';
import type { BootLoader } from './inputs';
import { renderConfig, type ConfigResult, type OutputMode } from './render';

const haveBash = spawnSync('bash', ['--version'], { stdio: 'ignore' }).status === 0;
if (!haveBash) console.warn('[skip] install.sh tests: bash not found');

const STUBS: Record<string, string> = {
  id: 'echo 0',
  pveversion: 'echo "proxmox-ve: 0 (running kernel: 0)"; echo "pve-qemu-kvm: $STUB_QEMU-1"',
  lspci: 'echo "00:02.0 0300: $STUB_PCI (rev 0c)"',
  qm: [
    'echo "qm $*" >> "$STUB_LOG"',
    'if [ "$1" = config ]; then',
    '  [ -n "${STUB_VM:-}" ] || exit 2',
    '  echo "efidisk0: local-lvm:vm-100-disk-0,efitype=4m,size=4M"',
    'fi',
  ].join('\n'),
  'update-initramfs': 'echo "update-initramfs $*" >> "$STUB_LOG"',
  'update-grub': 'echo "update-grub $*" >> "$STUB_LOG"',
  'proxmox-boot-tool': 'echo "proxmox-boot-tool $*" >> "$STUB_LOG"',
  // Keeps its diversion list in $root/var/lib/diversions; --rename moves the file as dpkg does.
  'dpkg-divert': [
    'echo "dpkg-divert $*" >> "$STUB_LOG"',
    'root=""; divert=""; rename=0; mode=""; path=""',
    'while [ $# -gt 0 ]; do case "$1" in',
    '  --root) root="$2"; shift 2;;',
    '  --divert) divert="$2"; shift 2;;',
    '  --rename) rename=1; shift;;',
    '  --local) shift;;',
    '  --list|--add|--remove) mode="${1#--}"; path="$2"; shift 2;;',
    '  *) echo "dpkg-divert stub: unexpected $1" >&2; exit 2;;',
    'esac; done',
    'db="$root/var/lib/diversions"',
    'case "$mode" in',
    '  list) if grep -qF -- "$path " "$db" 2>/dev/null; then echo "local diversion of $(grep -F -- "$path " "$db")"; fi;;',
    '  add) echo "$path to $divert" >> "$db"; if [ "$rename" = 1 ]; then mv "$root$path" "$root$divert"; fi;;',
    '  *) exit 2;;',
    'esac',
  ].join('\n'),
};

const OVMF = 'usr/share/pve-edk2-firmware/OVMF_CODE_4M.fd';
const GRUB = [
  'GRUB_DEFAULT=0',
  '# iommu=pt was tried here once',
  'GRUB_CMDLINE_LINUX_DEFAULT="quiet"',
  'GRUB_CMDLINE_LINUX=""',
  '',
].join('\n');
const MODULES = '# /etc/modules: kernel modules to load at boot time.\nvfio\n';
const SD_CMDLINE = 'root=ZFS=rpool/ROOT/pve-1 boot=zfs\n';
const ROM = new Uint8Array([0x55, 0xaa, 1, 2, 3]);

const scratch = mkdtempSync(join(tmpdir(), 'install-sh-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Env {
  root: string;
  work: string;
  log: string;
  script: string;
}

function setUp(name: string, result: ConfigResult, extra: Record<string, string> = {}): Env {
  const base = join(scratch, name);
  const root = join(base, 'root');
  const work = join(base, 'work');
  const bin = join(base, 'bin');
  for (const d of [
    'etc/default',
    'etc/kernel',
    'etc/modprobe.d',
    'usr/share/kvm',
    'usr/share/pve-edk2-firmware',
    'root',
    'var/lib',
  ])
    mkdirSync(join(root, d), { recursive: true });
  mkdirSync(work, { recursive: true });
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(root, 'etc/modules'), MODULES);
  writeFileSync(join(root, 'etc/default/grub'), GRUB);
  writeFileSync(join(root, 'etc/kernel/cmdline'), SD_CMDLINE);
  writeFileSync(join(root, OVMF), 'STOCK OVMF');
  for (const [rel, text] of Object.entries(extra)) writeFileSync(join(root, rel), text);
  writeFileSync(join(work, 'igd.rom'), ROM);
  writeFileSync(join(work, 'OVMF_CODE_4M.fd'), 'PATCHED OVMF');
  for (const [cmd, body] of Object.entries(STUBS)) {
    writeFileSync(join(bin, cmd), `#!/bin/bash\n${body}\n`);
    chmodSync(join(bin, cmd), 0o755);
  }
  const script = join(base, 'install.sh');
  const block = result.blocks.find((b) => b.id === 'install')!;
  writeFileSync(script, block.lines.map((l) => l.text).join('\n') + '\n');
  return { root, work, log: join(base, 'stub.log'), script };
}

function run(
  e: Env,
  args: string[],
  env: Record<string, string>,
): { code: number | null; out: string; err: string } {
  const r = spawnSync('bash', [e.script, ...args], {
    cwd: e.work,
    encoding: 'utf8',
    env: {
      PATH: `${join(e.root, '..', 'bin')}:${process.env.PATH}`,
      ROOT: e.root,
      STUB_LOG: e.log,
      STUB_QEMU: '0.0',
      STUB_PCI: '8086:46a6',
      STUB_VM: '1',
      ...env,
    },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Every file under `dir` (backups left out) → its bytes as latin1 text. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (f.startsWith('igd-passthrough-backup-')) continue;
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'latin1');
    }
  };
  walk(dir);
  return out;
}

const log = (e: Env) =>
  existsSync(e.log)
    ? readFileSync(e.log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.trimEnd())
    : [];
const lines = (r: ConfigResult, id: string) =>
  r.blocks.find((b) => b.id === id)!.lines.map((l) => l.text);

const CASES: [string, BootLoader, OutputMode][] = [
  ['8.0', 'grub', 'rom'],
  ['8.0', 'systemd-boot', 'ovmf'],
  ['9.1', 'grub', 'ovmf'],
  ['9.1', 'systemd-boot', 'rom'],
];

describe.skipIf(!haveBash)('install.sh in a scratch root', () => {
  for (const [pve, boot, mode] of CASES) {
    it(`PVE ${pve}, ${boot}, ${mode}: dry run changes nothing; --apply does what the blocks say, once`, () => {
      const r = renderConfig({ pve, boot, igpu: lookupIgpu(0x46a6)!, mode, vmid: 100 });
      const e = setUp(`${pve}-${boot}-${mode}`, r);
      const env = { STUB_QEMU: r.qemu };
      const before = snapshot(e.root);

      const dry = run(e, [], env);
      expect(dry.code, dry.err).toBe(0);
      expect(dry.out).toContain('dry run: nothing changed; run again with --apply');
      expect(dry.out).toContain(`+ append 'vfio_pci' to ${e.root}/etc/modules`);
      expect(dry.out).not.toContain(`+ append 'vfio' to`); // already there
      expect(dry.out).toContain('+ write /etc/modprobe.d/igd-passthrough.conf');
      expect(snapshot(e.root)).toEqual(before);
      // Only look-ups ran: no qm set, no initramfs, no diversion added.
      expect(log(e).every((l) => /^(qm config|dpkg-divert .*--list)/.test(l))).toBe(true);

      const apply = run(e, ['--apply'], env);
      expect(apply.code, apply.err).toBe(0);
      const after = snapshot(e.root);
      const modules = lines(r, 'modules').filter((m) => m !== 'vfio');
      expect(after['etc/modules']).toBe(MODULES + modules.map((m) => `${m}\n`).join(''));
      // The command line ends up exactly as the cmdline block shows it.
      const [cmdline] = lines(r, 'cmdline');
      if (boot === 'grub') {
        expect(after['etc/default/grub']).toBe(
          GRUB.replace('GRUB_CMDLINE_LINUX_DEFAULT="quiet"', cmdline),
        );
        expect(after['etc/kernel/cmdline']).toBe(SD_CMDLINE);
      } else {
        expect(after['etc/kernel/cmdline']).toBe(`${cmdline}\n`);
        expect(after['etc/default/grub']).toBe(GRUB);
      }
      expect(after['etc/modprobe.d/igd-passthrough.conf']).toBe(
        lines(r, 'modprobe').join('\n') + '\n',
      );
      expect(after['usr/share/kvm/igd.rom']).toBe(Buffer.from(ROM).toString('latin1'));
      if (mode === 'ovmf') {
        expect(after[OVMF]).toBe('PATCHED OVMF');
        expect(after[`${OVMF}.distrib`]).toBe('STOCK OVMF');
      } else {
        expect(after[OVMF]).toBe('STOCK OVMF');
        expect(after[`${OVMF}.distrib`]).toBeUndefined();
      }
      const backups = readdirSync(join(e.root, 'root'));
      expect(backups).toHaveLength(1);
      const backup = snapshot(join(e.root, 'root', backups[0]));
      expect(backup['modules']).toBe(MODULES);
      expect(backup[boot === 'grub' ? 'grub' : 'cmdline']).toBe(
        boot === 'grub' ? GRUB : SD_CMDLINE,
      );
      if (mode === 'ovmf') expect(backup['OVMF_CODE_4M.fd']).toBe('STOCK OVMF');

      const calls = log(e);
      expect(calls).toContain('update-initramfs -u -k all');
      expect(calls).toContain(boot === 'grub' ? 'update-grub' : 'proxmox-boot-tool refresh');
      expect(calls).toContain('qm set 100 --hostpci0 0000:00:02.0,legacy-igd=1,romfile=igd.rom');
      const args = lines(r, 'vm-conf').find((l) => l.startsWith('args: '));
      if (args) expect(calls).toContain(`qm set 100 --args ${args.slice(6)}`);
      expect(calls.filter((l) => / --add /.test(l))).toHaveLength(mode === 'ovmf' ? 1 : 0);

      // A second run finds everything in place: same files, no second diversion.
      const again = run(e, ['--apply'], env);
      expect(again.code, again.err).toBe(0);
      expect(snapshot(e.root)).toEqual(after);
      expect(log(e).filter((l) => / --add /.test(l))).toHaveLength(mode === 'ovmf' ? 1 : 0);
    });
  }

  it('refuses the wrong iGPU, the wrong QEMU and a missing ROM; warns about disable_vga=1', () => {
    const r = renderConfig({
      pve: '9.1',
      boot: 'grub',
      igpu: lookupIgpu(0x46a6)!,
      mode: 'rom',
      vmid: 100,
    });
    const e = setUp('refuse', r, {
      'etc/modprobe.d/vfio.conf': 'options vfio-pci ids=8086:46a6 disable_vga=1\n',
    });
    const before = snapshot(e.root);
    const wrongGpu = run(e, ['--apply'], { STUB_QEMU: '10.1', STUB_PCI: '8086:3e92' });
    expect([wrongGpu.code, wrongGpu.err.trim()]).toEqual([
      1,
      'error: 00:02.0 is not 8086:46a6; regenerate the config for your iGPU',
    ]);
    const wrongQemu = run(e, ['--apply'], { STUB_QEMU: '9.2' });
    expect([wrongQemu.code, wrongQemu.err.trim()]).toEqual([
      1,
      'error: generated for pve-qemu-kvm 10.1, this host runs 9.2; regenerate the config for it',
    ]);
    rmSync(join(e.work, 'igd.rom'));
    const noRom = run(e, ['--apply'], { STUB_QEMU: '10.1' });
    expect([noRom.code, noRom.err.trim()]).toEqual([
      1,
      'error: igd.rom not found in the current directory',
    ]);
    expect(snapshot(e.root)).toEqual(before);
    writeFileSync(join(e.work, 'igd.rom'), ROM);
    const warned = run(e, [], { STUB_QEMU: '10.1' });
    expect(warned.code).toBe(0);
    expect(warned.err).toContain('warning: /etc/modprobe.d sets disable_vga=1');
  });
});
