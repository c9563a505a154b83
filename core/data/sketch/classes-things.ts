// Sketch classes, part 4: vehicles, tools and other things, each drawn from several primitives in a 100×100 box.
import type { SketchClass } from './sketch-class.js';

const PI = Math.PI;

export const THING_CLASSES: SketchClass[] = [
  {
    name: 'bicycle',
    draw(p) {
      const d = p.r.range(30, 38);
      p.circle(22, 64, d);
      p.circle(78, 64, d);
      p.poly([22, 64, 46, 64, 36, 38, 22, 64]);
      p.poly([36, 38, 68, 36, 46, 64]);
      p.line(68, 36, 78, 64);
      p.line(30, 34, 42, 34);
      p.poly([68, 36, 66, 28, 75, 26]);
      p.circle(46, 64, 8);
    },
  },
  {
    name: 'car',
    draw(p) {
      const roof = p.r.range(26, 34);
      p.poly([8, 64, 8, 48, 26, 46, 36, roof, 68, roof, 80, 46, 92, 50, 92, 64], true);
      p.circle(28, 66, 20);
      p.circle(72, 66, 20);
      p.poly([39, roof + 4, 39, 46, 50, 46, 50, roof + 4], true);
      p.poly([54, roof + 4, 54, 46, 74, 46, 66, roof + 4], true);
    },
  },
  {
    name: 'bus',
    draw(p) {
      p.rect(6, 24, 88, 48);
      const n = p.r.int(4, 5);
      for (let k = 0; k < n; k++) p.rect(11 + (k * 66) / n, 30, 66 / n - 4, 14);
      p.rect(80, 30, 10, 36);
      p.line(6, 52, 78, 52);
      p.circle(24, 74, 16);
      p.circle(74, 74, 16);
    },
  },
  {
    name: 'sailboat',
    draw(p) {
      p.poly([10, 66, 90, 66, 76, 82, 24, 82], true);
      p.line(50, 66, 50, 8);
      p.poly([53, 10, 53, 60, 84, 60], true);
      p.poly([47, 18, 47, 60, 22, 60], true);
      if (p.r.chance(0.6)) p.curve([4, 90, 16, 86, 28, 90, 40, 86, 52, 90, 64, 86, 76, 90, 88, 86, 96, 90]);
    },
  },
  {
    name: 'airplane',
    draw(p) {
      p.ellipse(50, 50, 16, 88);
      p.poly([44, 42, 8, 58, 8, 64, 44, 56]);
      p.poly([56, 42, 92, 58, 92, 64, 56, 56]);
      p.poly([46, 82, 32, 92, 46, 90]);
      p.poly([54, 82, 68, 92, 54, 90]);
      p.arc(50, 16, 10, 8, PI, 2 * PI);
    },
  },
  {
    name: 'rocket',
    draw(p) {
      p.rect(38, 30, 24, 44);
      p.poly([38, 30, 50, 6, 62, 30]);
      p.circle(50, 44, 12);
      p.poly([38, 56, 24, 78, 38, 72]);
      p.poly([62, 56, 76, 78, 62, 72]);
      p.poly([42, 74, 45, 88, 50, 80, 55, 92, 58, 74]);
    },
  },
  {
    name: 'hammer',
    draw(p) {
      p.rect(45, 34, 10, 58);
      p.poly([24, 18, 64, 18, 64, 34, 24, 34], true);
      p.curve([64, 20, 74, 18, 84, 10]);
      p.curve([64, 32, 76, 30, 86, 22]);
      p.line(20, 22, 20, 30);
    },
  },
  {
    name: 'axe',
    draw(p) {
      p.line(44, 8, 50, 94);
      p.line(52, 8, 58, 94);
      p.poly([52, 14, 68, 12, 80, 4, 88, 24, 84, 46, 70, 36, 54, 32], true);
      p.line(44, 8, 52, 8);
      if (p.r.chance(0.5)) p.line(46, 40, 51, 40);
    },
  },
  {
    name: 'anchor',
    draw(p) {
      p.circle(50, 12, 12);
      p.line(50, 18, 50, 86);
      p.line(34, 30, 66, 30);
      p.arc(50, 58, 68, 56, 0, PI);
      p.poly([10, 64, 16, 54, 24, 62]);
      p.poly([90, 64, 84, 54, 76, 62]);
    },
  },
  {
    name: 'ladder',
    draw(p) {
      const w = p.r.range(28, 40);
      p.line(50 - w / 2, 6, 50 - w / 2 - 4, 94);
      p.line(50 + w / 2, 6, 50 + w / 2 + 4, 94);
      const rungs = p.r.int(5, 7);
      for (let k = 0; k < rungs; k++) {
        const y = 14 + (k * 74) / (rungs - 1);
        const s = (y / 94) * 4;
        p.line(50 - w / 2 - s, y, 50 + w / 2 + s, y);
      }
    },
  },
  {
    name: 'kite',
    draw(p) {
      p.poly([46, 6, 72, 32, 46, 64, 20, 32], true);
      p.line(46, 6, 46, 64);
      p.line(20, 32, 72, 32);
      p.curve([46, 64, 52, 72, 44, 80, 52, 88, 46, 96]);
      p.poly([46, 74, 40, 70, 40, 78], true);
      p.poly([48, 86, 54, 82, 54, 90], true);
    },
  },
  {
    name: 'balloon',
    draw(p) {
      p.ellipse(50, 34, p.r.range(42, 52), 58);
      p.poly([50, 63, 45, 69, 55, 69], true);
      p.curve([50, 69, 46, 78, 54, 86, 48, 96]);
      if (p.r.chance(0.5)) p.arc(40, 26, 16, 24, PI, 1.4 * PI);
    },
  },
  {
    name: 'tent',
    draw(p) {
      p.poly([8, 82, 50, 18, 92, 82], true);
      p.poly([50, 18, 40, 82]);
      p.poly([50, 18, 60, 82]);
      p.line(50, 18, 50, 6);
      p.poly([50, 6, 62, 9, 50, 12]);
      p.line(4, 84, 96, 84);
    },
  },
  {
    name: 'crown',
    draw(p) {
      const h = p.r.range(22, 30);
      p.poly([14, 76, 14, h, 32, 52, 50, h - 6, 68, 52, 86, h, 86, 76], true);
      p.line(14, 66, 86, 66);
      p.circle(14, h - 5, 8);
      p.circle(50, h - 11, 8);
      p.circle(86, h - 5, 8);
      p.dot(50, 56, 6);
    },
  },
  {
    name: 'trophy',
    draw(p) {
      p.line(26, 16, 74, 16);
      p.arc(50, 16, 48, 56, 0, PI);
      p.arc(26, 28, 20, 22, PI / 2, 1.5 * PI);
      p.arc(74, 28, 20, 22, -PI / 2, PI / 2);
      p.rect(46, 44, 8, 18);
      p.rect(34, 62, 32, 10);
      p.rect(26, 72, 48, 10);
    },
  },
];
