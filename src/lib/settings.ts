/**
 * Remembered choices of the steps (IndexedDB through idb-keyval), and — only when the user opts
 * in — the OVMF files of the last patch. Everything stays in this browser; one button forgets it.
 */
import { del, get, set } from 'idb-keyval';

const KEY = 'ovmf-gop.settings';
const OVMF_KEY = 'ovmf-gop.ovmf-files';

export interface Settings {
  /** Option ROM or patched OVMF: step 2's choice, and the config's mode. */
  mode?: 'rom' | 'ovmf';
  variant?: 'full' | 'assignment' | 'gop';
  vbtSource?: 'embed' | 'opregion';
  romName?: string;
  pve?: string;
  boot?: 'grub' | 'systemd-boot';
  igpu?: string;
  lspci?: string;
  /** Pasted `pveversion -v`: its QEMU and kernel versions override the release's. */
  pveversion?: string;
  vmid?: number;
  /** Put IgdAssignment into the patched OVMF too (default yes). */
  ovmfIgdAssignment?: boolean;
  /** Keep the last OVMF files in this browser. */
  rememberOvmf?: boolean;
  /** Step 1's answer for an image with Intel and AMD APU graphics: which iGPU the machine has. */
  graphicsVendor?: 'intel' | 'amd';
  /** Step 3, AMD: one combined ROM on the GPU function instead of two ROMs. */
  amdCombined?: boolean;
}

export interface RememberedFile {
  name: string;
  blob: Blob;
}

export async function loadSettings(): Promise<Settings> {
  try {
    return ((await get(KEY)) as Settings | undefined) ?? {};
  } catch {
    // Private windows may refuse IndexedDB; the app works without memory.
    return {};
  }
}

export async function saveSettings(s: Settings): Promise<void> {
  try {
    await set(KEY, { ...s });
  } catch {
    /* not remembered, not fatal */
  }
}

export async function forgetSettings(): Promise<void> {
  try {
    await del(KEY);
  } catch {
    /* nothing to forget */
  }
}

export async function loadOvmfFiles(): Promise<RememberedFile[]> {
  try {
    return ((await get(OVMF_KEY)) as RememberedFile[] | undefined) ?? [];
  } catch {
    return [];
  }
}

export async function saveOvmfFiles(files: RememberedFile[]): Promise<void> {
  try {
    await set(OVMF_KEY, files);
  } catch {
    /* not remembered, not fatal */
  }
}

export async function forgetOvmfFiles(): Promise<void> {
  try {
    await del(OVMF_KEY);
  } catch {
    /* nothing to forget */
  }
}
