/**
 * Values both sides of the worker boundary need. Kept apart from firmware.worker.ts, which must
 * not be imported by the page (it exposes itself when loaded).
 */

/** The error path a job gets when a kept file was dropped by the worker; the bridge re-sends it. */
export const KEPT_GONE = 'kept-file';
