// Checks on what containers run: env names and values, commands and flags, probes, GPUs, the Indexed Job, shutdown.
import type { Facts } from './facts.js';
import { type Container, type Model, type Obj, podSpecOf } from './manifest-model.js';

const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const isPostgres = (c: Container) => /^postgres:/.test(c.image);

/** A container's argv, understood: a CLI verb, an infra/ script, or something else. */
export type Classified =
  | { kind: 'cli'; verb: string; args: string[] }
  | { kind: 'script'; file: string; args: string[] }
  | { kind: 'other'; argv: string[] };

export function classify(argv: string[]): Classified {
  if (argv[0] === 'node' && argv[1] === 'functions/cli/bin.mjs' && argv[2])
    return { kind: 'cli', verb: argv[2], args: argv.slice(3) };
  if (argv[0] === 'sketchboard' && argv[1]) return { kind: 'cli', verb: argv[1], args: argv.slice(2) };
  if (
    argv[0] === 'node' &&
    argv[1] === '--import' &&
    argv[2] === 'tsx' &&
    /^infra\/[\w-]+\.ts$/.test(argv[3] ?? '')
  )
    return { kind: 'script', file: argv[3], args: argv.slice(4) };
  return { kind: 'other', argv };
}

/** Value after `--name` in args. */
export function flagValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** A known third-party variable, in its context. */
function thirdParty(name: string, c: Container | undefined): boolean {
  if (/^AWS_[A-Z0-9_]+$/.test(name) || name === 'NODE_ENV') return true;
  return name.startsWith('POSTGRES_') && c !== undefined && isPostgres(c);
}

/** Every variable a manifest or Dockerfile sets is in functions/config/env.ts or a known third-party one. */
export function checkEnvNames(m: Model, f: Facts): string[] {
  const problems: string[] = [];
  for (const c of m.containers) {
    for (const { name, where } of c.setEnv) {
      if (!f.envNames.has(name) && !thirdParty(name, c))
        problems.push(`${where}: ${name} is not in the env schema`);
    }
  }
  for (const df of Object.values(m.dockerfiles)) {
    const finalChain = new Set(df.stages.length ? chainNames(df.stages, df.stages.length - 1) : []);
    df.stages.forEach((stage, i) => {
      for (const ins of stage.instructions.filter((x) => x.op === 'ENV' || x.op === 'ARG')) {
        for (const name of [...ins.args.matchAll(/(\w+)=/g)].map((x) => x[1])) {
          const buildOnly = name === 'ONNXRUNTIME_NODE_INSTALL' && !finalChain.has(i);
          const system = name === 'DEBIAN_FRONTEND' || name === 'LD_LIBRARY_PATH';
          if (!f.envNames.has(name) && !thirdParty(name, undefined) && !buildOnly && !system)
            problems.push(
              `${df.file}:${ins.line}: ${name} is not in the env schema (or set where it does not belong)`,
            );
        }
      }
    });
  }
  return problems;
}

function chainNames(stages: Model['dockerfiles'][string]['stages'], i: number): number[] {
  const parent = stages.findIndex((s) => s.name !== undefined && s.name === stages[i].from);
  return parent >= 0 && parent < i ? [...chainNames(stages, parent), i] : [i];
}

/** Every app container's environment passes the server's own validation. */
export function checkEnvValues(m: Model, f: Facts): string[] {
  const problems: string[] = [];
  for (const c of m.containers.filter((c) => classify(c.argv).kind !== 'other')) {
    try {
      f.loadEnv(c.env);
    } catch (err) {
      problems.push(`${c.where}: ${(err as Error).message}`);
    }
  }
  return problems;
}

