import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { validationErrors } from '../validate/check.js';
import { hardeningViolations } from '../validate/hardening.js';
import { loadValues, mergeValues, renderChart, valuesSchemaErrors } from '../validate/helm.js';
import { kustomize } from '../validate/kustomize.js';
import { at, objectId, type KObject } from '../validate/objects.js';

const here = dirname(fileURLToPath(import.meta.url));
const chart = join(here, 'cavra-scan');
const variants: Record<string, string[]> = {
  default: [],
  sharded: [join(chart, 'ci/sharded-values.yaml')],
  serve: [join(chart, 'ci/serve-values.yaml')],
  cilium: [join(chart, 'ci/cilium-values.yaml')],
};
const render = (valueFiles: string[], values?: Record<string, unknown>, dir = chart) =>
  renderChart(dir, {
    releaseName: 'cavra-scan',
    namespace: 'cavra-scan',
    valueFiles,
    ...(values ? { values } : {}),
  });
const byId = (objs: KObject[], id: string): KObject => {
  const o = objs.find((x) => objectId(x) === id);
  if (!o) throw new Error(`${id} not rendered (have ${objs.map(objectId).join(', ')})`);
  return o;
};
const podSpec = (o: KObject) =>
  o.kind === 'CronJob'
    ? at(o, 'spec', 'jobTemplate', 'spec', 'template', 'spec')
    : at(o, 'spec', 'template', 'spec');

describe('Helm chart variants', () => {
  for (const [name, files] of Object.entries(variants)) {
    describe(name, () => {
      const { objects, notes } = render(files);

      it('validates against the Kubernetes schemas and API rules', () => {
        expect(objects.length).toBeGreaterThan(4);
        expect(validationErrors(objects)).toEqual([]);
      });

      it('meets every hardening rule', () => {
        expect(hardeningViolations(objects)).toEqual([]);
      });

      it('labels every object as Helm recommends and renders NOTES', () => {
        for (const o of objects) {
          expect(at(o, 'metadata', 'labels', 'app.kubernetes.io/managed-by'), objectId(o)).toBe(
            o.kind === 'Namespace' ? undefined : 'Helm',
          );
          if (o.kind !== 'Namespace') expect(o.metadata.namespace).toBe('cavra-scan');
        }
        expect(notes).toContain('kubectl -n cavra-scan create job --from=cronjob/cavra-scan');
      });
    });
  }

  it('default values render the same workload as the kustomize "single" overlay', () => {
    const mine = render([]).objects;
    const kust = kustomize(join(here, '../kubernetes/overlays/single'));
    const ids = (objs: KObject[]) =>
      objs
        .map(objectId)
        .filter((id) => id !== 'Namespace/cavra-scan')
        .sort();
    expect(ids(mine)).toEqual(ids(kust));
    const [a, b] = [byId(mine, 'CronJob/cavra-scan'), byId(kust, 'CronJob/cavra-scan')];
    expect(podSpec(a)).toEqual(podSpec(b));
    const jobOnly = (o: KObject) => ({
      ...(at(o, 'spec', 'jobTemplate', 'spec') as object),
      template: undefined,
    });
    expect(jobOnly(a)).toEqual(jobOnly(b));
    const cronOnly = (o: KObject) => ({
      ...(at(o, 'spec') as object),
      jobTemplate: undefined,
      suspend: undefined,
    });
    expect(cronOnly(a)).toEqual(cronOnly(b));
    expect(at(byId(mine, 'NetworkPolicy/cavra-scan-egress'), 'spec', 'egress')).toEqual(
      at(byId(kust, 'NetworkPolicy/cavra-scan-egress'), 'spec', 'egress'),
    );
    expect(at(byId(mine, 'ConfigMap/cavra-scan-config'), 'data')).toEqual(
      at(byId(kust, 'ConfigMap/cavra-scan-config'), 'data'),
    );
  });

  it('the serve variant renders the same gate pod as the kustomize "serve" overlay', () => {
    const mine = byId(render(variants['serve']!).objects, 'Deployment/cavra-scan-gate');
    const kust = byId(kustomize(join(here, '../kubernetes/overlays/serve')), 'Deployment/cavra-scan-gate');
    expect(podSpec(mine)).toEqual(podSpec(kust));
  });

  it('sharded: 8 indexes, --shards=8, IRSA annotation, digest-pinned image, large numbers stay integers', () => {
    const objs = render(variants['sharded']!).objects;
    const job = at(byId(objs, 'CronJob/cavra-scan'), 'spec', 'jobTemplate', 'spec');
    expect([at(job, 'completions'), at(job, 'parallelism'), at(job, 'maxFailedIndexes')]).toEqual([8, 8, 4]);
    expect(at(job, 'activeDeadlineSeconds')).toBe(1000000);
    const c = at(job, 'template', 'spec', 'containers', 0);
    expect(at(c, 'args')).toContain('--shards=8');
    expect(at(c, 'image')).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(at(c, 'env')).toContainEqual({ name: 'AWS_REGION', value: 'us-east-1' });
    expect(at(byId(objs, 'ServiceAccount/cavra-scan'), 'metadata', 'annotations')).toEqual({
      'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/cavra-scan',
    });
    expect(at(byId(objs, 'PersistentVolumeClaim/cavra-scan-state'), 'spec', 'accessModes')).toEqual([
      'ReadWriteMany',
    ]);
  });

  it('cilium without a control plane: FQDN policy instead of ipBlock, no token mounted', () => {
    const objs = render(variants['cilium']!).objects;
    expect(objs.map(objectId)).not.toContain('NetworkPolicy/cavra-scan-egress');
    expect(objs.map(objectId)).toContain('NetworkPolicy/cavra-scan-default-deny');
    const cnp = byId(objs, 'CiliumNetworkPolicy/cavra-scan-egress-fqdn');
    expect(at(cnp, 'spec', 'egress', 1, 'toFQDNs')).toContainEqual({ matchName: 'api.wandb.ai' });
    const c = at(podSpec(byId(objs, 'CronJob/cavra-scan')), 'containers', 0);
    expect(JSON.stringify(c)).not.toContain('control-plane');
  });
});

