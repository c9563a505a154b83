// The training door: trainable networks, the learner, and the custom-gradient ops they are made of.
export {
  buildLinearHead,
  buildMlp3Head,
  buildPlainCnn,
  buildResNet,
  type HeadOptions,
  type PlainCnnOptions,
  type ResNetOptions,
} from './architectures.js';
export { BasicBlock, convBnRelu, Sequence } from './blocks.js';
export { axisGeometry, conv2d, convFilterGrad, convInputGrad, im2colT, type Padding } from './conv.js';
export { customOp } from './custom.js';
export { denseOp } from './dense.js';
export { BatchNorm, Conv2d, Dense, Fixed, type Layer, type Param } from './layers.js';
export { Learner, type LearnerOptions, type StepResult } from './learner.js';
export { logSoftmax, softmaxCrossEntropy } from './loss.js';
export { type ModelOutput, type NamedWeight, Network } from './network.js';
export { affine, batchNormInfer, batchNormTrain, channelMeans } from './norm.js';
export { avgPool, globalAvgPool, maxPool } from './pool.js';
