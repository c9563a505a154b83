// Atomic fold checkpoints and OOF files: a JSON index naming a float32 data file, committed by the JSON's rename.
import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { NamedWeight } from '../backends/train/network.js';
import type { OptimizerState } from '../backends/train/optim.js';
import { writeFileAtomic } from '../data/io.js';
import { errorMessage, SketchboardError } from '../errors.js';
import type { TrainConfig } from './config-file.js';

/** Version of checkpoint and OOF files; readers refuse other versions. */
export const CHECKPOINT_FORMAT_VERSION = 1;

/** A named float32 array's place in the data file, in elements (not bytes). */
export type ArrayEntry = { name: string; shape: number[]; offset: number; length: number };

/** What a checkpoint's JSON holds (`best.json` / `last.json`). */
export type CheckpointInfo = {
  formatVersion: number;
  kind: 'best' | 'last';
  fold: number;
  /** The 0-based epoch just completed. */
  epoch: number;
  metric: { name: 'val_acc'; value: number; valLoss: number };
  config: TrainConfig;
  /** The data file beside the JSON, e.g. `best-e0007.bin`: little-endian float32 arrays back to back. */
  data: string;
  sha256: string;
  weights: ArrayEntry[];
  /** `last` only: optimiser kind, step and slot arrays (entries named `<param>#<slot>`). */
  optimizer?: { kind: string; step: number; slots: ArrayEntry[] };
  /** `last` only: trainer state needed to resume (best so far, scheduler state, elapsed time). */
  resume?: {
    bestEpoch: number;
    bestValAcc: number;
    bestValLoss: number;
    scheduler: unknown;
    seconds: number;
  };
};

/** A loaded checkpoint. */
export type Checkpoint = { info: CheckpointInfo; weights: NamedWeight[]; optimizer?: OptimizerState };

type Named = { name: string; shape: number[]; data: Float32Array };

