/**
 * What step 2 has built and checked, for step 4 to offer: the option ROM, or the patched OVMF
 * images with their igd.rom. Raw state: results hold whole images and are replaced, never edited.
 */
import { type IgdRom, type OvmfPatchResult } from '$lib/firmware';

export interface PatchedOvmf {
  name: string;
  result: OvmfPatchResult;
}

let rom = $state.raw<IgdRom | undefined>();
let ovmf = $state.raw<PatchedOvmf[]>([]);
let igdRom = $state.raw<IgdRom | undefined>();

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
};

export function clearOutputs(): void {
  rom = undefined;
  ovmf = [];
  igdRom = undefined;
}
