/**
 * Step 4's files: the firmware the app built, the configuration blocks as files (comments in the
 * chosen language, where the target file allows comments), install.sh, the doctor's read-only
 * probe script and hookscript, a README and SHA256SUMS.
 * Plain functions of their inputs, so the zip holds the same bytes every time.
 */
import {
  type AmdBuiltRom,
  type ConfigBlock,
  type ConfigResult,
  isAmdIgpu,
  pciId,
  type Finding,
  hookScript,
  HOOK_SCRIPT_NAME,
  PROBE_SCRIPT,
  PROBE_SCRIPT_NAME,
} from '$lib/firmware';
import type { MessageKey } from '$lib/i18n/en';
import { translate, type Locale } from '$lib/i18n/translate';

type AmdRomKind = AmdBuiltRom['kind'];

export type FirmwareKind = 'rom' | 'ovmf' | 'igd-rom' | 'amd-rom';

export interface FirmwareOutput {
  kind: FirmwareKind;
  name: string;
  bytes: Uint8Array;
  sha256: string;
  /** AMD ROMs: which of the three it is (it decides the PCI function it goes on). */
  amdKind?: AmdRomKind;
}

export interface BundleInput {
  lang: Locale;
  mode: 'rom' | 'ovmf';
  firmware: FirmwareOutput[];
  config: ConfigResult;
  boot: string;
  vmid: number;
  /** The folder the zip unpacks into (the zip is named after it). */
  folder: string;
  /** The OVMF image install.sh installs (ovmf mode). */
  installedOvmf?: string;
  gopVersion?: string;
  vbtPlatform?: string;
  /** Findings about the firmware choice (GOP/VBT vs iGPU), shown next to the config's own. */
  extraFindings?: Finding[];
}

export type BundleFileKind = 'firmware' | 'script' | 'config' | 'readme' | 'sums';

export interface BundleFile {
  kind: BundleFileKind;
  /** Path inside the zip (and the download name, without the folder). */
  name: string;
  bytes: Uint8Array;
  executable?: boolean;
  /** The config block's title, for config files. */
  title?: string;
}

const utf8 = (s: string) => new TextEncoder().encode(s);

type CommentStyle = 'hash' | 'xml' | 'none';

/**
 * How a block's file can carry comments. The kernel command line is one line with no comment
 * syntax, and `#` lines in a Proxmox VM config become the VM's description: those stay bare.
 */
function commentStyle(b: ConfigBlock): CommentStyle {
  if (b.path === '/etc/kernel/cmdline' || b.path?.includes('/qemu-server/')) return 'none';
  return b.kind === 'fragment' ? 'xml' : 'hash';
}

const hashComment = (text: string) =>
  text
    .split('\n')
    .map((l) => `# ${l}`.trimEnd())
    .join('\n');

/** install.sh with a comment in the chosen language before each group of lines. */
export function installScript(block: ConfigBlock, lang: Locale): string {
  const out: string[] = [];
  let last = '';
  for (const line of block.lines) {
    const reason = line.reason[lang];
    const shebang = line.text.startsWith('#!');
    if (reason !== last && !shebang) out.push(hashComment(reason));
    if (shebang) out.push(line.text, hashComment(reason));
    else out.push(line.text);
    last = reason;
  }
  return out.join('\n') + '\n';
}

/** One configuration block as the text of its file. */
export function blockText(b: ConfigBlock, lang: Locale): string {
  if (b.id === 'install') return installScript(b, lang);
  const style = commentStyle(b);
  const head = b.path ? `${b.title[lang]} → ${b.path}` : b.title[lang];
  const out: string[] = [];
  if (style === 'hash') out.push(hashComment(head), '');
  if (style === 'xml') out.push(`<!-- ${head} -->`);
  for (const l of b.lines) {
    if (style === 'hash') out.push(hashComment(l.reason[lang]));
    if (style === 'xml') out.push(`<!-- ${l.reason[lang].replace(/--/g, '—')} -->`);
    out.push(l.text);
  }
  return out.join('\n') + '\n';
}

/** Where each config block goes in the zip: install.sh at the top, the rest numbered in config/. */
export function blockFileNames(blocks: ConfigBlock[]): Map<ConfigBlock, string> {
  const names = new Map<ConfigBlock, string>();
  let n = 0;
  for (const b of blocks) {
    if (b.id === 'install') names.set(b, 'install.sh');
    else {
      const ext = b.kind === 'fragment' ? 'xml' : 'txt';
      names.set(b, `config/${String(++n).padStart(2, '0')}-${b.id}.${ext}`);
    }
  }
  return names;
}

