// Dependencies point one way: core/ never reaches functions/ (nor the server's libraries), and only
// core/backends/ imports the native ML runtimes (bench/ may build models with them directly).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');

/** Every source file under `folder`, repo-relative. */
function sources(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(join(REPO, dir), { withFileTypes: true })) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(path);
      else if (/\.(tsx?|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(path);
    }
  };
  walk(folder);
  return out;
}

/**
 * Every module a file names: static imports and re-exports, `import()` with a literal, and
 * `new URL('…', import.meta.url)` (a spawned entry point is a dependency too). Relative specifiers come
 * back repo-relative; package names as written.
 */
function specifiers(file: string, text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\b[^'"]*?\bfrom\s+['"]([^'"]+)['"]/gm,
    /^\s*import\s+['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\bnew URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url/g,
  ];
  for (const pattern of patterns) {
    for (const m of code.matchAll(pattern)) {
      const spec = m[1];
      out.push(spec.startsWith('.') ? relative(REPO, resolve(REPO, dirname(file), spec)) : spec);
    }
  }
  return out;
}

/** Packages of the service that core/ must not load: HTTP server, SQL, queue. */
const SERVER_PACKAGES =
  /^(hono|@hono\/|drizzle-orm|drizzle-kit|pg-boss|postgres$|@electric-sql\/|@aws-sdk\/)/;
/** Native ML runtimes: only core/backends/ imports them. */
const RUNTIME_PACKAGES = /^(onnxruntime-node|onnx-proto|@tensorflow\/)/;

/** What is wrong with one file's dependencies, one line each. */
function violations(file: string, text: string): string[] {
  const problems: string[] = [];
  for (const spec of specifiers(file, text)) {
    if (file.startsWith('core/') && (spec === 'functions' || spec.startsWith('functions/')))
      problems.push(`${file} imports ${spec}: core/ never depends on functions/`);
    if (file.startsWith('core/') && SERVER_PACKAGES.test(spec))
      problems.push(`${file} imports ${spec}: core/ has no HTTP server, SQL or queue`);
    if (RUNTIME_PACKAGES.test(spec) && /^(core|functions)\//.test(file) && !file.startsWith('core/backends/'))
      problems.push(`${file} imports ${spec}: ML runtimes are imported in core/backends/ only`);
  }
  return problems;
}

describe('dependency direction', () => {
  it('catches each kind of violation (the checker itself)', () => {
    expect(violations('core/cli/x.ts', "import { a } from '../../functions/config/env.js';")).toHaveLength(1);
    expect(
      violations('core/cli/x.ts', "const m = await import('../../functions/cli/service.js');"),
    ).toHaveLength(1);
    expect(
      violations('core/x.ts', "const u = new URL('../functions/cli/bin.mjs', import.meta.url);"),
    ).toHaveLength(1);
    expect(violations('core/api/x.ts', "import type { Hono } from 'hono';")).toHaveLength(1);
    expect(violations('core/predict/x.ts', "import * as ort from 'onnxruntime-node';")).toHaveLength(1);
    expect(violations('core/backends/onnx.ts', "import * as ort from 'onnxruntime-node';")).toEqual([]);
    expect(violations('functions/cli/x.ts', "import { a } from '../../core/cli/main.js';")).toEqual([]);
    expect(violations('core/cli/x.ts', "// import { a } from '../../functions/env.js';")).toEqual([]);
  });

  it('core/ never imports functions/ or the server libraries; only core/backends/ imports ML runtimes', () => {
    const problems = ['core', 'functions', 'bench', 'infra'].flatMap((folder) =>
      sources(folder).flatMap((file) => violations(file, readFileSync(join(REPO, file), 'utf8'))),
    );
    expect(problems).toEqual([]);
  });
});
