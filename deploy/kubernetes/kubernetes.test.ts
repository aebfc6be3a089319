/* eslint-disable @typescript-eslint/no-explicit-any -- the mutation cases below edit parsed YAML in place */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validationErrors } from '../validate/check.js';
import { hardeningViolations } from '../validate/hardening.js';
import { kustomize } from '../validate/kustomize.js';
import { at, objectId, parseManifests, type KObject } from '../validate/objects.js';

const here = dirname(fileURLToPath(import.meta.url));
const overlays = readdirSync(join(here, 'overlays'));
const render = (name: string): KObject[] => kustomize(join(here, 'overlays', name));
const byId = (objs: KObject[], id: string): KObject => {
  const o = objs.find((x) => objectId(x) === id);
  if (!o) throw new Error(`${id} not rendered`);
  return o;
};

function kubectlAvailable(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('kustomize overlays', () => {
  it('has the overlays the docs describe', () => {
    expect(overlays.sort()).toEqual(['cilium', 'serve', 'sharded', 'single']);
  });

  for (const name of overlays) {
    describe(name, () => {
      const objects = render(name);

      it('validates against the Kubernetes schemas and API rules', () => {
        expect(objects.length).toBeGreaterThan(5);
        expect(validationErrors(objects)).toEqual([]);
      });

      it('meets every hardening rule', () => {
        expect(hardeningViolations(objects)).toEqual([]);
      });

      it('puts every namespaced object in the cavra-scan namespace with a pinned image', () => {
        for (const o of objects)
          if (o.kind !== 'Namespace') expect(o.metadata.namespace, objectId(o)).toBe('cavra-scan');
        const image = at(
          byId(objects, 'CronJob/cavra-scan'),
          'spec',
          'jobTemplate',
          'spec',
          'template',
          'spec',
          'containers',
          0,
          'image',
        );
        expect(image).toBe('registry.example.com/cavra/cavra-scan:0.1.0');
      });

      it.skipIf(!kubectlAvailable())('renders exactly as kubectl kustomize does', () => {
        const out = execFileSync('kubectl', ['kustomize', join(here, 'overlays', name)], {
          encoding: 'utf8',
        });
        const theirs = parseManifests(out, `kubectl kustomize ${name}`);
        const sortById = (a: KObject[]): KObject[] =>
          [...a].sort((x, y) => objectId(x).localeCompare(objectId(y)));
        expect(sortById(objects)).toEqual(sortById(theirs));
      });
    });
  }

  it('shards: 4 indexes, --shards=4, and a ReadWriteMany state volume', () => {
    const objs = render('sharded');
    const job = at(byId(objs, 'CronJob/cavra-scan'), 'spec', 'jobTemplate', 'spec');
    expect(at(job, 'completions')).toBe(4);
    expect(at(job, 'parallelism')).toBe(4);
    expect(at(job, 'template', 'spec', 'containers', 0, 'args')).toContain('--shards=4');
    expect(at(job, 'template', 'spec', 'containers', 0, 'volumeMounts', 0, 'subPathExpr')).toBe(
      'shard-$(JOB_COMPLETION_INDEX)',
    );
    expect(at(byId(objs, 'PersistentVolumeClaim/cavra-scan-state'), 'spec', 'accessModes')).toEqual([
      'ReadWriteMany',
    ]);
  });

  it('serve: a Deployment probed on /healthz and /readyz behind a ClusterIP Service', () => {
    const objs = render('serve');
    const c = at(byId(objs, 'Deployment/cavra-scan-gate'), 'spec', 'template', 'spec', 'containers', 0);
    expect(at(c, 'args', 0)).toBe('serve');
    expect(at(c, 'livenessProbe', 'httpGet', 'path')).toBe('/healthz');
    expect(at(c, 'readinessProbe', 'httpGet', 'path')).toBe('/readyz');
    expect(at(byId(objs, 'Service/cavra-scan-gate'), 'spec', 'type')).toBe('ClusterIP');
  });

  it('cilium: replaces the ipBlock egress policy with toFQDNs and keeps the default deny', () => {
    const objs = render('cilium');
    expect(objs.some((o) => objectId(o) === 'NetworkPolicy/cavra-scan-egress')).toBe(false);
    expect(objs.some((o) => objectId(o) === 'NetworkPolicy/cavra-scan-default-deny')).toBe(true);
    const cnp = byId(objs, 'CiliumNetworkPolicy/cavra-scan-egress-fqdn');
    expect(at(cnp, 'spec', 'egress', 0, 'toPorts', 0, 'rules', 'dns')).toBeDefined();
  });
});

describe('the checks can fail (mutated copies of the single overlay)', () => {
  const mutate = (edit: (objs: KObject[]) => void): string[] => {
    const objs = structuredClone(render('single'));
    edit(objs);
    return [...hardeningViolations(objs), ...validationErrors(objs)];
  };
  const cron = (objs: KObject[]): KObject => byId(objs, 'CronJob/cavra-scan');
  const podOf = (objs: KObject[]): Record<string, any> =>
    (cron(objs) as any).spec.jobTemplate.spec.template.spec;
  const containerOf = (objs: KObject[]): Record<string, any> => podOf(objs).containers[0];

  const cases: [string, (objs: KObject[]) => void][] = [
    [
      'RUN-AS-NON-ROOT',
      (o) => {
        delete podOf(o).securityContext.runAsNonRoot;
        delete containerOf(o).securityContext.runAsNonRoot;
      },
    ],
    [
      'RUN-AS-USER',
      (o) => {
        containerOf(o).securityContext.runAsUser = 0;
      },
    ],
    [
      'READONLY-ROOT-FS',
      (o) => {
        containerOf(o).securityContext.readOnlyRootFilesystem = false;
      },
    ],
    [
      'NO-PRIVILEGE-ESCALATION',
      (o) => {
        delete containerOf(o).securityContext.allowPrivilegeEscalation;
      },
    ],
    [
      'DROP-ALL-CAPABILITIES',
      (o) => {
        containerOf(o).securityContext.capabilities.drop = ['NET_RAW'];
      },
    ],
    [
      'NO-ADDED-CAPABILITIES',
      (o) => {
        containerOf(o).securityContext.capabilities.add = ['SYS_ADMIN'];
      },
    ],
    [
      'SECCOMP',
      (o) => {
        delete podOf(o).securityContext.seccompProfile;
        delete containerOf(o).securityContext.seccompProfile;
      },
    ],
    [
      'RESOURCES',
      (o) => {
        delete containerOf(o).resources.limits.memory;
      },
    ],
    [
      'IMAGE-PINNED',
      (o) => {
        containerOf(o).image = 'registry.example.com/cavra/cavra-scan:latest';
      },
    ],
    [
      'VOLUME-TYPES',
      (o) => {
        podOf(o).volumes.push({ name: 'host', hostPath: { path: '/' } });
      },
    ],
    [
      'POD-SA-TOKEN',
      (o) => {
        podOf(o).automountServiceAccountToken = true;
      },
    ],
    [
      'CONCURRENCY-FORBID',
      (o) => {
        (cron(o) as any).spec.concurrencyPolicy = 'Allow';
      },
    ],
    [
      'STARTING-DEADLINE',
      (o) => {
        delete (cron(o) as any).spec.startingDeadlineSeconds;
      },
    ],
    [
      'INDEXED-JOB',
      (o) => {
        (cron(o) as any).spec.jobTemplate.spec.completionMode = 'NonIndexed';
      },
    ],
    [
      'SHARDS-PARALLEL',
      (o) => {
        (cron(o) as any).spec.jobTemplate.spec.parallelism = 2;
      },
    ],
    [
      'SHARD-ARG',
      (o) => {
        (cron(o) as any).spec.jobTemplate.spec.completions = 3;
        (cron(o) as any).spec.jobTemplate.spec.parallelism = 3;
      },
    ],
    [
      'JOB-LIMITS',
      (o) => {
        delete (cron(o) as any).spec.jobTemplate.spec.activeDeadlineSeconds;
      },
    ],
    [
      'STATE-PER-SHARD',
      (o) => {
        const m = containerOf(o).volumeMounts[0];
        delete m.subPathExpr;
      },
    ],
    [
      'DEFAULT-DENY-EGRESS',
      (o) => {
        o.splice(
          o.findIndex((x) => x.metadata.name === 'cavra-scan-default-deny'),
          1,
        );
      },
    ],
    [
      'EGRESS-NO-ANY',
      (o) => {
        (byId(o, 'NetworkPolicy/cavra-scan-egress') as any).spec.egress.push({ ports: [{ port: 443 }] });
      },
    ],
    [
      'EGRESS-NO-METADATA',
      (o) => {
        (byId(o, 'NetworkPolicy/cavra-scan-egress') as any).spec.egress[1].to[0].ipBlock.cidr =
          '169.254.0.0/16';
      },
    ],
    [
      'SA-TOKEN',
      (o) => {
        delete byId(o, 'ServiceAccount/cavra-scan')['automountServiceAccountToken'];
      },
    ],
    [
      'PSA-RESTRICTED',
      (o) => {
        (byId(o, 'Namespace/cavra-scan') as any).metadata.labels['pod-security.kubernetes.io/enforce'] =
          'baseline';
      },
    ],
    [
      'must be array',
      (o) => {
        containerOf(o).securityContext.capabilities.drop = 'ALL';
      },
    ],
    [
      'must be equal to one of the allowed values',
      (o) => {
        (cron(o) as any).spec.concurrencyPolicy = 'Sometimes';
      },
    ],
    [
      'backoffLimitPerIndex needs restartPolicy Never',
      (o) => {
        podOf(o).restartPolicy = 'OnFailure';
      },
    ],
  ];
  for (const [rule, edit] of cases) {
    it(`catches ${rule}`, () => {
      expect(mutate(() => undefined)).toEqual([]);
      expect(mutate(edit).join('\n')).toContain(rule);
    });
  }
});
