// Every install.sh the generator can write parses (bash -n), and one per shape of the script is
// shellcheck clean. The option space: every PVE release × boot loader × mode × OVMF image × iGPU
// family (its device ID known or not) × consent × strict legacy mode × explicit GMS.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IGPU_FAMILIES, igpuGeneration, representativeIgpu } from '../igpu/devices';
import { parseAmdLspci } from './amd';
import { OVMF_IMAGES, PVE_RELEASES } from './facts';
import type { BootLoader } from './inputs';
import { renderConfig, type ConfigOptions, type OutputMode } from './render';

const haveBash = spawnSync('bash', ['--version'], { stdio: 'ignore' }).status === 0;
const haveShellcheck = spawnSync('shellcheck', ['--version'], { stdio: 'ignore' }).status === 0;
if (!haveBash) console.warn('[skip] install.sh syntax tests: bash not found');
if (!haveShellcheck)
  console.warn('[skip] install.sh shellcheck test: shellcheck not found (apt install shellcheck)');

const dir = mkdtempSync(join(tmpdir(), 'install-space-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BOOTS: BootLoader[] = ['grub', 'systemd-boot'];
const MODES: OutputMode[] = ['rom', 'ovmf'];
const CONSENTS = [{}, { ostype: true }, { cpu: true }, { ostype: true, cpu: true }];

/**
 * Every option that changes the script: release (QEMU, kernel), boot loader, mode, OVMF image,
 * iGPU family (a device, or the generation only: install.sh then reads the ID on the host), strict
 * legacy mode, explicit GMS, and consent. Consent only sets the digits of one
 * line (checked below), so it is crossed with loader and mode only.
 */
function* optionSpace(): Generator<ConfigOptions> {
  for (const { pve } of PVE_RELEASES)
    for (const boot of BOOTS)
      for (const mode of MODES)
        for (const ovmfImage of mode === 'ovmf' ? OVMF_IMAGES : [undefined])
          for (const igpu of IGPU_FAMILIES.flatMap((f) => [
            representativeIgpu(f.code),
            igpuGeneration(f.code),
          ]))
            for (const strictLegacyMode of [false, true])
              for (const gms of [undefined, 4])
                yield {
                  pve,
                  boot,
                  mode,
                  ovmfImage,
                  igpu,
                  vmid: 100,
                  strictLegacyMode,
                  gms,
                };
  for (const boot of BOOTS)
    for (const mode of MODES)
      for (const consent of CONSENTS)
        yield { pve: '9.1', boot, mode, igpu: representativeIgpu('ADL'), vmid: 100, consent };
}

const scriptOf = (o: ConfigOptions) =>
  renderConfig(o)
    .blocks.find((b) => b.id === 'install')!
    .lines.map((l) => l.text)
    .join('\n') + '\n';

function writeAll(name: string, texts: Iterable<string>): string[] {
  return [...texts].map((text, i) => {
    const f = join(dir, `${name}${i}.sh`);
    writeFileSync(f, text);
    return f;
  });
}

describe.skipIf(!haveBash)('install.sh over the whole option space', () => {
  const scripts = new Set<string>();
  for (const o of optionSpace()) scripts.add(scriptOf(o));
  /**
   * One script per branch of the generator: loader × mode × with or without x-igd properties ×
   * device ID known or read on the host.
   */
  const shapes = new Map<string, string>();
  for (const text of scripts) {
    const key = [
      text.includes('CMDLINE_FILE=/etc/default/grub'),
      text.includes('OVMF_CODE='),
      text.includes('PROPS=()'),
      text.includes("PCI_ID='8086:"),
    ].join();
    if (!shapes.has(key)) shapes.set(key, text);
  }

  it('consent changes one line of the script and nothing else', () => {
    const base = { pve: '9.1', boot: 'grub' as const, mode: 'rom' as const, vmid: 100 };
    const igpu = representativeIgpu('ADL');
    const none = scriptOf({ ...base, igpu }).split('\n');
    const both = scriptOf({ ...base, igpu, consent: { ostype: true, cpu: true } }).split('\n');
    const diff = none.flatMap((l, i) => (l === both[i] ? [] : [[l, both[i]]]));
    expect(both.length).toBe(none.length);
    expect(diff).toEqual([['APPLY=0 OSTYPE_OK=0 CPU_OK=0', 'APPLY=0 OSTYPE_OK=1 CPU_OK=1']]);
  });

  it('every distinct script parses; one per branch with bash -n itself', () => {
    expect(scripts.size).toBeGreaterThan(1000);
    expect(shapes.size).toBe(16);
    // One bash parses them all: each file's text as the body of a function, defined, never run.
    const files = writeAll('s', scripts);
    writeFileSync(join(dir, 'broken.sh'), 'if true; then\n');
    const parse = spawnSync(
      'bash',
      [
        '-c',
        'for f; do if ! (src="$(<"$f")"; eval "__parse() {\n$src\n}") 2>/dev/null; then echo "FAIL $f"; fi; done',
        'parse',
        ...files,
        join(dir, 'broken.sh'),
      ],
      { encoding: 'utf8' },
    );
    // Only the broken one fails, so the check can fail.
    expect(parse.stdout).toBe(`FAIL ${join(dir, 'broken.sh')}\n`);
    for (const f of writeAll('shape', shapes.values())) {
      const r = spawnSync('bash', ['-n', f], { encoding: 'utf8' });
      expect([r.status, r.stderr]).toEqual([0, '']);
    }
  });

  it.skipIf(!haveShellcheck)(
    'one script per branch is shellcheck clean',
    () => {
      const files = writeAll('check', shapes.values());
      const r = spawnSync('shellcheck', ['--shell=bash', ...files], { encoding: 'utf8' });
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    },
    120_000,
  );
});

/** Every option that changes an AMD script: release, boot loader, ROM layout, consent, and two buses. */
function* amdOptionSpace(): Generator<ConfigOptions> {
  const lspci = (bus: string, dev: string, audio: string) =>
    parseAmdLspci(
      [
        `${bus}:00.0 VGA compatible controller [0300]: Advanced Micro Devices, Inc. [AMD/ATI] Device [1002:${dev}]`,
        `${bus}:00.1 Audio device [0403]: Advanced Micro Devices, Inc. [AMD/ATI] Device [1002:${audio}]`,
      ].join('\n'),
    )!;
  for (const igpu of [lspci('c5', '1681', '1640'), lspci('06', '1636', '1637')])
    for (const { pve } of PVE_RELEASES)
      for (const boot of BOOTS)
        // VBIOS + GOP ROM, the combined ROM, no VBIOS in the BIOS (the GOP ROM only).
        for (const [combinedRom, noVbios] of [
          [false, false],
          [true, false],
          [false, true],
        ])
          for (const consent of [{}, { cpu: true }])
            yield { pve, boot, mode: 'rom', igpu, vmid: 100, combinedRom, noVbios, consent };
}

describe.skipIf(!haveBash)('the AMD install.sh over its option space', () => {
  const scripts = new Set<string>();
  for (const o of amdOptionSpace()) scripts.add(scriptOf(o));
  /** One script per branch: loader × ROM layout. */
  const shapes = new Map<string, string>();
  for (const text of scripts) {
    const key = [
      text.includes('CMDLINE_FILE=/etc/default/grub'),
      text.includes("GOP_ROM=''"),
      /^ROM=''$/m.test(text),
    ].join();
    if (!shapes.has(key)) shapes.set(key, text);
  }

  it('every distinct script parses with bash -n', () => {
    expect(scripts.size).toBeGreaterThan(100);
    expect(shapes.size).toBe(6);
    for (const f of writeAll('amd', scripts)) {
      const r = spawnSync('bash', ['-n', f], { encoding: 'utf8' });
      expect([r.status, r.stderr], f).toEqual([0, '']);
    }
  });

  it.skipIf(!haveShellcheck)(
    'one script per branch is shellcheck clean',
    () => {
      const files = writeAll('amd-check', shapes.values());
      const r = spawnSync('shellcheck', ['--shell=bash', ...files], { encoding: 'utf8' });
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    },
    120_000,
  );
});
