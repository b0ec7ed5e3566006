/**
 * A build in the worker that the person can cancel, as the ROM panels show it: running, cancelled
 * (the person's choice, not a problem with the files), or failed with a problem to show.
 */
import { isAbort, problemOf, type Problem } from './download';

export class BuildJob {
  building = $state(false);
  cancelled = $state(false);
  error = $state<Problem>();
  #controller: AbortController | undefined;

  /** Forgets the last outcome (a new choice makes it stale). */
  reset(): void {
    this.error = undefined;
    this.cancelled = false;
  }

  /** Runs one build; a later run or a cancel ends this one. */
  async run(work: (signal: AbortSignal) => Promise<void>): Promise<void> {
    this.reset();
    const ctrl = new AbortController();
    this.#controller = ctrl;
    this.building = true;
    try {
      await work(ctrl.signal);
    } catch (e) {
      if (isAbort(e)) this.cancelled = true;
      else this.error = problemOf(e);
    } finally {
      if (this.#controller === ctrl) this.building = false;
    }
  }

  cancel(): void {
    this.#controller?.abort();
  }
}