describe('values.schema.json', () => {
  const defaults = loadValues(join(chart, 'values.yaml'));
  const bad: [string, Record<string, unknown>][] = [
    ['turning the egress policy off', { networkPolicy: { enabled: false } }],
    ['zero shards', { registry: { shards: 0 } }],
    ['an allow-all egress range', { networkPolicy: { registries: [{ cidr: '0.0.0.0/0', ports: [443] }] } }],
    ['the latest tag', { image: { tag: 'latest' } }],
    ['root', { podSecurity: { runAsUser: 0 } }],
    ['a secret in plain env', { env: [{ name: 'HF_TOKEN', value: 'x' }] }],
    ['an unknown key', { registy: {} }],
    ['a plain-http control plane', { controlPlane: { url: 'http://cp.example.com' } }],
    ['a match-everything FQDN', { cilium: { registryFQDNs: [{ matchPattern: '*' }] } }],
  ];
  it('accepts the defaults and every CI variant', () => {
    for (const files of Object.values(variants)) {
      const v = files.reduce((acc, f) => mergeValues(acc, loadValues(f)), defaults);
      expect(valuesSchemaErrors(chart, v)).toEqual([]);
    }
  });
  for (const [what, over] of bad) {
    it(`rejects ${what}`, () => {
      expect(valuesSchemaErrors(chart, mergeValues(defaults, over)).length).toBeGreaterThan(0);
      expect(() => render([], over)).toThrow(/values\.schema\.json/);
    });
  }
});

describe('the checks fail when a template loses a control (mutated copies of the chart)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'cavra-chart-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const mutated = (file: string, from: string, to: string, i: number): KObject[] => {
    const dir = join(tmp, String(i));
    cpSync(chart, dir, { recursive: true });
    const p = join(dir, 'templates', file);
    const text = readFileSync(p, 'utf8');
    expect(text).toContain(from);
    writeFileSync(p, text.replaceAll(from, to));
    return render([], undefined, dir).objects;
  };
  const cases: [string, string, string, string][] = [
    ['_helpers.tpl', 'readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false', 'READONLY-ROOT-FS'],
    ['_helpers.tpl', 'runAsNonRoot: true\nrunAsUser', 'runAsUser', 'RUN-AS-NON-ROOT'],
    ['_helpers.tpl', 'drop: [ALL]', 'drop: [NET_RAW]', 'DROP-ALL-CAPABILITIES'],
    ['cronjob.yaml', 'concurrencyPolicy: Forbid', 'concurrencyPolicy: Allow', 'CONCURRENCY-FORBID'],
    ['cronjob.yaml', 'completionMode: Indexed', 'completionMode: NonIndexed', 'INDEXED-JOB'],
    ['networkpolicy.yaml', 'policyTypes: [Ingress, Egress]', 'policyTypes: [Ingress]', 'DEFAULT-DENY-EGRESS'],
  ];
  cases.forEach(([file, from, to, rule], i) => {
    it(`${file}: ${rule}`, () => {
      const objs = mutated(file, from, to, i);
      expect([...hardeningViolations(objs), ...validationErrors(objs)].join('\n')).toContain(rule);
    });
  });
});
