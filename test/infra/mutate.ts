// Edits of a cloned RawInfra for the manifest tests; every edit throws when it would change nothing.
import { type Obj, podSpecOf, type RawInfra } from './manifest-model.js';

export type Mutation = [what: string, edit: (raw: RawInfra) => void, expected: RegExp];

/** Narrows a parsed YAML value to an object. */
export const o = (v: unknown) => v as Obj;

/** The Kubernetes object of that kind and name, in any file. */
export function k8s(raw: RawInfra, kind: string, name: string): Obj {
  const found = Object.values(raw.k8s)
    .flat()
    .find((x) => x.kind === kind && o(x.metadata).name === name);
  if (!found) throw new Error(`no ${kind}/${name}`);
  return found;
}

/** The pod spec of a Deployment, Job or ScaledJob. */
export const pod = (raw: RawInfra, kind: string, name: string) => podSpecOf(k8s(raw, kind, name));
/** The first container of a Deployment, Job or ScaledJob. */
export const container = (raw: RawInfra, kind: string, name: string) =>
  o((pod(raw, kind, name).containers as Obj[])[0]);
/** A compose service. */
export const service = (raw: RawInfra, name: string) => o(o(raw.compose.services)[name]);
/** The args list of a Deployment's or Job's first container. */
export const args = (raw: RawInfra, kind: string, name: string) =>
  container(raw, kind, name).args as string[];

/** Sets `target[key]`; throws when it already holds that value. */
export function set(target: Obj, key: string, value: unknown): void {
  if (JSON.stringify(target[key]) === JSON.stringify(value))
    throw new Error(`${key} is already ${String(value)}`);
  target[key] = value;
}

/** Deletes `target[key]`; throws when it is not there. */
export function del(target: Obj, key: string): void {
  if (!(key in target)) throw new Error(`no ${key} to delete`);
  delete target[key];
}

/** Replaces text in a Dockerfile or .dockerignore. */
export function edit(
  raw: RawInfra,
  kind: 'dockerfiles' | 'dockerignores',
  name: string,
  from: string | RegExp,
  to: string,
) {
  const before = raw[kind][name];
  raw[kind][name] = before.replace(from, to);
  if (raw[kind][name] === before) throw new Error(`${name}: ${from} not found`);
}

/** Sets the value after `flag` in an argv list. */
export function setArg(list: string[], flag: string, value: string): void {
  const i = list.indexOf(flag);
  if (i < 0) throw new Error(`no ${flag}`);
  list[i + 1] = value;
}
