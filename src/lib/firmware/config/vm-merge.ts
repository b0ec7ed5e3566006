/**
 * What the VM needs for IGD passthrough, merged into what the VM already has: one decision per
 * setting (keep, add, change, or ask the user), the user's `args:` and other `hostpci*` lines kept.
 * install.sh makes the same decisions with the bash functions of merge-sh.ts; merge-sh.test.ts runs
 * both on the same cases and compares them line by line, so the two cannot drift apart.
 */
import { parseVmConf } from './inputs';

export interface IgdProp {
  name: string;
  value: string;
}

/** What the generated configuration wants the VM to have. */
export interface VmWant {
  /** ROM file name in /usr/share/kvm. */
  rom: string;
  /** x-igd-* properties for `-set device.hostpciN.<name>=<value>`, in order. */
  props: readonly IgdProp[];
  /** Guest memory is raised to this when below it. */
  minMemoryMiB: number;
}

/** Changes the user agreed to that have no hard passthrough reason. */
export interface VmConsent {
  /** A Windows OS type may become l26. */
  ostype?: boolean;
  /** A CPU model other than host may become host. */
  cpu?: boolean;
}

/**
 * keep: already right or not ours to change; add: not set, will be set; change: set to something
 * passthrough cannot work with (or memory below the minimum), will be replaced; ask: a value the
 * user chose that we would change only with their consent (or that waits on a conflict the user
 * must resolve); check: a `mapping=` entry that may be the iGPU, which only the host can tell.
 */
export type VmAction = 'keep' | 'add' | 'change' | 'ask' | 'check';

export interface VmDecision {
  key: string;
  action: VmAction;
  /** The value now ('' when not set). */
  now: string;
  /** The value after: `now` for keep, the proposal for ask. */
  value: string;
}

export const HOSTPCI_SLOTS = 16;

/** Proxmox's "boolean" spellings for device options. */
export const isOn = (v: string) => /^(1|on|true|yes)$/i.test(v);

/** The first comma part of a property string, without a `type=`/`cputype=` prefix. */
export const typeOf = (v: string) => v.split(',')[0].replace(/^(type|cputype)=/, '');

/** Host part of a hostpci value: the bare first part or `host=`. */
export function hostOf(value: string): string {
  const parts = value.split(',');
  const named = parts.find((p) => p.startsWith('host='));
  return named ? named.slice(5) : parts[0].includes('=') ? '' : parts[0];
}

/** The iGPU is host 00:02.0 (or 00:02, all functions, which legacy-igd refuses; we fix it). */
const isIgdHost = (host: string) => /^(0000:)?00:02(\.0)?$/i.test(host);

/** The resource mapping a hostpci value names (PVE 8+ `mapping=<name>`), or ''. */
export const mappingOf = (value: string) =>
  value
    .split(',')
    .find((p) => p.startsWith('mapping='))
    ?.slice(8) ?? '';

/** A device option that is on, such as pcie=1. */
const optionOn = (value: string, key: string) =>
  value.split(',').some((p) => p.startsWith(`${key}=`) && isOn(p.slice(key.length + 1)));

/**
 * What is known about the resource mappings a VM uses: name → whether it is the iGPU. install.sh
 * finds out with pvesh; the app cannot, so a mapping it does not know may be the iGPU.
 */
export type MappingFacts = ReadonlyMap<string, boolean>;

/** igdSlot's answer when no entry is the iGPU by address but a mapping of unknown devices may be. */
export const SLOT_UNSURE = -2;

/**
 * The hostpci index for the iGPU: the one it has (by address, or by a mapping known to be it),
 * SLOT_UNSURE when a mapping nobody resolved may be it (adding a second entry for the same device
 * would make the VM fail to start), else the lowest free one, else -1.
 */
