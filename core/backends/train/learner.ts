// One network + optimiser + loss behind a tf-free interface: train steps and predictions on host arrays.
import * as tf from '@tensorflow/tfjs';
import { SketchboardError } from '../../errors.js';
import { getTf, type TfBackendName } from '../tfjs.js';
import type { Tensor as HostTensor } from '../types.js';
import { softmaxCrossEntropy } from './loss.js';
import type { Network } from './network.js';
import { createOptimizer, type Optimizer, type OptimizerConfig, type OptimizerState } from './optim.js';
import { smoothTargets } from './targets.js';

/** Options of a learner. */
export type LearnerOptions = {
  optimizer: OptimizerConfig;
  /** Label smoothing ε of the training loss. Default 0. */
  labelSmoothing?: number;
};

/** Result of one training step on one batch. */
export type StepResult = { loss: number; correct: number; count: number };

function checkBatch(net: Network, x: HostTensor, labels?: ArrayLike<number>): number {
  const n = x.dims[0];
  const size = x.dims.reduce((a, b) => a * b, 1);
  if (x.data.length !== size || x.dims.slice(1).join(',') !== net.inputShape.join(',')) {
    throw new SketchboardError(
      'invalid_argument',
      `${net.name}: batch dims [${x.dims}] (${x.data.length} values) do not match [N, ${net.inputShape}]`,
    );
  }
  if (labels && labels.length !== n) {
    throw new SketchboardError('invalid_argument', `${net.name}: ${labels.length} labels for ${n} samples`);
  }
  return n;
}

/**
 * Trains one network: forward + backward with TF.js, the optimiser update on host arrays (so any LR
 * schedule applies per step and the optimiser state saves as plain arrays). Create with Learner.create,
 * which picks the TF.js backend first.
 *
 * @example
 * const learner = await Learner.create(net, { optimizer: { kind: 'adamw' }, labelSmoothing: 0.1 });
 * const { loss } = learner.trainStep({ data, dims: [64, 1024] }, labels, scheduler.lr(step));
 * const probs = learner.predict({ data: valData, dims: [n, 1024] }); // [n * classes]
 */
export class Learner {
  private host: Float32Array[] | null = null;
  private hostVersion = -1;

  private constructor(
    readonly network: Network,
    readonly optimizer: Optimizer,
    readonly backend: TfBackendName,
    private readonly labelSmoothing: number,
  ) {}

  static async create(network: Network, opts: LearnerOptions): Promise<Learner> {
    const { backend } = await getTf();
    const params = network.params().map((p) => ({
      name: p.name,
      size: p.variable.size,
      decay: p.variable.rank >= 2,
    }));
    return new Learner(network, createOptimizer(opts.optimizer, params), backend, opts.labelSmoothing ?? 0);
  }

  /** One optimisation step on a batch with integer labels; returns the mean loss and correct count. */
  trainStep(x: HostTensor, labels: ArrayLike<number>, lr: number): StepResult {
    const n = checkBatch(this.network, x, labels);
    const params = this.network.params();
    const vars = params.map((p) => p.variable);
    const classes = this.network.classes;
    const targets = smoothTargets(labels, classes, this.labelSmoothing);
    // No tf.tidy around host arrays: tidy walks returned objects key by key, so results are read by hand.
    const xs = tf.tensor(x.data, x.dims);
    const ts = tf.tensor2d(targets, [n, classes]);
    const ls = tf.tensor1d(Int32Array.from(labels), 'int32');
    let correct: tf.Tensor | null = null;
    let lossValue: number;
    let grads: Float32Array[];
    try {
      const result = tf.variableGrads(() => {
        const logits = this.network.forward(xs, true);
        correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), ls), 'int32')));
        return softmaxCrossEntropy(logits, ts);
      }, vars);
      lossValue = result.value.dataSync()[0];
      grads = vars.map((v) => result.grads[v.name].dataSync() as Float32Array);
      tf.dispose([result.value, ...Object.values(result.grads)]);
    } finally {
      tf.dispose([xs, ts, ls]);
    }
    const right = correct as tf.Tensor | null;
    const count = right ? right.dataSync()[0] : 0;
    right?.dispose();
    // Diverged: refuse before the update, so the weights stay as they were (finite).
    if (!Number.isFinite(lossValue)) {
      throw new SketchboardError('model_output', `${this.network.name}: training loss is ${lossValue}`);
    }
    // The optimiser updates a host copy of the parameters, read back only when setWeights replaced them.
    if (!this.host || this.hostVersion !== this.network.version) {
      this.host = vars.map((v) => (v.dataSync() as Float32Array).slice());
      this.hostVersion = this.network.version;
    }
    const values = this.host;
    this.optimizer.step(values, grads, lr);
    tf.tidy(() => {
      vars.forEach((v, i) => {
        v.assign(tf.tensor(values[i], v.shape));
      });
    });
    return { loss: lossValue, correct: count, count: n };
  }

  /** Class probabilities [N * classes] in inference mode (BatchNorm moving statistics). */
  predict(x: HostTensor): Float32Array {
    checkBatch(this.network, x);
    const probs = tf.tidy(() => tf.softmax(this.network.forward(tf.tensor(x.data, x.dims), false)));
    const data = probs.dataSync() as Float32Array;
    probs.dispose();
    return data;
  }

  /** The optimiser state, for checkpoints. */
  optimizerState(): OptimizerState {
    return this.optimizer.state();
  }

  loadOptimizerState(state: OptimizerState): void {
    this.optimizer.load(state);
  }

  dispose(): void {
    this.network.dispose();
  }
}
