// SKETCHBOARD_TFJS_BACKEND: wasm and cpu give the same outputs; a bad value is refused. Re-imports the door per backend.
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { maxAbsDiff, referenceForward, removeTempBundles, sampleImages, tempBundle } from './fixtures.js';
import { bundleFiles, graphNet, layersNet } from './tfjs-fixtures.js';

afterAll(removeTempBundles);

const ENV = 'SKETCHBOARD_TFJS_BACKEND';
/** The error code of a SketchboardError from a re-imported module graph (instanceof would not match). */
const codeOf = (err: unknown) =>
  err instanceof Error && err.name === 'SketchboardError' ? (err as { code?: string }).code : null;
const installed = (pkg: string) => {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
};

/** A fresh copy of the backends door (and so a fresh backend choice) under the given env value. */
async function freshDoor(backend: string) {
  vi.resetModules();
  process.env[ENV] = backend;
  return import('../../core/backends/index.js');
}

async function runOn(backend: string, dirs: string[], x: Float32Array, n: number) {
  const door = await freshDoor(backend);
  const outputs: Float32Array[] = [];
  for (const dir of dirs) {
    const model = await door.loadModel(dir, 'cnn/model.json');
    expect(model.runtime.backend).toBe(backend);
    outputs.push((await model.run({ data: x, dims: [n, 4, 4, 1] })).data);
    await model.dispose();
  }
  expect(door.runtimeVersions()['tfjs-backend']).toBe(backend);
  return outputs;
}

describe('tfjs backend override', () => {
  it('gives the same outputs on wasm and cpu', async () => {
    process.env[ENV] = 'cpu';
    const dirs = [
      await tempBundle(bundleFiles(await layersNet())),
      await tempBundle(bundleFiles(await layersNet({ batch: 1 }))),
      await tempBundle(bundleFiles(graphNet())),
      await tempBundle(bundleFiles(graphNet({ controlFlow: true }))),
    ];
    const n = 6;
    const x = sampleImages(n, 42);
    const onCpu = await runOn('cpu', dirs, x, n);
    const onWasm = await runOn('wasm', dirs, x, n);
    const expected = referenceForward(x, n);
    onCpu.forEach((cpu, i) => {
      expect(maxAbsDiff(onWasm[i], cpu), `model ${i}`).toBeLessThan(1e-4);
      expect(maxAbsDiff(onWasm[i], expected), `model ${i}`).toBeLessThan(1e-4);
    });
  });

  it('refuses an unknown backend name and a forced tensorflow backend that is not installed', async () => {
    const dir = await tempBundle(bundleFiles(graphNet()));
    const bad = await (await freshDoor('webgpu')).loadModel(dir, 'cnn/model.json').catch((e: unknown) => e);
    expect(codeOf(bad), String(bad)).toBe('invalid_argument');
    expect((bad as Error).message).toContain('cpu, wasm or tensorflow');
    if (installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu')) return;
    const tfNode = await (await freshDoor('tensorflow'))
      .loadModel(dir, 'cnn/model.json')
      .catch((e: unknown) => e);
    expect(codeOf(tfNode), String(tfNode)).toBe('runtime_unavailable');
    expect((tfNode as Error).message).toContain('cnn/model.json');
  });

  it('picks tfjs-node where installed, else wasm, without the override', async () => {
    const door = await freshDoor('');
    const model = await door.loadModel(await tempBundle(bundleFiles(graphNet())), 'cnn/model.json');
    const native = installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu');
    expect(model.runtime.backend).toBe(native ? 'tensorflow' : 'wasm');
    const x = sampleImages(2, 3);
    expect(
      maxAbsDiff((await model.run({ data: x, dims: [2, 4, 4, 1] })).data, referenceForward(x, 2)),
    ).toBeLessThan(1e-4);
    await model.dispose();
  });
});