function firmwareLine(f: FirmwareOutput, lang: Locale, installed?: string): string {
  const tr = (k: MessageKey, p?: Record<string, string | number>) => translate(lang, k, p);
  const what =
    f.kind === 'amd-rom' && f.amdKind
      ? tr(`readme.file.amd.${f.amdKind}`)
      : f.kind === 'rom'
        ? tr('readme.file.rom')
        : f.kind === 'igd-rom'
          ? tr('readme.file.igdRom')
          : f.name === installed
            ? tr('readme.file.ovmf')
            : tr('readme.file.ovmfOther', { target: `/usr/share/pve-edk2-firmware/${f.name}` });
  return `- \`${f.name}\` — ${what}${tr('readme.sha', { sha: f.sha256 })}`;
}

/** The README in the chosen language: what is in the zip, what to do, and why each line. */
export function readme(input: BundleInput, blockFiles: Map<ConfigBlock, string>): string {
  const { lang, config } = input;
  const tr = (k: MessageKey, p?: Record<string, string | number>) => translate(lang, k, p);
  // An iGPU known by its generation only names no device here either (device-id.ts).
  const id = config.igpu.deviceId === undefined ? 'xxxx' : pciId(config.igpu.deviceId);
  const out: string[] = [
    `# ${tr('readme.title')}`,
    '',
    tr('readme.intro'),
    '',
    `## ${tr('readme.setup')}`,
    '',
    `- ${tr('readme.setup.pve', { pve: config.pve ?? '?', qemu: config.qemu, kernel: config.kernel, boot: input.boot })}`,
    `- ${
      isAmdIgpu(config.igpu)
        ? tr('readme.setup.amd', {
            label: config.igpu.label,
            id,
            audioId: pciId(config.igpu.audioDeviceId),
          })
        : tr('readme.setup.igpu', { label: config.igpu.label, id, gen: config.igpu.gen })
    }`,
    `- ${tr('readme.setup.vm', { vmid: input.vmid })}`,
    `- ${input.mode === 'rom' ? tr('readme.setup.modeRom') : tr('readme.setup.modeOvmf')}`,
  ];
  if (input.gopVersion) out.push(`- ${tr('readme.setup.gop', { version: input.gopVersion })}`);
  if (input.vbtPlatform) out.push(`- ${tr('readme.setup.vbt', { platform: input.vbtPlatform })}`);

  const findings = [...config.findings, ...(input.extraFindings ?? [])];
  if (findings.length) {
    out.push('', `## ${tr('readme.findings')}`, '');
    for (const f of findings) out.push(`- ${f.message[lang]}`);
  }

  out.push('', `## ${tr('readme.files')}`, '');
  for (const f of input.firmware) out.push(firmwareLine(f, lang, input.installedOvmf));
  out.push(`- \`install.sh\` — ${tr('readme.file.install')}`);
  for (const [b, name] of blockFiles) {
    if (b.id !== 'install') out.push(`- \`${name}\` — ${b.title[lang]}`);
  }
  out.push(`- \`SHA256SUMS\` — ${tr('readme.file.sums')}`);
  out.push(`- \`${PROBE_SCRIPT_NAME}\` — ${tr('readme.file.probe')}`);
  out.push(`- \`${HOOK_SCRIPT_NAME}\` — ${tr('readme.file.hook')}`);
  if (isAmdIgpu(config.igpu)) out.push(...amdRomSection(input, tr));

  const steps: string[] = [
    tr('readme.step.copy', { folder: input.folder }),
    tr('readme.step.verify'),
    tr('readme.step.dryRun'),
    tr('readme.step.apply'),
    tr('readme.step.reboot'),
    tr('readme.step.vm', { vmid: input.vmid }),
  ];
  out.push('', `## ${tr('readme.steps')}`, '');
  steps.forEach((s, i) => out.push(`${i + 1}. ${s}`));
  if (input.mode === 'ovmf') out.push('', tr('readme.undo'));

  out.push('', `## ${tr('readme.doctor')}`, '', tr('readme.doctor.probe'), '');
  out.push('```sh', `sh ${PROBE_SCRIPT_NAME} ${input.vmid} > ovmf-gop-report.txt`, '```');
  out.push('', tr('readme.doctor.probeUse'), '', tr('readme.doctor.hook'), '');
  out.push('```sh', ...hookInstallLines(input.vmid), '```');

  out.push('', `## ${tr('readme.why')}`);
  for (const [b, name] of blockFiles) {
    if (b.id === 'install') continue;
    out.push('', `### ${b.title[lang]}${b.path ? ` (\`${b.path}\`)` : ''} — \`${name}\``, '');
    for (const l of b.lines) out.push(`- \`${l.text.trim()}\` — ${l.reason[lang]}`);
  }
  return out.join('\n') + '\n';
}

