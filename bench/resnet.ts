// A ResNet-18-shaped CNN built in TF.js with random weights: a realistic inference cost for benchmarks.
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs';
import { getTf } from '../core/backends/tfjs.js';

/**
 * ResNet-18 layout (He et al. 2016): conv 7×7/2 64 + BN + ReLU + max-pool 3×3/2, four stages of two
 * basic blocks (64, 128, 256, 512 filters, stride 2 and a 1×1 projection where the shape changes),
 * global average pooling, dense logits. Input NHWC [size, size, 3]. About 11.2 M parameters and
 * 1.8 GMAC per 224×224 image, like the original. Weights are random (seeded), BN at its initial
 * statistics: the cost is real, the answers are not.
 *
 * @example
 * const model = await resnet18({ size: 224, classes: 50 });
 */
export async function resnet18(opts: { size: number; classes: number; seed?: number }): Promise<LayersModel> {
  const { tf } = await getTf();
  let seed = opts.seed ?? 1;
  const init = () => tf.initializers.heNormal({ seed: seed++ });
  const conv = (x: SymbolicTensor, filters: number, kernel: number, stride: number) =>
    tf.layers
      .conv2d({
        filters,
        kernelSize: kernel,
        strides: stride,
        padding: 'same',
        useBias: false,
        kernelInitializer: init(),
      })
      .apply(x) as SymbolicTensor;
  const bn = (x: SymbolicTensor) => tf.layers.batchNormalization({ axis: 3 }).apply(x) as SymbolicTensor;
  const relu = (x: SymbolicTensor) => tf.layers.reLU().apply(x) as SymbolicTensor;

  const input = tf.input({ shape: [opts.size, opts.size, 3] });
  let x = relu(bn(conv(input, 64, 7, 2)));
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as SymbolicTensor;
  let channels = 64;
  for (const [stage, filters] of [64, 128, 256, 512].entries()) {
    for (let block = 0; block < 2; block++) {
      const stride = stage > 0 && block === 0 ? 2 : 1;
      const y = bn(conv(relu(bn(conv(x, filters, 3, stride))), filters, 3, 1));
      const shortcut = stride !== 1 || channels !== filters ? bn(conv(x, filters, 1, stride)) : x;
      x = relu(tf.layers.add().apply([y, shortcut]) as SymbolicTensor);
      channels = filters;
    }
  }
  x = tf.layers.globalAveragePooling2d({}).apply(x) as SymbolicTensor;
  // Small head weights keep random logits moderate (they are soft-maxed, and must stay finite).
  const logits = tf.layers
    .dense({
      units: opts.classes,
      kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.01, seed }),
    })
    .apply(x) as SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'resnet18_random' });
}