/** Problems of one argv in the image it runs in: verb and flags exist, scripts are shipped. */
export function commandProblems(argv: string[], c: Container, m: Model, f: Facts): string[] {
  const cmd = classify(argv);
  if (cmd.kind === 'cli') {
    const usage = f.verbs.get(cmd.verb);
    if (usage === undefined) return [`${c.where}: no CLI verb "${cmd.verb}" in functions/cli/main.ts`];
    return cmd.args
      .filter((a) => a.startsWith('--'))
      .filter((flag) => !new RegExp(`(^|[\\s\\[])${flag}([\\s=\\]]|$)`, 'm').test(usage))
      .map((flag) => `${c.where}: ${flag} is not in the usage of "sketchboard ${cmd.verb}"`);
  }
  if (cmd.kind === 'script') {
    const copies = m.images[c.image.replace(/:[^/:]+$/, '')]?.copies ?? [];
    const problems: string[] = [];
    if (!f.exists(cmd.file)) problems.push(`${c.where}: ${cmd.file} does not exist`);
    if (!copies.includes(cmd.file)) problems.push(`${c.where}: ${cmd.file} is not copied into ${c.image}`);
    if (cmd.file === 'infra/probe.ts' && !f.probeArgsOk(cmd.args))
      problems.push(`${c.where}: infra/probe.ts does not accept ${cmd.args.join(' ')}`);
    if (cmd.file === 'infra/migrate.ts' && cmd.args.length > 0)
      problems.push(`${c.where}: migrate takes no arguments`);
    return problems;
  }
  if (isPostgres(c) && (argv[0] === 'postgres' || (argv[0] === 'sh' && /^pg_isready /.test(argv[2] ?? ''))))
    return [];
  return [`${c.where}: unknown command ${JSON.stringify(argv)}`];
}

/** Every container runs a real command. */
export function checkCommands(m: Model, f: Facts): string[] {
  return m.containers.flatMap((c) => commandProblems(c.argv, c, m, f));
}

/** Deployments have readiness and liveness probes, long-running compose services a healthcheck; all of them real. */
export async function checkProbes(m: Model, f: Facts): Promise<string[]> {
  const problems: string[] = [];
  for (const c of m.containers) {
    const roles = new Set(c.probes.map((p) => p.role));
    if (c.owner === 'Deployment' && !(roles.has('readinessProbe') && roles.has('livenessProbe')))
      problems.push(`${c.where}: needs a readinessProbe and a livenessProbe`);
    if (c.owner === 'compose' && obj(c.object).restart !== 'no' && !roles.has('healthcheck'))
      problems.push(`${c.where}: needs a healthcheck`);
    for (const p of c.probes) {
      if (p.kind === 'exec') {
        problems.push(...commandProblems(p.argv, c, m, f).map((x) => `${x} (${p.role})`));
        continue;
      }
      const status = await f.routeStatus(p.path);
      if (status !== 200) problems.push(`${c.where}: ${p.role} GET ${p.path} answers ${status}, not 200`);
      let port: number | undefined;
      try {
        port = f.loadEnv(c.env).port;
      } catch {}
      if (p.port !== port)
        problems.push(`${c.where}: ${p.role} port ${p.port} is not the PORT it listens on (${port})`);
    }
  }
  return problems;
}

const GPU_IMAGE = 'Dockerfile.gpu';
const GPU_VERBS = ['scorer', 'score', 'train'];

/** Scorers (long-running or one-shot) and trainers get a GPU, the GPU image and GPU nodes; API replicas don't. */
export function checkGpu(m: Model): string[] {
  const problems: string[] = [];
  for (const c of m.containers) {
    const cmd = classify(c.argv);
    const verb = cmd.kind === 'cli' ? cmd.verb : '';
    const built = m.buildTargets[c.image.replace(/:[^/:]+$/, '')];
    if (GPU_VERBS.includes(verb)) {
      if (c.gpus < 1)
        problems.push(`${c.where}: ${verb} needs a GPU (nvidia.com/gpu or a compose device reservation)`);
      if (built !== GPU_IMAGE)
        problems.push(`${c.where}: ${verb} must run the image built from ${GPU_IMAGE}`);
      if (c.owner !== 'compose') {
        const pod = podSpecOf(c.object);
        const selects = Object.keys(obj(pod.nodeSelector)).some((k) => k.startsWith('nvidia.com/'));
        const tolerates = JSON.stringify(pod.tolerations ?? []).includes('nvidia.com/gpu');
        if (!selects || !tolerates) problems.push(`${c.where}: needs a GPU nodeSelector and toleration`);
      }
    }
    if (verb === 'serve' && c.gpus > 0) problems.push(`${c.where}: API replicas should not reserve a GPU`);
  }
  return problems;
}

