// Reads infra/ (Dockerfiles, compose, Kubernetes) into one model of containers: image, argv, env, ports, probes, GPU.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { type Dockerfile, type ImageConfig, imageConfig, parseDockerfile } from './dockerfile.js';

export const REPO = join(import.meta.dirname, '..', '..');
export type Obj = Record<string, unknown>;

/** The raw files, parsed but not interpreted: mutation tests edit a clone of this. */
export type RawInfra = {
  dockerfiles: Record<string, string>;
  dockerignores: Record<string, string>;
  compose: Obj;
  /** Kubernetes objects by file (relative to infra/k8s), multi-document files flattened. */
  k8s: Record<string, Obj[]>;
  /** The S3 overlay's patches (infra/k8s/s3). */
  overlay: Obj[];
  /** The scale-to-zero overlay's patches (its resources are in `k8s` under `scale-to-zero/`). */
  scaleToZero: Obj[];
  kustomizations: Record<string, Obj>;
};

const yamlDocs = (text: string): Obj[] =>
  YAML.parseAllDocuments(text, { merge: true }).map((doc) => {
    if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('; '));
    return doc.toJS() as Obj;
  });

/** Loads every infra file from the repository. */
export function loadRawInfra(): RawInfra {
  const infra = join(REPO, 'infra');
  const read = (rel: string) => readFileSync(join(infra, rel), 'utf8');
  const names = readdirSync(infra);
  const raw: RawInfra = {
    dockerfiles: {},
    dockerignores: {},
    compose: {},
    k8s: {},
    overlay: [],
    scaleToZero: [],
    kustomizations: {},
  };
  for (const n of names.filter((n) => /^Dockerfile\.\w+$/.test(n))) raw.dockerfiles[n] = read(n);
  for (const n of names.filter((n) => n.endsWith('.dockerignore'))) raw.dockerignores[n] = read(n);
  raw.compose = yamlDocs(read('compose.yaml'))[0];
  const yamlIn = (dir: string) => readdirSync(join(infra, dir)).filter((n) => n.endsWith('.yaml'));
  for (const dir of ['k8s', 'k8s/base', 'k8s/s3', 'k8s/scale-to-zero']) {
    const kustomization = dir === 'k8s' ? {} : yamlDocs(read(`${dir}/kustomization.yaml`))[0];
    const patches = arr(kustomization.patches).map((p) => str(obj(p).path));
    for (const n of yamlIn(dir)) {
      const rel = `${dir.slice(4) || '.'}/${n}`.replace(/^\.\//, '');
      const docs = yamlDocs(read(`${dir}/${n}`));
      if (n === 'kustomization.yaml') raw.kustomizations[dir] = docs[0];
      else if (dir === 'k8s/s3') raw.overlay.push(...docs);
      else if (dir === 'k8s/scale-to-zero' && patches.includes(n)) raw.scaleToZero.push(...docs);
      else raw.k8s[rel] = docs;
    }
  }
  return raw;
}

export type Probe =
  | { kind: 'http'; path: string; port: number | undefined }
  | { kind: 'exec'; argv: string[] };

/** One container as it would run: where it is declared, its image, argv and environment. */
export type Container = {
  where: string;
  /** 'compose' service, or the Kubernetes kind owning the pod template. */
  owner: 'compose' | 'Deployment' | 'Job' | 'ScaledJob';
  object: Obj;
  image: string;
  argv: string[];
  /** Effective environment: image ENV, then envFrom sources, then explicit variables. */
  env: Record<string, string>;
  /** Names the manifests set (not the image), with where. */
  setEnv: Array<{ name: string; where: string }>;
  ports: Record<string, number>;
  probes: Array<Probe & { role: string }>;
  gpus: number;
  volumes: Array<{ name: string; mountPath: string; claim?: string }>;
};

export type Model = {
  raw: RawInfra;
  dockerfiles: Record<string, Dockerfile>;
  /** Image name (without tag) → Dockerfile it is built from (compose `build`). */
  buildTargets: Record<string, string>;
  images: Record<string, ImageConfig>;
  containers: Container[];
  objects: Obj[];
};

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const imageName = (image: string) => image.replace(/:[^/:]+$/, '');
const stripInit = (argv: string[]) => (argv[0]?.endsWith('/tini') && argv[1] === '--' ? argv.slice(2) : argv);

/** Compose `${VAR}`, `${VAR:-default}`, `${VAR:?message}`: defaults, else a stand-in an operator would set. */
export function interpolate(value: string): string {
  return value.replace(/\$\{(\w+)(?::?([-?])([^}]*))?\}/g, (_, _name, op, arg) =>
    op === '-' ? arg : 'operator-supplied-value-0123456789',
  );
}

