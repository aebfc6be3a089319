import { asArray, at, isRecord, objectId, type KObject } from './objects.js';
import { podSpecOf } from './kustomize.js';

/**
 * Our own hardening rules for a rendered set of objects (a kustomize overlay or a chart variant). Each
 * violation is `RULE-ID where: why`. The tests assert the real manifests have none, and that mutated copies
 * (a control removed) are caught: PSS "restricted", read-only root, default-deny egress, Indexed sharding.
 */
const PSS_VOLUME_TYPES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const METADATA_IP = [169, 254, 169, 254];

export function hardeningViolations(objects: readonly KObject[]): string[] {
  const v: string[] = [];
  for (const o of objects) {
    if (podSpecOf(o)) v.push(...podViolations(o));
    if (o.kind === 'CronJob') v.push(...cronJobViolations(o));
    if (o.kind === 'NetworkPolicy') v.push(...networkPolicyViolations(o));
    if (o.kind === 'CiliumNetworkPolicy') v.push(...ciliumViolations(o));
    if (o.kind === 'ServiceAccount' && o['automountServiceAccountToken'] !== false) {
      v.push(`SA-TOKEN ${objectId(o)}: automountServiceAccountToken must be false`);
    }
    if (
      o.kind === 'Namespace' &&
      at(o, 'metadata', 'labels', 'pod-security.kubernetes.io/enforce') !== 'restricted'
    ) {
      v.push(`PSA-RESTRICTED ${objectId(o)}: label pod-security.kubernetes.io/enforce=restricted missing`);
    }
  }
  if (!objects.some((o) => o.kind === 'CronJob')) v.push('CRONJOB-PRESENT: no CronJob rendered');
  const denyAll = objects.filter((o) => o.kind === 'NetworkPolicy' && isDefaultDeny(o));
  if (!denyAll.some((o) => asArray(at(o, 'spec', 'policyTypes')).includes('Egress'))) {
    v.push(
      'DEFAULT-DENY-EGRESS: no NetworkPolicy selects every pod with policyTypes Egress and no egress rule',
    );
  }
  if (!denyAll.some((o) => asArray(at(o, 'spec', 'policyTypes')).includes('Ingress'))) {
    v.push(
      'DEFAULT-DENY-INGRESS: no NetworkPolicy selects every pod with policyTypes Ingress and no ingress rule',
    );
  }
  const allows = objects.filter(
    (o) =>
      (o.kind === 'NetworkPolicy' && !isDefaultDeny(o) && at(o, 'spec', 'egress')) ||
      o.kind === 'CiliumNetworkPolicy',
  );
  if (allows.length === 0) v.push('EGRESS-ALLOW-LIST: no egress allow-list policy for the scanner pods');
  return v;
}

function isDefaultDeny(o: KObject): boolean {
  const sel = at(o, 'spec', 'podSelector');
  return (
    isRecord(sel) &&
    Object.keys(sel).length === 0 &&
    at(o, 'spec', 'egress') === undefined &&
    at(o, 'spec', 'ingress') === undefined
  );
}

function podViolations(o: KObject): string[] {
  const v: string[] = [];
  const id = objectId(o);
  const pod = podSpecOf(o)!;
  const psc = pod['securityContext'];
  if (pod['automountServiceAccountToken'] !== false)
    v.push(`POD-SA-TOKEN ${id}: automountServiceAccountToken must be false`);
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC'])
    if (pod[f] === true) v.push(`HOST-NAMESPACES ${id}: ${f}`);
  for (const vol of asArray(pod['volumes'])) {
    const type = Object.keys(vol as object).find((k) => k !== 'name');
    if (!type || !PSS_VOLUME_TYPES.has(type))
      v.push(`VOLUME-TYPES ${id}: volume ${String(at(vol, 'name'))} of type ${type}`);
  }
  for (const c of [...asArray(pod['initContainers']), ...asArray(pod['containers'])]) {
    const where = `${id} container ${String(at(c, 'name'))}`;
    const sc = at(c, 'securityContext');
    const eff = (k: string): unknown => at(sc, k) ?? at(psc, k);
    if (eff('runAsNonRoot') !== true) v.push(`RUN-AS-NON-ROOT ${where}: runAsNonRoot must be true`);
    const uid = eff('runAsUser');
    if (typeof uid !== 'number' || !Number.isInteger(uid) || uid <= 0)
      v.push(`RUN-AS-USER ${where}: runAsUser must be a numeric non-root uid`);
    if (!['RuntimeDefault', 'Localhost'].includes(String(at(eff('seccompProfile'), 'type'))))
      v.push(`SECCOMP ${where}: seccompProfile RuntimeDefault`);
    if (at(sc, 'readOnlyRootFilesystem') !== true)
      v.push(`READONLY-ROOT-FS ${where}: readOnlyRootFilesystem must be true`);
    if (at(sc, 'allowPrivilegeEscalation') !== false)
      v.push(`NO-PRIVILEGE-ESCALATION ${where}: allowPrivilegeEscalation must be false`);
    if (at(sc, 'privileged') === true) v.push(`NOT-PRIVILEGED ${where}`);
    if (!asArray(at(sc, 'capabilities', 'drop')).includes('ALL'))
      v.push(`DROP-ALL-CAPABILITIES ${where}: capabilities.drop must include ALL`);
    const added = asArray(at(sc, 'capabilities', 'add')).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (added.length > 0) v.push(`NO-ADDED-CAPABILITIES ${where}: ${added.join(',')}`);
    for (const k of ['requests', 'limits'])
      for (const r of ['cpu', 'memory']) {
        if (at(c, 'resources', k, r) === undefined) v.push(`RESOURCES ${where}: resources.${k}.${r} missing`);
      }
    const image = String(at(c, 'image'));
    if (!/[:@]/.test(image.slice(image.lastIndexOf('/') + 1)) || /:latest$/.test(image))
      v.push(`IMAGE-PINNED ${where}: image ${image} needs a version tag or digest`);
    if (!asArray(at(c, 'volumeMounts')).some((m) => at(m, 'mountPath') === '/tmp'))
      v.push(`TMP-VOLUME ${where}: /tmp must be a volume (read-only root)`);
  }
  return v;
}

