// The supervisor and runner child on real bundles: same scores as predictBundle, and each way a run can fail.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBundle } from '../../core/bundle/open.js';
import { packBundle } from '../../core/bundle/pack.js';
import { predictBundle, voteLeaves } from '../../core/predict/predictor.js';
import { RunnerChild } from '../../functions/scorer/sandbox/child.js';
import { RunnerPool } from '../../functions/scorer/sandbox/pool.js';
import { runSandboxed, type SandboxInput } from '../../functions/scorer/sandbox/supervisor.js';
import { CLASSES, makeBundle, makeSketchSet, onnxModel, type SketchSet, tempRoot } from './fixtures.js';

let root: string;
let set: SketchSet;
let images: string[];
let good: string;

const OPTIONS = { batchSize: 16, executionProviders: ['cpu' as const], threads: 1 };

/**
 * Run the good bundle one image per batch and, at its first progress message, `signal` the child's pid once;
 * returns the run's result and whether the signal was sent.
 */
async function runSignalledOnce(bundlePath: string, signal: (pid: number) => void) {
  let pid = 0;
  let sent = false;
  const out = await run(bundlePath, {
    options: { ...OPTIONS, batchSize: 1 },
    onSpawn: (c) => {
      pid = c.pid;
    },
    onProgress: () => {
      if (sent) return;
      sent = true;
      signal(pid);
    },
  });
  return { out, sent };
}

async function run(bundlePath: string, over: Partial<SandboxInput> = {}) {
  const workDir = await mkdtemp(join(root, 'work-'));
  return runSandboxed({
    bundlePath,
    images,
    classes: CLASSES,
    workDir,
    options: OPTIONS,
    limits: { timeoutMs: 60_000, memoryMb: 2048 },
    ...over,
  });
}

