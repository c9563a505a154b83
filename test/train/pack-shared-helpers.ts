// Helpers of the shared-backbone pack tests: run every output of an ONNX file in onnxruntime, per-fold references, another backbone.
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { exportLayersModel } from '../../core/backends/onnx-export/index.js';
import { createSession, getOrt } from '../../core/backends/onnx-session.js';
import { listLeaves } from '../../core/bundle/manifest.js';
import { stageRuns } from '../../core/train/pack-runs.js';
import { readRun, writeRunInfo } from '../../core/train/run.js';
import { seededRandom, uniform } from '../export/helpers.js';
import { backboneModel } from './pack-runs-fixtures.js';

export const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** One NHWC batch of 3 images for the fixtures' 12×12×3 backbone. */
export const x = uniform(3 * 12 * 12 * 3, seededRandom(17), -1, 1);

/** Every output of an ONNX model file on `x`, by name (a real onnxruntime session, cpu). */
export async function runAll(file: string): Promise<Map<string, Float32Array>> {
  const ort = await getOrt();
  const { session } = await createSession(file, { executionProviders: ['cpu'], threads: 1 });
  try {
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [3, 12, 12, 3]) });
    return new Map(session.outputNames.map((n) => [n, Float32Array.from(out[n].data as Float32Array)]));
  } finally {
    await session.release();
  }
}

/** Gives a head run another backbone (the fixtures' conv → GAP with other weights), recorded in run.json. */
export async function swapBackbone(dir: string, seed: number): Promise<string> {
  const model = backboneModel(seed);
  const bytes = exportLayersModel(model);
  model.dispose();
  await writeFile(path.join(dir, 'backbone.onnx'), bytes);
  const info = await readRun(dir);
  const backbone = info.model.backbone!;
  await writeRunInfo(dir, {
    ...info,
    model: { ...info.model, backbone: { ...backbone, sha256: sha(bytes) } },
  });
  return sha(bytes);
}

/** The per-fold graphs of runs (one backbone + head model per fold), as the bundle path → its only output. */
export async function perFoldOutputs(runs: string[]): Promise<Map<string, Float32Array>> {
  const staged = await stageRuns({ runs, vote: 'soft', shareBackbones: false });
  try {
    const out = new Map<string, Float32Array>();
    for (const leaf of listLeaves(staged.manifest)) {
      const outputs = [...(await runAll(path.join(staged.dir, leaf.model))).values()];
      expect(outputs).toHaveLength(1);
      out.set(leaf.model, outputs[0]);
    }
    return out;
  } finally {
    await staged.dispose();
  }
}

export const close = (got: Float32Array | undefined, want: Float32Array | undefined) => {
  expect(got?.length).toBe(want?.length ?? -1);
  for (let i = 0; i < (want?.length ?? 0); i++) expect(Math.abs(got![i] - want![i])).toBeLessThan(1e-5);
};