function cronJobViolations(o: KObject): string[] {
  const v: string[] = [];
  const id = objectId(o);
  const spec = at(o, 'spec');
  const job = at(spec, 'jobTemplate', 'spec');
  if (at(spec, 'concurrencyPolicy') !== 'Forbid')
    v.push(`CONCURRENCY-FORBID ${id}: concurrencyPolicy must be Forbid`);
  const deadline = at(spec, 'startingDeadlineSeconds');
  if (typeof deadline !== 'number' || deadline < 10)
    v.push(`STARTING-DEADLINE ${id}: startingDeadlineSeconds >= 10 required`);
  for (const f of ['successfulJobsHistoryLimit', 'failedJobsHistoryLimit'])
    if (typeof at(spec, f) !== 'number') v.push(`HISTORY-LIMITS ${id}: ${f} missing`);
  if (at(job, 'completionMode') !== 'Indexed') v.push(`INDEXED-JOB ${id}: completionMode must be Indexed`);
  const completions = at(job, 'completions');
  if (typeof completions !== 'number' || completions < 1 || at(job, 'parallelism') !== completions) {
    v.push(`SHARDS-PARALLEL ${id}: completions and parallelism must both equal the shard count`);
  }
  for (const f of ['backoffLimit', 'backoffLimitPerIndex', 'maxFailedIndexes', 'activeDeadlineSeconds']) {
    if (typeof at(job, f) !== 'number') v.push(`JOB-LIMITS ${id}: ${f} missing`);
  }
  const container = asArray(at(job, 'template', 'spec', 'containers'))[0];
  const args = asArray(at(container, 'args')).map(String);
  const shardArg = args.find((a) => a.startsWith('--shards='));
  if (args[0] !== 'registry' || shardArg !== `--shards=${String(completions)}`) {
    v.push(`SHARD-ARG ${id}: args must run "registry --shards=<completions>" (got ${shardArg ?? 'none'})`);
  }
  const index = asArray(at(container, 'env')).find((e) => at(e, 'name') === 'JOB_COMPLETION_INDEX');
  if (
    !String(at(index, 'valueFrom', 'fieldRef', 'fieldPath')).includes(
      'batch.kubernetes.io/job-completion-index',
    )
  ) {
    v.push(`SHARD-INDEX-ENV ${id}: JOB_COMPLETION_INDEX must come from the completion-index annotation`);
  }
  const state = asArray(at(container, 'volumeMounts')).find(
    (m) => at(m, 'mountPath') === '/var/lib/cavra-scan',
  );
  if (!String(at(state, 'subPathExpr')).includes('$(JOB_COMPLETION_INDEX)')) {
    v.push(`STATE-PER-SHARD ${id}: the state mount needs subPathExpr with $(JOB_COMPLETION_INDEX)`);
  }
  return v;
}

function networkPolicyViolations(o: KObject): string[] {
  const v: string[] = [];
  for (const rule of asArray(at(o, 'spec', 'egress'))) {
    const to = asArray(at(rule, 'to'));
    if (to.length === 0)
      v.push(`EGRESS-NO-ANY ${objectId(o)}: an egress rule without "to" allows every destination`);
    if (asArray(at(rule, 'ports')).length === 0)
      v.push(`EGRESS-PORTS ${objectId(o)}: an egress rule without ports allows every port`);
    for (const peer of to) {
      const cidr = at(peer, 'ipBlock', 'cidr');
      if (typeof cidr !== 'string') continue;
      const except = asArray(at(peer, 'ipBlock', 'except')).map(String);
      if (/\/0$/.test(cidr)) v.push(`EGRESS-NO-ANY ${objectId(o)}: ${cidr} allows the whole internet`);
      if (cidrContains(cidr, METADATA_IP) && !except.some((e) => cidrContains(e, METADATA_IP))) {
        v.push(`EGRESS-NO-METADATA ${objectId(o)}: ${cidr} includes the instance metadata address`);
      }
    }
  }
  return v;
}

function ciliumViolations(o: KObject): string[] {
  const v: string[] = [];
  for (const rule of asArray(at(o, 'spec', 'egress'))) {
    if (at(rule, 'toEntities') !== undefined) v.push(`EGRESS-NO-ANY ${objectId(o)}: toEntities`);
    for (const f of asArray(at(rule, 'toFQDNs'))) {
      if (at(f, 'matchPattern') === '*') v.push(`EGRESS-NO-ANY ${objectId(o)}: toFQDNs matchPattern "*"`);
    }
  }
  return v;
}

/** IPv4 only: an IPv6 block never contains the IPv4 metadata address. */
export function cidrContains(cidr: string, ip: readonly number[]): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return false;
  const net = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  const toInt = (a: readonly number[]): number =>
    ((a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (toInt(net) & mask) >>> 0 === (toInt(ip) & mask) >>> 0;
}
