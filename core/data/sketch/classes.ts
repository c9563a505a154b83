// The registry of sketch classes: names in target order and their drawers; duplicate names are refused.
import { SketchboardError } from '../../errors.js';
import { ANIMAL_CLASSES } from './classes-animals.js';
import { HOME_CLASSES } from './classes-home.js';
import { NATURE_CLASSES } from './classes-nature.js';
import { THING_CLASSES } from './classes-things.js';
import type { SketchClass } from './sketch-class.js';

function register(groups: SketchClass[][]): readonly SketchClass[] {
  const seen = new Set<string>();
  const all: SketchClass[] = [];
  for (const group of groups) {
    for (const cls of group) {
      if (seen.has(cls.name)) throw new SketchboardError('internal', `duplicate sketch class "${cls.name}"`);
      seen.add(cls.name);
      all.push(cls);
    }
  }
  return Object.freeze(all);
}

/**
 * Classes interleaved by group so that the first N classes of a small set are varied.
 * The order is part of the data format: target i of a generated set is SKETCH_CLASSES[i].
 */
function interleave(groups: SketchClass[][]): SketchClass[] {
  const out: SketchClass[] = [];
  const longest = Math.max(...groups.map((g) => g.length));
  for (let k = 0; k < longest; k++) for (const g of groups) if (k < g.length) out.push(g[k]);
  return out;
}

/** Every sketch class with its drawer, in target order. */
export const SKETCH_CLASS_DEFS: readonly SketchClass[] = register([
  interleave([HOME_CLASSES, NATURE_CLASSES, ANIMAL_CLASSES, THING_CLASSES]),
]);

/**
 * The names of all sketch classes, in target order.
 *
 * @example
 * SKETCH_CLASSES.slice(0, 3); // ['house', 'tree', 'fish']
 */
export const SKETCH_CLASSES: readonly string[] = Object.freeze(SKETCH_CLASS_DEFS.map((c) => c.name));
