// The shape of one sketch class (a name and a drawer), apart from the class lists so they can share it without a cycle.
import type { Pen } from './pen.js';

/** One object class: a snake_case name and a drawer that sketches it with the given pen. */
export type SketchClass = {
  name: string;
  draw(p: Pen): void;
};
