// A name → factory registry that refuses duplicate names (timm's create_* style), shared by every variant family.
import { SketchboardError } from '../errors.js';

/**
 * Named variants of one family (schedulers, optimizers, heads, CNNs). Registering a name twice is an
 * error, so a plugin cannot silently replace a built-in.
 *
 * @example
 * const heads = new Registry<(d: number) => string>('head');
 * heads.register('linear', (d) => `Linear(${d})`);
 * heads.get('linear')(8); // 'Linear(8)'
 * heads.get('conv'); // throws: unknown head "conv" (known: linear)
 */
export class Registry<T> {
  private readonly entries = new Map<string, T>();

  constructor(readonly family: string) {}

  register(name: string, entry: T): void {
    if (!/^[a-z][a-z0-9_-]*$/.test(name)) {
      throw new SketchboardError(
        'invalid_argument',
        `${this.family} name "${name}" must be lower-case [a-z0-9_-]`,
      );
    }
    if (this.entries.has(name)) {
      throw new SketchboardError('invalid_argument', `${this.family} "${name}" is already registered`);
    }
    this.entries.set(name, entry);
  }

  get(name: string): T {
    const entry = this.entries.get(name);
    if (entry === undefined) {
      throw new SketchboardError(
        'invalid_argument',
        `unknown ${this.family} "${name}" (known: ${this.names().join(', ')})`,
      );
    }
    return entry;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.entries.keys()].sort();
  }
}
