/** What the doctor reads and what it says. */
import type { Text } from '../text';

/** What a pasted text is, recognised from its content (never from its file name). */
export type InputKind =
  | 'probe-report'
  | 'pveversion'
  | 'kvm-version'
  | 'vm-config'
  | 'qm-showcmd'
  | 'qemu-cmdline'
  | 'libvirt-xml'
  | 'task-log'
  | 'qemu-error'
  | 'kernel-log'
  | 'lspci-nnk'
  | 'lspci-xxx'
  | 'proc-cmdline'
  | 'default-grub'
  | 'kernel-cmdline'
  | 'boot-tool'
  | 'modprobe'
  | 'iommu'
  | 'igpu-regs'
  | 'romfiles'
  | 'ovmf'
  | 'rom-log'
  | 'guest-report'
  | 'unknown';

/** One line of an input, with where it came from, for quoting as evidence. */
export interface SourceLine {
  /** Input name (file name, "stdin", "pasted text 1") and probe section if any. */
  where: string;
  /** 1-based line number in the input. */
  line: number;
  text: string;
}

/** One recognised piece: a whole pasted text, or one section of a probe report. */
export interface InputPart {
  /** The input's name, as given by the caller. */
  origin: string;
  kind: InputKind;
  /** Probe section id (e.g. "qm-config.100") when the part came from a report. */
  section?: string;
  lines: SourceLine[];
  /** The probe could not read this (its "## cannot read" lines). */
  unreadable: string[];
}

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  id: string;
  severity: Severity;
  /** The input lines that show it, quoted as `where:line: text`. */
  evidence: string[];
  cause: Text;
  fix: Text;
  /** Where the rule comes from: QEMU/PVE/kernel source file and version, or docs. */
  source: string;
}

/** A recognised message that is known to be harmless: shown, never reported as a cause. */
export interface Note {
  id: string;
  evidence: string[];
  text: Text;
  source: string;
}

export interface Diagnosis {
  /** What each input was recognised as, so the user sees what is used. */
  parts: {
    where: string;
    origin: string;
    kind: InputKind;
    section?: string;
    lines: number;
    unreadable: string[];
  }[];
  findings: Finding[];
  notes: Note[];
}
