/**
 * The doctor: recognises every input, gathers facts, runs the rules table and returns findings
 * (merged per id, most severe first) and notes for messages known to be harmless.
 */
import type { Lang } from '../text';
import { gatherFacts, type HostFacts } from './facts';
import { splitInput } from './recognise';
import { HOOK_LINE } from './hookscript';
import { fillText, isHarmless, isPattern, RULES, type ConditionRule, type Rule } from './rules';
import type { Diagnosis, Finding, InputPart, Note, Severity, SourceLine } from './types';

export interface DoctorInput {
  /** Shown in evidence: a file name, "stdin", "pasted text". */
  name: string;
  text: string;
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

function quote(l: SourceLine): string {
  return l.line > 0 ? `${l.where}:${l.line}: ${l.text.trim()}` : `${l.where}: ${l.text.trim()}`;
}

/** Parameters every fix may use, from the facts; rule hits override them. */
function defaultParams(f: HostFacts): Record<string, string> {
  const vm = f.vms.find((v) => v.vmid) ?? f.vms[0];
  const igdDev = vm?.devices.find((d) => /:00:02(\.0)?$/.test(d.host));
  const igpu = f.devices.find((d) => d.vendorId === 0x8086 && d.address === '0000:00:02.0');
  const width = f.iommuWidth?.bits;
  return {
    vmid: vm?.vmid ?? '<vmid>',
    dev: igdDev?.id ?? 'hostpci0',
    ids: igpu
      ? `8086:${igpu.deviceId.toString(16).padStart(4, '0')}`
      : '8086:<device id from lspci -nn -s 00:02.0>',
    width: width ? String(width) : 'N',
    rom: '/usr/share/kvm/<romfile>',
    softdeps: 'echo "softdep i915 pre: vfio-pci" >> /etc/modprobe.d/vfio.conf; ',
  };
}

/** Long runs of the same message are quoted by their first lines and a count. */
const MAX_EVIDENCE = 6;

function quoteAll(ev: readonly SourceLine[]): string[] {
  const all = [...new Set(ev.map(quote))];
  if (all.length <= MAX_EVIDENCE) return all;
  return [...all.slice(0, MAX_EVIDENCE - 1), `… ${all.length - MAX_EVIDENCE + 1} more line(s)`];
}

/**
 * Where a source points: the file or document (without quotes, notes or commit) and the QEMU
 * versions it covers, so two rules citing the same place are listed once.
 */
function sourcePlace(part: string): string {
  const where = /^[^:("]*/.exec(part)![0].replace(/\bcommit \w+/, '');
  const versions = /\((\d[^,)]*)/.exec(part)?.[1] ?? '';
  return `${where.replace(/\s+/g, ' ').trim()}|${versions}`;
}

/** Two rules' sources as one list: each place once, with the fuller of its two citations. */
export function mergeSources(a: string, b: string): string {
  const parts = a.split('; ');
  for (const p of b.split('; ')) {
    const i = parts.findIndex((q) => sourcePlace(q) === sourcePlace(p));
    if (i < 0) parts.push(p);
    else if (p.length > parts[i].length) parts[i] = p;
  }
  return parts.join('; ');
}

function add(
  out: Map<string, Finding>,
  rule: Rule & { severity: Severity },
  ev: SourceLine[],
  params: Record<string, string>,
): void {
  if (isHarmless(rule)) return;
  const evidence = quoteAll(ev);
  const prev = out.get(rule.id);
  if (!prev) {
    out.set(rule.id, {
      id: rule.id,
      severity: rule.severity,
      evidence: [...new Set(evidence)],
      cause: fillText(rule.cause, params),
      fix: fillText(rule.fix, params),
      source: rule.source,
    });
    return;
  }
  // A second rule with the same id adds its evidence (and its source when different).
  for (const e of evidence) if (!prev.evidence.includes(e)) prev.evidence.push(e);
  prev.source = mergeSources(prev.source, rule.source);
  if (RANK[rule.severity] < RANK[prev.severity]) prev.severity = rule.severity;
}

export function diagnoseParts(parts: readonly InputPart[]): Diagnosis {
  const facts = gatherFacts(parts);
  const params = defaultParams(facts);
  const findings = new Map<string, Finding>();
  const notes: Note[] = [];
  const taken = new Set<SourceLine>();
  /** Messages that say only that something failed, kept until the rest is known. */
  const unexplained: { rule: Rule & { severity: Severity }; hits: SourceLine[] }[] = [];

  for (const rule of RULES) {
    if (!('patterns' in rule)) continue;
    const hits = facts.allLines.filter(
      (l) => !taken.has(l) && rule.patterns.some((re) => re.test(l.text)),
    );
    if (!hits.length) continue;
    for (const h of hits) taken.add(h);
    if (isHarmless(rule)) {
      notes.push({
        id: rule.id,
        evidence: quoteAll(hits),
        text: fillText(rule.text, params),
        source: rule.source,
      });
    } else if (
      isPattern(rule) &&
      rule.harmlessBelow !== undefined &&
      hits.length < rule.harmlessBelow
    ) {
      notes.push({
        id: rule.id,
        evidence: quoteAll(hits),
        text: {
          en: `${hits.length} such line(s): a few are expected when the device is first assigned, not a cause.`,
          'zh-CN': `共 ${hits.length} 行：设备刚分配时出现少量属正常，并非故障原因。`,
        },
        source: rule.source,
      });
    } else if (isPattern(rule) && rule.unexplained) {
      unexplained.push({ rule, hits });
    } else if (isPattern(rule)) {
      const captured = rule.param
        ? rule.patterns.map((re) => re.exec(hits[0].text)?.[1]).find((v) => v)
        : undefined;
      add(findings, rule, hits, captured ? { ...params, [rule.param!]: captured } : params);
    }
  }

  // Lines our hookscript wrote into a start task log name the finding by id.
  for (const l of facts.allLines) {
    const m = taken.has(l) ? null : HOOK_LINE.exec(l.text);
    const rule = m && RULES.find((r) => !isHarmless(r) && r.id === m[2]);
    if (!m || !rule || isHarmless(rule)) continue;
    taken.add(l);
    const source = `ovmf-gop hookscript (pre-start); ${rule.source}`;
    add(findings, { ...rule, severity: m[1] as Severity, source }, [l], params);
  }

  const undecided = new Set<string>();
  for (const rule of RULES) {
    if ('patterns' in rule) continue;
    const cond = rule as ConditionRule;
    const missing = (cond.needs ?? []).filter((n) => !facts[n]);
    if (missing.length) {
      if (facts.vms.length || facts.devices.length) undecided.add(cond.id);
      continue;
    }
    const hit = cond.when(facts);
    if (hit) add(findings, cond, hit.evidence, { ...params, ...hit.params });
  }
  if (![...findings.values()].some((f) => f.severity === 'error'))
    for (const u of unexplained) add(findings, u.rule, u.hits, params);

  // Version-dependent rules are not guessed: say which were skipped and what would decide them.
  const skipped = [...undecided].filter((id) => !findings.has(id));
  if (skipped.length)
    findings.set('versions-unknown', {
      id: 'versions-unknown',
      severity: 'info',
      evidence: [],
      cause: {
        en: `The QEMU/kernel version is not known, so these checks were not made (no version assumed): ${skipped.join(', ')}.`,
        'zh-CN': `未知 QEMU/内核版本，因此未做以下检查（未假设任何版本）：${skipped.join('、')}。`,
      },
      fix: {
        en: 'Add the output of pveversion -v (or use the probe report).',
        'zh-CN': '补充 pveversion -v 的输出（或使用探测报告）。',
      },
      source: 'proxmox/pve-qemu debian/changelog (QEMU per PVE release)',
    });

  return {
    parts: parts.map((p) => ({
      where: p.section ? `${p.origin} [${p.section}]` : p.origin,
      origin: p.origin,
      kind: p.kind,
      ...(p.section ? { section: p.section } : {}),
      lines: p.lines.length,
      unreadable: p.unreadable,
    })),
    findings: [...findings.values()].sort((a, b) => RANK[a.severity] - RANK[b.severity]),
    notes,
  };
}

/** Diagnoses several pasted texts or files at once; each one's kind comes from its content. */
export function diagnose(inputs: readonly DoctorInput[]): Diagnosis {
  return diagnoseParts(inputs.flatMap((i) => splitInput(i.name, i.text)));
}

/** The JSON shape the CLI prints: one language. */
export function findingsJson(d: Diagnosis, lang: Lang) {
  return {
    findings: d.findings.map((f) => ({
      id: f.id,
      severity: f.severity,
      evidence: f.evidence,
      cause: f.cause[lang],
      fix: f.fix[lang],
      source: f.source,
    })),
    notes: d.notes.map((n) => ({
      id: n.id,
      evidence: n.evidence,
      text: n.text[lang],
      source: n.source,
    })),
    inputs: d.parts,
  };
}
