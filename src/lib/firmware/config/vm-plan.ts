/**
 * A VM merge plan (vm-merge.ts) in words: the reason for each decision, and the `qm set` lines
 * that carry it out. install.sh prints the same reasons (their English text is written into it).
 */
import { normalizePciAddress } from './inputs';
import { joinText, t, type Text } from './messages';
import {
  hostOf,
  mappingOf,
  planVm,
  vmConfMap,
  type VmAction,
  type VmConsent,
  type VmDecision,
  type VmWant,
} from './vm-merge';
import { isAmdWant, planAmdVm, type AmdMappingFacts, type AmdVmWant } from './vm-merge-amd';

/** What a decision is about: its key, with the iGPU's hostpci and other devices' told apart. */
export type DecisionClass =
  'bios' | 'machine' | 'vga' | 'hostpci' | 'other' | 'args' | 'cpu' | 'memory' | 'ostype';

export const DECISION_CLASSES: readonly DecisionClass[] = [
  'bios',
  'machine',
  'vga',
  'hostpci',
  'other',
  'args',
  'cpu',
  'memory',
  'ostype',
];

export const VM_ACTIONS: readonly VmAction[] = ['keep', 'add', 'change', 'ask', 'check'];

/** The install.sh flag (and CLI flag) that gives consent for a class, if it needs one. */
export const CONSENT_FLAGS: Partial<Record<DecisionClass, string>> = {
  cpu: '--cpu-host',
  ostype: '--ostype-l26',
};

const IGD_HOST = /^(0000:)?00:02(\.0)?$/i;

/**
 * A mapping entry is the iGPU's when the merge gave it (or found on it) legacy-igd=1: the merge
 * only does that to the entry it resolved as the iGPU.
 */
export function decisionClass(d: VmDecision): DecisionClass {
  if (!/^hostpci\d+$/.test(d.key)) return d.key as DecisionClass;
  const parts = d.value.split(',');
  const host = parts.find((p) => p.startsWith('host='))?.slice(5) ?? parts[0];
  if (IGD_HOST.test(host)) return 'hostpci';
  return mappingOf(d.value) !== '' && parts.includes('legacy-igd=1') ? 'hostpci' : 'other';
}

export interface ReasonContext {
  rom: string;
  minMemoryMiB: number;
  /** Reasons of the x-igd-* properties, in order. */
  propReasons: readonly Text[];
}

/** Why a decision is what it is; the same text for every value, so install.sh can hold it. */
export function decisionReason(c: DecisionClass, action: VmAction, ctx: ReasonContext): Text {
  const min = ctx.minMemoryMiB;
  const ask = (key: 'merge.ask.cpu' | 'merge.ask.ostype') =>
    action === 'ask'
      ? joinText([t(key), t('merge.askFlag', { flag: CONSENT_FLAGS[c]! })])
      : joinText([t(key), t('merge.consented')]);
  if (action === 'check') return t('merge.mappingCheck', { rom: ctx.rom });
  if (action === 'ask' && c === 'machine') return t('merge.machineHeld');
  if (action === 'ask' && (c === 'hostpci' || c === 'other' || c === 'args'))
    return joinText([t('merge.heldForMachine'), decisionReason(c, 'change', ctx)]);
  if (action === 'keep') {
    if (c === 'other') return t('merge.other');
    if (c === 'memory') return t('merge.memoryEnough', { min });
    if (c === 'ostype') return t('merge.ostypeKept');
    return t('merge.right');
  }
  switch (c) {
    case 'bios':
      return t('vm.bios');
    case 'machine':
      return t('vm.machine');
    case 'vga':
      return t('vm.vga');
    case 'hostpci':
    case 'other':
      return t('vm.hostpci', { rom: ctx.rom });
    case 'args':
      return joinText([...ctx.propReasons, t('merge.args')]);
    case 'cpu':
      return action === 'add' ? t('vm.cpu') : ask('merge.ask.cpu');
    case 'memory':
      return t('merge.memoryRaise', { min });
    case 'ostype':
      return ask('merge.ask.ostype');
  }
}

export interface PlanLine {
  text: string;
  reason: Text;
}

