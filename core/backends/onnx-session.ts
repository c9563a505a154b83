// onnxruntime-node sessions with server-fixed options and the cuda → cpu execution-provider choice.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { errorMessage, SketchboardError } from '../errors.js';
import { log } from '../log.js';
import type { LoadOptions } from './types.js';

export type OrtModule = typeof Ort;
export type ExecutionProvider = 'cuda' | 'cpu';

const require = createRequire(import.meta.url);
let ortPromise: Promise<OrtModule> | null = null;
const logged = new Set<string>();

/** onnxruntime-node, imported on first use so that TF.js-only processes never load it. */
export function getOrt(): Promise<OrtModule> {
  ortPromise ??= import('onnxruntime-node');
  return ortPromise;
}

/** Version of the installed onnxruntime-node package, read without loading the native binding. */
export function ortVersion(): string {
  return (require('onnxruntime-node/package.json') as { version: string }).version;
}

function logOnce(key: string, msg: string, fields?: Record<string, unknown>): void {
  if (logged.has(key)) {
    log.debug(msg, fields);
    return;
  }
  logged.add(key);
  log.info(msg, fields);
}

/**
 * Whether this onnxruntime-node build can run the CUDA provider. The npm build lists `cuda` with
 * `bundled: false`: its provider library is fetched by an install script, so we look for it next to the
 * native binding instead of letting session creation throw.
 */
export function cudaStatus(ort: OrtModule): { available: boolean; reason: string } {
  const entry = ort.listSupportedBackends().find((b) => b.name === 'cuda');
  if (!entry) return { available: false, reason: 'this onnxruntime-node build has no CUDA provider' };
  if (entry.bundled) return { available: true, reason: 'CUDA provider bundled' };
  const binDir = path.join(
    path.dirname(require.resolve('onnxruntime-node')),
    '..',
    'bin',
    'napi-v6',
    process.platform,
    process.arch,
  );
  const lib =
    process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  if (existsSync(path.join(binDir, lib))) return { available: true, reason: `found ${lib}` };
  return { available: false, reason: `CUDA provider not installed (${lib} missing)` };
}

/** Session options fixed by the server; nothing here ever comes from a manifest. */
export function sessionOptions(
  provider: ExecutionProvider,
  threads: number,
): Ort.InferenceSession.SessionOptions {
  return {
    executionProviders: provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableCpuMemArena: true,
    enableMemPattern: true,
    enableProfiling: false,
    logSeverityLevel: 3,
    // No busy-waiting ORT threads: they would take the cores from image decoding (sharp) between runs.
    // Measured by bench/predict.ts: end-to-end CPU per image -11%, end-to-end/bound ratio 0.90 -> 1.01.
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

function threadCount(opts: LoadOptions): number {
  const threads = opts.threads ?? os.availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new SketchboardError('invalid_argument', `threads must be a positive integer, got ${threads}`);
  }
  return threads;
}

/**
 * Creates a session from a model file on disk (so ORT finds external data beside it), trying the
 * requested providers in order (default cuda, then cpu). CUDA is skipped when not installed, and a CUDA
 * session that fails to create is retried on the next provider. Returns the provider actually used.
 * `probeCuda` exists for tests (to reach the retry path on machines without CUDA).
 *
 * @example
 * const { session, provider } = await createSession('/bundles/ab12/large/fold0.onnx', {});
 * provider; // 'cpu' on a machine without the CUDA provider
 */
export async function createSession(
  file: string,
  opts: LoadOptions,
  probeCuda: (ort: OrtModule) => { available: boolean; reason: string } = cudaStatus,
): Promise<{ session: Ort.InferenceSession; provider: ExecutionProvider }> {
  const ort = await getOrt();
  const threads = threadCount(opts);
  const wanted = opts.executionProviders ?? ['cuda', 'cpu'];
  if (wanted.length === 0)
    throw new SketchboardError('invalid_argument', 'executionProviders must not be empty');
  const skipped: string[] = [];
  for (const provider of wanted) {
    if (provider === 'cuda') {
      const cuda = probeCuda(ort);
      if (!cuda.available) {
        skipped.push(`cuda: ${cuda.reason}`);
        continue;
      }
    }
    try {
      const session = await ort.InferenceSession.create(file, sessionOptions(provider, threads));
      const fields = skipped.length > 0 ? { threads, skipped } : { threads };
      logOnce(
        `provider:${provider}:${skipped.join(';')}`,
        `onnxruntime: using execution provider ${provider}`,
        fields,
      );
      return { session, provider };
    } catch (err) {
      // On cpu a failure is the model's fault; on cuda it may be the driver's, so try the next provider.
      if (provider === 'cpu') throw err;
      skipped.push(`${provider}: ${errorMessage(err)}`);
      log.warn(`onnxruntime: creating a ${provider} session failed, trying the next provider`, {
        error: errorMessage(err),
      });
    }
  }
  throw new SketchboardError(
    'runtime_unavailable',
    `no usable ONNX execution provider among [${wanted.join(', ')}]: ${skipped.join('; ')}`,
  );
}