export function igdSlot(conf: Map<string, string>, mappings: MappingFacts = new Map()): number {
  let unsure = false;
  for (let i = 0; i < HOSTPCI_SLOTS; i++) {
    const v = conf.get(`hostpci${i}`);
    if (v !== undefined && isIgdHost(hostOf(v))) return i;
  }
  for (let i = 0; i < HOSTPCI_SLOTS; i++) {
    const name = mappingOf(conf.get(`hostpci${i}`) ?? '');
    if (name !== '' && mappings.get(name) === true) return i;
    if (name !== '' && !mappings.has(name)) unsure = true;
  }
  if (unsure) return SLOT_UNSURE;
  for (let i = 0; i < HOSTPCI_SLOTS; i++) if (!conf.has(`hostpci${i}`)) return i;
  return -1;
}

/**
 * The iGPU's hostpci value: legacy-igd=1 and our romfile set in place or appended; options that
 * legacy-igd cannot work with dropped (x-vga, pcie: Proxmox refuses them; rombar=0 hides the ROM);
 * every other option kept in order.
 */
export function mergeHostpci(now: string, rom: string): string {
  if (!now) return `0000:00:02.0,legacy-igd=1,romfile=${rom}`;
  const out: string[] = [];
  let legacy = false;
  let romfile = false;
  now.split(',').forEach((p, i) => {
    const eq = p.indexOf('=');
    const key = eq < 0 ? '' : p.slice(0, eq);
    const val = eq < 0 ? p : p.slice(eq + 1);
    if (i === 0 && key === '') out.push(/^(0000:)?00:02\.0$/i.test(p) ? p : '0000:00:02.0');
    else if (key === 'host') out.push(/^(0000:)?00:02\.0$/i.test(val) ? p : 'host=0000:00:02.0');
    else if (key === 'legacy-igd') {
      if (!legacy) out.push('legacy-igd=1');
      legacy = true;
    } else if (key === 'romfile') {
      if (!romfile) out.push(`romfile=${rom}`);
      romfile = true;
    } else if ((key === 'x-vga' || key === 'pcie') && isOn(val)) return;
    else if (key === 'rombar' && val === '0') return;
    else out.push(p);
  });
  if (!legacy) out.push('legacy-igd=1');
  if (!romfile) out.push(`romfile=${rom}`);
  return out.join(',');
}

/**
 * The user's args with our `-set device.<dev>.<name>=<value>` options set: each one replaced where
 * it is (every occurrence), or appended. Everything else stays, in order; with nothing to change
 * the string comes back untouched, otherwise words are joined by single spaces.
 */
export function mergeArgs(now: string, dev: string, props: readonly IgdProp[]): string {
  const tok = now.split(/[ \t\n]+/).filter((w) => w !== '');
  let changed = false;
  for (const p of props) {
    const prefix = `device.${dev}.${p.name}=`;
    const want = `device.${dev}.${p.name}=${p.value}`;
    let found = false;
    for (let i = 0; i + 1 < tok.length; i++)
      if (tok[i] === '-set' && tok[i + 1].startsWith(prefix)) {
        found = true;
        if (tok[i + 1] !== want) {
          tok[i + 1] = want;
          changed = true;
        }
      }
    if (!found) {
      tok.push('-set', want);
      changed = true;
    }
  }
  return changed ? tok.join(' ') : now;
}

/** One vfio-pci ids= list: every id already listed (first spelling wins, any case), then ours (one or a comma list). */
export function mergeIds(lists: readonly string[], ours: string): string {
  const out: string[] = [];
  for (const id of [...lists, ours].flatMap((l) => l.split(','))) {
    if (id !== '' && !out.some((x) => x.toLowerCase() === id.toLowerCase())) out.push(id);
  }
  return out.join(',');
}

/** `key: value` pairs of a VM config (qm config output or the .conf file, snapshots ignored). */
export function vmConfMap(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const l of parseVmConf(text).lines) if (!map.has(l.key)) map.set(l.key, l.value);
  return map;
}

/** A mapping entry the plan leaves as it is and asks the user (or install.sh) to resolve. */
export function checkDecision(conf: Map<string, string>, index: number): VmDecision {
  const now = conf.get(`hostpci${index}`) ?? '';
  return { key: `hostpci${index}`, action: 'check', now, value: now };
}

