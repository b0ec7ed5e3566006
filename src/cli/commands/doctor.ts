import {
  diagnose,
  findingsJson,
  hookScript,
  FirmwareError,
  PROBE_SCRIPT,
  type Diagnosis,
  type Lang,
} from '../../lib/firmware';
import { spawnSync } from 'node:child_process';
import { parseArgs, UsageError, type CliCommand } from '../command';
import { printJson } from '../io';
import { langOf, readText } from './config';

const HEAD: Record<
  Lang,
  {
    inputs: string;
    none: string;
    cause: string;
    fix: string;
    source: string;
    notes: string;
    unread: string;
  }
> = {
  en: {
    inputs: 'read',
    none: 'no problems found',
    cause: 'cause',
    fix: 'fix',
    source: 'source',
    notes: 'known harmless',
    unread: 'could not read',
  },
  'zh-CN': {
    inputs: '已读取',
    none: '未发现问题',
    cause: '原因',
    fix: '修复',
    source: '依据',
    notes: '已知无害',
    unread: '无法读取',
  },
};

function printDiagnosis(d: Diagnosis, lang: Lang): void {
  const h = HEAD[lang];
  const out: string[] = [];
  for (const p of d.parts) {
    out.push(`${h.inputs}: ${p.where} — ${p.kind} (${p.lines})`);
    for (const u of p.unreadable) out.push(`  ${h.unread}: ${u}`);
  }
  out.push('');
  if (!d.findings.length) out.push(h.none);
  for (const f of d.findings) {
    out.push(`${f.severity} [${f.id}]`);
    for (const e of f.evidence) out.push(`  > ${e}`);
    out.push(
      `  ${h.cause}: ${f.cause[lang]}`,
      `  ${h.fix}: ${f.fix[lang]}`,
      `  ${h.source}: ${f.source}`,
      '',
    );
  }
  for (const n of d.notes) {
    out.push(`${h.notes} [${n.id}]: ${n.text[lang]}`);
    for (const e of n.evidence) out.push(`  > ${e}`);
  }
  process.stdout.write(out.join('\n').trimEnd() + '\n');
}

/**
 * On the Proxmox host itself: the same read-only probe the web app offers, run for one VM, its
 * report read straight back. What the probe cannot read (not root, no qm) it says in the report.
 */
function runProbe(vmid: string): string {
  const r = spawnSync('/bin/sh', ['-c', PROBE_SCRIPT, 'ovmf-gop-probe', vmid], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw new FirmwareError('bad-input', `cannot run the probe: ${r.error.message}`);
  return r.stdout;
}

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary:
    'read a probe report or pasted host/VM texts (configs, logs, lspci, pveversion…) and say what is wrong and how to fix it',
  usage: 'doctor (<file|-> [more files…] | --vm <vmid>) [--json] [--lang en|zh-CN]',
  async run(args) {
    const { positional, flags } = parseArgs(args, ['--lang', '--vm'], ['--json']);
    const vm = flags.get('--vm');
    if (!positional.length && vm === undefined)
      throw new UsageError(
        'doctor needs at least one file (a probe report, a log, a config; - for stdin) or --vm <vmid>',
      );
    if (typeof vm === 'string' && !/^\d+$/.test(vm))
      throw new UsageError('--vm needs a numeric VM id');
    const lang = langOf(flags);
    const inputs = positional.map((p) => ({ name: p === '-' ? 'stdin' : p, text: readText(p) }));
    if (typeof vm === 'string') inputs.unshift({ name: `probe of VM ${vm}`, text: runProbe(vm) });
    const d = diagnose(inputs);
    if (flags.has('--json')) printJson(findingsJson(d, lang));
    else printDiagnosis(d, lang);
    return d.findings.some((f) => f.severity === 'error') ? 1 : 0;
  },
};

export const probeScriptCommand: CliCommand = {
  name: 'probe-script',
  summary:
    'print the read-only probe script to run on the Proxmox host (sh probe.sh [vmid] > report.txt)',
  usage: 'probe-script',
  async run(args) {
    parseArgs(args, []);
    if (args.length) throw new UsageError('probe-script takes no arguments');
    process.stdout.write(PROBE_SCRIPT);
    return 0;
  },
};

export const hookscriptCommand: CliCommand = {
  name: 'hookscript',
  summary:
    'print a Proxmox hookscript whose pre-start phase writes the doctor checks into the start task log ' +
    '(save as /var/lib/vz/snippets/ovmf-gop-hook.sh, chmod +x, qm set <vmid> --hookscript local:snippets/ovmf-gop-hook.sh)',
  usage: 'hookscript',
  async run(args) {
    if (args.length) throw new UsageError('hookscript takes no arguments');
    process.stdout.write(hookScript());
    return 0;
  },
};
