import { sha256Hex } from './bytes/sha256';
import { detectKind, type FileKind } from './detect';

export interface InspectResult {
  size: number;
  sha256: string;
  kind: FileKind;
  /** Plain-English name of the kind, for people. */
  label: string;
  /** Where the recognised structure starts, when not at 0. */
  offset?: number;
  detail?: string;
}

/** First look at a file: size, SHA-256 and what it most likely is. */
export async function inspect(bytes: Uint8Array): Promise<InspectResult> {
  const guess = detectKind(bytes);
  return {
    size: bytes.length,
    sha256: await sha256Hex(bytes),
    kind: guess.kind,
    label: guess.label,
    ...(guess.offset !== undefined ? { offset: guess.offset } : {}),
    ...(guess.detail !== undefined ? { detail: guess.detail } : {}),
  };
}