/**
 * Which AMD ROM goes on which PCI function, and the reset problem, for the README. The layout is
 * read from the ROMs the zip holds, so the text names no file that is not there: a GOP-only ROM
 * beside the VBIOS (two ROMs), the combined ROM alone, or the GOP-only ROM alone (no VBIOS).
 */
function amdRomSection(
  input: BundleInput,
  tr: (k: MessageKey, p?: Record<string, string | number>) => string,
): string[] {
  const { config } = input;
  if (!isAmdIgpu(config.igpu)) return [];
  const name = (kind: AmdRomKind) => input.firmware.find((f) => f.amdKind === kind)?.name;
  // 0000:c5:00.0 → c5
  const bus = config.igpu.gpuAddress.split(':').at(-2) ?? 'BB';
  const gopRom = name('gop-only');
  const gpuRom = name('vbios');
  const combinedRom = name('combined');
  const functions =
    gopRom && gpuRom
      ? tr('readme.amd.functions', { bus, gpuRom, gopRom })
      : combinedRom && !gopRom
        ? tr('readme.amd.functionsCombined', { bus, combinedRom })
        : tr('readme.amd.functionsNoVbios', { bus, gopRom: gopRom ?? '—' });
  return ['', `## ${tr('readme.amd')}`, '', functions, '', tr('readme.amd.reset')];
}

/** How the hookscript goes in place for this VM: Proxmox's `local` storage keeps snippets there. */
export function hookInstallLines(vmid: number | string): string[] {
  const target = `/var/lib/vz/snippets/${HOOK_SCRIPT_NAME}`;
  return [
    'mkdir -p /var/lib/vz/snippets',
    `cp ${HOOK_SCRIPT_NAME} ${target} && chmod 755 ${target}`,
    `qm set ${vmid} --hookscript local:snippets/${HOOK_SCRIPT_NAME}`,
  ];
}

/**
 * Every file of step 4, in the order the zip lists them: read me, firmware, install.sh, sums,
 * the doctor's two scripts, config.
 */
export function bundleFiles(input: BundleInput): BundleFile[] {
  const names = blockFileNames(input.config.blocks);
  const files: BundleFile[] = [
    { kind: 'readme', name: 'README.md', bytes: utf8(readme(input, names)) },
    ...input.firmware.map((f): BundleFile => ({ kind: 'firmware', name: f.name, bytes: f.bytes })),
  ];
  const sums = input.firmware.map((f) => `${f.sha256}  ${f.name}\n`).join('');
  const config: BundleFile[] = [];
  for (const [b, name] of names) {
    const bytes = utf8(blockText(b, input.lang));
    if (b.id === 'install') files.push({ kind: 'script', name, bytes, executable: true });
    else config.push({ kind: 'config', name, bytes, title: b.title[input.lang] });
  }
  files.push(
    { kind: 'sums', name: 'SHA256SUMS', bytes: utf8(sums) },
    { kind: 'script', name: PROBE_SCRIPT_NAME, bytes: utf8(PROBE_SCRIPT), executable: true },
    { kind: 'script', name: HOOK_SCRIPT_NAME, bytes: utf8(hookScript()), executable: true },
    ...config,
  );
  return files;
}

/**
 * A name the config generator and a shell accept: a browser's " (1)" before the extension goes,
 * anything else outside letters, digits and . _ + - becomes "_".
 */
export function safeFileName(name: string): string {
  const base = name.replace(/\s*\(\d+\)(?=\.[^.]+$)/, '').replace(/[^\w.+-]/g, '_');
  return /^\w/.test(base) ? base : `_${base}`;
}

/** Which patched image install.sh puts in place: the plain build when there is one. */
export function installedOvmfName(names: string[]): string | undefined {
  return names.find((n) => !/secboot/i.test(n)) ?? names[0];
}
