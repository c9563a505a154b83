// No import cycles (type-only imports and re-exports included) among core/, functions/ and bench/.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');

/**
 * Cycles allowed to exist, each by its sorted files: none. A new cycle fails the test (the checker itself
 * is tested below on a made-up cycle).
 */
const KNOWN: readonly string[][] = [];

/** Every .ts/.tsx file under the folders, repo-relative. */
function sources(folders: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(join(REPO, dir), { withFileTypes: true })) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(path);
      else if (/\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(path);
    }
  };
  for (const folder of folders) walk(folder);
  return out;
}

/** Static imports and re-exports (`import type` too; not dynamic `import()`), resolved to repo files. */
function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(REPO, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    const deps = new Set<string>();
    for (const m of text.matchAll(
      /^\s*(?:import|export)\b[^'"]*?\bfrom\s+['"](\.[^'"]+)['"]|^\s*import\s+['"](\.[^'"]+)['"]/gm,
    )) {
      const target = relative(REPO, resolve(REPO, dirname(file), m[1] ?? m[2]));
      const hit = [target.replace(/\.js$/, '.ts'), target.replace(/\.js$/, '.tsx')].find((c) => known.has(c));
      if (hit) deps.add(hit);
    }
    graph.set(file, [...deps]);
  }
  return graph;
}

/** Strongly connected components with a cycle (Tarjan), each sorted. */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1 || graph.get(v)?.includes(v)) found.push(group.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('import graph', () => {
  it('finds a cycle through a type-only import and a re-export (the checker itself)', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(cycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    const real = importGraph([
      'functions/http/pages/index.tsx',
      'functions/http/context.ts',
      'functions/http/pages/session.ts',
    ]);
    expect(real.get('functions/http/pages/index.tsx')).toContain('functions/http/context.ts'); // `import type`
    expect(real.get('functions/http/pages/index.tsx')).toContain('functions/http/pages/session.ts'); // `export { } from`
  });

  it('has no cycles in core/, functions/ and bench/ beyond the known ones', () => {
    const known = new Set(KNOWN.map((group) => group.join(' ')));
    const found = cycles(importGraph(sources(['core', 'functions', 'bench'])));
    expect(found.filter((group) => !known.has(group.join(' ')))).toEqual([]);
  });
});
