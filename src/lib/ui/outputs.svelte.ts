/**
 * What step 2 has built and checked, for step 4 to offer: the option ROM, or the patched OVMF
 * images with their igd.rom, or the AMD ROMs. Raw state: results hold whole images and are replaced, never edited.
 */
import { type IgdRom, type OvmfPatchResult } from '$lib/firmware';
import type { buildAmdRoms } from '$lib/worker/bridge';

/** The AMD ROMs as the worker returns them (combined, GOP-only, VBIOS alone), each checked. */
export type AmdRomSet = Awaited<ReturnType<typeof buildAmdRoms>>;

export interface PatchedOvmf {
  name: string;
  result: OvmfPatchResult;
}

let rom = $state.raw<IgdRom | undefined>();
let ovmf = $state.raw<PatchedOvmf[]>([]);
let igdRom = $state.raw<IgdRom | undefined>();
let amdRoms = $state.raw<AmdRomSet | undefined>();

export const outputs = {
  get rom() {
    return rom;
  },
  set rom(v: IgdRom | undefined) {
    rom = v;
  },
  get ovmf() {
    return ovmf;
  },
  set ovmf(v: PatchedOvmf[]) {
    ovmf = v;
  },
  get igdRom() {
    return igdRom;
  },
  set igdRom(v: IgdRom | undefined) {
    igdRom = v;
  },
  get amdRoms() {
    return amdRoms;
  },
  set amdRoms(v: AmdRomSet | undefined) {
    amdRoms = v;
  },
};

export function clearOutputs(): void {
  rom = undefined;
  ovmf = [];
  igdRom = undefined;
  amdRoms = undefined;
}
