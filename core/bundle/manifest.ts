// The model-bundle manifest (a public contract, see DESIGN.md): zod schema, types and tree helpers.
import { z } from 'zod';
import { formatIssues, SketchboardError } from '../errors.js';

/** Name of the manifest file at the root of every bundle. */
export const MANIFEST_FILE = 'manifest.json';

/**
 * A path inside the bundle: relative, forward slashes, no `..`, no drive letters, no control characters.
 * Used for model files named by the manifest.
 */
export const bundlePath = z
  .string()
  .min(1)
  .max(255)
  .refine((p) => isSafeRelativePath(p), {
    message:
      'must be a relative path inside the bundle (forward slashes, no "..", no absolute or drive paths)',
  });

/** True for `a/b.onnx`; false for `/a`, `../a`, `a\\b`, `C:x`, `a//b`, `./a`, names with control chars. */
export function isSafeRelativePath(p: string): boolean {
  if (p.length === 0 || p.length > 255) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f\\:]/.test(p)) return false;
  if (p.startsWith('/')) return false;
  return p.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

const channelsSchema = z.union([z.literal(1), z.literal(3)]);
const sizeSchema = z.tuple([z.number().int().min(1).max(4096), z.number().int().min(1).max(4096)]);

/** Input spec fields. `size` is [height, width]. Pixels are scaled to [0,1] before mean/std. */
const inputFields = {
  size: sizeSchema,
  channels: channelsSchema,
  layout: z.enum(['NCHW', 'NHWC']),
  resize: z.enum(['stretch', 'letterbox']),
  mean: z.array(z.number()).min(1).max(3),
  std: z.array(z.number().positive()).min(1).max(3),
};

/** Defaults for the optional top-level input fields (the one place they live); mean/std per channel. */
export const INPUT_DEFAULTS = { layout: 'NCHW', resize: 'stretch', mean: 0, std: 1 } as const;

const topInputSchema = z
  .strictObject({
    size: inputFields.size,
    channels: inputFields.channels,
    layout: inputFields.layout.default(INPUT_DEFAULTS.layout),
    resize: inputFields.resize.default(INPUT_DEFAULTS.resize),
    mean: inputFields.mean.optional(),
    std: inputFields.std.optional(),
  })
  .transform((v) => ({
    ...v,
    mean: v.mean ?? new Array<number>(v.channels).fill(INPUT_DEFAULTS.mean),
    std: v.std ?? new Array<number>(v.channels).fill(INPUT_DEFAULTS.std),
  }));

/** ImageNet's per-channel mean and std (torchvision's), what most pretrained backbones expect. */
export const IMAGENET_NORM = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/**
 * An input spec with the bundle format's defaults for the fields `spec` leaves out: what a manifest's top-level
 * `input` with these fields parses to.
 * @example
 * inputSpec({ size: [224, 224], channels: 3, layout: 'NHWC', ...IMAGENET_NORM })
 */
export function inputSpec(spec: z.input<typeof topInputSchema>): InputSpec {
  return topInputSchema.parse(spec);
}

const partialInputSchema = z.strictObject({
  size: inputFields.size.optional(),
  channels: inputFields.channels.optional(),
  layout: inputFields.layout.optional(),
  resize: inputFields.resize.optional(),
  mean: inputFields.mean.optional(),
  std: inputFields.std.optional(),
});

export type InputSpec = {
  size: [number, number];
  channels: 1 | 3;
  layout: 'NCHW' | 'NHWC';
  resize: 'stretch' | 'letterbox';
  mean: number[];
  std: number[];
};
export type PartialInputSpec = z.infer<typeof partialInputSchema>;

export type LeafNode = { model: string; outputName?: string; weight?: number; input?: PartialInputSpec };
export type VoteNode = { vote: 'soft' | 'hard'; members: EnsembleNode[]; weight?: number };
export type EnsembleNode = LeafNode | VoteNode;

const weightSchema = z.number().positive().finite();

const leafSchema = z.strictObject({
  model: bundlePath.refine((p) => modelFormatOf(p) !== null, {
    message: 'model file must end in .onnx (ONNX) or .json (TF.js model.json)',
  }),
  /** One named output of a multi-output model (a shared backbone's fold head); default its only output. */
  outputName: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[\x21-\x7e]+$/, 'output names are printable ASCII without spaces')
    .optional(),
  weight: weightSchema.optional(),
  input: partialInputSchema.optional(),
});

