/** Saving bytes as a file, and small formatting helpers the steps share. */
import { FirmwareError } from '$lib/firmware';
import type { MessageKey } from '$lib/i18n/en';
import { t } from '$lib/i18n/index.svelte';

/** Starts a download of these bytes under this name (no request leaves the page). */
export function saveBytes(
  name: string,
  bytes: Uint8Array,
  type = 'application/octet-stream',
): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The browser has the blob once the download started; a minute is plenty.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export { hex } from '$lib/firmware';

/** 1.5 MiB, 812 KiB, 96 bytes. */
export function sizeText(n: number): string {
  if (n >= 1 << 20) return t('size.mib', { n: (n / (1 << 20)).toFixed(n % (1 << 20) ? 2 : 0) });
  if (n >= 1 << 10) return t('size.kib', { n: (n / (1 << 10)).toFixed(n % (1 << 10) ? 1 : 0) });
  return t('result.bytes', { n });
}

/** A cancel: the caller's own (an AbortError from the bridge) or the core's ('cancelled'). */
export const isAbort = (e: unknown) =>
  (e instanceof DOMException && e.name === 'AbortError') ||
  (e instanceof FirmwareError && e.code === 'cancelled');

/**
 * An error for people: what kind of problem, in the chosen language (looked up when shown, so
 * it follows a language switch), and the core's own message, which names the place and what to
 * do (English: the core speaks one language).
 */
export interface Problem {
  key: MessageKey;
  params?: Record<string, string | number>;
  detail?: string;
}

export function problemOf(e: unknown): Problem {
  if (isAbort(e)) return { key: 'job.cancelled' };
  if (e instanceof FirmwareError) return { key: `error.code.${e.code}`, detail: e.describe() };
  return { key: 'error.unexpected', detail: e instanceof Error ? e.message : String(e) };
}
