// A trainable network: forward pass, named weights as plain arrays, and an equivalent tf.LayersModel for export.
import * as tf from '@tensorflow/tfjs';
import { SketchboardError } from '../../errors.js';
import type { Layer, Param } from './layers.js';

/** One weight as plain data, for checkpoints. */
export type NamedWeight = { name: string; shape: number[]; data: Float32Array };

/** What toLayersModel ends with: raw class scores, or a softmax layer over them. */
export type ModelOutput = 'logits' | 'probabilities';

/**
 * A classifier made of our trainable layers. `forward` returns logits [N, classes]; inputs are NHWC images
 * [N, H, W, C] for CNNs and feature rows [N, d] for heads.
 *
 * @example
 * const logits = net.forward(x, false);
 * const model = net.toLayersModel(); // ends in logits: manifest "output": "logits"
 */
export class Network {
  /** Bumped by every setWeights: lets a learner know its host copy of the parameters is stale. */
  private weightsVersion = 0;

  constructor(
    readonly name: string,
    private readonly body: Layer,
    /** Per-sample input shape: [H, W, C] or [d]. */
    readonly inputShape: number[],
    readonly classes: number,
  ) {}

  /** Trainable variables, in a fixed order. */
  params(): Param[] {
    return this.body.params();
  }

  /** Non-trainable state (BatchNorm moving statistics). */
  buffers(): Param[] {
    return this.body.buffers();
  }

  /** Logits [N, classes]. `training` selects batch statistics (and updates moving averages) in BatchNorm. */
  forward(x: tf.Tensor, training: boolean): tf.Tensor2D {
    const want = this.inputShape.join(',');
    if (x.shape.slice(1).join(',') !== want) {
      throw new SketchboardError(
        'invalid_argument',
        `${this.name}: input [${x.shape}] does not match [N, ${want}]`,
      );
    }
    return this.body.forward(x, training) as tf.Tensor2D;
  }

  /**
   * An equivalent tf.LayersModel (Conv2D, BatchNormalization, ReLU, pooling, Add, Dense) with copies of the
   * current weights, for exportLayersModel and TF.js model.json bundles. Its outputs equal
   * forward(x, false) — logits by default, or a final Softmax layer with `output: 'probabilities'`.
   * The caller disposes the model.
   *
   * @example
   * const model = net.toLayersModel({ output: 'probabilities' });
   * const onnx = exportLayersModel(model);
   * model.dispose();
   */
  toLayersModel(opts: { output?: ModelOutput } = {}): tf.LayersModel {
    const input = tf.input({ shape: this.inputShape, name: 'input' });
    let out = this.body.toKeras(input);
    if (opts.output === 'probabilities') {
      out = tf.layers.softmax({ name: 'probabilities' }).apply(out) as tf.SymbolicTensor;
    }
    return tf.model({ inputs: input, outputs: out, name: this.name });
  }

  /** Every weight (params, then buffers) as named Float32Arrays, copied out of the backend. */
  getWeights(): NamedWeight[] {
    return [...this.params(), ...this.buffers()].map(({ name, variable }) => ({
      name,
      shape: variable.shape.slice(),
      data: Float32Array.from(variable.dataSync() as Float32Array),
    }));
  }

  /**
   * Loads weights saved by getWeights. Every weight must be present with the same shape; names not in
   * this network are refused (SketchboardError 'invalid_model').
   */
  setWeights(weights: NamedWeight[]): void {
    const byName = new Map(weights.map((w) => [w.name, w]));
    const own = [...this.params(), ...this.buffers()];
    const known = new Set(own.map((p) => p.name));
    const extra = weights.find((w) => !known.has(w.name));
    if (extra) throw new SketchboardError('invalid_model', `${this.name}: unknown weight "${extra.name}"`);
    for (const { name, variable } of own) {
      const w = byName.get(name);
      if (!w) throw new SketchboardError('invalid_model', `${this.name}: weight "${name}" missing`);
      const size = variable.shape.reduce((a, b) => a * b, 1);
      if (w.shape.join(',') !== variable.shape.join(',') || w.data.length !== size) {
        throw new SketchboardError(
          'invalid_model',
          `${this.name}: weight "${name}" has shape [${w.shape}], expected [${variable.shape}]`,
        );
      }
    }
    for (const { name, variable } of own) {
      const w = byName.get(name) as NamedWeight;
      tf.tidy(() => variable.assign(tf.tensor(w.data, variable.shape)));
    }
    this.weightsVersion++;
  }

  /** Changes whenever setWeights loads new values. */
  get version(): number {
    return this.weightsVersion;
  }

  /** Number of trainable values. */
  paramCount(): number {
    return this.params().reduce((sum, p) => sum + p.variable.size, 0);
  }

  dispose(): void {
    this.body.dispose();
  }
}
