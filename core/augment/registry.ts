// The transform registry (timm-style): kinds by name, duplicates refused, `createTransform` and the config schema.
import { z } from 'zod';
import { formatIssues, type Issue, SketchboardError } from '../errors.js';
import { Registry } from '../registry.js';
import { BUILTIN_TRANSFORMS, type BuiltinTransformInput, type TransformEntry } from './builtins.js';
import { defineTransform, type Transform, type TransformSpec } from './transform.js';

/** Transform kinds by name, listed in registration order (built-ins first); camelCase names allowed. */
const registry = new Registry<TransformEntry>('transform kind', {
  name: { pattern: /^[a-zA-Z][a-zA-Z0-9_-]*$/, rule: 'a letter then letters, digits, "_" or "-"' },
  order: 'registration',
});

/**
 * Add a transform kind. Throws `invalid_argument` when the kind is already registered, built-ins included.
 *
 * @example
 * registerTransform(defineTransformKind('invert', invertSchema, () => invertInto));
 */
export function registerTransform(entry: TransformEntry): void {
  registry.register(entry.kind, entry);
}

for (const entry of BUILTIN_TRANSFORMS) registerTransform(entry);

/** The registered kinds, in registration order (built-ins first). */
export function transformKinds(): string[] {
  return registry.names();
}

function resolve(
  raw: unknown,
): { spec: TransformSpec; transform: () => Transform } | { issues: readonly Issue[] } {
  const kind = typeof raw === 'object' && raw !== null && 'kind' in raw ? raw.kind : undefined;
  const entry = typeof kind === 'string' ? registry.find(kind) : undefined;
  if (!entry) {
    const message = kind === undefined ? 'a transform needs a "kind"' : registry.unknown(kind);
    return { issues: [{ path: ['kind'], message }] };
  }
  const parsed = entry.parse(raw);
  if (!parsed.success) return { issues: parsed.issues };
  return { spec: parsed.spec, transform: () => defineTransform(parsed.spec, parsed.build()) };
}

/**
 * Build a transform from its spec: `kind`, probability `p` (default 0.5) and the kind's options.
 * Throws `invalid_argument` for an unknown kind or invalid options. Every call returns a fresh
 * transform with its own scratch buffers.
 *
 * @example
 * const t = createTransform({ kind: 'rotate', degrees: 10, p: 0.5 });
 * const out = t.apply({ data, dims: [64, 64, 1] }, 42);
 */
export function createTransform(spec: BuiltinTransformInput): Transform;
export function createTransform(spec: { kind: string; p?: number; [option: string]: unknown }): Transform;
export function createTransform(spec: unknown): Transform {
  const r = resolve(spec);
  if ('issues' in r) {
    throw new SketchboardError('invalid_argument', `invalid transform: ${formatIssues(r.issues)}`);
  }
  return r.transform();
}

/**
 * Zod schema of one transform in a config file: checks the kind against the registry (at parse time,
 * so registered kinds count) and the options against that kind's schema; outputs the spec with
 * defaults filled in.
 *
 * @example
 * transformSpecSchema.parse({ kind: 'hflip' }); // { kind: 'hflip', p: 0.5 }
 */
export const transformSpecSchema: z.ZodType<TransformSpec> = z.unknown().transform((raw, ctx) => {
  const r = resolve(raw);
  if ('issues' in r) {
    for (const issue of r.issues)
      ctx.addIssue({ code: 'custom', message: issue.message, path: [...issue.path] });
    return z.NEVER;
  }
  return r.spec;
});
