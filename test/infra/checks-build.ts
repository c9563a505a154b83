// Checks on what gets built and wired: images and base images, Dockerfile contents, references between objects.
import { execForm, inContext, parseEnv } from './dockerfile.js';
import type { Facts } from './facts.js';
import { type Model, type Obj, podSpecOf } from './manifest-model.js';

const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const nameOf = (o: Obj) => String(obj(o.metadata).name ?? '');

/** Official images we build on, pinned to at least major.minor (never `latest` or a bare major). */
const OFFICIAL = /^(node|postgres|nvidia\/cuda):\d+\.\d+(\.\d+)?(-[a-z0-9.-]+)?$/;

/** Images are our build targets (tagged with package.json's version) or pinned official images. */
export function checkImages(m: Model, f: Facts): string[] {
  const problems: string[] = [];
  for (const c of m.containers) {
    const [repo, tag] = [c.image.replace(/:[^/:]+$/, ''), /:([^/:]+)$/.exec(c.image)?.[1]];
    const target = m.buildTargets[repo];
    if (target) {
      if (!m.dockerfiles[target]) problems.push(`${c.where}: ${c.image} builds from missing infra/${target}`);
      if (tag !== f.pkg.version) problems.push(`${c.where}: ${c.image} should be tagged ${f.pkg.version}`);
    } else if (!OFFICIAL.test(c.image))
      problems.push(`${c.where}: ${c.image} is neither built here nor pinned official`);
  }
  for (const df of Object.values(m.dockerfiles)) {
    problems.push(...df.problems);
    df.stages.forEach((s, i) => {
      const earlier = df.stages.slice(0, i).some((p) => p.name === s.from);
      if (!earlier && !OFFICIAL.test(s.from))
        problems.push(`${df.file}: FROM ${s.from} is not a pinned official image`);
    });
  }
  return problems;
}

/** What each Dockerfile must do, from the runtimes' own install rules and package.json. */
export function checkDockerfiles(m: Model, f: Facts): string[] {
  const problems: string[] = [];
  for (const [file, df] of Object.entries(m.dockerfiles)) {
    const image = Object.entries(m.buildTargets).find(([, d]) => d === file)?.[0];
    const cfg = image ? m.images[image] : undefined;
    if (!cfg) {
      problems.push(`${file}: no compose service builds it`);
      continue;
    }
    const ignore = m.raw.dockerignores[`${file}.dockerignore`];
    if (ignore === undefined) problems.push(`${file}: no ${file}.dockerignore next to it`);
    for (const src of cfg.copies) {
      if (!f.exists(src)) problems.push(`${file}: COPY ${src} does not exist`);
      else if (ignore !== undefined && !inContext(ignore, src))
        problems.push(`${file}: COPY ${src} is dockerignored`);
    }
    if (!/^[1-9]\d*(:\d+)?$/.test(cfg.user ?? ''))
      problems.push(`${file}: final USER must be a non-root uid`);
    const runs = df.stages.flatMap((s) =>
      s.instructions.filter((i) => i.op === 'RUN').map((i) => ({ s, i })),
    );
    const ci = runs.find(({ i }) => /\bnpm ci\b/.test(i.args));
    if (!ci || !/npm ci --omit=dev\b/.test(ci.i.args) || /--omit=optional|--ignore-scripts/.test(ci.i.args))
      problems.push(
        `${file}: must install with \`npm ci --omit=dev\` (optional deps and allowed scripts kept)`,
      );
    const cmd = cfg.cmd.join(' ');
    if (file === 'Dockerfile.gpu') {
      if (
        !/^nvidia\/cuda:12\.[\d.]+-cudnn-runtime-/.test(
          df.stages.find((s) => /cuda/.test(s.from))?.from ?? '',
        )
      )
        problems.push(`${file}: base must be a CUDA 12 cuDNN runtime image`);
      const env = ci
        ? Object.assign({}, ...ci.s.instructions.filter((i) => i.op === 'ENV').map((i) => parseEnv(i.args)))
        : {};
      const target = String(env.ONNXRUNTIME_NODE_INSTALL ?? '');
      if (!f.ortInstallTargets.includes(target))
        problems.push(
          `${file}: ONNXRUNTIME_NODE_INSTALL=${target || '(unset)'} where npm ci runs; onnxruntime-node accepts ${f.ortInstallTargets.join(', ')}`,
        );
      const script = /npm ci[\s\S]*node node_modules\/onnxruntime-node\/script\/install\.js/.test(
        ci?.i.args ?? '',
      );
      if (f.pkg.allowScripts['onnxruntime-node'] === false && !script)
        problems.push(
          `${file}: package.json denies onnxruntime-node's install script, so the image must run it after npm ci`,
        );
      const gpuTf = '@tensorflow/tfjs-node-gpu';
      if (
        !f.pkg.optionalDependencies[gpuTf] ||
        f.pkg.allowScripts[gpuTf] !== true ||
        !ci?.i.args.includes(gpuTf)
      )
        problems.push(
          `${file}: ${gpuTf} must be installed (optional dependency, script allowed) and its binding checked`,
        );
      if (cmd !== 'node functions/cli/bin.mjs scorer')
        problems.push(`${file}: CMD must be \`node functions/cli/bin.mjs scorer\``);
    }
    if (file === 'Dockerfile.api') {
      if (cmd !== 'node functions/cli/bin.mjs serve')
        problems.push(`${file}: CMD must be \`node functions/cli/bin.mjs serve\``);
      if (!['false', '0', 'no', 'off'].includes(cfg.env.SKETCHBOARD_EMBEDDED_SCORER ?? ''))
        problems.push(`${file}: SKETCHBOARD_EMBEDDED_SCORER must be off in the API image`);
      const hc = cfg.healthcheck ?? [];
      if (
        !execForm(JSON.stringify(hc)) ||
        !/\/healthz'/.test(hc.join(' ')) ||
        !/process\.env\.PORT/.test(hc.join(' '))
      )
        problems.push(`${file}: HEALTHCHECK must fetch /healthz on process.env.PORT`);
    }
  }
  return problems;
}

