// The part of kustomize's strategic merge the S3 overlay uses: map merge, list items by merge key, `$patch: delete`.
import type { Obj } from './manifest-model.js';

/** Merge keys of the lists the overlay patches (Kubernetes' patchMergeKey for these fields). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  env: 'name',
};

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const key = (o: Obj) => `${o.kind}/${String((o.metadata as Obj | undefined)?.name ?? '')}`;

function mergeList(field: string, base: unknown[], patch: unknown[]): unknown[] {
  const mk = MERGE_KEYS[field];
  if (!mk) return patch;
  const out = [...base];
  for (const item of patch.filter(isObj)) {
    const i = out.findIndex((b) => isObj(b) && b[mk] === item[mk]);
    if (item.$patch === 'delete') {
      if (i < 0) throw new Error(`patch deletes ${field} ${String(item[mk])}, which is not there`);
      out.splice(i, 1);
    } else if (i >= 0) out[i] = merge(out[i] as Obj, item);
    else out.push(item);
  }
  return out;
}

function merge(base: Obj, patch: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch') continue;
    if (Array.isArray(v) && Array.isArray(base[k])) out[k] = mergeList(k, base[k] as unknown[], v);
    else if (isObj(v) && isObj(base[k])) out[k] = merge(base[k] as Obj, v);
    else out[k] = v;
  }
  return out;
}

/**
 * Applies strategic-merge patches to objects matched by kind and name; a patch that names no object,
 * or deletes a list item that is not there, throws (kustomize fails the same way).
 */
export function applyPatches(objects: Obj[], patches: Obj[]): Obj[] {
  let out = objects.map((o) => structuredClone(o));
  for (const p of patches) {
    const i = out.findIndex((o) => key(o) === key(p));
    if (i < 0) throw new Error(`patch targets ${key(p)}, which the base does not define`);
    if (p.$patch === 'delete') out = out.filter((_, j) => j !== i);
    else out[i] = merge(out[i], p);
  }
  return out;
}
