// Test helpers for core/data: temp folders, hand-written competition folders, expected data errors.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';

/** A fresh temp folder; remove it with `rm(dir, { recursive: true })`. */
export function tempDir(prefix = 'sb-data-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Write `text` to `dir/rel`, creating parent folders. */
export async function put(dir: string, rel: string, text: string | Buffer = ''): Promise<void> {
  await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
  await writeFile(path.join(dir, rel), text);
}

export type CompetitionFiles = {
  train?: string;
  test?: string;
  labels?: string;
  /** Image files to create, relative to the competition folder (e.g. `train/cat/1.png`). */
  images?: string[];
};

/** A small valid competition: 2 classes × 2 train images, 3 test images, labels with a split column. */
export const VALID: Required<CompetitionFiles> = {
  train: 'class_name,image_path,target\ncat,cat/1.png,0\ncat,cat/2.png,0\ndog,dog/1.png,1\ndog,dog/2.png,1\n',
  test: 'ID,image_path\n10,a.png\n11,b.png\n12,c.png\n',
  labels: 'ID,image_path,target,split\n11,b.png,1,public\n10,a.png,0,private\n12,c.png,1,public\n',
  images: ['train/cat/1.png', 'train/cat/2.png', 'train/dog/1.png', 'train/dog/2.png'].concat([
    'test/a.png',
    'test/b.png',
    'test/c.png',
  ]),
};

/** Write a competition folder from VALID with some parts replaced. */
export async function writeCompetition(dir: string, parts: CompetitionFiles = {}): Promise<void> {
  const files = { ...VALID, ...parts };
  await put(dir, 'train.csv', files.train);
  await put(dir, 'test.csv', files.test);
  await put(dir, 'test_labels.csv', files.labels);
  await Promise.all(files.images.map((rel) => put(dir, rel, 'png')));
}

/** Expect a promise to reject with a SketchboardError of `code` whose message matches `message`. */
export async function expectDataError(
  p: Promise<unknown>,
  message: RegExp,
  code = 'invalid_data',
): Promise<void> {
  await expect(p).rejects.toMatchObject({
    name: 'SketchboardError',
    code,
    message: expect.stringMatching(message),
  });
}
