/** Test helpers for the archive readers: open bytes with the registry under given limits. */
import { Budget, type BudgetLimits } from '../../budget';
import { FirmwareError } from '../../errors';
import { openContainer } from '../index';
import { recordingContext, rootOf } from '../testing';

/** Opens `bytes` as the registry would, recording each entry's contents instead of parsing them. */
export async function openRecorded(bytes: Uint8Array, limits: Partial<BudgetLimits> = {}) {
  const root = rootOf(bytes);
  const { ctx, payloads } = recordingContext();
  ctx.budget = new Budget(limits);
  const opened = await openContainer(root, bytes, 0, ctx);
  return { opened, root, payloads };
}

/** The FirmwareError `p` rejects with; anything else fails the test. */
export async function firmwareErrorOf(p: Promise<unknown>): Promise<FirmwareError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof FirmwareError) return e;
    throw e;
  }
  throw new Error('expected a FirmwareError');
}