const nodeSchema: z.ZodType<EnsembleNode> = z.lazy(() =>
  z.union([
    leafSchema,
    z.strictObject({
      vote: z.enum(['soft', 'hard']),
      members: z.array(nodeSchema).min(1).max(256),
      weight: weightSchema.optional(),
    }),
  ]),
);

export const manifestSchema = z.strictObject({
  version: z.literal(1),
  name: z.string().min(1).max(200),
  classes: z.number().int().min(2).max(100_000),
  input: topInputSchema,
  output: z.enum(['logits', 'probabilities']),
  tta: z
    .array(z.enum(['hflip', 'vflip']))
    .max(2)
    .optional(),
  ensemble: nodeSchema,
});

export type Manifest = z.output<typeof manifestSchema>;

/**
 * A leaf with its resolved input spec and its position in the tree ("0.1" = members[0].members[1]);
 * `outputName` when the leaf reads one named output of a multi-output model.
 */
export type ResolvedLeaf = {
  id: string;
  model: string;
  outputName?: string;
  weight: number;
  input: InputSpec;
};

export function isLeaf(node: EnsembleNode): node is LeafNode {
  return 'model' in node;
}

/** 'onnx' for *.onnx, 'tfjs' for *.json, else null. */
export function modelFormatOf(path: string): 'onnx' | 'tfjs' | null {
  const lower = path.toLowerCase();
  if (lower.endsWith('.onnx')) return 'onnx';
  if (lower.endsWith('.json')) return 'tfjs';
  return null;
}

/** Merge a leaf's partial input over the top-level spec. */
export function resolveInput(top: InputSpec, override?: PartialInputSpec): InputSpec {
  const merged: InputSpec = { ...top, ...(override ?? {}) } as InputSpec;
  // A leaf that changes channels without giving mean/std gets neutral ones of the right length.
  if (override?.channels !== undefined && override.channels !== top.channels) {
    if (!override.mean) merged.mean = new Array<number>(merged.channels).fill(INPUT_DEFAULTS.mean);
    if (!override.std) merged.std = new Array<number>(merged.channels).fill(INPUT_DEFAULTS.std);
  }
  return merged;
}

/** Stable key of an input spec: leaves with equal keys share one preprocessed tensor. */
export function inputKey(spec: InputSpec): string {
  return JSON.stringify([spec.size, spec.channels, spec.layout, spec.resize, spec.mean, spec.std]);
}

/** All leaves of the tree in depth-first order, each with resolved input and weight (default 1). */
export function listLeaves(manifest: Manifest): ResolvedLeaf[] {
  const out: ResolvedLeaf[] = [];
  const walk = (node: EnsembleNode, id: string) => {
    if (isLeaf(node)) {
      out.push({
        id,
        model: node.model,
        ...(node.outputName === undefined ? {} : { outputName: node.outputName }),
        weight: node.weight ?? 1,
        input: resolveInput(manifest.input, node.input),
      });
      return;
    }
    node.members.forEach((m, i) => {
      walk(m, id === '' ? String(i) : `${id}.${i}`);
    });
  };
  walk(manifest.ensemble, '');
  return out;
}

/**
 * Parse and validate a manifest object. Throws SketchboardError('invalid_manifest') listing every
 * problem with its JSON path.
 *
 * @example
 * const m = parseManifest(JSON.parse(await readFile('manifest.json', 'utf8')));
 */
export function parseManifest(raw: unknown): Manifest {
  const result = manifestSchema.safeParse(raw);
  if (!result.success) {
    throw new SketchboardError(
      'invalid_manifest',
      `manifest.json is invalid: ${formatIssues(result.error.issues)}`,
    );
  }
  const manifest = result.data;
  for (const leaf of listLeaves(manifest)) {
    const { channels, mean, std } = leaf.input;
    if (mean.length !== channels || std.length !== channels) {
      throw new SketchboardError(
        'invalid_manifest',
        `manifest.json is invalid: model ${leaf.model}: mean and std need ${channels} value(s), one per channel`,
      );
    }
  }
  return manifest;
}
