// The public API of core/data: dataset layout loaders, CSV helpers and the synthetic sketch generator.
export { type Competition, loadCompetitionDir, matchLabels } from './competition.js';
export { type CsvRow, type CsvSpec, readCsv, writeCsv } from './csv.js';
export { IMAGE_EXTENSIONS, isImageFile, loadFolderDataset } from './folder.js';
export {
  CLASSES_FILE,
  type GenerateOptions,
  type GenerateResult,
  generateSketchDataset,
  isGeneratedSet,
  MARKER_FILE,
  SKETCH_CLASSES,
  SKETCH_DEFAULTS,
  TEST_META_FILE,
} from './generate.js';
export { mapLimit, safeRelativePath, writeFileAtomic } from './io.js';
export {
  checkImagesExist,
  LAYOUT_FILES,
  type LabelItem,
  type LoadOptions,
  loadTestLabels,
  loadTestSet,
  loadTrainSet,
  type Split,
  type TestItem,
  type TrainItem,
  type TrainSet,
} from './layout.js';
export {
  DEFAULT_SKETCH_SIZE,
  type RenderOptions,
  renderSketch,
  sketchSvg,
  transformToSvg,
} from './sketch/render.js';
