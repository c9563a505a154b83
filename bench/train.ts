// Training throughput (samples/s) of the MLP-3 head and the 3-conv CNN per TF.js backend, 1 and 2 processes.
// Run: npx tsx bench/train.ts [--seconds 20] [--backends wasm,cpu] [--models head,cnn]
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HEAD = { inDim: 1024, classes: 500 };
const CNN = { filters: [32, 64, 128], inputShape: [64, 64, 1] as [number, number, number], classes: 50 };
const BATCH = 64;
/** A cpu-backend CNN step takes about a minute: children get this long before they are stopped. */
const CHILD_TIMEOUT_S = 600;
/** Slower than this per step in one process, the 2-process run is skipped (it would say nothing new). */
const PAIR_LIMIT_S = 20;

type Model = 'head' | 'cnn';
type Result = { samplesPerSec: number; steps: number; seconds: number; cpuPercent: number; backend: string };

async function child(model: Model, seconds: number): Promise<Result> {
  const { getTf } = await import('../core/backends/tfjs.js');
  const { Learner } = await import('../core/backends/train/learner.js');
  const { createHead } = await import('../core/train/heads.js');
  const { createCnn } = await import('../core/train/cnn.js');
  const { backend } = await getTf();
  const net =
    model === 'head'
      ? await createHead('mlp3', { ...HEAD, seed: 1 })
      : await createCnn({ arch: 'plain', ...CNN, seed: 1 });
  const learner = await Learner.create(net, { optimizer: { kind: 'adamw' }, labelSmoothing: 0.1 });
  const dims = [BATCH, ...net.inputShape];
  const data = Float32Array.from(
    { length: dims.reduce((a, b) => a * b, 1) },
    (_, i) => ((i * 7919) % 997) / 997,
  );
  const labels = Array.from({ length: BATCH }, (_, i) => (i * 31) % net.classes);
  learner.trainStep({ data, dims }, labels, 1e-3); // warm-up: kernels, operator caches
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  let steps = 0;
  do {
    learner.trainStep({ data, dims }, labels, 1e-3);
    steps++;
  } while (performance.now() - start < seconds * 1000);
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  learner.dispose();
  return {
    samplesPerSec: (steps * BATCH) / elapsed,
    steps,
    seconds: elapsed,
    cpuPercent: ((cpu.user + cpu.system) / 1e6 / elapsed) * 100,
    backend,
  };
}

/** Runs `procs` children at once on one backend; resolves with their results (null for a timeout). */
function runChildren(
  backend: string,
  model: Model,
  seconds: number,
  procs: number,
): Promise<(Result | null)[]> {
  const script = fileURLToPath(import.meta.url);
  const one = () =>
    new Promise<Result | null>((resolve, reject) => {
      const proc = spawn(
        process.execPath,
        ['--import', 'tsx', script, '--child', model, '--seconds', String(seconds)],
        {
          env: { ...process.env, SKETCHBOARD_TFJS_BACKEND: backend, SKETCHBOARD_LOG_LEVEL: 'warn' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      // TF.js prints a banner on stderr in every child: keep stderr for failures only.
      let out = '';
      let err = '';
      proc.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      proc.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString();
      });
      const timer = setTimeout(() => proc.kill('SIGKILL'), CHILD_TIMEOUT_S * 1000);
      proc.on('error', reject);
      proc.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(JSON.parse(out.trim().split('\n').pop() ?? 'null') as Result);
        else if (code === null) resolve(null);
        else reject(new Error(`${backend}/${model} child exited with ${code}:\n${err}`));
      });
    });
  return Promise.all(Array.from({ length: procs }, one));
}

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

const fmt = (n: number) => n.toFixed(n < 10 ? 1 : 0).padStart(7);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      seconds: { type: 'string', default: '20' },
      backends: { type: 'string' },
      models: { type: 'string', default: 'head,cnn' },
    },
  });
  const seconds = Number(values.seconds);
  if (values.child) {
    process.stdout.write(`${JSON.stringify(await child(values.child as Model, seconds))}\n`);
    return;
  }
  const available = [
    ...(installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu') ? ['tensorflow'] : []),
    'wasm',
    'cpu',
  ];
  const backends = values.backends ? values.backends.split(',') : available;
  const models = values.models.split(',') as Model[];
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  console.log(
    `# bench/train: ${os.cpus().length} cores, load ${load()}; batch ${BATCH}, ${seconds} s per run, adamw`,
  );
  console.log(
    '# head = mlp3 d=1024 C=500; cnn = 3x (3x3 conv-BN-maxpool-ReLU) 32-64-128, 64x64x1, GAP, Dense(50)',
  );
  console.log(
    'backend     model  1 proc: samples/s (cpu%, samples/cpu-s)   2 procs: sum samples/s (each at cpu%)',
  );
  for (const backend of backends) {
    for (const model of models) {
      const [single] = await runChildren(backend, model, seconds, 1);
      const slow = !single || single.seconds / single.steps > PAIR_LIMIT_S;
      const pair = slow ? [] : await runChildren(backend, model, seconds, 2);
      // samples per CPU-second: what the process would do with a core to itself (load-independent).
      const perCpu = single ? (single.samplesPerSec * 100) / single.cpuPercent : 0;
      const one = single
        ? `${fmt(single.samplesPerSec)} (${single.cpuPercent.toFixed(0)}%, ${perCpu.toFixed(0)}/cpu-s)`
        : `  >${CHILD_TIMEOUT_S} s/step`;
      const perStep = single ? `${(single.seconds / single.steps).toFixed(0)} s/step` : '';
      const two =
        pair.length === 0
          ? `  skipped (${perStep || `>${CHILD_TIMEOUT_S} s/step`})`
          : pair.every((r) => r)
            ? `${fmt(pair.reduce((s, r) => s + (r?.samplesPerSec ?? 0), 0))} (${pair.map((r) => `${r?.samplesPerSec.toFixed(0)} at ${r?.cpuPercent.toFixed(0)}%`).join(' + ')})`
            : `  >${CHILD_TIMEOUT_S} s/step`;
      console.log(`${backend.padEnd(11)} ${model.padEnd(5)}  ${one.padEnd(38)} ${two}`);
    }
  }
  console.log(`# load at the end ${load()}`);
}

await main();
