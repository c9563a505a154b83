// Folder-per-class datasets: root/<class_name>/*.png|jpg|... → the same items as train.csv gives.
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { SketchboardError } from '../errors.js';
import type { TrainItem, TrainSet } from './layout.js';

/** File extensions (lower case, with the dot) recognised as images. */
export const IMAGE_EXTENSIONS: readonly string[] = Object.freeze([
  '.png',
  '.jpg',
  '.jpeg',
  '.webp',
  '.gif',
  '.bmp',
  '.tif',
  '.tiff',
]);

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** True when the file name has an image extension (case-insensitive). */
export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

/**
 * Load a folder-per-class dataset. Each non-hidden sub-folder of `root` is a class; classes are sorted by
 * name (code point order, so the same on every machine) and numbered from 0. Images directly inside a class
 * folder are its items, sorted by name; other files and deeper folders are ignored. Errors
 * (SketchboardError 'invalid_data'): missing root, no class folders, a class folder without images.
 *
 * @example
 * const { items, classNames } = await loadFolderDataset('photos'); // photos/cat/1.jpg → target 0 "cat"
 */
export async function loadFolderDataset(root: string): Promise<TrainSet> {
  const abs = path.resolve(root);
  let entries: Dirent[];
  try {
    entries = await readdir(abs, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a folder' : 'cannot be read';
    throw new SketchboardError('invalid_data', `dataset folder ${root} ${why}`, { cause: err });
  }
  const classNames = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort(byCodePoint);
  if (classNames.length === 0) {
    throw new SketchboardError(
      'invalid_data',
      `dataset folder ${root} has no class folders (expected ${root}/<class_name>/<image>)`,
    );
  }
  const perClass = await Promise.all(
    classNames.map(async (className, target): Promise<TrainItem[]> => {
      const dir = path.join(abs, className);
      const files = (await readdir(dir, { withFileTypes: true }))
        .filter((e) => (e.isFile() || e.isSymbolicLink()) && !e.name.startsWith('.') && isImageFile(e.name))
        .map((e) => e.name)
        .sort(byCodePoint);
      if (files.length === 0) {
        throw new SketchboardError(
          'invalid_data',
          `class folder ${path.join(root, className)} has no images (${IMAGE_EXTENSIONS.join(' ')})`,
        );
      }
      return files.map((name) => ({
        className,
        relPath: `${className}/${name}`,
        imagePath: path.join(dir, name),
        target,
      }));
    }),
  );
  return { items: perClass.flat(), classNames };
}
