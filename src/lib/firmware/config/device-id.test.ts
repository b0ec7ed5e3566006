// A config without the iGPU's real PCI ID names no device: the modprobe line asks for it, and
// install.sh reads it from lspci on the host it runs on.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { igpuGeneration, representativeIgpu } from '../igpu/devices';
import { ASK_DEVICE_ID_LINE, DEVICE_ID_UNKNOWN } from './device-id';
import { renderConfig } from './render';

const haveBash = spawnSync('bash', ['--version'], { stdio: 'ignore' }).status === 0;
const haveShellcheck = spawnSync('shellcheck', ['--version'], { stdio: 'ignore' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'device-id-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The ADL-N generation (N100's iGPU is 8086:46d1) without a device ID; its first table entry is
// the ID an older version of the config invented for it.
const generation = igpuGeneration('ADL-N');
const standIn = representativeIgpu('ADL-N');
const invented = `8086:${standIn.deviceId.toString(16).padStart(4, '0')}`;
const result = (boot: 'grub' | 'systemd-boot', mode: 'rom' | 'ovmf') =>
  renderConfig({ pve: '9.1', boot, igpu: generation, mode, vmid: 100 });
const script = (r: ReturnType<typeof result>) =>
  r.blocks
    .find((b) => b.id === 'install')!
    .lines.map((l) => l.text)
    .join('\n') + '\n';

describe('a config without the real device ID', () => {
  it('names no device anywhere and asks for the real ID instead', () => {
    for (const boot of ['grub', 'systemd-boot'] as const)
      for (const mode of ['rom', 'ovmf'] as const) {
        const r = result(boot, mode);
        const plain = renderConfig({ pve: '9.1', boot, igpu: standIn, mode, vmid: 100 });
        // The first ID is in the config of that device, and nowhere in the generation's.
        expect(JSON.stringify(plain.blocks)).toContain(invented);
        expect(JSON.stringify(r)).not.toContain(invented);
        expect(r.igpu.deviceId).toBeUndefined();
        const modprobe = r.blocks.find((b) => b.id === 'modprobe')!.lines.map((l) => l.text);
        expect(modprobe[0]).toBe(ASK_DEVICE_ID_LINE);
        expect(modprobe.filter((l) => /^\s*options\s/.test(l))).toEqual([]);
        expect(modprobe.slice(1)).toEqual(
          plain.blocks
            .find((b) => b.id === 'modprobe')!
            .lines.slice(1)
            .map((l) => l.text),
        );
        expect(r.findings).toEqual([DEVICE_ID_UNKNOWN, ...plain.findings]);
        // Every other block is the device's, line for line.
        for (const b of r.blocks.filter((x) => x.id !== 'modprobe' && x.id !== 'install'))
          expect(b).toEqual(plain.blocks.find((x) => x.id === b.id));
        // install.sh differs only where the ID is: its header shows 8086:xxxx, and PCI_ID is
        // read on the host instead of set.
        const sh = script(r).split('\n');
        const plainSh = script(plain).split('\n');
        expect(sh[1]).toBe(plainSh[1].replace(invented, '8086:xxxx'));
        expect(plainSh.filter((l) => !sh.includes(l))).toEqual([
          plainSh[1],
          `PCI_ID='${invented}'`,
          'lspci -n -s 00:02.0 | grep -qi "$PCI_ID" || die "00:02.0 is not $PCI_ID; regenerate the config for your iGPU"',
        ]);
        expect(sh.filter((l) => !plainSh.includes(l))).toEqual([
          sh[1],
          `PCI_ID="$(lspci -n -s 00:02.0 | awk '$3 ~ /^8086:/ { print $3 }')"`,
          '[ -n "$PCI_ID" ] || die "no Intel iGPU at 00:02.0 (see lspci -nn -s 00:02.0); nothing was changed"',
        ]);
      }
  });

  it.skipIf(!haveBash)(
    'install.sh takes the ID from lspci, and stops without an Intel iGPU',
    () => {
      const r = result('grub', 'rom');
      const sh = script(r).split('\n');
      const at = sh.findIndex((l) => l.startsWith('PCI_ID='));
      const line = ['die() { echo "error: $*" >&2; exit 1; }', ...sh.slice(at, at + 2)].join('\n');
      const bin = join(dir, 'bin');
      mkdirSync(bin, { recursive: true });
      const withLspci = (out: string) => {
        writeFileSync(
          join(bin, 'lspci'),
          `#!/bin/sh\n[ "$*" = "-n -s 00:02.0" ] && echo "${out}"\n`,
        );
        chmodSync(join(bin, 'lspci'), 0o755);
        return spawnSync('bash', ['-c', `set -euo pipefail\n${line}\necho "id=$PCI_ID"`], {
          encoding: 'utf8',
          env: { PATH: `${bin}:${process.env.PATH}` },
        });
      };
      const n100 = withLspci('00:02.0 0300: 8086:46d1');
      expect([n100.status, n100.stdout]).toEqual([0, 'id=8086:46d1\n']);
      const other = withLspci('00:02.0 0300: 1002:164e (rev c1)');
      expect(other.status).not.toBe(0);
      expect(other.stdout).toBe('');
      expect(other.status).toBe(1);
      expect(other.stderr).toContain(
        'error: no Intel iGPU at 00:02.0 (see lspci -nn -s 00:02.0); nothing was changed\n',
      );
    },
  );

  it.skipIf(!haveBash)('install.sh still parses (and is shellcheck clean)', () => {
    for (const mode of ['rom', 'ovmf'] as const) {
      const f = join(dir, `install-${mode}.sh`);
      writeFileSync(f, script(result('systemd-boot', mode)));
      const parse = spawnSync('bash', ['-n', f], { encoding: 'utf8' });
      expect([parse.status, parse.stderr]).toEqual([0, '']);
      if (haveShellcheck) {
        const sc = spawnSync('shellcheck', ['--shell=bash', f], { encoding: 'utf8' });
        expect(sc.stdout + sc.stderr).toBe('');
      }
    }
  });
});
