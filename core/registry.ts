// A name → entry registry that refuses duplicate names (timm's create_* style), shared by every variant family.
import { SketchboardError } from './errors.js';

/** How a family names its variants and lists them. */
export type RegistryOptions = {
  /** A valid name, and how to say so in the error (default: lower-case `[a-z0-9_-]`). */
  readonly name?: { readonly pattern: RegExp; readonly rule: string };
  /** `names()` order: 'sorted' (default) or 'registration' (built-ins first). */
  readonly order?: 'sorted' | 'registration';
};

const LOWER_CASE = { pattern: /^[a-z][a-z0-9_-]*$/, rule: 'lower-case [a-z0-9_-]' };

/**
 * Named variants of one family (transforms, schedulers, optimizers, heads, CNNs). Registering a name
 * twice is an error, so a plugin cannot silently replace a built-in.
 *
 * @example
 * const heads = new Registry<(d: number) => string>('head');
 * heads.register('linear', (d) => `Linear(${d})`);
 * heads.get('linear')(8); // 'Linear(8)'
 * heads.get('conv'); // throws: unknown head "conv" (known: linear)
 */
export class Registry<T> {
  private readonly entries = new Map<string, T>();
  private readonly name: { readonly pattern: RegExp; readonly rule: string };
  private readonly sorted: boolean;

  constructor(
    readonly family: string,
    options: RegistryOptions = {},
  ) {
    this.name = options.name ?? LOWER_CASE;
    this.sorted = (options.order ?? 'sorted') === 'sorted';
  }

  register(name: string, entry: T): void {
    if (!this.name.pattern.test(name)) {
      throw new SketchboardError(
        'invalid_argument',
        `${this.family} name "${name}" must be ${this.name.rule}`,
      );
    }
    if (this.entries.has(name)) {
      throw new SketchboardError('invalid_argument', `${this.family} "${name}" is already registered`);
    }
    this.entries.set(name, entry);
  }

  /** The entry named `name`; throws `invalid_argument` listing the known names when there is none. */
  get(name: string): T {
    const entry = this.find(name);
    if (entry === undefined) throw new SketchboardError('invalid_argument', this.unknown(name));
    return entry;
  }

  /** The entry named `name`, or undefined. */
  find(name: string): T | undefined {
    return this.entries.get(name);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The message for a name that is not registered: `unknown <family> "<name>" (known: …)`. */
  unknown(name: unknown): string {
    return `unknown ${this.family} ${JSON.stringify(name)} (known: ${this.names().join(', ')})`;
  }

  /** Registered names, sorted or in registration order (see RegistryOptions). */
  names(): string[] {
    const names = [...this.entries.keys()];
    return this.sorted ? names.sort() : names;
  }
}