/** An http probe from a `node -e "fetch('http://127.0.0.1:PORT/path')"` health command. */
function fetchProbe(argv: string[], env: Record<string, string>): Probe {
  const m = /fetch\('http:\/\/127\.0\.0\.1:(?:(\d+)|' \+ process\.env\.PORT \+ ')(\/[^']*)'\)/.exec(
    argv[2] ?? '',
  );
  if (argv[0] !== 'node' || argv[1] !== '-e' || !m) return { kind: 'exec', argv };
  return { kind: 'http', path: m[2], port: Number(m[1] ?? env.PORT) || undefined };
}

function composeContainers(raw: RawInfra, images: Record<string, ImageConfig>): Container[] {
  return Object.entries(obj(raw.compose.services)).map(([name, svc]) => {
    const s = obj(svc);
    const image = str(s.image);
    const cfg = images[imageName(image)];
    const environment = Object.fromEntries(
      Object.entries(obj(s.environment)).map(([k, v]) => [k, interpolate(str(v))]),
    );
    const env = { ...cfg?.env, ...environment };
    const entry = s.entrypoint ? arr(s.entrypoint).map(str) : (cfg?.entrypoint ?? []);
    const argv = stripInit([...entry, ...(s.command ? arr(s.command).map(str) : (cfg?.cmd ?? []))]);
    const test = arr(obj(s.healthcheck).test).map(str);
    const probes: Container['probes'] = [];
    if (test[0] === 'CMD') probes.push({ role: 'healthcheck', ...fetchProbe(test.slice(1), env) });
    if (test[0] === 'CMD-SHELL')
      probes.push({ role: 'healthcheck', kind: 'exec', argv: ['sh', '-c', test[1]] });
    const devices = arr(obj(obj(obj(s.deploy).resources).reservations).devices).map(obj);
    const gpus = devices
      .filter((d) => d.driver === 'nvidia' && arr(d.capabilities).includes('gpu'))
      .reduce((n, d) => n + Number(d.count ?? 0), 0);
    const published = arr(s.ports).map((p) => Number(str(p).split(':').at(-1)));
    return {
      where: `compose service ${name}`,
      owner: 'compose' as const,
      object: s,
      image,
      argv,
      env,
      setEnv: Object.keys(environment).map((n) => ({ name: n, where: `compose ${name}` })),
      ports: Object.fromEntries(published.map((p) => [String(p), p])),
      probes,
      gpus,
      volumes: arr(s.volumes).map((v) => {
        const [volume, mountPath] = str(v).split(':');
        return { name: volume, mountPath };
      }),
    };
  });
}

/** Kinds whose pod template the model reads: Deployments, Jobs and KEDA ScaledJobs (spec.jobTargetRef). */
const POD_OWNERS = ['Deployment', 'Job', 'ScaledJob'];

/** The pod spec of a Deployment, Job or ScaledJob (empty for other kinds). */
export function podSpecOf(o: Obj): Obj {
  const spec = obj(o.spec);
  return obj(obj((o.kind === 'ScaledJob' ? obj(spec.jobTargetRef) : spec).template).spec);
}

