/**
 * The host's own VBT from the probe report's "vbt" section (i915's debugfs i915_vbt, base64): a
 * VBT source when the vendor BIOS file has none. It is decoded, its SHA-256 compared with the one
 * the probe printed, and parsed as a VBT before anything offers it.
 */
import { sha256Hex } from '../bytes/sha256';
import { FirmwareError } from '../errors';
import { parseVbt, type VbtInfo } from '../gop/vbt';
import type { InputPart } from './types';

export interface HostVbt {
  /** Where the probe read it, e.g. /sys/kernel/debug/dri/0/i915_vbt. */
  path: string;
  bytes: Uint8Array;
  sha256: string;
  info: VbtInfo;
}

/** The first VBT in the inputs' vbt sections, checked; undefined when there is none. */
export async function hostVbt(parts: readonly InputPart[]): Promise<HostVbt | undefined> {
  const part = parts.find((p) => p.section === 'vbt' && p.lines.length);
  if (!part) return undefined;
  const lines = part.lines.map((l) => l.text.trim());
  const path = /^### (\S+)/.exec(lines[0] ?? '')?.[1];
  const expected = /^sha256: ([0-9a-f]{64})$/.exec(lines[1] ?? '')?.[1];
  if (!path || !expected) return undefined;
  const b64 = [];
  for (const l of lines.slice(2)) {
    if (l.startsWith('###')) break;
    b64.push(l);
  }
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(b64.join('')), (c) => c.charCodeAt(0));
  } catch {
    throw new FirmwareError('bad-input', `${path}: the base64 in the report is damaged`);
  }
  const sha256 = await sha256Hex(bytes);
  if (sha256 !== expected)
    throw new FirmwareError(
      'bad-checksum',
      `${path}: SHA-256 ${sha256} differs from the probe's ${expected}`,
    );
  return { path, bytes, sha256, info: parseVbt(bytes) };
}
