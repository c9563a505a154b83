// Shared argument parsing for CLI commands: node's parseArgs with typed usage errors.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { SketchboardError } from '../errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** A CLI command. `run` returns the process exit code. */
export type Command = {
  name: string;
  summary: string;
  /** Usage lines shown by `sketchboard help NAME` and on a usage error. */
  usage: string;
  run(argv: string[]): Promise<number>;
};

/** Thrown for bad CLI input: printed with the command's usage, exit code 2, no stack trace. */
export class UsageError extends SketchboardError {
  constructor(message: string) {
    super('invalid_argument', message);
    this.name = 'UsageError';
  }
}

/**
 * Parse argv against an option spec; unknown flags and missing values become UsageErrors.
 *
 * @example
 * const { values, positionals } = parse(argv, { out: { type: 'string' } });
 */
export function parse<T extends OptionSpec>(argv: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(
      err instanceof Error ? err.message.replace(/^TypeError \[[A-Z_]+\]: /, '') : String(err),
    );
  }
}

/** A required string flag. */
export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing required option --${flag}`);
  return value;
}

/** An integer flag within [min, max], or the default when absent. */
export function intOption(value: string | undefined, flag: string, def: number, min = 0, max = 1e9): number {
  if (value === undefined) return def;
  if (!/^-?\d+$/.test(value)) throw new UsageError(`--${flag} must be an integer, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`--${flag} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** A number flag within [min, max], or the default when absent. */
export function numberOption(
  value: string | undefined,
  flag: string,
  def: number,
  min = -1e12,
  max = 1e12,
): number {
  if (value === undefined) return def;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new UsageError(`--${flag} must be a number, got "${value}"`);
  if (n < min || n > max) throw new UsageError(`--${flag} must be between ${min} and ${max}, got ${n}`);
  return n;
}
