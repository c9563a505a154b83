// The TF.js backend choice, made once per process: tfjs-node-gpu → tfjs-node → wasm → cpu (env override).
import { createRequire } from 'node:module';
import path from 'node:path';
import { errorMessage, SketchboardError } from '../errors.js';
import { log } from '../log.js';

export type Tf = typeof import('@tensorflow/tfjs');
export type TfBackendName = 'tensorflow' | 'wasm' | 'cpu';

/** Env variable that forces one backend (for tests and benchmarks). */
export const TFJS_BACKEND_ENV = 'SKETCHBOARD_TFJS_BACKEND';

const require = createRequire(import.meta.url);
let choice: Promise<{ tf: Tf; backend: TfBackendName }> | null = null;
let chosen: TfBackendName | null = null;

/** Version of @tensorflow/tfjs-core, read from its package.json without loading TF.js. */
export function tfjsCoreVersion(): string {
  return (require('@tensorflow/tfjs-core/package.json') as { version: string }).version;
}

/** The backend chosen so far, or null before the first getTf(). */
export function chosenTfBackend(): TfBackendName | null {
  return chosen;
}

// Specifiers in variables: these optional packages are usually absent, so TypeScript must not resolve them.
const NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

async function tryTensorflow(tf: Tf): Promise<string | null> {
  for (const pkg of NODE_PACKAGES) {
    try {
      await import(pkg);
    } catch (err) {
      log.debug(`tfjs: ${pkg} not usable`, { error: errorMessage(err) });
      continue;
    }
    // The native package registers 'tensorflow' on the tfjs-core it resolves; it must be ours.
    if (tf.findBackendFactory('tensorflow') && (await tf.setBackend('tensorflow'))) return pkg;
    log.warn(`tfjs: ${pkg} loaded but its 'tensorflow' backend did not register on our tfjs-core`);
  }
  return null;
}

async function tryWasm(tf: Tf): Promise<boolean> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // In Node the .wasm binaries are read from the package's dist folder.
    wasm.setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}${path.sep}`);
    if (!(await tf.setBackend('wasm'))) return false;
    // Prove it initialised: run one tiny kernel.
    const probe = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])));
    const values = await probe.data();
    probe.dispose();
    return values[0] === 4 && values[1] === 6;
  } catch (err) {
    log.warn('tfjs: wasm backend failed to initialise', { error: errorMessage(err) });
    return false;
  }
}

async function choose(): Promise<{ tf: Tf; backend: TfBackendName }> {
  const tf: Tf = await import('@tensorflow/tfjs');
  const forced = process.env[TFJS_BACKEND_ENV];
  if (forced !== undefined && forced !== '' && !['tensorflow', 'wasm', 'cpu'].includes(forced)) {
    throw new SketchboardError(
      'invalid_argument',
      `${TFJS_BACKEND_ENV} must be cpu, wasm or tensorflow, got "${forced}"`,
    );
  }
  let backend: TfBackendName | null = null;
  let detail = '';
  if (!forced || forced === 'tensorflow') {
    const pkg = await tryTensorflow(tf);
    if (pkg) [backend, detail] = ['tensorflow', pkg];
    else if (forced)
      throw new SketchboardError('runtime_unavailable', 'TF.js tensorflow backend forced but not installed');
  }
  if (!backend && (!forced || forced === 'wasm')) {
    if (await tryWasm(tf)) [backend, detail] = ['wasm', '@tensorflow/tfjs-backend-wasm'];
    else if (forced)
      throw new SketchboardError('runtime_unavailable', 'TF.js wasm backend forced but failed to start');
  }
  if (!backend) {
    if (!(await tf.setBackend('cpu')))
      throw new SketchboardError('runtime_unavailable', 'TF.js cpu backend failed');
    [backend, detail] = ['cpu', '@tensorflow/tfjs-backend-cpu'];
  }
  await tf.ready();
  log.info(`tfjs: using backend ${backend}`, {
    package: detail,
    forced: Boolean(forced),
    version: tf.version_core,
  });
  chosen = backend;
  return { tf, backend };
}

/**
 * TF.js with its backend chosen once per process: `@tensorflow/tfjs-node-gpu`, else `@tensorflow/tfjs-node`,
 * else the wasm backend, else plain cpu. `SKETCHBOARD_TFJS_BACKEND=cpu|wasm|tensorflow` forces one.
 *
 * @example
 * const { tf, backend } = await getTf();
 * backend; // 'wasm' where tfjs-node is not installed
 */
export function getTf(): Promise<{ tf: Tf; backend: TfBackendName }> {
  choice ??= choose().catch((err: unknown) => {
    choice = null;
    throw err;
  });
  return choice;
}
