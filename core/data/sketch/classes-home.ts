// Sketch classes, part 1: household objects, each drawn from several primitives in a 100×100 box.
import type { SketchClass } from './sketch-class.js';

const PI = Math.PI;

export const HOME_CLASSES: SketchClass[] = [
  {
    name: 'house',
    draw(p) {
      const top = p.r.range(44, 52);
      p.rect(20, top, 60, 88 - top);
      p.poly([13, top + 2, 50, top - p.r.range(28, 36), 87, top + 2]);
      p.poly([44, 88, 44, 66, 57, 66, 57, 88]);
      p.rect(26, top + 8, 12, 12);
      p.line(32, top + 8, 32, top + 20);
      if (p.r.chance(0.6)) p.rect(64, top + 8, 10, 10);
      if (p.r.chance(0.5)) p.poly([64, top - 14, 64, top - 26, 72, top - 26, 72, top - 8]);
    },
  },
  {
    name: 'cup',
    draw(p) {
      const w = p.r.range(34, 42);
      const [l, r] = [48 - w / 2, 48 + w / 2];
      p.poly([l, 30, l + 4, 82, r - 4, 82, r, 30]);
      p.ellipse(48, 30, w, 9);
      p.arc(r - 1, 54, 26, 28, -PI / 2, PI / 2);
      p.arc(r - 2, 54, 14, 16, -PI / 2, PI / 2);
      if (p.r.chance(0.6)) {
        p.curve([42, 22, 46, 16, 41, 10, 45, 4]);
        p.curve([54, 22, 58, 16, 53, 10, 57, 4]);
      }
    },
  },
  {
    name: 'clock',
    draw(p) {
      p.circle(50, 50, 76);
      const ticks = p.r.pick([4, 12]);
      for (let k = 0; k < ticks; k++) {
        const a = (k * 2 * PI) / ticks;
        const r0 = k % 3 === 0 ? 28 : 31;
        p.line(50 + r0 * Math.cos(a), 50 + r0 * Math.sin(a), 50 + 35 * Math.cos(a), 50 + 35 * Math.sin(a));
      }
      const h = p.r.range(0, 2 * PI);
      const m = p.r.range(0, 2 * PI);
      p.line(50, 50, 50 + 16 * Math.cos(h), 50 + 16 * Math.sin(h));
      p.line(50, 50, 50 + 26 * Math.cos(m), 50 + 26 * Math.sin(m));
      p.dot(50, 50, 5);
    },
  },
  {
    name: 'key',
    draw(p) {
      p.circle(24, 50, 30);
      p.circle(24, 50, 10);
      p.poly([39, 46, 88, 46, 88, 54, 39, 54]);
      const teeth = p.r.int(2, 3);
      for (let k = 0; k < teeth; k++) {
        const x = 84 - k * 9;
        p.poly([x, 54, x, 64, x - 5, 64, x - 5, 54]);
      }
    },
  },
  {
    name: 'umbrella',
    draw(p) {
      p.arc(50, 46, 84, 70, PI, 2 * PI);
      for (let k = 0; k < 4; k++) p.arc(18.5 + k * 21, 46, 21, 10, PI, 2 * PI);
      p.line(50, 46, 50, 84);
      p.arc(43, 84, 14, 14, 0, PI);
      if (p.r.chance(0.6)) {
        p.curve([50, 11, 38, 24, 29, 46]);
        p.curve([50, 11, 62, 24, 71, 46]);
      }
    },
  },
  {
    name: 'chair',
    draw(p) {
      p.rect(30, 10, 40, 40);
      const slats = p.r.int(1, 3);
      for (let k = 1; k <= slats; k++)
        p.line(30 + (40 * k) / (slats + 1), 12, 30 + (40 * k) / (slats + 1), 50);
      p.rect(24, 50, 52, 8);
      p.line(27, 58, 27, 90);
      p.line(73, 58, 73, 90);
      p.line(34, 58, 34, 82);
      p.line(66, 58, 66, 82);
    },
  },
  {
    name: 'table',
    draw(p) {
      const top = p.r.range(30, 40);
      p.poly([20, top, 80, top, 92, top + 10, 8, top + 10], true);
      p.poly([8, top + 10, 8, top + 15, 92, top + 15, 92, top + 10]);
      p.line(13, top + 15, 13, 84);
      p.line(87, top + 15, 87, 84);
      p.line(24, top + 15, 24, 74);
      p.line(76, top + 15, 76, 74);
    },
  },
  {
    name: 'lamp',
    draw(p) {
      p.poly([34, 14, 66, 14, 80, 44, 20, 44], true);
      p.line(47, 44, 47, 80);
      p.line(53, 44, 53, 80);
      p.ellipse(50, 84, 40, 10);
      p.line(66, 44, 66, 58);
      p.dot(66, 60, 4);
    },
  },
  {
    name: 'light_bulb',
    draw(p) {
      p.arc(50, 36, 52, 52, 0.67 * PI, 2.33 * PI);
      p.line(39, 59, 40, 70);
      p.line(61, 59, 60, 70);
      p.rect(40, 70, 20, 12);
      p.line(40, 74, 60, 74);
      p.line(40, 78, 60, 78);
      p.arc(50, 82, 10, 8, 0, PI);
      p.poly([44, 62, 44, 44, 48, 38, 52, 44, 56, 38, 56, 62]);
    },
  },
  {
    name: 'scissors',
    draw(p) {
      p.circle(32, 76, 24);
      p.circle(68, 76, 24);
      p.poly([37, 65, 74, 10, 47, 58], true);
      p.poly([63, 65, 26, 10, 53, 58], true);
      p.dot(50, 50, 5);
    },
  },
  {
    name: 'eyeglasses',
    draw(p) {
      const h = p.r.range(22, 32);
      p.ellipse(29, 52, 34, h);
      p.ellipse(71, 52, 34, h);
      p.arc(50, 52, 10, 10, PI, 2 * PI);
      p.line(12, 48, 4, 38);
      p.line(88, 48, 96, 38);
    },
  },
  {
    name: 'envelope',
    draw(p) {
      p.rect(10, 24, 80, 54);
      p.poly([10, 24, 50, 56, 90, 24]);
      p.line(10, 78, 40, 50);
      p.line(90, 78, 60, 50);
    },
  },
  {
    name: 'book',
    draw(p) {
      p.poly([50, 28, 12, 20, 12, 74, 50, 82], true);
      p.poly([50, 28, 88, 20, 88, 74, 50, 82], true);
      const lines = p.r.int(2, 4);
      for (let k = 0; k < lines; k++) {
        const y = 36 + k * 9;
        p.line(18, y - 4, 44, y + 1);
        p.line(56, y + 1, 82, y - 4);
      }
    },
  },
  {
    name: 'television',
    draw(p) {
      p.rect(12, 30, 76, 52);
      p.rect(18, 36, 54, 40);
      p.dot(80, 44, 6);
      p.dot(80, 58, 6);
      p.line(50, 30, 34, 8);
      p.line(50, 30, 66, 8);
      p.line(22, 82, 18, 90);
      p.line(78, 82, 82, 90);
    },
  },
  {
    name: 'laptop',
    draw(p) {
      p.rect(22, 16, 56, 42);
      p.rect(27, 21, 46, 32);
      p.poly([22, 58, 78, 58, 92, 78, 8, 78], true);
      p.line(24, 64, 76, 64);
      p.line(20, 70, 80, 70);
      p.rect(42, 72, 16, 4);
    },
  },
];
