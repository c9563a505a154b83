// Sketch classes, part 3: animals, each drawn from several primitives in a 100×100 box.
import type { SketchClass } from './sketch-class.js';

const PI = Math.PI;

export const ANIMAL_CLASSES: SketchClass[] = [
  {
    name: 'fish',
    draw(p) {
      const h = p.r.range(28, 40);
      p.ellipse(44, 50, 60, h);
      p.poly([72, 50, 92, 32, 92, 68], true);
      p.dot(26, 46, 5);
      p.arc(34, 50, 12, h * 0.6, -PI / 2, PI / 2);
      p.poly([40, 50 - h / 2, 50, 50 - h / 2 - 10, 56, 50 - h / 2 + 1]);
    },
  },
  {
    name: 'cat',
    draw(p) {
      p.circle(50, 56, 58);
      p.poly([27, 40, 28, 12, 45, 29]);
      p.poly([73, 40, 72, 12, 55, 29]);
      p.dot(40, 50, 5);
      p.dot(60, 50, 5);
      p.poly([46, 60, 54, 60, 50, 65], true);
      p.arc(45, 65, 10, 8, 0, PI);
      p.arc(55, 65, 10, 8, 0, PI);
      for (const dy of [-3, 3]) {
        p.line(36, 62 + dy, 12, 58 + 3 * dy);
        p.line(64, 62 + dy, 88, 58 + 3 * dy);
      }
    },
  },
  {
    name: 'bird',
    draw(p) {
      p.ellipse(46, 58, 52, 34);
      p.circle(72, 38, 24);
      p.poly([83, 34, 95, 39, 83, 43], true);
      p.dot(74, 35, 4);
      p.curve([30, 54, 44, 48, 58, 56, 44, 64]);
      p.poly([22, 56, 6, 48, 10, 60, 22, 62]);
      p.line(42, 74, 40, 88);
      p.line(52, 74, 54, 88);
    },
  },
  {
    name: 'snail',
    draw(p) {
      p.circle(58, 54, 48);
      const pts: number[] = [];
      for (let k = 0; k <= 18; k++) {
        const a = k * 0.6;
        const r = 21 - k * 1.1;
        pts.push(58 + r * Math.cos(a), 54 + r * Math.sin(a));
      }
      p.curve(pts);
      p.poly([8, 80, 92, 80]);
      p.curve([8, 80, 10, 64, 22, 60, 34, 74]);
      p.line(14, 62, 8, 46);
      p.line(21, 60, 24, 44);
    },
  },
  {
    name: 'spider',
    draw(p) {
      p.circle(50, 58, 28);
      p.circle(50, 38, 16);
      for (const side of [-1, 1]) {
        for (let k = 0; k < 4; k++) {
          const y = 50 + k * 6;
          p.poly([50 + side * 12, y, 50 + side * 30, y - 14 + k * 4, 50 + side * 44, y + 8 + k * 4]);
        }
      }
      p.dot(46, 36, 3);
      p.dot(54, 36, 3);
    },
  },
  {
    name: 'butterfly',
    draw(p) {
      const w = p.r.range(30, 38);
      p.ellipse(50 - w / 2 - 2, 36, w, w);
      p.ellipse(50 + w / 2 + 2, 36, w, w);
      p.ellipse(36, 66, 24, 26);
      p.ellipse(64, 66, 24, 26);
      p.ellipse(50, 52, 8, 50);
      p.curve([48, 28, 44, 16, 38, 10]);
      p.curve([52, 28, 56, 16, 62, 10]);
    },
  },
  {
    name: 'turtle',
    draw(p) {
      p.arc(46, 62, 64, 52, PI, 2 * PI, true);
      p.poly([30, 62, 36, 48, 56, 48, 62, 62]);
      p.line(46, 36, 46, 48);
      p.circle(86, 56, 18);
      p.dot(89, 53, 3);
      p.rect(22, 62, 10, 12);
      p.rect(58, 62, 10, 12);
      p.poly([14, 60, 6, 64, 14, 62]);
    },
  },
  {
    name: 'rabbit',
    draw(p) {
      p.circle(50, 64, 46);
      p.ellipse(39, 24, 14, 46);
      p.ellipse(61, 24, 14, 46);
      p.line(39, 14, 39, 34);
      p.line(61, 14, 61, 34);
      p.dot(42, 58, 5);
      p.dot(58, 58, 5);
      p.dot(50, 68, 4);
      p.line(48, 70, 28, 66);
      p.line(52, 70, 72, 66);
    },
  },
  {
    name: 'owl',
    draw(p) {
      p.ellipse(50, 54, 62, 80);
      p.circle(38, 40, 22);
      p.circle(62, 40, 22);
      p.dot(38, 40, 7);
      p.dot(62, 40, 7);
      p.poly([46, 50, 50, 58, 54, 50], true);
      p.poly([26, 24, 24, 10, 36, 18]);
      p.poly([74, 24, 76, 10, 64, 18]);
      p.arc(30, 66, 16, 30, PI / 2, 1.5 * PI);
      p.arc(70, 66, 16, 30, -PI / 2, PI / 2);
    },
  },
  {
    name: 'pig',
    draw(p) {
      p.circle(50, 54, 66);
      p.ellipse(50, 62, 28, 18);
      p.dot(45, 62, 5);
      p.dot(55, 62, 5);
      p.dot(38, 44, 5);
      p.dot(62, 44, 5);
      p.poly([26, 30, 22, 14, 38, 24]);
      p.poly([74, 30, 78, 14, 62, 24]);
    },
  },
  {
    name: 'snake',
    draw(p) {
      const amp = p.r.range(10, 16);
      const top: number[] = [];
      const bottom: number[] = [];
      for (let k = 0; k <= 8; k++) {
        const x = 8 + k * 9;
        const y = 56 + amp * Math.sin(k * 0.9);
        top.push(x, y - 5);
        bottom.push(x, y + 5);
      }
      p.curve(top);
      p.curve(bottom);
      const hy = 56 + amp * Math.sin(7.2);
      p.ellipse(86, hy, 18, 14);
      p.dot(88, hy - 3, 3);
      p.poly([95, hy, 100, hy - 3, 100, hy + 3]);
    },
  },
  {
    name: 'octopus',
    draw(p) {
      p.arc(50, 40, 56, 60, PI, 2 * PI);
      p.line(22, 40, 24, 56);
      p.line(78, 40, 76, 56);
      const legs = p.r.int(5, 7);
      for (let k = 0; k < legs; k++) {
        const x = 24 + (k * 52) / (legs - 1);
        const out = (x - 50) * 0.5;
        p.curve([x, 56, x + out + 6, 68, x + out - 4, 78, x + out * 1.4 + 4, 90]);
      }
      p.dot(41, 36, 6);
      p.dot(59, 36, 6);
    },
  },
  {
    name: 'bee',
    draw(p) {
      p.ellipse(52, 60, 56, 36);
      p.arc(52, 60, 20, 36, -PI / 2, PI / 2);
      p.arc(64, 60, 16, 34, -PI / 2, PI / 2);
      p.circle(20, 56, 20);
      p.dot(17, 53, 3);
      p.ellipse(46, 32, 22, 28);
      p.ellipse(64, 30, 22, 28);
      p.poly([80, 56, 92, 60, 80, 64]);
      p.curve([18, 46, 14, 36, 8, 32]);
    },
  },
  {
    name: 'whale',
    draw(p) {
      p.curve([78, 48, 66, 34, 40, 32, 16, 44, 12, 60, 30, 72, 62, 70, 78, 58, 84, 50]);
      p.poly([82, 52, 94, 38, 96, 54, 90, 62], true);
      p.dot(28, 50, 5);
      p.curve([16, 60, 30, 62, 46, 60]);
      p.curve([40, 30, 36, 18, 28, 12]);
      p.curve([40, 30, 44, 18, 52, 12]);
    },
  },
  {
    name: 'frog',
    draw(p) {
      p.ellipse(50, 60, 80, 48);
      p.circle(30, 36, 24);
      p.circle(70, 36, 24);
      p.dot(30, 36, 8);
      p.dot(70, 36, 8);
      p.arc(50, 62, 50, 20, 0, PI);
      p.dot(45, 52, 3);
      p.dot(55, 52, 3);
      p.poly([24, 82, 16, 94, 34, 92]);
      p.poly([76, 82, 84, 94, 66, 92]);
    },
  },
];
