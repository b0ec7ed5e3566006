/**
 * Remembered choices of the output and config steps (IndexedDB through idb-keyval). Nothing here
 * is a file; the user can forget it all with one button.
 */
import { del, get, set } from 'idb-keyval';

const KEY = 'ovmf-gop.settings';

export interface Settings {
  variant?: 'full' | 'assignment' | 'gop';
  vbtSource?: 'embed' | 'opregion';
  romName?: string;
  pve?: string;
  boot?: 'grub' | 'systemd-boot';
  igpu?: string;
  lspci?: string;
  vmid?: number;
  mode?: 'rom' | 'ovmf';
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
