// The full demo's parts that need no server: the teams' recipes, the slug, and `sketchboard demo` flag errors.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { demoSlug } from '../../functions/cli/demo-flow.js';
import { DEMO_TEAMS, teamPaths, trainArgs } from '../../functions/cli/demo-teams.js';
import { main } from '../../functions/cli/main.js';

const training = { epochs: 8, size: 32, parallel: 2, seed: 1 };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-demo-pieces-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** argv without a flag and its value. */
function without(args: string[], flag: string): string[] {
  const i = args.indexOf(flag);
  return i < 0 ? args : [...args.slice(0, i), ...args.slice(i + 2)];
}

describe('the three recipes', () => {
  const [a, b, c] = DEMO_TEAMS.map((t) => trainArgs(t, 'data', 'run', training));

  it('differ only in what each team does: A is fold 0 of B, C is B with the flips curriculum', () => {
    expect(without(a, '--fold')).toEqual(without(b, '--parallel'));
    expect(a).toContain('--fold');
    expect(a).not.toContain('--parallel');
    expect(c).toEqual(b.map((v, i) => (b[i - 1] === '--curriculum' ? 'flips' : v)));
    expect(b[b.indexOf('--curriculum') + 1]).toBe('none');
  });

  it('train the sizes given, with folds in parallel where there are several', () => {
    expect(b).toEqual([
      '--data',
      'data',
      '--out',
      'run',
      '--epochs',
      '8',
      '--size',
      '32',
      '--seed',
      '1',
      '--folds',
      '5',
      '--curriculum',
      'none',
      '--parallel',
      '2',
    ]);
    expect(trainArgs(DEMO_TEAMS[1], 'd', 'r', { ...training, parallel: 1 })).not.toContain('--parallel');
  });

  it('keep each team in its own run folder and bundle', () => {
    const paths = DEMO_TEAMS.map((t) => teamPaths('/w', t));
    expect(new Set(paths.map((p) => p.runDir)).size).toBe(3);
    expect(paths[0]).toEqual({ runDir: '/w/runs/single-fold', bundle: '/w/bundles/single-fold.zip' });
  });
});

describe('demoSlug', () => {
  it('is demo-<UTC date>-<UTC time>, a valid competition slug', () => {
    const slug = demoSlug(new Date(Date.UTC(2026, 4, 1, 9, 5, 7)));
    expect(slug).toBe('demo-20260501-090507');
    expect(slug).toMatch(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/);
  });
});

describe('sketchboard demo flags', () => {
  async function run(args: string[]): Promise<{ code: number; err: string }> {
    let err = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    });
    try {
      return { code: await main(['demo', ...args]), err };
    } finally {
      spy.mockRestore();
    }
  }

  it.each([
    [['--classes', '1'], '--classes must be between 2 and 60, got 1'],
    [['--parallel', '0'], '--parallel must be between 1 and 64, got 0'],
    [['--epochs', 'ten'], '--epochs must be an integer, got "ten"'],
    [['--local', '--size', '16'], '--size is an option of the full demo, not of --local'],
    [['extra'], 'Unexpected argument'],
  ])('%j exits 2: %s', async (args, message) => {
    const { code, err } = await run(args);
    expect(code).toBe(2);
    expect(err.split('\n')[0]).toContain(message);
  });

  it('refuses a work folder that is not empty, before starting anything', async () => {
    await writeFile(join(dir, 'keep.txt'), 'x');
    const { code, err } = await run(['--out', dir]);
    expect(code).toBe(2);
    expect(err.split('\n')[0]).toBe(
      `sketchboard demo: --out ${dir} is not empty; give a new or empty folder`,
    );
  });
});
