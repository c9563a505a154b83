// The interface every ML runtime presents to the rest of the code; runtimes themselves stay in core/backends/.

/** What ran a model: recorded with every score. */
export type RuntimeStamp = {
  /** 'onnxruntime' or 'tfjs'. */
  runtime: 'onnxruntime' | 'tfjs';
  /** ONNX: execution provider actually used ('cuda' | 'cpu'); TF.js: backend name ('tensorflow' | 'wasm' | 'cpu'). */
  backend: string;
  /** Library version, e.g. onnxruntime-node 1.30.0 or @tensorflow/tfjs-core 4.22.0. */
  version: string;
};

/** A dense float32 tensor. */
export type Tensor = { data: Float32Array; dims: number[] };

/** A loaded model, ready to run on a batch. */
export interface LoadedModel {
  readonly format: 'onnx' | 'tfjs';
  /** Declared input dims, null where dynamic (e.g. [null, 3, 224, 224]). */
  readonly inputDims: (number | null)[];
  /** Declared dims of the first output when known, null where dynamic or unknown. */
  readonly outputDims: (number | null)[] | null;
  /**
   * The model's output names, in the model's order: ONNX graph outputs, a TF.js LayersModel's output
   * layer names, a TF.js GraphModel's output nodes (signature keys where the model.json has them).
   * A manifest leaf's `outputName` is one of these.
   */
  readonly outputNames: readonly string[];
  readonly runtime: RuntimeStamp;
  /**
   * Run a batch. `input.dims[0]` may be any N >= 1: a model with a fixed batch dimension is fed in
   * chunks of that size (the last chunk padded) and the result trimmed back to N rows.
   * Returns the model's first output as given, e.g. [N, classes].
   */
  run(input: Tensor): Promise<Tensor>;
  /**
   * Run a batch ONCE (batched like `run`) and return each of `names` (distinct entries of `outputNames`)
   * keyed by name, each [N, ...]: the way to read several heads of one backbone for the price of one pass.
   * An unknown or non-float output is refused (SketchboardError 'invalid_model') before anything runs.
   */
  runOutputs(input: Tensor, names: readonly string[]): Promise<Map<string, Tensor>>;
  dispose(): Promise<void>;
}

/** Options fixed by the server or CLI, never by a manifest. */
export type LoadOptions = {
  /** ONNX execution providers to try in order. Default: ['cuda', 'cpu'] (cuda only if the build has it). */
  executionProviders?: ('cuda' | 'cpu')[];
  /** Intra-op threads for ONNX. Default: number of CPU cores. */
  threads?: number;
};