/** The training Job: Indexed, one completion per fold, pod i trains fold $(JOB_COMPLETION_INDEX), data on a PVC. */
export function checkIndexedJob(m: Model): string[] {
  const trainers = m.containers.filter((c) => c.owner === 'Job' && classify(c.argv).kind === 'cli');
  const problems: string[] = [];
  const jobs = trainers.filter((c) => (classify(c.argv) as { verb: string }).verb === 'train');
  if (jobs.length === 0) return ['no Kubernetes Job runs `sketchboard train`'];
  for (const c of jobs) {
    const spec = obj(c.object.spec);
    const args = (classify(c.argv) as { args: string[] }).args;
    const folds = Number(flagValue(args, 'folds') ?? Number.NaN);
    if (spec.completionMode !== 'Indexed') problems.push(`${c.where}: completionMode must be Indexed`);
    if (spec.completions !== folds)
      problems.push(`${c.where}: completions ${spec.completions} != --folds ${folds}`);
    const parallelism = Number(spec.parallelism ?? 1);
    if (!(parallelism >= 1 && parallelism <= folds))
      problems.push(`${c.where}: parallelism must be 1..${folds}`);
    if (flagValue(args, 'fold') !== '$(JOB_COMPLETION_INDEX)')
      problems.push(`${c.where}: --fold must be $(JOB_COMPLETION_INDEX)`);
    for (const flag of ['data', 'out']) {
      const path = flagValue(args, flag) ?? '';
      if (!c.volumes.some((v) => v.claim && path.startsWith(`${v.mountPath}/`)))
        problems.push(`${c.where}: --${flag} ${path} is not on a PersistentVolumeClaim mount`);
    }
  }
  return problems;
}

/** Shutdown budgets leave scorers (and one-shot `score` pods) their stop grace (STOP_GRACE_MS) plus time to hand jobs back and close. */
export function checkGraceful(m: Model, f: Facts): string[] {
  const need = f.stopGraceMs / 1000 + 30;
  const problems: string[] = [];
  for (const c of m.containers.filter((c) => ['scorer', 'score'].includes(verbOf(c)))) {
    const seconds =
      c.owner === 'compose'
        ? Number(/^(\d+)s$/.exec(String(c.object.stop_grace_period ?? ''))?.[1] ?? 10)
        : Number(podSpecOf(c.object).terminationGracePeriodSeconds ?? 30);
    if (seconds < need)
      problems.push(`${c.where}: ${seconds} s to stop; the scorer needs at least ${need} s`);
  }
  return problems;
}

/**
 * API and scorer pods share SKETCHBOARD_DATA_DIR on one volume: scorers read competition test images at the
 * path the API stored when it created the competition, and (local backend) the blobs it wrote.
 */
export function checkSharedData(m: Model, f: Facts): string[] {
  const problems: string[] = [];
  for (const owner of ['compose', 'k8s']) {
    const group = m.containers.filter(
      (c) =>
        (c.owner === 'compose') === (owner === 'compose') && ['serve', 'scorer', 'score'].includes(verbOf(c)),
    );
    const seen = new Set<string>();
    for (const c of group) {
      let dataDir = '';
      try {
        dataDir = f.loadEnv(c.env).dataDir;
      } catch {}
      const mount = c.volumes.find((v) => v.mountPath === dataDir);
      if (!mount)
        problems.push(`${c.where}: no volume mounted at SKETCHBOARD_DATA_DIR (${dataDir || 'invalid'})`);
      else seen.add(`${dataDir} <- ${mount.claim ?? mount.name}`);
    }
    if (seen.size > 1)
      problems.push(`${owner}: API and scorers mount different data volumes: ${[...seen].join(', ')}`);
  }
  return problems;
}

function verbOf(c: Container): string {
  const cmd = classify(c.argv);
  return cmd.kind === 'cli' ? cmd.verb : '';
}