/** Claims, envFrom sources, Service selectors and ports, compose volumes and kustomize resources all resolve. */
export function checkReferences(m: Model, f: Facts): string[] {
  const problems: string[] = [];
  const has = (kind: string, name: string) => m.objects.some((o) => o.kind === kind && nameOf(o) === name);
  for (const o of m.objects) {
    const ns = obj(o.metadata).namespace;
    if (o.kind !== 'Namespace' && ns !== 'sketchboard')
      problems.push(`${o.kind}/${nameOf(o)}: namespace ${ns}`);
    const pod = podSpecOf(o);
    for (const c of arr(pod.containers).map(obj)) {
      for (const from of arr(c.envFrom).map(obj)) {
        const [kind, ref] = from.configMapRef ? ['ConfigMap', from.configMapRef] : ['Secret', from.secretRef];
        if (!has(kind, String(obj(ref).name)))
          problems.push(`${o.kind}/${nameOf(o)}: no ${kind} ${obj(ref).name}`);
      }
      const volumes = new Set(arr(pod.volumes).map((v) => String(obj(v).name)));
      for (const mount of arr(c.volumeMounts).map(obj))
        if (!volumes.has(String(mount.name)))
          problems.push(`${o.kind}/${nameOf(o)}: mount of undefined volume ${mount.name}`);
    }
    for (const v of arr(pod.volumes).map(obj)) {
      const claim = obj(v.persistentVolumeClaim).claimName;
      if (claim && !has('PersistentVolumeClaim', String(claim)))
        problems.push(`${o.kind}/${nameOf(o)}: no PVC ${claim}`);
    }
    if (o.kind === 'Service') {
      const selector = obj(obj(o.spec).selector);
      const target = m.objects.find(
        (d) =>
          d.kind === 'Deployment' &&
          Object.entries(selector).every(
            ([k, v]) => obj(obj(obj(obj(d.spec).template).metadata).labels)[k] === v,
          ),
      );
      const ports = arr(obj(obj(obj(target?.spec).template).spec).containers).flatMap((c) =>
        arr(obj(c).ports).map(obj),
      );
      for (const p of arr(obj(o.spec).ports).map(obj))
        if (!ports.some((cp) => cp.name === p.targetPort || cp.containerPort === p.targetPort))
          problems.push(
            `Service/${nameOf(o)}: targetPort ${p.targetPort} is no container port of a selected Deployment`,
          );
    }
  }
  const declared = new Set(Object.keys(obj(m.raw.compose.volumes)));
  for (const c of m.containers.filter((c) => c.owner === 'compose'))
    for (const v of c.volumes)
      if (!v.name.startsWith('.') && !declared.has(v.name))
        problems.push(`${c.where}: volume ${v.name} undeclared`);
  for (const [dir, k] of Object.entries(m.raw.kustomizations))
    for (const r of arr(k.resources).map(String))
      if (!f.exists(`infra/${dir}/${r}`)) problems.push(`infra/${dir}/kustomization.yaml: no ${r}`);
  return problems;
}
