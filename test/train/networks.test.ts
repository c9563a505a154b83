// CNNs from createCnn: inference equals toLayersModel and its ONNX export; weights round trip; refusals.
import { describe, expect, it } from 'vitest';
import { type CnnOptions, cnns, createCnn } from '../../core/train/cnn.js';
import { maxAbs, maxAbsDiff } from './grad-helpers.js';
import { forwardHost, predictHost, randomizeNetwork, runOnnx, sampleInput } from './net-helpers.js';

const RESNET: CnnOptions = { width: 4, depth: 2, inputShape: [32, 24, 1], classes: 6, seed: 1 };
const PLAIN: CnnOptions = { arch: 'plain', filters: [4, 6, 8], inputShape: [17, 17, 3], classes: 5, seed: 2 };

describe('createCnn', () => {
  it('builds the ResNet: stem with pool, three stages of basic blocks, projection shortcuts where needed', async () => {
    const net = await createCnn(RESNET);
    const names = net.params().map((p) => p.name);
    expect(names.filter((n) => n.endsWith('conv1.kernel'))).toHaveLength(6); // 3 stages x depth 2
    expect(names.filter((n) => n.endsWith('down.kernel'))).toEqual([
      'stage2.block0.down.kernel',
      'stage3.block0.down.kernel',
    ]);
    expect(net.getWeights().find((w) => w.name === 'fc.weight')?.shape).toEqual([6, 16]); // [classes, width·2²]
    expect(forwardHost(net, sampleInput(net, 2, 3))).toHaveLength(2 * 6);
    net.dispose();
  });

  it.each([
    ['resnet', RESNET],
    ['plain', PLAIN],
  ])('%s: forward (inference), toLayersModel and ONNX agree within 1e-4', async (_, opts) => {
    const net = await createCnn(opts);
    randomizeNetwork(net, 7);
    const x = sampleInput(net, 3, 4);
    const ours = forwardHost(net, x);
    expect(maxAbs(ours)).toBeGreaterThan(0.1);
    const model = net.toLayersModel();
    const scale = Math.max(1, maxAbs(ours));
    expect(maxAbsDiff(predictHost(model, x), ours) / scale).toBeLessThan(1e-4);
    const onnx = await runOnnx(model, x);
    expect(onnx.info.inputDims).toEqual([null, ...net.inputShape]);
    expect(maxAbsDiff(onnx.data, ours) / scale).toBeLessThan(1e-4);
    model.dispose();
    net.dispose();
  });

  it('getWeights / setWeights carry a network over exactly, moving statistics included', async () => {
    const a = await createCnn(RESNET);
    randomizeNetwork(a, 11);
    const b = await createCnn({ ...RESNET, seed: 99 });
    const x = sampleInput(a, 2, 5);
    expect(maxAbsDiff(forwardHost(a, x), forwardHost(b, x))).toBeGreaterThan(1e-3);
    const saved = a.getWeights();
    expect(saved.some((w) => w.name === 'stem.bn.moving_variance')).toBe(true);
    b.setWeights(saved);
    expect(forwardHost(b, x)).toEqual(forwardHost(a, x));
    a.dispose();
    b.dispose();
  });

  it('setWeights refuses a missing, unknown or resized weight and changes nothing', async () => {
    const net = await createCnn(RESNET);
    const before = net.getWeights();
    const without = before.filter((w) => w.name !== 'fc.bias');
    expect(() => net.setWeights(without)).toThrow(/weight "fc.bias" missing/);
    expect(() =>
      net.setWeights([...before, { name: 'extra', shape: [1], data: new Float32Array(1) }]),
    ).toThrow(/unknown weight "extra"/);
    const resized = before.map((w) =>
      w.name === 'fc.weight' ? { ...w, shape: [3, 2], data: new Float32Array(6) } : w,
    );
    expect(() => net.setWeights(resized)).toThrow(/"fc.weight" has shape \[3,2\], expected \[6,16\]/);
    expect(net.getWeights()).toEqual(before);
    net.dispose();
  });

  it('refuses bad options and inputs of the wrong shape; the registry refuses duplicates', async () => {
    await expect(createCnn({ ...RESNET, width: 0 } as CnnOptions)).rejects.toThrow(
      /width must be a positive integer/,
    );
    await expect(createCnn({ arch: 'vgg' })).rejects.toThrow(/unknown cnn "vgg" \(known: plain, resnet\)/);
    expect(() => cnns.register('resnet', cnns.get('plain'))).toThrow(/already registered/);
    const net = await createCnn(PLAIN);
    expect(() => forwardHost(net, { data: new Float32Array(16 * 16 * 3), dims: [1, 16, 16, 3] })).toThrow(
      /input \[1,16,16,3\] does not match \[N, 17,17,3\]/,
    );
    net.dispose();
  });
});
