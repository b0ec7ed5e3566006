// The core's layering, checked on every `npm test`: no import cycles in src/ (a cycle is how
// shared types end up in the wrong module), no reach-ins past the core's entry point, and the
// walker itself is tested on a graph with cycles.
import { describe, expect, it } from 'vitest';
import { findCycles, importGraph, type ImportGraph } from '../helpers/import-graph';

describe('import graph of src/', () => {
  const graph = importGraph('src');

  it('sees the modules and their imports', () => {
    expect(graph.size).toBeGreaterThan(150);
    expect(graph.get('src/lib/firmware/analyze.ts')).toContain('src/lib/firmware/inspect.ts');
    // `$lib/` specifiers and Svelte components resolve too.
    const page = [...graph.entries()].find(([f]) => f.startsWith('src/routes/'));
    expect(page?.[1].some((t) => t.startsWith('src/lib/'))).toBe(true);
  });

  it('has no import cycles', () => {
    expect(findCycles(graph).map((c) => c.join(' → '))).toEqual([]);
  });

  it('outside the core, only the entry point src/lib/firmware/index.ts is imported (tests may reach in)', () => {
    const reachIns = [...graph.entries()]
      .filter(([file]) => !file.startsWith('src/lib/firmware/') && !file.endsWith('.test.ts'))
      .flatMap(([file, targets]) =>
        targets
          .filter((t) => t.startsWith('src/lib/firmware/') && t !== 'src/lib/firmware/index.ts')
          .map((t) => `${file} → ${t}`),
      );
    expect(reachIns).toEqual([]);
  });

  it('the cycle finder finds cycles (a → b → c → a, and d → d)', () => {
    const g: ImportGraph = new Map([
      ['a', ['b']],
      ['b', ['c', 'e']],
      ['c', ['a']],
      ['d', ['d']],
      ['e', []],
    ]);
    expect(findCycles(g).map((c) => c.join(' '))).toEqual(
      expect.arrayContaining(['a b c a', 'd d']),
    );
    expect(findCycles(g)).toHaveLength(2);
  });
});
