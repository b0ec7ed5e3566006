import { describe, expect, it } from 'vitest';
import { WorkerRunner, type Attempt } from './runner';

/**
 * A stand-in for a comlink remote: answers after a few milliseconds, unless it was terminated,
 * when it never answers (as comlink never settles a call to a terminated worker).
 */
class FakeWorker {
  stopped = false;
  readonly received: string[] = [];
  constructor(readonly generation: number) {}
  readonly remote = {
    work: (what: string, ms = 5, progress?: MessagePort) => {
      this.received.push(what);
      progress?.postMessage({ phase: 'work', done: 1, total: 2 });
      return new Promise<string>((resolve) =>
        setTimeout(() => {
          if (!this.stopped) resolve(`${what} by worker ${this.generation}`);
        }, ms),
      );
    },
    /** Answers even after terminate(), as a message already on its way would. */
    late: (what: string) =>
      new Promise<string>((resolve) => setTimeout(() => resolve(`late ${what}`), 20)),
    fail: () => Promise.reject(new Error('bad input')),
  };
}

type Remote = FakeWorker['remote'];

function fakeRunner() {
  const workers: FakeWorker[] = [];
  const runner = new WorkerRunner<Remote>(() => {
    const w = new FakeWorker(workers.length + 1);
    workers.push(w);
    return { remote: w.remote, stop: () => (w.stopped = true) };
  });
  return { runner, workers };
}

const work =
  (what: string, ms?: number) =>
  ({ remote, progress }: Attempt<Remote>) =>
    remote.work(what, ms, progress);

/** What a promise came to: its value, or the name/message of its error. */
const outcome = (p: Promise<string>) =>
  p.then(
    (v) => v,
    (e: Error) => `${e.name}: ${e.message}`,
  );

describe('jobs on a worker that a cancel terminates', () => {
  it('cancelling one call rejects it, and the other call in flight finishes on a new worker', async () => {
    const { runner, workers } = fakeRunner();
    const ctrl = new AbortController();
    const cancelled = outcome(runner.run(work('a', 50), { signal: ctrl.signal }));
    const other = outcome(runner.run(work('b', 50)));
    setTimeout(() => ctrl.abort(), 10);
    expect(await cancelled).toBe('AbortError: The operation was cancelled.');
    expect(await other).toBe('b by worker 2');
    expect(workers.map((w) => w.stopped)).toEqual([true, false]);
    // The first worker got both jobs; the second only the one that had to start again.
    expect(workers[0].received).toEqual(['a', 'b']);
    expect(workers[1].received).toEqual(['b']);
    expect(await runner.run(work('c'))).toBe('c by worker 2');
  });

  it('starts no new worker when nothing else was waiting', async () => {
    const { runner, workers } = fakeRunner();
    const ctrl = new AbortController();
    const p = outcome(runner.run(work('a', 50), { signal: ctrl.signal }));
    ctrl.abort();
    expect(await p).toMatch(/^AbortError/);
    expect(workers).toHaveLength(1);
    expect(await runner.run(work('b'))).toBe('b by worker 2');
  });

  it('rejects an already cancelled call without starting a worker', async () => {
    const { runner, workers } = fakeRunner();
    const ctrl = new AbortController();
    ctrl.abort();
    expect(await outcome(runner.run(work('a'), { signal: ctrl.signal }))).toMatch(/^AbortError/);
    expect(workers).toHaveLength(0);
  });

  it('settles calls started while a cancel is happening', async () => {
    const { runner } = fakeRunner();
    const ctrl = new AbortController();
    const started: Promise<string>[] = [];
    // Before the runner hears of the abort: this call lands on the worker about to be stopped.
    ctrl.signal.addEventListener('abort', () => started.push(outcome(runner.run(work('x')))));
    const cancelled = outcome(runner.run(work('a', 50), { signal: ctrl.signal }));
    // After it: this call lands on the fresh worker.
    ctrl.signal.addEventListener('abort', () => started.push(outcome(runner.run(work('y')))));
    ctrl.abort();
    expect(await cancelled).toMatch(/^AbortError/);
    expect(await Promise.all(started)).toEqual(['x by worker 2', 'y by worker 2']);
  });

  it('ignores what a stopped worker still sends', async () => {
    const { runner, workers } = fakeRunner();
    const ctrl = new AbortController();
    const cancelled = outcome(runner.run(work('a', 50), { signal: ctrl.signal }));
    let attempts = 0;
    const other = runner.run(({ remote }) =>
      ++attempts === 1 ? remote.late('old') : remote.work('new'),
    );
    ctrl.abort();
    expect(await cancelled).toMatch(/^AbortError/);
    // The first worker's late answer arrives after the move and is not taken.
    expect(await other).toBe('new by worker 2');
    expect(attempts).toBe(2);
    expect(workers).toHaveLength(2);
  });

  it('passes errors through and keeps the worker', async () => {
    const { runner, workers } = fakeRunner();
    expect(await outcome(runner.run(({ remote }) => remote.fail()))).toBe('Error: bad input');
    expect(await runner.run(work('a'))).toBe('a by worker 1');
    expect(workers).toHaveLength(1);
  });

  it('delivers progress only from the current attempt, and closes each progress port', async () => {
    const { runner } = fakeRunner();
    const ctrl = new AbortController();
    const ports: MessagePort[] = [];
    const closed: MessagePort[] = [];
    const seen: string[] = [];
    const cancelled = outcome(runner.run(work('a', 50), { signal: ctrl.signal }));
    const other = runner.run(
      ({ remote, progress, generation }) => {
        ports.push(progress!);
        progress!.addEventListener('close', () => closed.push(progress!));
        return remote.work(`b${generation}`, 30, progress);
      },
      { onProgress: (p) => seen.push(`${p.phase} ${p.done}/${p.total}`) },
    );
    await new Promise((r) => setTimeout(r, 10));
    ctrl.abort();
    expect(await cancelled).toMatch(/^AbortError/);
    expect(await other).toBe('b2 by worker 2');
    await new Promise((r) => setTimeout(r, 10));
    // One port per attempt, both closed by now: the moved one at the move, the other at the end.
    expect(ports).toHaveLength(2);
    expect(closed).toEqual(ports);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen.every((s) => s === 'work 1/2')).toBe(true);
  });

  it('settles every call through many cancels at random moments', async () => {
    const { runner, workers } = fakeRunner();
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / (1 << 24);
    const calls: { ctrl?: AbortController; result: Promise<string> }[] = [];
    for (let i = 0; i < 40; i++) {
      const ctrl = random() < 0.4 ? new AbortController() : undefined;
      calls.push({
        ctrl,
        result: outcome(
          runner.run(work(`job${i}`, 1 + Math.floor(random() * 30)), { signal: ctrl?.signal }),
        ),
      });
      if (ctrl) setTimeout(() => ctrl.abort(), Math.floor(random() * 30));
      await new Promise((r) => setTimeout(r, Math.floor(random() * 3)));
    }
    const results = await Promise.all(calls.map((c) => c.result));
    results.forEach((r, i) => {
      if (calls[i].ctrl) expect(r).toMatch(new RegExp(`^(AbortError|job${i} by worker)`));
      else expect(r).toMatch(new RegExp(`^job${i} by worker \\d+$`));
    });
    expect(workers.length).toBeGreaterThan(1);
  });
});
