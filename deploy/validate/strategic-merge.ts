import { isRecord } from './objects.js';

/**
 * The subset of Kubernetes strategic merge patch that our overlays use: maps merge recursively, `null`
 * deletes a key, lists of objects merge item by item on their merge key (as the API schema declares it for
 * containers, volumes, env, volumeMounts and ports), every other list is replaced. Hand-written because no
 * npm package implements strategic merge patch without a Go toolchain; kubectl's own result is compared
 * with this one in the tests when kubectl is installed.
 */
const MERGE_KEYS: Readonly<Record<string, readonly string[]>> = {
  containers: ['name'],
  initContainers: ['name'],
  volumes: ['name'],
  env: ['name'],
  volumeMounts: ['mountPath'],
  ports: ['containerPort', 'port'],
  imagePullSecrets: ['name'],
};

export function strategicMerge(base: unknown, patch: unknown, field = ''): unknown {
  if (isRecord(base) && isRecord(patch)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(patch)) {
      if (k.startsWith('$')) throw new Error(`strategic merge: directive ${k} is not supported here`);
      if (v === null) delete out[k];
      else out[k] = k in base ? strategicMerge(base[k], v, k) : v;
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(patch)) {
    const key = mergeKey(field, base, patch);
    if (key === undefined) return patch;
    const out = [...base];
    for (const item of patch as Record<string, unknown>[]) {
      const i = out.findIndex((b) => (b as Record<string, unknown>)[key] === item[key]);
      if (i >= 0) out[i] = strategicMerge(out[i], item);
      else out.push(item);
    }
    return out;
  }
  return patch;
}

function mergeKey(field: string, a: unknown[], b: unknown[]): string | undefined {
  for (const key of MERGE_KEYS[field] ?? []) {
    if ([...a, ...b].every((x) => isRecord(x) && x[key] !== undefined)) return key;
  }
  return undefined;
}