function podContainers(objects: Obj[], images: Record<string, ImageConfig>): Container[] {
  const byKey = new Map(objects.map((o) => [`${o.kind}/${str(obj(o.metadata).name)}`, o]));
  const out: Container[] = [];
  for (const o of objects.filter((o) => POD_OWNERS.includes(String(o.kind)))) {
    const pod = podSpecOf(o);
    const claims = new Map(
      arr(pod.volumes).map((v) => [
        str(obj(v).name),
        str(obj(obj(v).persistentVolumeClaim).claimName) || undefined,
      ]),
    );
    for (const c of arr(pod.containers).map(obj)) {
      const where = `${o.kind}/${str(obj(o.metadata).name)} container ${str(c.name)}`;
      const cfg = images[imageName(str(c.image))];
      const env: Record<string, string> = { ...cfg?.env };
      const setEnv: Container['setEnv'] = [];
      for (const from of arr(c.envFrom).map(obj)) {
        const ref = from.configMapRef
          ? `ConfigMap/${str(obj(from.configMapRef).name)}`
          : `Secret/${str(obj(from.secretRef).name)}`;
        const src = obj(byKey.get(ref));
        for (const [k, v] of Object.entries({ ...obj(src.data), ...obj(src.stringData) })) {
          env[k] = str(v);
          setEnv.push({ name: k, where: `${ref} (envFrom of ${where})` });
        }
      }
      for (const e of arr(c.env).map(obj)) {
        env[str(e.name)] = e.valueFrom ? 'from-a-reference' : str(e.value);
        setEnv.push({ name: str(e.name), where });
      }
      const command = c.command ? arr(c.command).map(str) : (cfg?.entrypoint ?? []);
      const args = c.args ? arr(c.args).map(str) : c.command ? [] : (cfg?.cmd ?? []);
      const ports = Object.fromEntries(
        arr(c.ports).map((p) => [str(obj(p).name), Number(obj(p).containerPort)]),
      );
      const probes: Container['probes'] = [];
      for (const role of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
        const p = obj(c[role]);
        if (p.httpGet) {
          const port = obj(p.httpGet).port;
          const resolved = typeof port === 'number' ? port : ports[str(port)];
          probes.push({ role, kind: 'http', path: str(obj(p.httpGet).path), port: resolved });
        } else if (p.exec) probes.push({ role, kind: 'exec', argv: arr(obj(p.exec).command).map(str) });
      }
      const limits = obj(obj(c.resources).limits);
      out.push({
        where,
        owner: o.kind as 'Deployment' | 'Job' | 'ScaledJob',
        object: o,
        image: str(c.image),
        argv: stripInit([...command, ...args]),
        env,
        setEnv,
        ports,
        probes,
        gpus: Number(limits['nvidia.com/gpu'] ?? 0),
        volumes: arr(c.volumeMounts).map((m) => ({
          name: str(obj(m).name),
          mountPath: str(obj(m).mountPath),
          claim: claims.get(str(obj(m).name)),
        })),
      });
    }
  }
  return out;
}

/** Interprets raw infra: images from the Dockerfiles, then every compose and Kubernetes container. */
export function buildModel(raw: RawInfra, k8sObjects: Obj[] = Object.values(raw.k8s).flat()): Model {
  const dockerfiles = Object.fromEntries(
    Object.entries(raw.dockerfiles).map(([n, text]) => [n, parseDockerfile(n, text)]),
  );
  const buildTargets: Record<string, string> = {};
  for (const svc of Object.values(obj(raw.compose.services)).map(obj)) {
    const dockerfile = str(obj(svc.build).dockerfile).replace(/^infra\//, '');
    if (svc.build && svc.image) buildTargets[imageName(str(svc.image))] = dockerfile;
  }
  const images: Record<string, ImageConfig> = {};
  for (const [name, file] of Object.entries(buildTargets)) {
    if (dockerfiles[file]) images[name] = imageConfig(dockerfiles[file]);
  }
  const containers = [...composeContainers(raw, images), ...podContainers(k8sObjects, images)];
  return { raw, dockerfiles, buildTargets, images, containers, objects: k8sObjects };
}
