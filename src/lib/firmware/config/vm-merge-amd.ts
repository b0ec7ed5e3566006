/**
 * The VM merge for an AMD iGPU (see vm-merge.ts for the Intel one and the decision model): a q35
 * machine kept or set, the GPU function and its HDMI audio function each on their own hostpci with
 * pcie=1 and their ROM, nothing Intel-only added. merge-sh.ts holds the bash twins (MERGE_SH_AMD);
 * merge-sh.test.ts runs both on the same cases.
 */
import { normalizePciAddress } from './inputs';
import {
  checkDecision,
  HOSTPCI_SLOTS,
  hostOf,
  mappingOf,
  newPlan,
  SLOT_UNSURE,
  typeOf,
  vmConfMap,
  type VmConsent,
  type VmDecision,
} from './vm-merge';

/** What the generated configuration wants an AMD iGPU VM to have. */
export interface AmdVmWant {
  vendor: 'amd';
  /** `0000:bb:dd.0` */
  gpuHost: string;
  /** `0000:bb:dd.1` */
  audioHost: string;
  /**
   * ROM of the GPU function (VBIOS, or the combined VBIOS + GOP ROM) in /usr/share/kvm; absent
   * when the user's BIOS holds no VBIOS (a romfile the user set there is then kept).
   */
  gpuRom?: string;
  /** GOP ROM of the audio function; absent with a combined ROM on the GPU function. */
  audioRom?: string;
}

export function isAmdWant(w: object): w is AmdVmWant {
  return (w as { vendor?: string }).vendor === 'amd';
}

/** q35 in any spelling Proxmox takes: q35, pc-q35-9.0, pc-q35-8.1+pve0. */
export const isQ35 = (machine: string) => /^(pc-)?q35(-.*)?$/.test(typeOf(machine));

/**
 * A hostpci host that is this function. The GPU also matches its bare slot (`c5:00`, every
 * function in one entry), which the merge splits into the GPU and the audio entry.
 */
function isHost(host: string, want: string, slotToo: boolean): boolean {
  if (host === '') return false;
  const h = host.toLowerCase();
  const n = normalizePciAddress(h);
  const bare = /^(?:[0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}$/.test(h);
  return bare ? slotToo && n === want : n === want;
}

/**
 * What a resource mapping (`hostpciN: mapping=<name>`, PVE 8+) is on this host, as install.sh
 * finds out with pvesh: the GPU function, the audio function, both in one entry (the bare slot,
 * or both paths), or another device. The app cannot ask, so every mapping is unknown there.
 */
export type AmdMappingFact = 'gpu' | 'audio' | 'both' | 'other';
export type AmdMappingFacts = ReadonlyMap<string, AmdMappingFact>;

/**
 * A mapping that may be one of the iGPU functions without the plan knowing which: unresolved,
 * or both functions in one entry (which cannot take a ROM for each).
 */
export const amdMappingUnsure = (name: string, mappings: AmdMappingFacts) =>
  name !== '' && (!mappings.has(name) || mappings.get(name) === 'both');

/**
 * The hostpci index of this function: the one it has (by address, or by a mapping known to be
 * it), SLOT_UNSURE when a mapping may be it (a second entry for the same device would stop the
 * VM from starting), else the lowest free one that is not `skip`, else -1.
 */
export function amdSlot(
  conf: Map<string, string>,
  host: string,
  slotToo: boolean,
  skip = -1,
  mappings: AmdMappingFacts = new Map(),
  fact: AmdMappingFact = slotToo ? 'gpu' : 'audio',
): number {
  let unsure = false;
  for (let i = 0; i < HOSTPCI_SLOTS; i++) {
    const v = conf.get(`hostpci${i}`);
    if (i !== skip && v !== undefined && isHost(hostOf(v), host, slotToo)) return i;
  }
  for (let i = 0; i < HOSTPCI_SLOTS; i++) {
    const name = mappingOf(conf.get(`hostpci${i}`) ?? '');
    if (i !== skip && name !== '' && mappings.get(name) === fact) return i;
    if (amdMappingUnsure(name, mappings)) unsure = true;
  }
  if (unsure) return SLOT_UNSURE;
  for (let i = 0; i < HOSTPCI_SLOTS; i++) if (i !== skip && !conf.has(`hostpci${i}`)) return i;
  return -1;
}

/**
 * One function's hostpci value: the exact host (a bare slot becomes the function), pcie=1, our
 * romfile when we have one; legacy-igd (Intel only) and rombar=0 (hides the ROM) dropped; every
 * other option kept in order.
 */
export function mergeAmdHostpci(now: string, host: string, rom?: string): string {
  if (!now) return `${host},pcie=1${rom ? `,romfile=${rom}` : ''}`;
  const out: string[] = [];
  let pcie = false;
  let romfile = false;
  now.split(',').forEach((p, i) => {
    const eq = p.indexOf('=');
    const key = eq < 0 ? '' : p.slice(0, eq);
    const val = eq < 0 ? p : p.slice(eq + 1);
    if (i === 0 && key === '') out.push(isHost(p, host, false) ? p : host);
    else if (key === 'host') out.push(isHost(val, host, false) ? p : `host=${host}`);
    else if (key === 'pcie') {
      if (!pcie) out.push('pcie=1');
      pcie = true;
    } else if (key === 'romfile' && rom) {
      if (!romfile) out.push(`romfile=${rom}`);
      romfile = true;
    } else if (key === 'legacy-igd') return;
    else if (key === 'rombar' && val === '0') return;
    else out.push(p);
  });
  if (!pcie) out.push('pcie=1');
  if (rom && !romfile) out.push(`romfile=${rom}`);
  return out.join(',');
}

export function planAmdVm(
  confText: string,
  want: AmdVmWant,
  consent: VmConsent = {},
  mappings: AmdMappingFacts = new Map(),
): VmDecision[] {
  const conf = vmConfMap(confText);
  const get = (k: string) => conf.get(k) ?? '';
  const { out, decide } = newPlan();

  decide('bios', get('bios'), get('bios') === 'ovmf', 'ovmf');
  decide('machine', get('machine'), isQ35(get('machine')), 'q35');
  decide('vga', get('vga'), typeOf(get('vga')) === 'none', 'none');
  const gpu = amdSlot(conf, want.gpuHost, true, -1, mappings);
  const audio = amdSlot(conf, want.audioHost, false, gpu, mappings);
  // A mapping that may be one of the functions: not ours to change, and nothing added beside it.
  const unsure = (i: number) =>
    (gpu === SLOT_UNSURE || audio === SLOT_UNSURE) &&
    amdMappingUnsure(mappingOf(get(`hostpci${i}`)), mappings);
  for (const [slot, host, rom] of [
    [gpu, want.gpuHost, want.gpuRom],
    [audio, want.audioHost, want.audioRom],
  ] as const) {
    if (slot < 0) continue;
    const now = get(`hostpci${slot}`);
    const merged = mergeAmdHostpci(now, host, rom);
    decide(`hostpci${slot}`, now, merged === now, merged);
  }
  for (let i = 0; i < HOSTPCI_SLOTS; i++) if (unsure(i)) out.push(checkDecision(conf, i));
  for (let i = 0; i < HOSTPCI_SLOTS; i++)
    if (i !== gpu && i !== audio && !unsure(i) && conf.has(`hostpci${i}`))
      decide(`hostpci${i}`, get(`hostpci${i}`), true, '');
  const cpu = get('cpu');
  decide('cpu', cpu, typeOf(cpu) === 'host', 'host', cpu !== '' && !consent.cpu);
  return out;
}
