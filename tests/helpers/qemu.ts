import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const qemuBinary = process.env.QEMU ?? 'qemu-system-x86_64';

export const qemuAvailable: boolean =
  spawnSync(qemuBinary, ['--version'], { stdio: 'ignore' }).status === 0;

/** Debian's stock 4 MiB OVMF (package `ovmf`), when installed. */
export const stockOvmf: { code: string; vars: string } | undefined = (() => {
  const code = '/usr/share/OVMF/OVMF_CODE_4M.fd';
  const vars = '/usr/share/OVMF/OVMF_VARS_4M.fd';
  return existsSync(code) && existsSync(vars) ? { code, vars } : undefined;
})();

export const noQemuReason = !qemuAvailable
  ? `${qemuBinary} not found (Debian package qemu-system-x86)`
  : !stockOvmf
    ? 'Debian OVMF not found in /usr/share/OVMF (Debian package ovmf)'
    : '';

export interface BootOptions {
  /** OVMF code image path (copied; never modified in place). */
  code: string;
  /** VARS image path; a blank 4 MiB-compatible store is made from stock VARS when omitted. */
  vars?: string;
  /** Files for the FAT drive, by path relative to its root (e.g. `EFI/BOOT/BOOTX64.EFI`). */
  espFiles?: Record<string, Uint8Array | string>;
  /** UEFI shell commands for startup.nsh; `reset -s` is appended so QEMU exits. */
  commands: string[];
  timeoutMs?: number;
  machine?: 'q35' | 'pc';
  /** SMM on, flash writable only from SMM: what OVMF builds with secure boot require. */
  smm?: boolean;
  extraArgs?: string[];
  /** Capture the 0x402 debug console (OVMF debug builds and our drivers write there). */
  debugcon?: boolean;
  memoryMiB?: number;
}

export interface BootResult {
  serial: string;
  debugcon: string;
  exitCode: number | null;
  timedOut: boolean;
  /** The temp directory (removed after the run unless KEEP_QEMU_TMP is set). */
  dir: string;
}

/** Removes ANSI escape sequences and the shell's carriage returns. */
// The console is full of VT100 escapes; matching ESC is the point here.
/* eslint-disable no-control-regex */
export function stripAnsi(text: string): string {
  return text
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b[()][A-Za-z0-9]/g, '')
    .replace(/\x1b[=>cDEHMNOZ78]/g, '')
    .replace(/\r/g, '');
}
/* eslint-enable no-control-regex */

/**
 * Boots an OVMF image under TCG with a FAT directory drive whose startup.nsh runs `commands`,
 * and returns what the serial console printed.
 */
