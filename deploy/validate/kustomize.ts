import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { isRecord, objectId, parseManifests, type KObject } from './objects.js';
import { strategicMerge } from './strategic-merge.js';

/**
 * A tiny kustomize for the features our overlays use: `resources` (files and directories with a
 * kustomization.yaml), `namespace`, `images` and `patches` given by `path` (strategic merge, target taken
 * from the patch's kind and name, `$patch: delete` removes the target). Any other field is an error, so an
 * overlay cannot silently use something this renderer does not understand. It exists because CI has no
 * kustomize binary guaranteed; when `kubectl` is installed the tests compare its output with ours.
 */
const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'images', 'patches']);
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'PersistentVolume',
  'StorageClass',
]);

interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

export function kustomize(dir: string): KObject[] {
  const k: unknown = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'));
  if (!isRecord(k)) throw new Error(`${dir}: kustomization.yaml is not a map`);
  for (const field of Object.keys(k)) {
    if (!SUPPORTED.has(field))
      throw new Error(`${dir}: kustomization field "${field}" is not supported by the test renderer`);
  }
  let objects: KObject[] = [];
  for (const r of (k['resources'] as string[] | undefined) ?? []) {
    const p = join(dir, r);
    if (!existsSync(p)) throw new Error(`${dir}: resource ${r} not found`);
    objects.push(...(statSync(p).isDirectory() ? kustomize(p) : parseManifests(readFileSync(p, 'utf8'), p)));
  }
  const seen = new Set<string>();
  for (const o of objects) {
    const id = objectId(o);
    if (seen.has(id)) throw new Error(`${dir}: ${id} defined twice`);
    seen.add(id);
  }
  for (const entry of (k['patches'] as { path?: string }[] | undefined) ?? []) {
    if (typeof entry.path !== 'string' || Object.keys(entry).length !== 1) {
      throw new Error(`${dir}: only patches with a single "path" are supported`);
    }
    objects = applyPatchFile(objects, join(dir, entry.path));
  }
  const ns = k['namespace'];
  if (typeof ns === 'string') {
    for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata = { ...o.metadata, namespace: ns };
  }
  for (const rule of (k['images'] as ImageRule[] | undefined) ?? []) {
    for (const o of objects) for (const c of containersOf(o)) c['image'] = retag(String(c['image']), rule);
  }
  return objects;
}

function applyPatchFile(objects: KObject[], file: string): KObject[] {
  const raw: unknown = parse(readFileSync(file, 'utf8'), { version: '1.1' });
  if (!isRecord(raw) || !isRecord(raw['metadata']))
    throw new Error(`${file}: a patch needs kind and metadata.name`);
  const id = `${String(raw['kind'])}/${String(raw['metadata']['name'])}`;
  const i = objects.findIndex((o) => objectId(o) === id);
  if (i < 0) throw new Error(`${file}: patch target ${id} not found`);
  if (raw['$patch'] === 'delete') return objects.filter((_, j) => j !== i);
  const next = [...objects];
  next[i] = strategicMerge(objects[i], raw) as KObject;
  return next;
}

/** Every container list in an object's pod template (CronJob, Job, Deployment, ...), for in-place edits. */
export function containersOf(o: KObject): Record<string, unknown>[] {
  const pod = podSpecOf(o);
  if (!pod) return [];
  return [
    ...((pod['initContainers'] as Record<string, unknown>[]) ?? []),
    ...((pod['containers'] as Record<string, unknown>[]) ?? []),
  ];
}

export function podSpecOf(o: KObject): Record<string, unknown> | undefined {
  const spec = o['spec'];
  if (!isRecord(spec)) return undefined;
  const jobSpec = o.kind === 'CronJob' && isRecord(spec['jobTemplate']) ? spec['jobTemplate']['spec'] : spec;
  const template = isRecord(jobSpec) ? jobSpec['template'] : undefined;
  return isRecord(template) && isRecord(template['spec']) ? template['spec'] : undefined;
}

function retag(image: string, rule: ImageRule): string {
  const at = image.indexOf('@');
  const noDigest = at >= 0 ? image.slice(0, at) : image;
  const colon = noDigest.lastIndexOf(':');
  const hasTag = colon > noDigest.lastIndexOf('/');
  const name = hasTag ? noDigest.slice(0, colon) : noDigest;
  if (name !== rule.name) return image;
  const tag = rule.newTag ?? (hasTag ? noDigest.slice(colon + 1) : undefined);
  const base = rule.newName ?? name;
  if (rule.digest) return `${base}@${rule.digest}`;
  return tag ? `${base}:${tag}` : base;
}
