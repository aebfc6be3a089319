import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { asArray, at, isRecord, objectId, type KObject } from './objects.js';
import { validateCiliumNetworkPolicy } from './cilium-schema.js';

/** A model class from kubernetes-models: constructing and calling validate() throws on a schema violation. */
type ModelClass = new (data: never) => { validate(): void };

/** The kinds our manifests and chart may contain (an unknown kind fails validation: nothing goes unchecked). */
const MODELS: Readonly<Record<string, ModelClass>> = {
  'v1/Namespace': Namespace as unknown as ModelClass,
  'v1/ServiceAccount': ServiceAccount as unknown as ModelClass,
  'v1/ConfigMap': ConfigMap as unknown as ModelClass,
  'v1/Secret': Secret as unknown as ModelClass,
  'v1/Service': Service as unknown as ModelClass,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim as unknown as ModelClass,
  'batch/v1/CronJob': CronJob as unknown as ModelClass,
  'batch/v1/Job': Job as unknown as ModelClass,
  'apps/v1/Deployment': Deployment as unknown as ModelClass,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as unknown as ModelClass,
};

/**
 * Validate one object against the Kubernetes OpenAPI schema bundled in kubernetes-models (or, for
 * CiliumNetworkPolicy, our own schema of the fields we use). Returns error messages; empty means valid.
 */
export function schemaErrors(o: KObject): string[] {
  const key = `${o.apiVersion}/${o.kind}`;
  if (key === 'cilium.io/v2/CiliumNetworkPolicy')
    return validateCiliumNetworkPolicy(o).map((e) => `${objectId(o)}: ${e}`);
  const Model = MODELS[key];
  if (!Model) return [`${objectId(o)}: no schema for ${key}`];
  try {
    new Model(structuredClone(o) as never).validate();
    return [];
  } catch (err) {
    return [`${objectId(o)}: ${(err as Error).message}`];
  }
}

/** Semantic rules the API server checks but the OpenAPI schema does not (Indexed Job, names, labels). */
export function apiServerRuleErrors(o: KObject): string[] {
  const errs: string[] = [];
  const id = objectId(o);
  const name = o.metadata.name;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) errs.push(`${id}: invalid name`);
  if (o.kind === 'CronJob' && name.length > 52)
    errs.push(`${id}: CronJob names are limited to 52 characters`);
  const job =
    o.kind === 'CronJob'
      ? at(o, 'spec', 'jobTemplate', 'spec')
      : o.kind === 'Job'
        ? at(o, 'spec')
        : undefined;
  if (job !== undefined) {
    const indexed = at(job, 'completionMode') === 'Indexed';
    const completions = at(job, 'completions');
    const perIndex = at(job, 'backoffLimitPerIndex');
    const maxFailed = at(job, 'maxFailedIndexes');
    if (indexed && typeof completions !== 'number') errs.push(`${id}: Indexed Job needs completions`);
    if (perIndex !== undefined && !indexed)
      errs.push(`${id}: backoffLimitPerIndex needs completionMode Indexed`);
    if (perIndex !== undefined && at(job, 'template', 'spec', 'restartPolicy') !== 'Never') {
      errs.push(`${id}: backoffLimitPerIndex needs restartPolicy Never`);
    }
    if (
      maxFailed !== undefined &&
      (perIndex === undefined || typeof completions !== 'number' || Number(maxFailed) > completions)
    ) {
      errs.push(`${id}: maxFailedIndexes needs backoffLimitPerIndex and must be <= completions`);
    }
    const rules = asArray(at(job, 'podFailurePolicy', 'rules'));
    if (rules.some((r) => at(r, 'action') === 'FailIndex') && perIndex === undefined) {
      errs.push(`${id}: podFailurePolicy FailIndex needs backoffLimitPerIndex`);
    }
  }
  if (o.kind === 'Deployment') {
    const sel = at(o, 'spec', 'selector', 'matchLabels');
    const labels = at(o, 'spec', 'template', 'metadata', 'labels');
    if (!isRecord(sel) || !isRecord(labels) || !Object.entries(sel).every(([k, v]) => labels[k] === v)) {
      errs.push(`${id}: selector does not match template labels`);
    }
  }
  return errs;
}