export async function bootOvmf(opts: BootOptions): Promise<BootResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ovmf-boot-'));
  const esp = join(dir, 'esp');
  mkdirSync(esp);
  const code = join(dir, 'code.fd');
  const vars = join(dir, 'vars.fd');
  copyFileSync(opts.code, code);
  const varsSource = opts.vars ?? stockOvmf?.vars;
  if (!varsSource) throw new Error('no VARS image given and none found in /usr/share/OVMF');
  copyFileSync(varsSource, vars);
  for (const [rel, content] of Object.entries(opts.espFiles ?? {})) {
    const target = join(esp, rel);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  // fs0: is the first file system the shell maps; run from it so relative loads work.
  const script = ['@echo -off', 'fs0:', ...opts.commands, 'reset -s', ''].join('\r\n');
  writeFileSync(join(esp, 'startup.nsh'), script);

  const serialFile = join(dir, 'serial.txt');
  const debugFile = join(dir, 'debugcon.txt');
  const args = [
    '-machine',
    `${opts.machine ?? 'q35'},accel=tcg${opts.smm ? ',smm=on' : ''}`,
    '-m',
    String(opts.memoryMiB ?? 512),
    '-display',
    'none',
    '-serial',
    `file:${serialFile}`,
    '-monitor',
    'none',
    '-net',
    'none',
    '-no-reboot',
    '-drive',
    `if=pflash,format=raw,unit=0,readonly=on,file=${code}`,
    '-drive',
    `if=pflash,format=raw,unit=1,file=${vars}`,
    '-drive',
    `file=fat:rw:${esp},format=raw,media=disk`,
  ];
  if (opts.smm) args.push('-global', 'driver=cfi.pflash01,property=secure,value=on');
  if (opts.debugcon)
    args.push('-debugcon', `file:${debugFile}`, '-global', 'isa-debugcon.iobase=0x402');
  args.push(...(opts.extraArgs ?? []));

  const timeoutMs = opts.timeoutMs ?? 90_000;
  const { exitCode, timedOut } = await new Promise<{ exitCode: number | null; timedOut: boolean }>(
    (resolve, reject) => {
      const child = spawn(qemuBinary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (code !== 0 && !timedOut && stderr.trim()) {
          reject(new Error(`qemu exited with ${code}: ${stderr.trim()}`));
        } else resolve({ exitCode: code, timedOut });
      });
    },
  );
  const read = (f: string) => (existsSync(f) ? stripAnsi(readFileSync(f, 'latin1')) : '');
  const result: BootResult = {
    serial: read(serialFile),
    debugcon: read(debugFile),
    exitCode,
    timedOut,
    dir,
  };
  if (!process.env.KEEP_QEMU_TMP) rmSync(dir, { recursive: true, force: true });
  return result;
}

/** TCG boots are CPU-bound: at most this many at a time (CI has two cores). */
const MAX_BOOTS = 2;
let booting = 0;
const queued: (() => void)[] = [];

/** bootOvmf, waiting for a free slot when MAX_BOOTS boots are already running. */
export async function bootOvmfQueued(opts: BootOptions): Promise<BootResult> {
  if (booting >= MAX_BOOTS) await new Promise<void>((r) => queued.push(r));
  booting++;
  try {
    return await bootOvmf(opts);
  } finally {
    booting--;
    queued.shift()?.();
  }
}

/** The VBT test app's `VBTTEST key=value` lines; the last value of a key wins. */
export function vbtTestReport(console: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of console.split('\n')) {
    const r = /VBTTEST ([\w-]+)=(.*)$/.exec(line.trimStart());
    if (r) m.set(r[1], r[2]);
  }
  return m;
}

/** The OVMF builds in the fixtures, each with the VARS store to boot it with (no keys enrolled). */
export interface OvmfBuild {
  label: string;
  code: string;
  vars: string;
  /** A secure-boot build: it needs SMM (q35, flash writable from SMM only). */
  smm?: boolean;
}

export const FIXTURE_OVMF_BUILDS: readonly OvmfBuild[] = [
  {
    label: 'Debian 12 OVMF_CODE_4M.fd',
    code: 'ovmf/debian-bookworm/OVMF_CODE_4M.fd',
    vars: 'ovmf/debian-bookworm/OVMF_VARS_4M.fd',
  },
  {
    // What Proxmox loads for q35 with a 4m EFI disk.
    label: 'Debian 12 OVMF_CODE_4M.secboot.fd (q35, SMM)',
    code: 'ovmf/debian-bookworm/OVMF_CODE_4M.secboot.fd',
    vars: 'ovmf/debian-bookworm/OVMF_VARS_4M.fd',
    smm: true,
  },
  {
    label: 'Debian 12 2 MiB OVMF_CODE.fd',
    code: 'ovmf/debian-bookworm/OVMF_CODE.fd',
    vars: 'ovmf/debian-bookworm/OVMF_VARS.fd',
  },
  {
    label: 'OSX-KVM 2 MiB OVMF',
    code: 'ovmf/kholia-osx-kvm/OVMF_CODE.fd',
    vars: 'ovmf/debian-bookworm/OVMF_VARS.fd',
  },
];
