// Public door of core/augment: tf-free image augmentation (flips, rotation, elastic, grid distortion) and curricula.
export {
  BUILTIN_TRANSFORMS,
  type BuiltinTransformInput,
  type BuiltinTransformSpec,
  DEFAULT_P,
  defineTransformKind,
  TRANSFORM_DEFAULTS,
  type TransformEntry,
} from './builtins.js';
export { compose } from './compose.js';
export {
  type Curriculum,
  createCurriculum,
  curriculumFromConfig,
  curriculumPreset,
  type EpochAugmentation,
} from './curriculum.js';
export {
  CURRICULUM_PRESETS,
  type CurriculumInput,
  type CurriculumPresetName,
  type CurriculumStage,
  curriculumConfigSchema,
  curriculumSchema,
  DEFAULT_CURRICULUM_PRESET,
  DEFAULT_STAGE_LR_FACTOR,
} from './curriculum-schema.js';
export { createTransform, registerTransform, transformKinds, transformSpecSchema } from './registry.js';
export { hflipInto, rotateInto, vflipInto } from './sampling.js';
export {
  defineTransform,
  imageLayout,
  type Kernel,
  Rng,
  type SampleShape,
  sampleRng,
  type Tensor,
  type Transform,
  type TransformSpec,
  WHITE,
} from './transform.js';
