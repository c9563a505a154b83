// Typed errors for everything in core/: one class, a small set of codes, always with a readable message.

/** Stable error codes. functions/ maps them to HTTP statuses in one place. */
export type ErrorCode =
  | 'invalid_argument' // bad CLI flag or option value
  | 'invalid_data' // dataset layout problem: missing image, bad column, bad target, duplicate ID
  | 'invalid_manifest' // bundle manifest fails the schema or names a missing file
  | 'unsafe_archive' // zip refused: traversal, symlink, bomb, encryption, too many entries
  | 'invalid_model' // a model file cannot be loaded or has the wrong input/output shape
  | 'model_output' // a model produced NaN/Inf or a wrong-shaped output at run time
  | 'runtime_unavailable' // no usable ML runtime/backend for a model
  | 'not_found'
  | 'internal';

/**
 * The one error type thrown by core/. `code` is stable, `message` is for people, `cause` keeps the
 * underlying error for logs.
 *
 * @example
 * throw new SketchboardError('invalid_data', `train.csv line 4: target "x" is not an integer`);
 */
export class SketchboardError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SketchboardError';
    this.code = code;
  }
}

/** True when `err` is a SketchboardError, optionally with the given code. */
export function isSketchboardError(err: unknown, code?: ErrorCode): err is SketchboardError {
  return err instanceof SketchboardError && (code === undefined || err.code === code);
}

/** A message for any thrown value, without a stack trace. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** A validation problem as zod reports it: where (a path) and what. */
export type Issue = { readonly path: readonly PropertyKey[]; readonly message: string };

/**
 * The project's one format for validation problems (zod issues): `path: message` joined by `; `, the
 * path dotted (`ensemble.members.0.model`), `root` naming an empty path (`separator` for one per line). Every parser of user input
 * (manifests, configs, request bodies, the environment) reports through it.
 *
 * @example
 * const r = schema.safeParse(raw);
 * if (!r.success) throw new SketchboardError('invalid_argument', `config: ${formatIssues(r.error.issues)}`);
 */
export function formatIssues(issues: readonly Issue[], root = '(root)', separator = '; '): string {
  return issues.map((i) => `${i.path.map(String).join('.') || root}: ${i.message}`).join(separator);
}
