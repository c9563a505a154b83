// `sketchboard demo` (= `npm run demo`): the whole competition flow on this machine; `--local` keeps the quick offline flow.
import { mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Command, intOption, parse, UsageError } from '../../core/cli/args.js';
import { runLocalDemo } from '../../core/cli/demo-local.js';
import { runFullDemo } from './demo-flow.js';
import { DEMO_TEAMS } from './demo-teams.js';

/** Sizes of the full demo: a few minutes on 2 cores, large enough for the teams' recipes to differ. */
export const FULL_DEMO_DEFAULTS = {
  classes: 10,
  trainPerClass: 30,
  testPerClass: 20,
  imageSize: 64,
  seed: 1,
  epochs: 8,
  size: 32,
  parallel: 2,
  timeoutS: 600,
} as const;

const d = FULL_DEMO_DEFAULTS;

const usage = `Usage: sketchboard demo [--out DIR] [--classes ${d.classes}] [--epochs ${d.epochs}] [--size ${d.size}] [--parallel ${d.parallel}] [--seed ${d.seed}]
       sketchboard demo --local [--out DIR] [--classes 10] [--seed 1]

Runs a whole competition on this machine (npm run demo): generates ${d.classes} sketch classes
(${d.trainPerClass} train + ${d.testPerClass} test images each), starts the server in this process (API +
embedded scorer on PGlite, a free port on 127.0.0.1), creates a fresh competition demo-<UTC time> through
the host API, registers three teams, trains each with \`sketchboard train\`:
${DEMO_TEAMS.map((t) => `  ${t.key} ${t.name.padEnd(16)} ${t.recipe}`).join('\n')}
packs each run with \`sketchboard pack RUN_DIR --vote soft\`, submits the bundles the way
\`sketchboard submit\` does and waits for the scores, ends the competition, and prints the public and
private leaderboards. The work folder is kept (data/, runs/, bundles/, server/).

  --out DIR       work folder, new or empty (default: a new folder in the system temp folder)
  --classes N     sketch classes, 2..60 (default ${d.classes})
  --epochs N      epochs per fold (default ${d.epochs})
  --size PX       CNN input side (default ${d.size})
  --parallel N    folds trained at once (default ${d.parallel})
  --seed N        data, split and training seed (default ${d.seed})
  --timeout S     longest wait for one score (default ${d.timeoutS})

  --local         the quick offline flow instead: a nearest-centroid baseline bundle predicted and
                  evaluated locally (no server, no training), into --out (default
                  $SKETCHBOARD_DATA_DIR/local-demo, i.e. ./.sketchboard/local-demo)`;

const options = {
  local: { type: 'boolean' },
  out: { type: 'string' },
  classes: { type: 'string' },
  seed: { type: 'string' },
  epochs: { type: 'string' },
  size: { type: 'string' },
  parallel: { type: 'string' },
  timeout: { type: 'string' },
} as const;

/** A work folder for the full demo: the given one (new or empty) or a fresh temp folder. */
async function workFolder(out: string | undefined): Promise<string> {
  if (out === undefined) return mkdtemp(join(tmpdir(), 'sketchboard-demo-'));
  const dir = resolve(out);
  const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw new UsageError(`--out ${out}: ${err.code === 'ENOTDIR' ? 'not a folder' : err.message}`);
  });
  if (entries.length > 0) throw new UsageError(`--out ${out} is not empty; give a new or empty folder`);
  await mkdir(dir, { recursive: true });
  return dir;
}

async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, options, false);
  const classes = intOption(values.classes, 'classes', d.classes, 2, 60);
  const seed = intOption(values.seed, 'seed', d.seed, 0, 2 ** 31 - 1);
  const say = (s: string) => process.stdout.write(`${s}\n`);
  if (values.local === true) {
    const full = ['epochs', 'size', 'parallel', 'timeout'] as const;
    const extra = full.find((k) => values[k] !== undefined);
    if (extra) throw new UsageError(`--${extra} is an option of the full demo, not of --local`);
    const dataRoot = process.env.SKETCHBOARD_DATA_DIR ?? '.sketchboard';
    await runLocalDemo({ out: resolve(values.out ?? join(dataRoot, 'local-demo')), classes, seed, say });
    return 0;
  }
  const training = {
    epochs: intOption(values.epochs, 'epochs', d.epochs, 1, 1000),
    size: intOption(values.size, 'size', d.size, 8, 512),
    parallel: intOption(values.parallel, 'parallel', d.parallel, 1, 64),
    seed,
  };
  const timeoutS = intOption(values.timeout, 'timeout', d.timeoutS, 1, 86_400);
  const out = await workFolder(values.out);
  // Server and scorer details stay out of the demo's story unless asked for.
  process.env.SKETCHBOARD_LOG_LEVEL ??= 'warn';
  const started = Date.now();
  say(`Sketchboard demo in ${out}`);
  const result = await runFullDemo({
    out,
    data: {
      classes,
      trainPerClass: d.trainPerClass,
      testPerClass: d.testPerClass,
      imageSize: d.imageSize,
      seed,
    },
    training,
    timeoutMs: timeoutS * 1000,
    say,
  });
  const failed = result.outcomes.filter((o) => o.outcome.exitCode !== 0);
  say('');
  say(`done in ${((Date.now() - started) / 1000).toFixed(0)} s; work folder ${out}`);
  say(
    `browse it: SKETCHBOARD_DATA_DIR=${join(out, 'server')} npm start, then http://localhost:8787/c/${result.slug}`,
  );
  if (failed.length > 0) {
    say(`${failed.length} submission(s) did not score: ${failed.map((f) => f.team.name).join(', ')}`);
    return 1;
  }
  return 0;
}

/** The `demo` command. */
export const command: Command = {
  name: 'demo',
  summary:
    'whole competition on this machine: data, server, 3 teams train and submit, leaderboards (--local: offline)',
  usage,
  run,
};
