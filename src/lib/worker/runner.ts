/**
 * Runs the page's jobs on one worker that a cancel may terminate, and makes sure every call
 * settles anyway.
 *
 * Why one shared worker: it keeps the dropped files and their parsed trees, which every later
 * step (ROM, OVMF patch, explorer) reuses; a worker per job would parse them again each time.
 * Why cancel terminates it: the core's long loops are synchronous, so nothing else can stop
 * them — and comlink settles a call only when the worker answers, so a terminated worker would
 * strand every other call in flight. Hence: the cancelled call is rejected at once with an
 * AbortError, the worker is terminated, and every other call in flight starts again on a fresh
 * worker (started only when a call needs one). A job can start again because it takes nothing
 * away from the page (inputs are copied or passed as Blobs, never transferred) and is told which
 * worker it runs on. Answers and progress from a stopped worker are ignored. Progress comes back
 * on a MessagePort of the call's own, closed when the call settles or moves to a new worker.
 */
import type { ProgressCallback } from '$lib/firmware';

/** A started worker: its comlink remote, and how to terminate it. */
export interface WorkerHandle<R> {
  remote: R;
  stop(): void;
}

/** What one attempt of a job runs on. */
export interface Attempt<R> {
  remote: R;
  /** Counts workers started: files kept by an earlier worker are gone from this one. */
  generation: number;
  /** When the caller wants progress: the port to hand to the worker (transferred). */
  progress?: MessagePort;
}

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export function abortError(): DOMException {
  return new DOMException('The operation was cancelled.', 'AbortError');
}

interface Running<R> {
  handle: WorkerHandle<R>;
  generation: number;
  /** Calls waiting for this worker; each one's restart() moves it to a fresh worker. */
  calls: Set<{ restart(): void }>;
}

export class WorkerRunner<R> {
  readonly #start: () => WorkerHandle<R>;
  #running?: Running<R>;
  #started = 0;

  constructor(start: () => WorkerHandle<R>) {
    this.#start = start;
  }

  #worker(): Running<R> {
    this.#running ??= { handle: this.#start(), generation: ++this.#started, calls: new Set() };
    return this.#running;
  }

  /** Terminates this worker; every call still waiting for it starts again on a fresh one. */
  #stop(w: Running<R>): void {
    if (this.#running !== w) return;
    this.#running = undefined;
    w.handle.stop();
    for (const call of [...w.calls]) call.restart();
  }

  /**
   * Runs `job` on the worker. The job may be started more than once (when another call's cancel
   * stopped the worker it ran on), so it must not consume what it sends.
   */
  run<T>(job: (attempt: Attempt<R>) => Promise<T>, opts: RunOptions = {}): Promise<T> {
    const { signal, onProgress } = opts;
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise<T>((resolve, reject) => {
      let attempt = 0;
      let worker: Running<R> | undefined;
      let port: MessagePort | undefined;
      // Stops listening to the current attempt: whatever it still sends no longer counts.
      const drop = () => {
        attempt++;
        worker?.calls.delete(call);
        port?.close();
        port = undefined;
      };
      const settle = (done: () => void) => {
        drop();
        signal?.removeEventListener('abort', onAbort);
        done();
      };
      const start = () => {
        drop();
        const mine = attempt;
        const w = (worker = this.#worker());
        w.calls.add(call);
        let theirs: MessagePort | undefined;
        if (onProgress) {
          const channel = new MessageChannel();
          port = channel.port1;
          port.onmessage = (e: MessageEvent) => {
            if (mine === attempt) onProgress(e.data);
          };
          theirs = channel.port2;
        }
        let answer: Promise<T>;
        try {
          answer = job({ remote: w.handle.remote, generation: w.generation, progress: theirs });
        } catch (e) {
          answer = Promise.reject(e);
        }
        answer.then(
          (value) => {
            if (mine === attempt) settle(() => resolve(value));
          },
          (error) => {
            if (mine === attempt) settle(() => reject(error));
          },
        );
      };
      const call = { restart: start };
      const onAbort = () => {
        const w = worker;
        settle(() => reject(abortError()));
        if (w) this.#stop(w);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      start();
    });
  }
}
