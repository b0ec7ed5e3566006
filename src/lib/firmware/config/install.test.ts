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
import { hostname, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { igpuGeneration, lookupIgpu } from '../igpu/devices';
import { parseAmdLspci } from './amd';
import type { BootLoader } from './inputs';
import { renderConfig, type ConfigResult, type OutputMode } from './render';

const haveBash = spawnSync('bash', ['--version'], { stdio: 'ignore' }).status === 0;
if (!haveBash) console.warn('[skip] install.sh tests: bash not found');

/** A `qm set` of one key on a config file, as qm writes it: in place, else before [snapshots], else at the end. */
const CONF_SET =
  'awk -v k="$k" -v v="$v" \'!done && (index($0, k ":") == 1 || /^\\[/) { print k ": " v; done = 1; if (index($0, k ":") == 1) next } { print } END { if (!done) print k ": " v }\'';

// Every stub but id records its call; qm reads and writes the VM config under the scratch root.
const STUBS: Record<string, string> = {
  id: 'echo 0',
  pveversion: [
    'echo "pveversion $*" >> "$STUB_LOG"',
    'echo "proxmox-ve: 0 (running kernel: 0)"; echo "pve-qemu-kvm: $STUB_QEMU-1"',
  ].join('\n'),
  lspci: ['echo "lspci $*" >> "$STUB_LOG"', 'echo "00:02.0 0300: $STUB_PCI (rev 0c)"'].join('\n'),
  qm: [
    'echo "qm $*" >> "$STUB_LOG"',
    'conf="$IGD_TEST_ROOT/etc/pve/qemu-server/$2.conf"',
    '[ -f "$conf" ] || { echo "Configuration file for VM $2 does not exist" >&2; exit 2; }',
    'case "$1" in',
    '  config) sed \'/^\\[/,$d\' "$conf" ;;',
    '  set) if [ -n "${STUB_QM_FAIL:-}" ]; then echo "VM $2 is locked (backup)" >&2; exit 25; fi ;;&',
    '  set) shift 2; while [ $# -gt 0 ]; do k="${1#--}" v="$2"; shift 2;',
    `    ${CONF_SET} "$conf" > "$conf.tmp"; mv "$conf.tmp" "$conf"; done ;;`,
    '  *) exit 2 ;;',
    'esac',
  ].join('\n'),
  // pvesh get /cluster/mapping/pci/<name>: the JSON in ../pvesh/<name>.json, else no such mapping.
  pvesh: [
    'echo "pvesh $*" >> "$STUB_LOG"',
    'f="$IGD_TEST_ROOT/../pvesh/${2##*/}.json"',
    '[ -f "$f" ] || { echo "no such mapping" >&2; exit 2; }',
    'cat "$f"',
  ].join('\n'),
  'update-initramfs': 'echo "update-initramfs $*" >> "$STUB_LOG"',
  'update-grub': 'echo "update-grub $*" >> "$STUB_LOG"',
  'proxmox-boot-tool': [
    'echo "proxmox-boot-tool $*" >> "$STUB_LOG"',
    'if [ "$1" = status ]; then',
    '  if [ "$STUB_BOOT" = systemd-boot ]; then echo "4A1B-2C3D is configured with: uefi (versions: 6.8.12-4-pve)";',
    '  else echo "E: /etc/kernel/proxmox-boot-uuids does not exist." >&2; exit 2; fi',
    'fi',
  ].join('\n'),
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
    '  remove) to="$(grep -F -- "$path " "$db" | sed "s/.* to //")"; grep -vF -- "$path " "$db" > "$db.tmp" || true; mv "$db.tmp" "$db"; [ -s "$db" ] || rm "$db";',
    '    if [ "$rename" = 1 ]; then mv "$root$to" "$root$path"; fi;;',
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
const VM_CONF = 'etc/pve/qemu-server/100.conf';
const FRESH_VM = [
  'boot: order=scsi0',
  'memory: 2048',
  'name: fresh',
  'scsi0: local-lvm:vm-100-disk-0,size=32G',
  '',
].join('\n');

const scratch = mkdtempSync(join(tmpdir(), 'install-sh-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Env {
  /** The loader the stub proxmox-boot-tool reports: the one the script was made for. */
  boot: BootLoader;
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
    'etc/default/grub.d',
    'etc/kernel',
    'etc/modprobe.d',
    'etc/pve/qemu-server',
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
  writeFileSync(join(root, VM_CONF), FRESH_VM);
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
  const boot = result.blocks.find((b) => b.id === 'cmdline')!.path === '/etc/default/grub';
  return {
    boot: boot ? 'grub' : 'systemd-boot',
    root,
    work,
    log: join(base, 'stub.log'),
    script,
  };
}

function run(
  e: Env,
  args: string[],
  env: Record<string, string>,
  script = e.script,
): { code: number | null; out: string; err: string } {
  const r = spawnSync('bash', [script, ...args], {
    cwd: e.work,
    encoding: 'utf8',
    env: {
      PATH: `${join(e.root, '..', 'bin')}:${process.env.PATH}`,
      IGD_TEST_ROOT: e.root,
      STUB_LOG: e.log,
      STUB_QEMU: '0.0',
      STUB_PCI: '8086:46a6',
      STUB_BOOT: e.boot,
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

/** The calls the stubs recorded since the last look. */
function calls(e: Env): string[] {
  if (!existsSync(e.log)) return [];
  const all = readFileSync(e.log, 'utf8').trim().split('\n');
  rmSync(e.log);
  return all.map((l) => l.trimEnd());
}

/** The backup folder a run names in its last line (relative to the root). */
function backupOf(out: string): string {
  const m = /^done; backups and undo\.sh in \/(root\/igd-passthrough-backup-[\w-]+)/m.exec(out);
  expect(m, out).not.toBeNull();
  return m![1];
}

/** The config of the Alder Lake iGPU (8086:46a6) for VM 100. */
const adl = (pve: string, boot: BootLoader, mode: OutputMode) =>
  renderConfig({ pve, boot, igpu: lookupIgpu(0x46a6)!, mode, vmid: 100 });
const lines = (r: ConfigResult, id: string) =>
  r.blocks.find((b) => b.id === id)!.lines.map((l) => l.text);
const READS = ['lspci -n -s 00:02.0', 'pveversion -v', 'proxmox-boot-tool status'];

const CASES: [string, BootLoader, OutputMode][] = [
  ['8.0', 'grub', 'rom'],
  ['8.0', 'systemd-boot', 'ovmf'],
  ['9.1', 'grub', 'ovmf'],
  ['9.1', 'systemd-boot', 'rom'],
];

describe.skipIf(!haveBash)('install.sh in a scratch root', () => {
  for (const [pve, boot, mode] of CASES) {
    it(`PVE ${pve}, ${boot}, ${mode}, a fresh host: dry run changes nothing; --apply does what the blocks say, once; undo.sh puts every byte back`, () => {
      const r = adl(pve, boot, mode);
      const e = setUp(`${pve}-${boot}-${mode}`, r);
      const env = { STUB_QEMU: r.qemu };
      const before = snapshot(e.root);
      const ovmfCode = `/${OVMF}`;
      const listDivert = `dpkg-divert --root ${e.root} --list ${ovmfCode}`;
      const reads = [...READS, ...(mode === 'ovmf' ? [listDivert] : []), 'qm config 100'];
      const modules = lines(r, 'modules').filter((m) => m !== 'vfio');

      const dry = run(e, [], env);
      expect(dry.code, dry.err).toBe(0);
      expect(dry.out).toContain('dry run: nothing changed; run again with --apply');
      // The plan is a diff: /etc/modules gains the missing modules only.
      expect(dry.out).toContain(
        [
          '--- /etc/modules now',
          '+++ /etc/modules after',
          `@@ -1,2 +1,${2 + modules.length} @@`,
          ...MODULES.trimEnd()
            .split('\n')
            .map((l) => ` ${l}`),
          ...modules.map((m) => `+${m}`),
        ].join('\n'),
      );
      expect(dry.out).toContain('--- /etc/modprobe.d/igd-passthrough.conf now');
      expect(dry.out).toContain('  ~ memory: 2048 -> 4096 -- Raised to 4096 MiB');
      expect(dry.out).toContain('  = machine: (not set) -- Already right');
      expect(snapshot(e.root)).toEqual(before);
      expect(calls(e)).toEqual(reads);

      const apply = run(e, ['--apply'], env);
      expect(apply.code, apply.err).toBe(0);
      const after = snapshot(e.root);
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
      // The VM: memory raised in place, the rest appended by qm set, nothing else touched.
      const args = lines(r, 'vm-conf').find((l) => l.startsWith('args: '));
      const hostpci = '0000:00:02.0,legacy-igd=1,romfile=igd.rom';
      expect(after[VM_CONF]).toBe(
        [
          'boot: order=scsi0',
          'memory: 4096',
          'name: fresh',
          'scsi0: local-lvm:vm-100-disk-0,size=32G',
          'bios: ovmf',
          'vga: none',
          `hostpci0: ${hostpci}`,
          ...(args ? [args] : []),
          'cpu: host',
          '',
        ].join('\n'),
      );
      const divertAdd = `dpkg-divert --root ${e.root} --local --rename --divert ${ovmfCode}.distrib --add ${ovmfCode}`;
      expect(calls(e)).toEqual([
        ...reads,
        ...(mode === 'ovmf' ? [divertAdd] : []),
        `qm set 100 --bios ovmf --vga none --hostpci0 ${hostpci}${args ? ` --args ${args.slice(6)}` : ''} --cpu host --memory 4096`,
        'update-initramfs -u -k all',
        boot === 'grub' ? 'update-grub' : 'proxmox-boot-tool refresh',
      ]);

      // One dated folder holds a copy of every file that existed and was changed, and undo.sh.
      const backupDir = backupOf(apply.out);
      expect(readdirSync(join(e.root, 'root'))).toEqual([backupDir.slice(5)]);
      const backup = snapshot(join(e.root, backupDir));
      const cmdlineFile = boot === 'grub' ? 'etc/default/grub' : 'etc/kernel/cmdline';
      expect(Object.keys(backup).sort()).toEqual(
        [
          'files/etc/modules',
          `files/${cmdlineFile}`,
          `files/${VM_CONF}`,
          ...(mode === 'ovmf' ? [`files/${OVMF}`] : []),
          'undo.sh',
        ].sort(),
      );
      expect(backup['files/etc/modules']).toBe(MODULES);
      expect(backup[`files/${cmdlineFile}`]).toBe(boot === 'grub' ? GRUB : SD_CMDLINE);
      expect(backup[`files/${VM_CONF}`]).toBe(FRESH_VM);
      if (mode === 'ovmf') expect(backup[`files/${OVMF}`]).toBe('STOCK OVMF');
      // undo.sh is printed too.
      expect(apply.out).toContain(`--- /${backupDir}/undo.sh\n${backup['undo.sh']}`);

      // A second run finds everything in place: it says so, writes nothing and calls nothing.
      const again = run(e, ['--apply'], env);
      expect(again.code, again.err).toBe(0);
      expect(again.out).toContain(
        'nothing to change: this host and VM 100 are already set up; nothing was written',
      );
      expect(snapshot(e.root)).toEqual(after);
      // (The patched OVMF is byte-equal now, so the diversion is not even looked up.)
      expect(calls(e)).toEqual([...READS, 'qm config 100']);

      // undo.sh brings back every file, byte for byte, and refreshes what depends on them.
      const undo = run(e, [], env, join(e.root, backupDir, 'undo.sh'));
      expect(undo.code, undo.err).toBe(0);
      expect(snapshot(e.root)).toEqual(before);
      expect(calls(e)).toEqual([
        ...(mode === 'ovmf'
          ? [`dpkg-divert --root ${e.root} --local --rename --remove ${ovmfCode}`]
          : []),
        'update-initramfs -u -k all',
        boot === 'grub' ? 'update-grub' : 'proxmox-boot-tool refresh',
      ]);
    });
  }

  const WINDOWS_VM = [
    'agent: 1',
    'args: -cpu host,hv_vendor_id=GenuineIntel -smbios type=1,serial=ABC123',
    'bios: ovmf',
    'cpu: x86-64-v2-AES',
    'efidisk0: local-lvm:vm-100-disk-1,efitype=4m,size=4M',
    'hostpci0: 0000:00:02.0,x-vga=1',
    'hostpci1: 0000:03:00.0,rombar=0',
    'machine: pc-i440fx-9.0',
    'memory: 16384',
    'name: win',
    'ostype: win11',
    'scsi0: local-lvm:vm-100-disk-0,size=64G',
    'vga: std',
    '',
    '[before-igd]',
    'memory: 16384',
    'vga: std',
    '',
  ].join('\n');

  it('a Windows VM with 16 GiB, its own args and a second device: only what passthrough needs changes; ostype only when agreed', () => {
    const r = adl('9.1', 'systemd-boot', 'rom');
    const e = setUp('windows', r, { [VM_CONF]: WINDOWS_VM });
    const env = { STUB_QEMU: r.qemu };
    const before = snapshot(e.root);

    const dry = run(e, [], env);
    expect(dry.code, dry.err).toBe(0);
    const plan = dry.out.split('\n').filter((l) => /^ {2}[=+~!] /.test(l));
    expect(plan.map((l) => l.replace(/ -- .*/, ''))).toEqual([
      '  = bios: ovmf',
      '  = machine: pc-i440fx-9.0',
      '  ~ vga: std -> none',
      '  ~ hostpci0: 0000:00:02.0,x-vga=1 -> 0000:00:02.0,legacy-igd=1,romfile=igd.rom',
      '  ~ args: -cpu host,hv_vendor_id=GenuineIntel -smbios type=1,serial=ABC123 -> -cpu host,hv_vendor_id=GenuineIntel -smbios type=1,serial=ABC123 -set device.hostpci0.x-igd-lpc=on',
      '  = hostpci1: 0000:03:00.0,rombar=0',
      '  ! cpu: x86-64-v2-AES',
      '  = memory: 16384',
      '  ! ostype: win11',
    ]);
    // Each "left as it is" and "only if you agree" says why, and how to agree.
    expect(dry.out).toContain('  = hostpci1: 0000:03:00.0,rombar=0 -- Not the iGPU');
    expect(dry.out).toContain(
      '  = memory: 16384 -- At least 4096 MiB already; your value is kept.',
    );
    expect(dry.out).toMatch(
      /^ {2}! ostype: win11 -- For a Windows OS type Proxmox turns on the Hyper-V enlightenments.* The cost: .* Kept unless you agree \(--ostype-l26\)\.$/m,
    );
    expect(dry.out).toMatch(
      /^ {2}! cpu: x86-64-v2-AES -- .*Kept unless you agree \(--cpu-host\)\.$/m,
    );
    expect(snapshot(e.root)).toEqual(before);

    const apply = run(e, ['--apply'], env);
    expect(apply.code, apply.err).toBe(0);
    const merged =
      '-cpu host,hv_vendor_id=GenuineIntel -smbios type=1,serial=ABC123 -set device.hostpci0.x-igd-lpc=on';
    const vmAfter = WINDOWS_VM.replace('vga: std\n\n', 'vga: none\n\n')
      .replace(
        'hostpci0: 0000:00:02.0,x-vga=1',
        'hostpci0: 0000:00:02.0,legacy-igd=1,romfile=igd.rom',
      )
      .replace(/^args: .*$/m, `args: ${merged}`);
    expect(snapshot(e.root)[VM_CONF]).toBe(vmAfter);
    const firstCalls = calls(e);
    expect(firstCalls.filter((c) => c.startsWith('qm set'))).toEqual([
      `qm set 100 --vga none --hostpci0 0000:00:02.0,legacy-igd=1,romfile=igd.rom --args ${merged}`,
    ]);
    const firstBackup = backupOf(apply.out);

    // Agreeing to the OS type change: that one key changes, the host files are not touched again.
    const agreed = run(e, ['--apply', '--ostype-l26'], env);
    expect(agreed.code, agreed.err).toBe(0);
    expect(agreed.out).toContain('  ~ ostype: win11 -> l26 -- For a Windows OS type');
    expect(snapshot(e.root)[VM_CONF]).toBe(vmAfter.replace('ostype: win11', 'ostype: l26'));
    expect(calls(e)).toEqual([...READS, 'qm config 100', 'qm set 100 --ostype l26']);
    const secondBackup = backupOf(agreed.out);
    expect(readFileSync(join(e.root, secondBackup, 'undo.sh'), 'utf8')).toContain(
      `restore /${VM_CONF}\n`,
    );

    // Undone newest first, everything is as it was.
    for (const b of [secondBackup, firstBackup]) {
      const u = run(e, [], env, join(e.root, b, 'undo.sh'));
      expect(u.code, u.err).toBe(0);
    }
    expect(snapshot(e.root)).toEqual(before);
  });

  it('a host with vfio-pci ids= for another device: one merged ids= list, the other options kept; undo restores it', () => {
    const r = adl('9.1', 'grub', 'rom');
    const vfio = '# my dGPU\noptions vfio-pci ids=10de:1b80,10de:10f0 disable_vga=0\n';
    const e = setUp('ids', r, {
      'etc/modprobe.d/vfio.conf': vfio,
      'etc/modprobe.d/zz-other.conf': 'options snd_hda_intel power_save=0\n',
    });
    const env = { STUB_QEMU: r.qemu };
    const before = snapshot(e.root);
    const dry = run(e, [], env);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toContain(
      [
        '--- /etc/modprobe.d/vfio.conf now',
        '+++ /etc/modprobe.d/vfio.conf after',
        '@@ -1,2 +1,2 @@',
        ' # my dGPU',
        '-options vfio-pci ids=10de:1b80,10de:10f0 disable_vga=0',
        '+options vfio-pci ids=10de:1b80,10de:10f0,8086:46a6 disable_vga=0',
      ].join('\n'),
    );
    const apply = run(e, ['--apply'], env);
    expect(apply.code, apply.err).toBe(0);
    const after = snapshot(e.root);
    expect(after['etc/modprobe.d/vfio.conf']).toBe(
      '# my dGPU\noptions vfio-pci ids=10de:1b80,10de:10f0,8086:46a6 disable_vga=0\n',
    );
    expect(after['etc/modprobe.d/igd-passthrough.conf']).toBe(
      [
        '# options vfio-pci ids=: one list, in /etc/modprobe.d/vfio.conf',
        ...lines(r, 'modprobe').slice(1),
        '',
      ].join('\n'),
    );
    expect(after['etc/modprobe.d/zz-other.conf']).toBe(before['etc/modprobe.d/zz-other.conf']);
    // Across modprobe.d, exactly one ids= list for vfio-pci, holding both devices.
    const idsLines = Object.entries(after)
      .filter(([p]) => p.startsWith('etc/modprobe.d/'))
      .flatMap(([, text]) => text.split('\n'))
      .filter((l) => /^options vfio-pci .*ids=/.test(l));
    expect(idsLines).toHaveLength(1);
    const backup = snapshot(join(e.root, backupOf(apply.out)));
    expect(backup['files/etc/modprobe.d/vfio.conf']).toBe(vfio);
    expect(backup['undo.sh']).toContain('remove /etc/modprobe.d/igd-passthrough.conf\n');

    const again = run(e, ['--apply'], env);
    expect(again.out).toContain('nothing to change');
    expect(snapshot(e.root)).toEqual(after);

    const undo = run(e, [], env, join(e.root, backupOf(apply.out), 'undo.sh'));
    expect(undo.code, undo.err).toBe(0);
    expect(snapshot(e.root)).toEqual(before);
  });

  it('a host set up by an older install.sh (a second ids= line of its own) is merged into the user’s list', () => {
    const r = adl('9.1', 'grub', 'rom');
    const e = setUp('old-ids', r, {
      'etc/modprobe.d/vfio.conf': 'options vfio_pci ids=10de:1b80\n',
      'etc/modprobe.d/igd-passthrough.conf': lines(r, 'modprobe').join('\n') + '\n',
    });
    const apply = run(e, ['--apply'], { STUB_QEMU: r.qemu });
    expect(apply.code, apply.err).toBe(0);
    const after = snapshot(e.root);
    expect(after['etc/modprobe.d/vfio.conf']).toBe('options vfio_pci ids=10de:1b80,8086:46a6\n');
    expect(after['etc/modprobe.d/igd-passthrough.conf']).not.toMatch(/^options/m);
  });

  it('refuses the wrong iGPU, the wrong QEMU, the other boot loader, a missing ROM and unknown options; warns about disable_vga=1', () => {
    const r = adl('9.1', 'grub', 'rom');
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
    const wrongLoader = run(e, ['--apply'], { STUB_QEMU: '10.1', STUB_BOOT: 'systemd-boot' });
    expect([wrongLoader.code, wrongLoader.err.trim()]).toEqual([
      1,
      'error: this host boots with systemd-boot (proxmox-boot-tool status), not grub: /etc/default/grub is not the command line in use; regenerate the config for systemd-boot',
    ]);
    const unknown = run(e, ['--aply'], { STUB_QEMU: '10.1' });
    expect([unknown.code, unknown.err.trim()]).toEqual([
      2,
      'error: unknown option --aply (use --apply, --ostype-l26, --cpu-host)',
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

  it('a q35 VM with a pcie=1 device is not switched to i440fx: machine, iGPU entry and args wait, the rest is applied; undo restores', () => {
    const r = adl('9.1', 'systemd-boot', 'rom');
    const vm = [
      'args: -cpu host,+invtsc',
      'hostpci0: 0000:01:00.0,pcie=1,x-vga=1',
      'hostpci1: 0000:00:02.0,pcie=1',
      'machine: pc-q35-9.0',
      'memory: 2048',
      'vga: std',
      '',
    ].join('\n');
    const e = setUp('q35-pcie', r, { [VM_CONF]: vm });
    const env = { STUB_QEMU: r.qemu };
    const before = snapshot(e.root);

    const apply = run(e, ['--apply'], env);
    expect(apply.code, apply.err).toBe(0);
    const plan = apply.out.split('\n').filter((l) => /^ {2}[=+~!?] /.test(l));
    expect(plan.map((l) => l.replace(/ -- .*/, ''))).toEqual([
      '  + bios: ovmf',
      '  ! machine: pc-q35-9.0',
      '  ~ vga: std -> none',
      '  ! hostpci1: 0000:00:02.0,pcie=1',
      '  ! args: -cpu host,+invtsc',
      '  = hostpci0: 0000:01:00.0,pcie=1,x-vga=1',
      '  + cpu: host',
      '  ~ memory: 2048 -> 4096',
      '  = ostype: (not set)',
    ]);
    expect(apply.out).toMatch(
      /^ {2}! machine: pc-q35-9\.0 -- Left as it is, .*pcie=1.*"q35 machine model is not enabled".* take pcie=1 off those devices yourself .*\(UPT\)/m,
    );
    expect(apply.out).toMatch(/^ {2}! hostpci1: .* -- Waits for the machine type/m);
    expect(apply.out).toContain(
      'note: VM 100 is not ready for iGPU passthrough yet: see the ! and ? lines above',
    );
    // What does not depend on the machine is applied; the machine, the iGPU and args stay.
    expect(calls(e).filter((c) => c.startsWith('qm set'))).toEqual([
      'qm set 100 --bios ovmf --vga none --cpu host --memory 4096',
    ]);
    const after = snapshot(e.root)[VM_CONF];
    expect(after).toContain('machine: pc-q35-9.0\n');
    expect(after).toContain('hostpci0: 0000:01:00.0,pcie=1,x-vga=1\n');
    expect(after).toContain('hostpci1: 0000:00:02.0,pcie=1\n');
    expect(after).toContain('args: -cpu host,+invtsc\n');

    // Once the user takes pcie=1 off the dGPU, the next run switches the machine and the iGPU.
    const fixed = after.replace(
      'hostpci0: 0000:01:00.0,pcie=1,x-vga=1',
      'hostpci0: 0000:01:00.0,x-vga=1',
    );
    writeFileSync(join(e.root, VM_CONF), fixed);
    const again = run(e, ['--apply'], env);
    expect(again.code, again.err).toBe(0);
    expect(calls(e).filter((c) => c.startsWith('qm set'))).toEqual([
      'qm set 100 --machine pc --hostpci1 0000:00:02.0,legacy-igd=1,romfile=igd.rom --args -cpu host,+invtsc -set device.hostpci1.x-igd-lpc=on',
    ]);
    // Undo of the second run gives back the user's edit; of the first, the VM as it was.
    const [second, first] = readdirSync(join(e.root, 'root')).sort().reverse();
    expect(run(e, [], env, join(e.root, 'root', second, 'undo.sh')).code).toBe(0);
    expect(snapshot(e.root)[VM_CONF]).toBe(fixed);
    writeFileSync(join(e.root, VM_CONF), after);
    expect(run(e, [], env, join(e.root, 'root', first, 'undo.sh')).code).toBe(0);
    expect(snapshot(e.root)).toEqual(before);
  });

  it('hostpci mapping= entries: resolved with pvesh (this node only), the iGPU one merged in place, no second entry; an unknown one is checked', () => {
    const r = adl('9.1', 'grub', 'rom');
    const node = hostname().split('.')[0];
    const vm = [
      'hostpci0: mapping=nvme,pcie=0',
      'hostpci1: mapping=igpu,x-vga=1',
      'memory: 8192',
      '',
    ].join('\n');
    const e = setUp('mapping', r, { [VM_CONF]: vm });
    const maps = join(e.root, '..', 'pvesh');
    mkdirSync(maps);
    // As pve-manager prints a PCI mapping: its map entries as property strings.
    const mapping = (id: string, entries: string[]) =>
      JSON.stringify({ description: '', id, map: entries, type: 'pci' });
    writeFileSync(
      join(maps, 'igpu.json'),
      mapping('igpu', [
        `id=8086:46a6,iommugroup=0,node=${node},path=0000:00:02.0,subsystem-id=1849:46a6`,
      ]),
    );
    // On another node the NVMe's path is 00:02.0: not this host's iGPU.
    writeFileSync(
      join(maps, 'nvme.json'),
      mapping('nvme', [
        'id=144d:a808,node=other-node,path=0000:00:02.0',
        `id=144d:a808,node=${node},path=0000:01:00.0;0000:01:00.1`,
      ]),
    );
    const env = { STUB_QEMU: r.qemu };
    const before = snapshot(e.root);
    const apply = run(e, ['--apply'], env);
    expect(apply.code, apply.err).toBe(0);
    const recorded = calls(e);
    expect(recorded.filter((c) => c.startsWith('pvesh'))).toEqual([
      'pvesh get /cluster/mapping/pci/nvme --output-format json',
      'pvesh get /cluster/mapping/pci/igpu --output-format json',
    ]);
    expect(recorded.filter((c) => c.startsWith('qm set'))).toEqual([
      'qm set 100 --bios ovmf --vga none --hostpci1 mapping=igpu,legacy-igd=1,romfile=igd.rom --args -set device.hostpci1.x-igd-lpc=on --cpu host',
    ]);
    expect(apply.out).toContain('  = hostpci0: mapping=nvme,pcie=0 -- Not the iGPU');
    expect(apply.out).toMatch(/^ {2}~ hostpci1: mapping=igpu,x-vga=1 -> .* -- .*Pass the iGPU/m);
    expect(apply.out).not.toContain('not ready for iGPU passthrough');
    const after = snapshot(e.root)[VM_CONF];
    expect(after).not.toMatch(/^hostpci2:/m);
    const [backupDir] = readdirSync(join(e.root, 'root'));
    expect(run(e, [], env, join(e.root, 'root', backupDir, 'undo.sh')).code).toBe(0);
    expect(snapshot(e.root)).toEqual(before);

    // A mapping pvesh cannot show: maybe the iGPU, so nothing is added for it and the user is told.
    rmSync(join(maps, 'igpu.json'));
    const dry = run(e, [], env);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toMatch(
      /^ {2}\? hostpci1: mapping=igpu,x-vga=1 -- A resource mapping \(mapping=\): it may be the iGPU.*pvesh get \/cluster\/mapping\/pci\/<name>.*legacy-igd=1,romfile=igd\.rom/m,
    );
    expect(dry.out).not.toMatch(/hostpci[12]: .*->|args/);
    expect(dry.out).toContain('note: VM 100 is not ready for iGPU passthrough yet');
  });

  it('GRUB_CMDLINE_LINUX_DEFAULT set in /etc/default/grub.d: the file with the last assignment is edited and backed up; undo restores it', () => {
    const r = adl('9.1', 'grub', 'rom');
    const [cmdline] = lines(r, 'cmdline');
    const params = /^GRUB_CMDLINE_LINUX_DEFAULT="quiet (.*)"$/.exec(cmdline)![1];
    const early = 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n';
    const local = '# ours\nGRUB_CMDLINE_LINUX_DEFAULT="quiet splash"\nGRUB_TIMEOUT=3\n';
    const notes = 'GRUB_CMDLINE_LINUX_DEFAULT="not read: not a .cfg"\n';
    const e = setUp('grub-d', r, {
      'etc/default/grub.d/10-early.cfg': early,
      'etc/default/grub.d/90-local.cfg': local,
      'etc/default/grub.d/99-notes.txt': notes,
    });
    const env = { STUB_QEMU: r.qemu };
    const before = snapshot(e.root);
    const apply = run(e, ['--apply'], env);
    expect(apply.code, apply.err).toBe(0);
    const after = snapshot(e.root);
    expect(after['etc/default/grub.d/90-local.cfg']).toBe(
      local.replace('"quiet splash"', `"quiet splash ${params}"`),
    );
    expect(after['etc/default/grub']).toBe(GRUB);
    expect(after['etc/default/grub.d/10-early.cfg']).toBe(early);
    expect(after['etc/default/grub.d/99-notes.txt']).toBe(notes);
    const backupDir = backupOf(apply.out);
    expect(
      readFileSync(join(e.root, backupDir, 'files/etc/default/grub.d/90-local.cfg'), 'utf8'),
    ).toBe(local);
    expect(calls(e)).toContain('update-grub');
    // A second run finds the parameters there: nothing to change.
    const again = run(e, [], env);
    expect(again.out).toContain('nothing to change');
    expect(run(e, [], env, join(e.root, backupDir, 'undo.sh')).code).toBe(0);
    expect(snapshot(e.root)).toEqual(before);
  });

  it('a run that stops half way (qm set fails) leaves an undo.sh for what it did', () => {
    const r = adl('9.1', 'grub', 'rom');
    const e = setUp('half-way', r);
    const before = snapshot(e.root);
    const apply = run(e, ['--apply'], { STUB_QEMU: r.qemu, STUB_QM_FAIL: '1' });
    expect([apply.code, apply.err.trim()]).toEqual([25, 'VM 100 is locked (backup)']);
    expect(snapshot(e.root)['etc/modules']).not.toBe(MODULES);
    const [backupDir] = readdirSync(join(e.root, 'root'));
    const undo = run(e, [], { STUB_QEMU: r.qemu }, join(e.root, 'root', backupDir, 'undo.sh'));
    expect(undo.code, undo.err).toBe(0);
    expect(snapshot(e.root)).toEqual(before);
  });

  it('a VM that does not exist yet: the host is set up, the VM left for later', () => {
    const r = adl('9.1', 'systemd-boot', 'rom');
    const e = setUp('no-vm', r);
    rmSync(join(e.root, VM_CONF));
    const apply = run(e, ['--apply'], { STUB_QEMU: r.qemu });
    expect(apply.code, apply.err).toBe(0);
    expect(apply.out).toContain(
      'VM 100 does not exist yet: create it, then run this again to configure it',
    );
    expect(calls(e).filter((c) => c.startsWith('qm set'))).toEqual([]);
    expect(snapshot(e.root)['etc/modprobe.d/igd-passthrough.conf']).toBeDefined();
  });

  it('a config for the generation only (no device ID): install.sh reads the ID with lspci, or stops with nothing written when 00:02.0 holds no Intel device', () => {
    // An N100 host (8086:46d1) whose config was made from the ADL-N generation, without lspci.
    const r = renderConfig({
      pve: '9.1',
      boot: 'grub',
      igpu: igpuGeneration('ADL-N'),
      mode: 'rom',
      vmid: 100,
    });
    expect(lines(r, 'install').join('\n')).not.toMatch(/8086:[0-9a-f]{4}/);
    const e = setUp('generation-only', r);
    const before = snapshot(e.root);
    const env = { STUB_QEMU: r.qemu, STUB_PCI: '8086:46d1' };

    // 00:02.0 holds an AMD GPU: a clear stop before anything is staged or written.
    const amd = run(e, ['--apply'], { ...env, STUB_PCI: '1002:164e' });
    expect([amd.code, amd.err.trim(), amd.out]).toEqual([
      1,
      'error: no Intel iGPU at 00:02.0 (see lspci -nn -s 00:02.0); nothing was changed',
      '',
    ]);
    expect(snapshot(e.root)).toEqual(before);
    expect(calls(e)).toEqual(['lspci -n -s 00:02.0']);

    // The N100: its own ID goes into the one ids= list, the rest as the modprobe block says.
    const apply = run(e, ['--apply'], env);
    expect(apply.code, apply.err).toBe(0);
    expect(apply.out).toContain('+options vfio-pci ids=8086:46d1\n');
    expect(snapshot(e.root)['etc/modprobe.d/igd-passthrough.conf']).toBe(
      ['options vfio-pci ids=8086:46d1', ...lines(r, 'modprobe').slice(1), ''].join('\n'),
    );
    expect(calls(e).slice(0, READS.length + 1)).toEqual([...READS, 'qm config 100']);
    // A second run reads the same ID and finds everything in place.
    const again = run(e, ['--apply'], env);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain('nothing to change');
  });
});

/** A Rembrandt mini PC (real lspci -nn lines): GPU c5:00.0 [1002:1681], HDMI audio c5:00.1 [1002:1640]. */
const REMBRANDT = parseAmdLspci(
  [
    'c5:00.0 VGA compatible controller [0300]: Advanced Micro Devices, Inc. [AMD/ATI] Rembrandt [Radeon 680M] [1002:1681] (rev c8)',
    'c5:00.1 Audio device [0403]: Advanced Micro Devices, Inc. [AMD/ATI] Rembrandt Radeon High Definition Audio Controller [1002:1640]',
  ].join('\n'),
)!;
const VBIOS = new Uint8Array([0x55, 0xaa, 0x40, 0xe9, 0x1002 & 0xff]);
const GOP = new Uint8Array([0x55, 0xaa, 0x20, 0xf1, 0x0e]);

describe.skipIf(!haveBash)('install.sh for an AMD iGPU in a scratch root', () => {
  const AMD_CASES: [string, BootLoader, boolean][] = [
    ['9.1', 'grub', false],
    ['8.2', 'systemd-boot', true],
  ];
  for (const [pve, boot, combined] of AMD_CASES)
    it(`PVE ${pve}, ${boot}, ${combined ? 'combined ROM' : 'VBIOS + GOP ROM'}, a fresh host: --apply sets up both functions on q35, once; undo.sh puts every byte back`, () => {
      const r = renderConfig({
        pve,
        boot,
        igpu: REMBRANDT,
        mode: 'rom',
        vmid: 100,
        combinedRom: combined,
      });
      const e = setUp(`amd-${pve}-${boot}`, r);
      const gpuRom = combined ? 'amd-vbios-gop-1681.rom' : 'vbios-1681.bin';
      const gopRom = 'amd-gop-1681-audio.rom';
      writeFileSync(join(e.work, gpuRom), VBIOS);
      if (!combined) writeFileSync(join(e.work, gopRom), GOP);
      // The stub lspci prints these IDs for any -s; the script greps each function for its own.
      const env = { STUB_PCI: '1002:1681 1002:1640' };
      const before = snapshot(e.root);
      const reads = [
        'lspci -n -s 0000:c5:00.0',
        'lspci -n -s 0000:c5:00.1',
        'proxmox-boot-tool status',
        'qm config 100',
      ];

      const dry = run(e, [], env);
      expect(dry.code, dry.err).toBe(0);
      expect(dry.out).toContain('  + machine: q35 -- q35: pcie=1 needs it');
      expect(dry.out).toContain(
        `  + hostpci1: 0000:c5:00.1,pcie=1${combined ? '' : `,romfile=${gopRom}`} -- Pass the HDMI audio function too`,
      );
      // No memory or OS type decision for AMD: those reasons are Intel's.
      expect(dry.out).not.toMatch(/^ {2}[=+~!] (memory|ostype):|legacy-igd|x-igd/m);
      expect(snapshot(e.root)).toEqual(before);
      expect(calls(e)).toEqual(reads);

      const apply = run(e, ['--apply'], env);
      expect(apply.code, apply.err).toBe(0);
      const after = snapshot(e.root);
      const [cmdline] = lines(r, 'cmdline');
      if (boot === 'grub')
        expect(after['etc/default/grub']).toBe(
          GRUB.replace('GRUB_CMDLINE_LINUX_DEFAULT="quiet"', cmdline),
        );
      else expect(after['etc/kernel/cmdline']).toBe(`${cmdline}\n`);
      expect(after['etc/modules']).toBe(MODULES + 'vfio_iommu_type1\nvfio_pci\n');
      expect(after['etc/modprobe.d/igd-passthrough.conf']).toBe(
        [
          'options vfio-pci ids=1002:1681,1002:1640',
          'softdep amdgpu pre: vfio-pci',
          'softdep snd_hda_intel pre: vfio-pci',
          '',
        ].join('\n'),
      );
      expect(after[`usr/share/kvm/${gpuRom}`]).toBe(Buffer.from(VBIOS).toString('latin1'));
      expect(after[`usr/share/kvm/${gopRom}`]).toBe(
        combined ? undefined : Buffer.from(GOP).toString('latin1'),
      );
      const gpu = `0000:c5:00.0,pcie=1,romfile=${gpuRom}`;
      const audio = `0000:c5:00.1,pcie=1${combined ? '' : `,romfile=${gopRom}`}`;
      expect(after[VM_CONF]).toBe(
        [
          'boot: order=scsi0',
          'memory: 2048',
          'name: fresh',
          'scsi0: local-lvm:vm-100-disk-0,size=32G',
          'bios: ovmf',
          'machine: q35',
          'vga: none',
          `hostpci0: ${gpu}`,
          `hostpci1: ${audio}`,
          'cpu: host',
          '',
        ].join('\n'),
      );
      expect(calls(e)).toEqual([
        ...reads,
        `qm set 100 --bios ovmf --machine q35 --vga none --hostpci0 ${gpu} --hostpci1 ${audio} --cpu host`,
        'update-initramfs -u -k all',
        boot === 'grub' ? 'update-grub' : 'proxmox-boot-tool refresh',
      ]);
      const backupDir = backupOf(apply.out);
      const backup = snapshot(join(e.root, backupDir));
      const cmdlineFile = boot === 'grub' ? 'etc/default/grub' : 'etc/kernel/cmdline';
      expect(Object.keys(backup).sort()).toEqual(
        ['files/etc/modules', `files/${cmdlineFile}`, `files/${VM_CONF}`, 'undo.sh'].sort(),
      );
      expect(backup['undo.sh']).toContain(`remove /usr/share/kvm/${gpuRom}\n`);

      const again = run(e, ['--apply'], env);
      expect(again.code, again.err).toBe(0);
      expect(again.out).toContain(
        'nothing to change: this host and VM 100 are already set up; nothing was written',
      );
      expect(snapshot(e.root)).toEqual(after);
      expect(calls(e)).toEqual(reads);

      const undo = run(e, [], env, join(e.root, backupDir, 'undo.sh'));
      expect(undo.code, undo.err).toBe(0);
      expect(snapshot(e.root)).toEqual(before);
      expect(calls(e)).toEqual([
        'update-initramfs -u -k all',
        boot === 'grub' ? 'update-grub' : 'proxmox-boot-tool refresh',
      ]);
    });

  it('no VBIOS in the BIOS: only the GOP ROM is needed and installed, the GPU function gets no romfile', () => {
    const r = renderConfig({
      pve: '9.1',
      boot: 'grub',
      igpu: REMBRANDT,
      mode: 'rom',
      vmid: 100,
      noVbios: true,
    });
    const e = setUp('amd-no-vbios', r);
    const gopRom = 'amd-gop-1681-audio.rom';
    writeFileSync(join(e.work, gopRom), GOP);
    const env = { STUB_PCI: '1002:1681 1002:1640' };
    const before = snapshot(e.root);
    const apply = run(e, ['--apply'], env);
    expect(apply.code, apply.err).toBe(0);
    expect(apply.out).toContain(`+ /usr/share/kvm/${gopRom}: new, from ./${gopRom}`);
    const after = snapshot(e.root);
    expect(Object.keys(after).filter((k) => k.startsWith('usr/share/kvm/'))).toEqual([
      `usr/share/kvm/${gopRom}`,
    ]);
    expect(calls(e).filter((c) => c.startsWith('qm set'))).toEqual([
      `qm set 100 --bios ovmf --machine q35 --vga none --hostpci0 0000:c5:00.0,pcie=1 --hostpci1 0000:c5:00.1,pcie=1,romfile=${gopRom} --cpu host`,
    ]);
    const undo = run(e, [], env, join(e.root, backupOf(apply.out), 'undo.sh'));
    expect(undo.code, undo.err).toBe(0);
    expect(snapshot(e.root)).toEqual(before);
  });

  it('hostpci mapping= entries: resolved with pvesh (this node only), the GPU one merged in place, no second GPU entry; an unknown one is checked', () => {
    const r = renderConfig({ pve: '9.1', boot: 'grub', igpu: REMBRANDT, mode: 'rom', vmid: 100 });
    const node = hostname().split('.')[0];
    const vm = [
      'bios: ovmf',
      'hostpci0: mapping=radeon,x-vga=1',
      'hostpci1: mapping=nvme',
      'machine: q35',
      '',
    ].join('\n');
    const e = setUp('amd-mapping', r, { [VM_CONF]: vm });
    writeFileSync(join(e.work, 'vbios-1681.bin'), VBIOS);
    writeFileSync(join(e.work, 'amd-gop-1681-audio.rom'), GOP);
    const maps = join(e.root, '..', 'pvesh');
    mkdirSync(maps);
    // As pve-manager prints a PCI mapping: its map entries as property strings.
    const mapping = (id: string, entries: string[]) =>
      JSON.stringify({ description: '', id, map: entries, type: 'pci' });
    writeFileSync(
      join(maps, 'radeon.json'),
      mapping('radeon', [`id=1002:1681,iommugroup=12,node=${node},path=0000:c5:00.0`]),
    );
    // On another node the NVMe's path is this host's audio function: not ours.
    writeFileSync(
      join(maps, 'nvme.json'),
      mapping('nvme', [
        'id=144d:a808,node=other-node,path=0000:c5:00.1',
        `id=144d:a808,node=${node},path=0000:01:00.0`,
      ]),
    );
    const env = { STUB_PCI: '1002:1681 1002:1640' };
    const before = snapshot(e.root);
    const apply = run(e, ['--apply'], env);
    expect(apply.code, apply.err).toBe(0);
    const recorded = calls(e);
    expect(recorded.filter((c) => c.startsWith('pvesh'))).toEqual([
      'pvesh get /cluster/mapping/pci/radeon --output-format json',
      'pvesh get /cluster/mapping/pci/nvme --output-format json',
    ]);
    expect(recorded.filter((c) => c.startsWith('qm set'))).toEqual([
      'qm set 100 --vga none --hostpci0 mapping=radeon,x-vga=1,pcie=1,romfile=vbios-1681.bin --hostpci2 0000:c5:00.1,pcie=1,romfile=amd-gop-1681-audio.rom --cpu host',
    ]);
    expect(apply.out).toMatch(
      /^ {2}~ hostpci0: mapping=radeon,x-vga=1 -> .* -- Pass the GPU function/m,
    );
    expect(apply.out).toContain('  = hostpci1: mapping=nvme -- Not the iGPU');
    expect(apply.out).not.toContain('not ready for iGPU passthrough');
    const after = snapshot(e.root)[VM_CONF];
    expect(after.match(/^hostpci\d+: .*c5:00\.0/gm)).toBeNull();
    expect(run(e, [], env, join(e.root, backupOf(apply.out), 'undo.sh')).code).toBe(0);
    expect(snapshot(e.root)).toEqual(before);

    // A mapping pvesh cannot show: maybe a function of the iGPU, so nothing is added and the user is told.
    rmSync(join(maps, 'radeon.json'));
    const dry = run(e, [], env);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toMatch(
      /^ {2}\? hostpci0: mapping=radeon,x-vga=1 -- A resource mapping \(mapping=\): it may be the GPU function 0000:c5:00\.0 .*pvesh get \/cluster\/mapping\/pci\/<name>/m,
    );
    expect(dry.out).not.toMatch(/hostpci[02]: .*->|hostpci2/);
    expect(dry.out).toContain('note: VM 100 is not ready for iGPU passthrough yet');
  });

  it('refuses a host whose c5:00.1 is not the HDMI audio function, and a missing GOP ROM', () => {
    const r = renderConfig({ pve: '9.1', boot: 'grub', igpu: REMBRANDT, mode: 'rom', vmid: 100 });
    const e = setUp('amd-refuse', r);
    writeFileSync(join(e.work, 'vbios-1681.bin'), VBIOS);
    const before = snapshot(e.root);
    const wrong = run(e, ['--apply'], { STUB_PCI: '1002:1681' });
    expect([wrong.code, wrong.err.trim()]).toEqual([
      1,
      'error: 0000:c5:00.1 is not 1002:1640; regenerate the config for your iGPU',
    ]);
    const noGop = run(e, ['--apply'], { STUB_PCI: '1002:1681 1002:1640' });
    expect([noGop.code, noGop.err.trim()]).toEqual([
      1,
      'error: amd-gop-1681-audio.rom not found in the current directory',
    ]);
    const ostype = run(e, ['--ostype-l26'], { STUB_PCI: '1002:1681 1002:1640' });
    expect(ostype.code).toBe(2);
    expect(snapshot(e.root)).toEqual(before);
  });
});