const needsQuotes = (v: string) => !/^[\w.,:=+/@-]+$/.test(v);
const shellQuote = (v: string) => (needsQuotes(v) ? `'${v.replace(/'/g, `'\\''`)}'` : v);

/**
 * The `qm set` lines for a VM whose config is known: one per add or change, and a comment line
 * for each setting left alone, with the reason. Nothing here replaces a whole value the user has
 * unless passthrough cannot work with it.
 */
export function vmMergeLines(
  vmid: number,
  confText: string,
  want: VmWant | AmdVmWant,
  consent: VmConsent,
  propReasons: readonly Text[],
): { plan: VmDecision[]; lines: PlanLine[] } {
  let plan: VmDecision[];
  let reasonOf: (d: VmDecision) => Text;
  if (isAmdWant(want)) {
    plan = planAmdVm(confText, want, consent);
    reasonOf = (d) => amdDecisionReason(amdDecisionClass(d, want), d.action, want);
  } else {
    plan = planVm(confText, want, consent);
    const ctx: ReasonContext = { rom: want.rom, minMemoryMiB: want.minMemoryMiB, propReasons };
    reasonOf = (d) => decisionReason(decisionClass(d), d.action, ctx);
  }
  const lines: PlanLine[] = plan.map((d) => {
    const why = reasonOf(d);
    if (d.action === 'add' || d.action === 'change')
      return {
        text: `qm set ${vmid} --${d.key} ${shellQuote(d.value)}`,
        reason: d.action === 'change' ? joinText([t('merge.was', { now: d.now }), why]) : why,
      };
    return { text: `# ${d.key}: ${d.now || '-'}`, reason: why };
  });
  const efidisk = vmConfMap(confText).get('efidisk0') ?? '';
  lines.push(
    /efitype=4m/.test(efidisk)
      ? { text: `# efidisk0: ${efidisk}`, reason: t('merge.efidiskOk') }
      : {
          text: `qm set ${vmid} --efidisk0 local-lvm:1,efitype=4m,pre-enrolled-keys=0`,
          reason: t(isAmdWant(want) ? 'amd.vm.efidisk' : 'vm.efidisk'),
        },
  );
  return { plan, lines };
}

/** Actions whose reason depends on the class (a check has one reason). */
const CLASS_ACTIONS = VM_ACTIONS.filter((a) => a !== 'check');

/**
 * The English reason for every class and action, for install.sh's why(); a check has the same
 * reason for every class, so it is one `*:check` case.
 */
export function scriptReasons(ctx: ReasonContext): [string, string][] {
  const out: [string, string][] = [];
  for (const c of DECISION_CLASSES)
    for (const a of CLASS_ACTIONS) out.push([`${c}:${a}`, decisionReason(c, a, ctx).en]);
  out.push(['*:check', decisionReason('other', 'check', ctx).en]);
  return out;
}

/** What an AMD decision is about: the GPU function's hostpci, the audio function's, or another device's. */
export type AmdDecisionClass = 'bios' | 'machine' | 'vga' | 'hostpci' | 'audio' | 'other' | 'cpu';

export const AMD_DECISION_CLASSES: readonly AmdDecisionClass[] = [
  'bios',
  'machine',
  'vga',
  'hostpci',
  'audio',
  'other',
  'cpu',
];

/** A mapping entry is a function's when the host resolved the mapping to it (install.sh: pvesh). */
export function amdDecisionClass(
  d: VmDecision,
  want: AmdVmWant,
  mappings: AmdMappingFacts = new Map(),
): AmdDecisionClass {
  if (!/^hostpci\d+$/.test(d.key)) return d.key as AmdDecisionClass;
  const fact = mappings.get(mappingOf(d.value));
  if (fact === 'gpu') return 'hostpci';
  if (fact === 'audio') return 'audio';
  const host = normalizePciAddress(hostOf(d.value));
  return host === want.gpuHost ? 'hostpci' : host === want.audioHost ? 'audio' : 'other';
}

/** Why an AMD decision is what it is; the same text for every value, so install.sh can hold it. */
export function amdDecisionReason(c: AmdDecisionClass, action: VmAction, want: AmdVmWant): Text {
  if (action === 'check')
    return t('amd.merge.mappingCheck', {
      gpu: want.gpuHost,
      audio: want.audioHost,
      gpuRom: want.gpuRom ? `,romfile=${want.gpuRom}` : '',
      audioRom: want.audioRom ? `,romfile=${want.audioRom}` : '',
    });
  if (action === 'keep') return t(c === 'other' ? 'merge.other' : 'merge.right');
  switch (c) {
    case 'bios':
      return t('amd.vm.bios');
    case 'machine':
      return t('amd.vm.machine');
    case 'vga':
      return t('amd.vm.vga');
    case 'hostpci':
    case 'other':
      return want.gpuRom ? t('amd.vm.gpu', { rom: want.gpuRom }) : t('amd.vm.gpuNoVbios');
    case 'audio':
      return want.audioRom ? t('amd.vm.audio', { rom: want.audioRom }) : t('amd.vm.audioCombined');
    case 'cpu':
      if (action === 'add') return t('amd.vm.cpu');
      return action === 'ask'
        ? joinText([t('amd.merge.askCpu'), t('merge.askFlag', { flag: CONSENT_FLAGS.cpu! })])
        : joinText([t('amd.merge.askCpu'), t('merge.consented')]);
  }
}

/** The English reason for every AMD class and action, for the AMD install.sh's why(). */
export function amdScriptReasons(want: AmdVmWant): [string, string][] {
  const out: [string, string][] = [];
  for (const c of AMD_DECISION_CLASSES)
    for (const a of CLASS_ACTIONS) out.push([`${c}:${a}`, amdDecisionReason(c, a, want).en]);
  out.push(['*:check', amdDecisionReason('other', 'check', want).en]);
  return out;
}
