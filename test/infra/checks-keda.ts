// Checks on the KEDA scale-to-zero objects: the ScaledJob's trigger, its command and wiring, and what its auth refers to.
import { SCORE_QUEUE } from '../../functions/queue/queue.js';
import { classify } from './checks-runtime.js';
import { type Container, type Model, type Obj, podSpecOf } from './manifest-model.js';

const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const nameOf = (o: Obj) => String(obj(o.metadata).name ?? '');

/** The trigger of a ScaledJob: its type, query metadata and how KEDA connects. */
export type QueueTrigger = { type: string; metadata: Obj; authenticationRef?: string };

/** The KEDA ScaledJobs of a model. */
export const scaledJobs = (m: Model) => m.objects.filter((o) => o.kind === 'ScaledJob');

/** The triggers of a ScaledJob, as written. */
export function triggersOf(scaledJob: Obj): QueueTrigger[] {
  return arr(obj(scaledJob.spec).triggers)
    .map(obj)
    .map((t) => ({
      type: String(t.type ?? ''),
      metadata: obj(t.metadata),
      authenticationRef: obj(t.authenticationRef).name as string | undefined,
    }));
}

/** Where KEDA's connection string comes from resolves to a Secret key the pods read as DATABASE_URL too. */
function connectionProblems(m: Model, where: string, t: QueueTrigger, c: Container | undefined): string[] {
  if (t.metadata.connectionFromEnv !== undefined) {
    const name = String(t.metadata.connectionFromEnv);
    return c?.env[name] === undefined ? [`${where}: connectionFromEnv ${name} is not in the pod's env`] : [];
  }
  if (!t.authenticationRef) return [`${where}: the trigger has no authenticationRef nor connectionFromEnv`];
  const auth = m.objects.find((o) => o.kind === 'TriggerAuthentication' && nameOf(o) === t.authenticationRef);
  if (!auth) return [`${where}: no TriggerAuthentication ${t.authenticationRef}`];
  const refs = arr(obj(auth.spec).secretTargetRef).map(obj);
  const ref = refs.find((r) => r.parameter === 'connection');
  if (!ref)
    return [`TriggerAuthentication/${t.authenticationRef}: no secretTargetRef for parameter connection`];
  const secret = m.objects.find((o) => o.kind === 'Secret' && nameOf(o) === ref.name);
  if (!secret) return [`TriggerAuthentication/${t.authenticationRef}: no Secret ${String(ref.name)}`];
  const keys = Object.keys({ ...obj(secret.data), ...obj(secret.stringData) });
  const problems: string[] = [];
  if (!keys.includes(String(ref.key)))
    problems.push(
      `TriggerAuthentication/${t.authenticationRef}: Secret ${nameOf(secret)} has no key ${String(ref.key)}`,
    );
  if (ref.key !== 'DATABASE_URL')
    problems.push(`TriggerAuthentication/${t.authenticationRef}: connection must be the pods' DATABASE_URL`);
  return problems;
}

/**
 * A ScaledJob scales to zero on the scoring queue: one postgresql trigger counting `score-submission` jobs in
 * pg-boss's table, one Job per queued job, pods running `sketchboard score --next` with the scorer Deployment's
 * envFrom, and a connection string from the Secret the pods read.
 */
export function checkScaledJobs(m: Model): string[] {
  const problems: string[] = [];
  const jobs = scaledJobs(m);
  if (jobs.length === 0) return ['no KEDA ScaledJob runs `sketchboard score --next`'];
  const scorer = m.containers.find((c) => c.owner === 'Deployment' && verb(c) === 'scorer');
  for (const o of jobs) {
    const where = `ScaledJob/${nameOf(o)}`;
    const spec = obj(o.spec);
    if (o.apiVersion !== 'keda.sh/v1alpha1') problems.push(`${where}: apiVersion ${String(o.apiVersion)}`);
    if ((spec.minReplicaCount ?? 0) !== 0)
      problems.push(`${where}: minReplicaCount must be 0 to scale to zero`);
    if (!(Number(spec.maxReplicaCount) >= 1)) problems.push(`${where}: maxReplicaCount must be at least 1`);
    // The query leaves claimed (active) jobs out, so running Jobs must not be subtracted from it again.
    if (obj(spec.scalingStrategy).strategy !== 'accurate')
      problems.push(`${where}: scalingStrategy must be accurate (the query does not count claimed jobs)`);
    if (podSpecOf(o).restartPolicy !== 'Never') problems.push(`${where}: restartPolicy must be Never`);
    const containers = m.containers.filter((c) => c.object === o);
    const c = containers[0];
    const args = c && verb(c) === 'score' ? (classify(c.argv) as { args: string[] }).args : [];
    if (containers.length !== 1 || !args.includes('--next') || args.includes('--submission'))
      problems.push(`${where}: its one container must run \`sketchboard score --next\``);
    if (scorer && c && JSON.stringify(envFromOf(scorer)) !== JSON.stringify(envFromOf(c)))
      problems.push(`${where}: envFrom differs from the scorer Deployment's`);
    const triggers = triggersOf(o);
    if (triggers.length !== 1) problems.push(`${where}: needs exactly one trigger`);
    for (const t of triggers) {
      if (t.type !== 'postgresql') problems.push(`${where}: trigger type ${t.type}, not postgresql`);
      const query = String(t.metadata.query ?? '');
      if (!/\bfrom\s+pgboss\.job\b/i.test(query) || !query.includes(`name = '${SCORE_QUEUE}'`))
        problems.push(`${where}: the query must count pgboss.job rows of queue ${SCORE_QUEUE}`);
      if (t.metadata.targetQueryValue !== '1')
        problems.push(`${where}: targetQueryValue must be "1" (one Job per queued job)`);
      problems.push(...connectionProblems(m, where, t, c));
    }
  }
  return problems;
}

/** A container's envFrom list as written. */
function envFromOf(c: Container): unknown {
  const spec = arr(podSpecOf(c.object).containers)
    .map(obj)
    .find((x) => c.where.endsWith(`container ${String(x.name)}`));
  return spec?.envFrom;
}

function verb(c: Container): string {
  const cmd = classify(c.argv);
  return cmd.kind === 'cli' ? cmd.verb : '';
}