/**
 * A plan being made: `decide` adds one decision (keep when ok; else ask when the user must agree,
 * add when not set, change otherwise).
 */
export function newPlan(): {
  out: VmDecision[];
  decide: (key: string, now: string, ok: boolean, value: string, ask?: boolean) => void;
} {
  const out: VmDecision[] = [];
  const decide = (key: string, now: string, ok: boolean, value: string, ask = false) => {
    out.push({
      key,
      now,
      action: ok ? 'keep' : ask ? 'ask' : now === '' ? 'add' : 'change',
      value: ok ? now : value,
    });
  };
  return { out, decide };
}

export function planVm(
  confText: string,
  want: VmWant,
  consent: VmConsent = {},
  mappings: MappingFacts = new Map(),
): VmDecision[] {
  const conf = vmConfMap(confText);
  const get = (k: string) => conf.get(k) ?? '';
  const { out, decide } = newPlan();
  const slot = igdSlot(conf, mappings);
  const unsure = (i: number) =>
    slot === SLOT_UNSURE &&
    mappingOf(get(`hostpci${i}`)) !== '' &&
    !mappings.has(mappingOf(get(`hostpci${i}`)));

  decide('bios', get('bios'), get('bios') === 'ovmf', 'ovmf');
  // No machine: means Proxmox's default, i440fx. Legacy IGD needs i440fx, but Proxmox refuses to
  // start an i440fx VM with a pcie=1 device ("q35 machine model is not enabled"): rather than
  // switch and break the VM, the machine waits, and with it the iGPU changes that need i440fx,
  // until the user takes pcie=1 off those devices or picks a q35 setup. No flag forces it: the VM
  // could not start either way.
  const machine = typeOf(get('machine'));
  const machineOk = machine === '' || /^pc(-i440fx-.*)?$/.test(machine);
  let pcieElsewhere = false;
  for (let i = 0; i < HOSTPCI_SLOTS; i++)
    if (i !== slot && optionOn(get(`hostpci${i}`), 'pcie')) pcieElsewhere = true;
  const held = !machineOk && pcieElsewhere;
  decide('machine', get('machine'), machineOk, 'pc', held);
  decide('vga', get('vga'), typeOf(get('vga')) === 'none', 'none');

  const dev = `hostpci${slot}`;
  if (slot >= 0) {
    const now = get(dev);
    const merged = mergeHostpci(now, want.rom);
    decide(dev, now, merged === now, merged, held);
    if (want.props.length) {
      const args = mergeArgs(get('args'), dev, want.props);
      decide('args', get('args'), args === get('args'), args, held);
    }
  }
  // A mapping that may be the iGPU: not ours to change, and no second entry beside it.
  for (let i = 0; i < HOSTPCI_SLOTS; i++) if (unsure(i)) out.push(checkDecision(conf, i));
  // Other passthrough devices are the user's: listed as kept, never touched.
  for (let i = 0; i < HOSTPCI_SLOTS; i++)
    if (i !== slot && !unsure(i) && conf.has(`hostpci${i}`))
      decide(`hostpci${i}`, get(`hostpci${i}`), true, '');

  const cpu = get('cpu');
  decide('cpu', cpu, typeOf(cpu) === 'host', 'host', cpu !== '' && !consent.cpu);
  // Proxmox's default memory is 512 MiB; "current=" is the newer spelling of the same number.
  const mem = /^(?:current=)?(\d+)/.exec(get('memory'));
  const low = !mem || Number(mem[1]) < want.minMemoryMiB;
  decide('memory', get('memory'), !low, String(want.minMemoryMiB));
  // Only a Windows OS type is ever proposed for change; anything else is the user's business.
  const ostype = get('ostype');
  const windows = /^w/.test(ostype);
  decide('ostype', ostype, !windows, 'l26', !consent.ostype);
  return out;
}

/** The `qm set` options that carry out the add and change decisions, in plan order. */
export function qmSetOptions(plan: readonly VmDecision[]): [string, string][] {
  return plan
    .filter((d) => d.action === 'add' || d.action === 'change')
    .map((d) => [`--${d.key}`, d.value]);
}
