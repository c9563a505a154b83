// Sketch classes, part 2: plants, weather and landscape, each drawn from several primitives in a 100×100 box.
import type { SketchClass } from './sketch-class.js';

const PI = Math.PI;

export const NATURE_CLASSES: SketchClass[] = [
  {
    name: 'tree',
    draw(p) {
      p.line(44, 90, 45, 60);
      p.line(56, 90, 55, 60);
      p.blob(50, 38, p.r.range(60, 76), p.r.range(48, 56), p.r.int(6, 9));
      if (p.r.chance(0.5)) p.line(55, 66, 64, 56);
      if (p.r.chance(0.5)) p.line(38, 90, 62, 90);
    },
  },
  {
    name: 'pine_tree',
    draw(p) {
      p.poly([50, 8, 32, 34, 68, 34], true);
      p.poly([50, 22, 24, 54, 76, 54], true);
      p.poly([50, 40, 16, 78, 84, 78], true);
      p.rect(44, 78, 12, 12);
    },
  },
  {
    name: 'palm_tree',
    draw(p) {
      p.curve([44, 92, 48, 70, 50, 50, 48, 30]);
      p.curve([54, 92, 56, 70, 57, 50, 54, 30]);
      p.curve([51, 30, 34, 20, 16, 30]);
      p.curve([51, 30, 68, 20, 86, 30]);
      p.curve([51, 30, 34, 32, 24, 48]);
      p.curve([51, 30, 68, 32, 78, 48]);
      p.curve([51, 30, 48, 18, 40, 10]);
      p.dot(47, 36, 6);
      p.dot(55, 36, 6);
    },
  },
  {
    name: 'sun',
    draw(p) {
      const d = p.r.range(36, 46);
      p.circle(50, 50, d);
      const rays = p.r.int(8, 12);
      for (let k = 0; k < rays; k++) {
        const a = (k * 2 * PI) / rays;
        const r0 = d / 2 + 5;
        p.line(50 + r0 * Math.cos(a), 50 + r0 * Math.sin(a), 50 + 44 * Math.cos(a), 50 + 44 * Math.sin(a));
      }
    },
  },
  {
    name: 'flower',
    draw(p) {
      p.circle(50, 30, 14);
      const petals = p.r.int(5, 7);
      for (let k = 0; k < petals; k++) {
        const a = (k * 2 * PI) / petals;
        p.circle(50 + 14 * Math.cos(a), 30 + 14 * Math.sin(a), 15);
      }
      p.curve([50, 45, 51, 66, 49, 92]);
      p.curve([50, 72, 60, 62, 72, 62]);
      p.curve([50, 72, 58, 74, 72, 62]);
    },
  },
  {
    name: 'apple',
    draw(p) {
      p.curve([50, 30, 36, 22, 20, 36, 22, 64, 36, 84, 50, 80, 64, 84, 78, 64, 80, 36, 64, 22, 50, 30]);
      p.line(50, 30, 53, 14);
      p.curve([54, 20, 62, 12, 74, 14]);
      p.curve([54, 20, 66, 22, 74, 14]);
    },
  },
  {
    name: 'mushroom',
    draw(p) {
      p.arc(50, 52, 84, p.r.range(60, 76), PI, 2 * PI, true);
      p.poly([40, 52, 37, 86, 63, 86, 60, 52]);
      p.circle(34, 38, 10);
      p.circle(56, 30, 12);
      if (p.r.chance(0.6)) p.circle(70, 42, 8);
    },
  },
  {
    name: 'rain_cloud',
    draw(p) {
      p.blob(50, 32, 80, 40, p.r.int(5, 7));
      const drops = p.r.int(4, 6);
      for (let k = 0; k < drops; k++) {
        const x = 22 + (k * 56) / (drops - 1);
        const y = 60 + (k % 2) * 10;
        p.line(x, y, x - 4, y + 12);
      }
    },
  },
  {
    name: 'moon',
    draw(p) {
      p.arc(50, 50, 72, 72, PI / 2, 1.5 * PI);
      p.arc(50, 50, p.r.range(30, 40), 72, PI / 2, 1.5 * PI);
      for (const [x, y] of [
        [72, 26],
        [80, 62],
      ]) {
        p.line(x - 6, y, x + 6, y);
        p.line(x, y - 6, x, y + 6);
      }
    },
  },
  {
    name: 'mountain',
    draw(p) {
      const a = p.r.range(24, 32);
      p.poly([4, 84, 34, a, 52, 58, 68, 38, 96, 84]);
      p.poly([26, a + 16, 31, a + 21, 36, a + 14, 41, a + 21, 44, a + 16]);
      p.line(4, 84, 96, 84);
      if (p.r.chance(0.5)) p.circle(82, 18, 14);
    },
  },
  {
    name: 'cactus',
    draw(p) {
      p.poly([42, 86, 42, 24]);
      p.poly([58, 86, 58, 24]);
      p.arc(50, 24, 16, 16, PI, 2 * PI);
      p.poly([42, 60, 26, 60, 26, 40]);
      p.poly([42, 52, 32, 52, 32, 40]);
      p.arc(29, 40, 6, 6, PI, 2 * PI);
      p.poly([58, 50, 74, 50, 74, 32]);
      p.poly([58, 42, 68, 42, 68, 32]);
      p.arc(71, 32, 6, 6, PI, 2 * PI);
      p.poly([30, 86, 70, 86, 66, 96, 34, 96], true);
    },
  },
  {
    name: 'snowman',
    draw(p) {
      p.circle(50, 72, 40);
      p.circle(50, 38, 28);
      p.circle(50, 14, 20);
      p.dot(45, 12, 3);
      p.dot(55, 12, 3);
      p.poly([50, 16, 62, 18, 50, 19]);
      p.dot(50, 34, 3);
      p.dot(50, 44, 3);
      p.line(36, 38, 16, 26);
      p.line(64, 38, 84, 26);
    },
  },
  {
    name: 'leaf',
    draw(p) {
      p.curve([20, 80, 26, 42, 82, 18]);
      p.curve([20, 80, 62, 74, 82, 18]);
      p.line(20, 80, 78, 22);
      p.line(12, 88, 20, 80);
      for (let k = 1; k <= 3; k++) {
        const t = 20 + k * 14;
        p.line(t, 100 - t, t - 8, 100 - t - 12);
        p.line(t, 100 - t, t + 10, 100 - t + 8);
      }
    },
  },
  {
    name: 'rainbow',
    draw(p) {
      const bands = p.r.int(3, 4);
      for (let k = 0; k < bands; k++) p.arc(50, 72, 84 - k * 14, 84 - k * 14, PI, 2 * PI);
      p.blob(14, 74, 24, 16, 4);
      p.blob(86, 74, 24, 16, 4);
    },
  },
  {
    name: 'grapes',
    draw(p) {
      const rows = [4, 3, 2, 1];
      rows.forEach((n, row) => {
        for (let k = 0; k < n; k++) p.circle(50 + (k - (n - 1) / 2) * 15, 34 + row * 13, 15);
      });
      p.line(50, 26, 52, 10);
      p.curve([52, 14, 62, 6, 76, 10]);
      p.curve([52, 14, 64, 18, 76, 10]);
    },
  },
];