function pack(arrays: Named[]): { bytes: Uint8Array; entries: ArrayEntry[] } {
  const total = arrays.reduce((s, a) => s + a.data.length, 0);
  const all = new Float32Array(total);
  const entries: ArrayEntry[] = [];
  let offset = 0;
  for (const a of arrays) {
    all.set(a.data, offset);
    entries.push({ name: a.name, shape: a.shape, offset, length: a.data.length });
    offset += a.data.length;
  }
  return { bytes: new Uint8Array(all.buffer), entries };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Writes `<stem>-e<epoch>.bin` then `<stem>.json` naming it, each atomically (temp file + rename), then
 * removes older `<stem>-e*.bin` files. Readers see the old pair or the new pair, never a mix.
 */
async function commitPair(dir: string, stem: string, epoch: number, bytes: Uint8Array, info: object) {
  const data = `${stem}-e${String(epoch).padStart(4, '0')}.bin`;
  await writeFileAtomic(path.join(dir, data), bytes);
  await writeFileAtomic(
    path.join(dir, `${stem}.json`),
    `${JSON.stringify({ ...info, data, sha256: sha256(bytes) }, null, 1)}\n`,
  );
  for (const name of await readdir(dir)) {
    if (name !== data && name.startsWith(`${stem}-e`) && name.endsWith('.bin')) {
      await rm(path.join(dir, name), { force: true });
    }
  }
}

async function readPair<T extends { formatVersion: number; data: string; sha256: string }>(
  dir: string,
  stem: string,
): Promise<{ info: T; floats: Float32Array }> {
  const jsonPath = path.join(dir, `${stem}.json`);
  let info: T;
  let bytes: Buffer;
  try {
    info = JSON.parse(await readFile(jsonPath, 'utf8')) as T;
    if (info.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
      throw new Error(`format version ${info.formatVersion}, expected ${CHECKPOINT_FORMAT_VERSION}`);
    }
    bytes = await readFile(path.join(dir, path.basename(info.data)));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not_found' : 'invalid_model';
    throw new SketchboardError(code, `${jsonPath}: ${errorMessage(err)}`, { cause: err });
  }
  if (sha256(bytes) !== info.sha256 || bytes.length % 4 !== 0) {
    throw new SketchboardError(
      'invalid_model',
      `${jsonPath}: data file ${info.data} does not match its sha256`,
    );
  }
  const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  return { info, floats };
}

function unpack(floats: Float32Array, entries: ArrayEntry[], file: string): Named[] {
  return entries.map((e) => {
    if (e.offset + e.length > floats.length) {
      throw new SketchboardError('invalid_model', `${file}: array ${e.name} runs past the data file`);
    }
    return { name: e.name, shape: e.shape, data: floats.slice(e.offset, e.offset + e.length) };
  });
}

/**
 * Saves a checkpoint atomically in a fold folder: weights (and for `last`, optimiser state and resume info).
 *
 * @example
 * await writeCheckpoint(foldDir, { kind: 'best', fold: 0, epoch: 7, metric, config }, net.getWeights());
 */
export async function writeCheckpoint(
  foldDir: string,
  meta: Omit<CheckpointInfo, 'formatVersion' | 'data' | 'sha256' | 'weights' | 'optimizer'>,
  weights: NamedWeight[],
  optimizer?: OptimizerState,
): Promise<void> {
  const slots: Named[] = [];
  for (const [name, arrays] of Object.entries(optimizer?.slots ?? {})) {
    arrays.forEach((data, k) => {
      slots.push({ name: `${name}#${k}`, shape: [data.length], data });
    });
  }
  const { bytes, entries } = pack([...weights, ...slots]);
  const info = {
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    ...meta,
    weights: entries.slice(0, weights.length),
    ...(optimizer
      ? { optimizer: { kind: optimizer.kind, step: optimizer.step, slots: entries.slice(weights.length) } }
      : {}),
  };
  await commitPair(foldDir, meta.kind, meta.epoch, bytes, info);
}

/**
 * Loads `best` or `last` of a fold folder, checking format version and data sha256.
 * Throws SketchboardError 'not_found' when the checkpoint does not exist.
 *
 * @example
 * const { info, weights } = await loadCheckpoint('runs/a/fold-0', 'best');
 */
export async function loadCheckpoint(foldDir: string, kind: 'best' | 'last'): Promise<Checkpoint> {
  const { info, floats } = await readPair<CheckpointInfo>(foldDir, kind);
  const file = path.join(foldDir, info.data);
  const weights = unpack(floats, info.weights, file);
  if (!info.optimizer) return { info, weights };
  const slots: Record<string, Float32Array[]> = {};
  for (const s of unpack(floats, info.optimizer.slots, file)) {
    const cut = s.name.lastIndexOf('#');
    const name = s.name.slice(0, cut);
    slots[name] ??= [];
    slots[name][Number(s.name.slice(cut + 1))] = s.data;
  }
  return { info, weights, optimizer: { kind: info.optimizer.kind, step: info.optimizer.step, slots } };
}

/** What a fold's `oof.json` holds: the best epoch's probabilities of its validation items. */
export type OofInfo = {
  formatVersion: number;
  fold: number;
  epoch: number;
  classes: number;
  /** Indices into the run's train items (folds.csv rows), one per probability row. */
  indices: number[];
  data: string;
  sha256: string;
};

/** Saves a fold's out-of-fold probabilities ([indices.length, classes] row-major) atomically. */
export async function writeFoldOof(
  foldDir: string,
  meta: Omit<OofInfo, 'formatVersion' | 'data' | 'sha256'>,
  probabilities: Float32Array,
): Promise<void> {
  if (probabilities.length !== meta.indices.length * meta.classes) {
    throw new SketchboardError('internal', 'OOF probabilities do not match indices × classes');
  }
  const bytes = new Uint8Array(probabilities.buffer, probabilities.byteOffset, probabilities.byteLength);
  await commitPair(foldDir, 'oof', meta.epoch, bytes, { formatVersion: CHECKPOINT_FORMAT_VERSION, ...meta });
}

/** Loads a fold's out-of-fold probabilities. */
export async function loadFoldOof(foldDir: string): Promise<{ info: OofInfo; probabilities: Float32Array }> {
  const { info, floats } = await readPair<OofInfo>(foldDir, 'oof');
  if (floats.length !== info.indices.length * info.classes) {
    throw new SketchboardError('invalid_model', `${foldDir}/oof.json: data has the wrong length`);
  }
  return { info, probabilities: floats };
}