beforeAll(async () => {
  root = await tempRoot('sandbox');
  set = await makeSketchSet(root);
  images = set.items.map((i) => join(set.testDir, i.imagePath));
  good = await makeBundle(
    root,
    'good',
    [
      { kind: 'good', seed: 1 },
      { kind: 'good', seed: 2 },
      { kind: 'good', seed: 3 },
    ],
    'hard',
  );
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('runSandboxed', () => {
  it('returns exactly what predictBundle computes in-process', async () => {
    const out = await run(good);
    expect(out.ok, JSON.stringify(!out.ok && out.failure)).toBe(true);
    if (!out.ok) return;
    const bundle = await openBundle(good);
    try {
      const direct = await predictBundle(bundle, images, {
        batchSize: 16,
        load: { executionProviders: ['cpu'], threads: 1 },
      });
      // The child returns every leaf's table; the scorer votes them (voteLeaves) exactly as predictBundle does.
      expect([...out.result.tables.keys()]).toEqual([...direct.tables.keys()]);
      for (const [id, table] of out.result.tables)
        expect(Array.from(table)).toEqual(Array.from(direct.tables.get(id)!));
      const voted = voteLeaves(bundle.manifest, out.result.tables, images.length);
      expect(voted.predictions).toEqual(direct.predictions);
      expect(Array.from(voted.scores)).toEqual(Array.from(direct.scores));
      expect(voted.members.map((m) => m.id)).toEqual(direct.members.map((m) => m.id));
      for (const [i, m] of voted.members.entries())
        expect(m.predictions).toEqual(direct.members[i].predictions);
    } finally {
      await bundle.dispose();
    }
    expect(out.runtime[0]).toMatchObject({ runtime: 'onnxruntime', backend: 'cpu' });
    expect(out.versions['onnxruntime-node']).toMatch(/^\d+\.\d+/);
    console.log('peak rss', out.peakRssMb, 'seconds', out.seconds);
  }, 60_000);

  it('infers only the leaves named in `only`, and refuses a result without exactly those', async () => {
    const out = await run(good, { only: ['2', '0'] });
    expect(out.ok, JSON.stringify(!out.ok && out.failure)).toBe(true);
    if (!out.ok) return;
    expect([...out.result.tables.keys()].sort()).toEqual(['0', '2']);
    expect(out.result.refs).toEqual({ 'm0.onnx': [], 'm2.onnx': [] });
    const bundle = await openBundle(good);
    try {
      const direct = await predictBundle(bundle, images, {
        batchSize: 16,
        load: { executionProviders: ['cpu'], threads: 1 },
      });
      expect(Array.from(out.result.tables.get('2')!)).toEqual(Array.from(direct.tables.get('2')!));
    } finally {
      await bundle.dispose();
    }
    const unknown = await run(good, { only: ['7'] });
    expect(unknown.ok).toBe(false);
  }, 60_000);
});

describe('runSandboxed failures', () => {
  it('kills a run that passes the wall-clock limit: timeout, not infra', async () => {
    const child = new RunnerChild({ memoryMb: 2048 });
    let progress = 0;
    const out = await run(good, {
      child,
      limits: { timeoutMs: 300, memoryMb: 2048 },
      onProgress: (done) => {
        progress = done;
      },
    });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure).toMatchObject({ code: 'timeout', isInfra: false });
    expect(out.failure.message).toMatch(/time limit/);
    // Cut short by the supervisor: the child died of its SIGKILL before it scored every image.
    expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(progress).toBeLessThan(images.length);
  });

  it('kills a bundle whose activations pass the memory cap: out_of_memory', async () => {
    const huge = await makeBundle(root, 'huge', [{ kind: 'huge', seed: 1 }]);
    const out = await run(huge, { limits: { timeoutMs: 60_000, memoryMb: 700 } });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure).toMatchObject({ code: 'out_of_memory', isInfra: false });
    expect(out.failure.message).toMatch(/700 MB/);
    expect(out.peakRssMb).toBeGreaterThan(700);
  }, 60_000);

  it('refuses NaN output as the bundle’s fault', async () => {
    const nan = await makeBundle(root, 'nan', [{ kind: 'nan', seed: 1 }]);
    const out = await run(nan);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure).toMatchObject({ code: 'model_output', isInfra: false });
    expect(out.failure.message).toMatch(/NaN/);
    expect(out.failure.message).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('reports a runtime crash (the child dies by a signal mid-run)', async () => {
    const { out, sent: killed } = await runSignalledOnce(good, (pid) => process.kill(pid, 'SIGSEGV'));
    expect(killed).toBe(true);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure).toMatchObject({ code: 'crash', isInfra: false });
    expect(out.failure.message).toMatch(/SIGSEGV/);
  }, 30_000);

  it('survives SIGINT/SIGTERM sent to the process group (Ctrl-C): the supervisor decides when a run stops', async () => {
    const { out, sent: signalled } = await runSignalledOnce(good, (pid) => {
      process.kill(pid, 'SIGINT');
      process.kill(pid, 'SIGTERM');
    });
    expect(signalled).toBe(true);
    expect(out.ok).toBe(true);
  }, 30_000);

  it('reports a model that does not load as an invalid bundle', async () => {
    const dir = await mkdtemp(join(root, 'broken-'));
    // A well-formed ModelProto whose graph uses an operator no runtime has.
    const bytes = Buffer.from(await onnxModel('good', 1));
    const at = bytes.indexOf('Conv');
    expect(at).toBeGreaterThan(0);
    bytes.write('Cxnv', at, 'ascii');
    await writeFile(join(dir, 'm.onnx'), bytes);
    await writeFile(
      join(dir, 'manifest.json'),
      JSON.stringify({
        version: 1,
        name: 'broken',
        classes: CLASSES,
        input: { size: [32, 32], channels: 3, layout: 'NHWC' },
        output: 'logits',
        ensemble: { vote: 'soft', members: [{ model: 'm.onnx' }] },
      }),
    );
    const zip = join(root, 'broken.zip');
    await packBundle({ manifestPath: join(dir, 'manifest.json'), out: zip });
    const out = await run(zip);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure).toMatchObject({ code: 'invalid_bundle', isInfra: false });
    expect(out.failure.message).toMatch(/m\.onnx/);
  }, 30_000);

  it('gives the child no secrets: allow-listed env, no labels in argv or the start message', async () => {
    process.env.DATABASE_URL = 'postgres://secret@db/x';
    process.env.SKETCHBOARD_HOST_TOKEN = 'host-secret-token-123';
    try {
      let seen: { argv: string[]; env: NodeJS.ProcessEnv; proc: string } | undefined;
      const sent: unknown[] = [];
      const out = await run(good, {
        onSpawn: (c) => {
          seen = { ...c, proc: '' };
        },
        onSend: (m) => sent.push(m),
      });
      expect(out.ok).toBe(true);
      expect(Object.keys(seen?.env ?? {}).sort()).not.toContain('DATABASE_URL');
      expect(JSON.stringify(seen)).not.toMatch(/secret/);
      expect(sent).toHaveLength(1);
      expect(Object.keys(sent[0] as object).sort()).toEqual([
        'bundlePath',
        'images',
        'options',
        'resultPath',
        'type',
      ]);
      expect(JSON.stringify(sent)).not.toMatch(/label|target|public|private|secret/i);
    } finally {
      delete process.env.DATABASE_URL;
      delete process.env.SKETCHBOARD_HOST_TOKEN;
    }
  }, 30_000);
});

describe('warm runner children', () => {
  it('a pooled child is ready before its job and runs exactly one; a child dead before its job is infra', async () => {
    const pool = new RunnerPool({ size: 1, memoryMb: 2048 });
    try {
      const child = pool.take();
      expect(pool.size).toBe(1); // its replacement is already starting
      expect(await child.ready).toBe(true);
      const out = await run(good, { child });
      expect(out.ok).toBe(true);
      expect(child.alive).toBe(false);
    } finally {
      pool.close();
    }
    expect(pool.size).toBe(0);

    const dead = new RunnerChild({ memoryMb: 2048 });
    dead.kill();
    const out = await run(good, { child: dead });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure).toMatchObject({ code: 'infra', isInfra: true });
  }, 30_000);
});
