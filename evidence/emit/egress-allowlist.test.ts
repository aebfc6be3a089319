import { describe, expect, it } from 'vitest';
import { CavraError } from '../../scanner/errors.js';
import {
  assertEgressAllowed,
  buildEgressPolicy,
  egressEntriesFromEnv,
  egressPolicyOf,
  parseEgressEntry,
} from './egress-allowlist.js';

const url = (u: string) => {
  const x = new URL(u);
  return { protocol: x.protocol, hostname: x.hostname, port: x.port };
};

describe('egress allowlist', () => {
  it('allows exactly the configured registries and control plane, by scheme, host and port', () => {
    const p = buildEgressPolicy({
      registries: ['http://127.0.0.1:5000', 'https://mlflow.corp.example/'],
      controlPlane: new URL('https://cp.example.com/v1/evidence'),
    });
    expect(p.check(url('http://127.0.0.1:5000/api/2.0/x')).allowed).toBe(true);
    expect(p.check(url('https://mlflow.corp.example:443/a')).allowed).toBe(true);
    expect(p.check(url('https://cp.example.com/v1/evidence')).allowed).toBe(true);
    // other port, other scheme, other host, subdomain, look-alike suffix
    expect(p.check(url('http://127.0.0.1:5001/')).allowed).toBe(false);
    expect(p.check(url('https://127.0.0.1:5000/')).allowed).toBe(false);
    expect(p.check(url('http://cp.example.com/')).allowed).toBe(false);
    expect(p.check(url('https://x.cp.example.com/')).allowed).toBe(false);
    expect(p.check(url('https://cp.example.com.evil.test/')).allowed).toBe(false);
    expect(p.check(url('http://169.254.169.254/latest/meta-data')).allowed).toBe(false);
    const d = p.check(url('http://127.0.0.9:9/x'));
    expect(d).toEqual({ allowed: false, reason: 'http://127.0.0.9:9 is not on the egress allowlist' });
  });

  it('adds the known download hosts of the public Hugging Face hub, and only there', () => {
    const hub = buildEgressPolicy({ registries: ['https://huggingface.co'] });
    expect(hub.check(url('https://cdn-lfs-us-1.hf.co/repos/ab')).allowed).toBe(true);
    expect(hub.check(url('https://cas-bridge.xethub.hf.co/x')).allowed).toBe(true);
    expect(hub.check(url('https://cdn-lfs.huggingface.co/x')).allowed).toBe(true);
    expect(hub.check(url('https://hf.co/x')).allowed).toBe(false);
    expect(hub.check(url('https://evilhf.co/x')).allowed).toBe(false);
    expect(hub.check(url('http://cdn-lfs.huggingface.co/x')).allowed).toBe(false);
    const mirror = buildEgressPolicy({ registries: ['https://hf-mirror.corp.example'] });
    expect(mirror.check(url('https://cdn-lfs.huggingface.co/x')).allowed).toBe(false);
  });

  it('maps aws:<region> to the regional S3, SageMaker and STS endpoints', () => {
    const p = buildEgressPolicy({ registries: ['aws:eu-west-1'] });
    for (const ok of [
      'https://s3.eu-west-1.amazonaws.com/b/k',
      'https://bucket.s3.eu-west-1.amazonaws.com/k',
      'https://api.sagemaker.eu-west-1.amazonaws.com/',
      'https://sts.eu-west-1.amazonaws.com/',
    ]) {
      expect(p.check(url(ok)).allowed, ok).toBe(true);
    }
    for (const no of [
      'https://s3.us-east-1.amazonaws.com/',
      'https://evil.amazonaws.com/',
      'http://s3.eu-west-1.amazonaws.com/',
      'https://169.254.169.254/',
    ]) {
      expect(p.check(url(no)).allowed, no).toBe(false);
    }
    expect(
      buildEgressPolicy({ registries: ['aws:cn-north-1'] }).check(
        url('https://s3.cn-north-1.amazonaws.com.cn/'),
      ).allowed,
    ).toBe(true);
    expect(() => buildEgressPolicy({ registries: ['aws:../../etc'] })).toThrow(CavraError);
  });

  it('parses operator entries: URLs, host:port, wildcards, IPv6; rejects the rest', () => {
    expect(parseEgressEntry('https://storage.example.com')).toEqual({
      protocol: 'https:',
      host: 'storage.example.com',
      port: 443,
      purpose: 'operator',
    });
    expect(parseEgressEntry('http://10.203.1.2:8080/')).toEqual({
      protocol: 'http:',
      host: '10.203.1.2',
      port: 8080,
      purpose: 'operator',
    });
    expect(parseEgressEntry('Blob.Example.COM.:8443')).toEqual({
      protocol: 'https:',
      host: 'blob.example.com',
      port: 8443,
      purpose: 'operator',
    });
    expect(parseEgressEntry('*.blob.core.windows.net')).toMatchObject({
      host: '*.blob.core.windows.net',
      port: 443,
    });
    expect(parseEgressEntry('http://[::1]:9000')).toMatchObject({
      protocol: 'http:',
      host: '::1',
      port: 9000,
    });
    for (const bad of [
      'ftp://x.example',
      'x.example:0',
      'x.example:99999',
      '*.com',
      '*.10.0.0.1',
      'a b',
      '',
      'https://user@x/ y',
    ]) {
      expect(() => parseEgressEntry(bad), bad).toThrow(/egress/);
    }
    const p = egressPolicyOf([
      parseEgressEntry('*.blob.core.windows.net'),
      parseEgressEntry('http://[::1]:9000'),
    ]);
    expect(p.check(url('https://acct.blob.core.windows.net/c')).allowed).toBe(true);
    expect(p.check(url('https://blob.core.windows.net/c')).allowed).toBe(false);
    expect(p.check(url('http://[::1]:9000/')).allowed).toBe(true);
    expect(p.check({ protocol: 'http:', hostname: '::1', port: 9000 }).allowed).toBe(true);
    expect(p.check({ protocol: 'ws:', hostname: '::1', port: 9000 }).allowed).toBe(false);
    expect(p.check({ protocol: 'http:', hostname: undefined, port: 9000 }).allowed).toBe(false);
    expect(egressEntriesFromEnv({ CAVRA_EGRESS_ALLOW: ' a.example:1, b.example:2\n*.c.example ' })).toEqual([
      'a.example:1',
      'b.example:2',
      '*.c.example',
    ]);
  });

  it('with a pin, the allowlist is the pin and a configuration outside it stops the run', () => {
    const pinned = ['http://127.0.0.1:5000', 'https://cp.example.com'];
    const p = buildEgressPolicy({
      registries: ['http://127.0.0.1:5000'],
      controlPlane: 'https://cp.example.com/v1/evidence',
      extra: ['https://other.example'],
      pinned,
    });
    expect(p.rules.map((r) => r.host)).toEqual(['127.0.0.1', 'cp.example.com']);
    expect(p.check(url('https://other.example/')).allowed).toBe(false);
    const err = (() => {
      try {
        buildEgressPolicy({
          registries: ['http://127.0.0.1:5000'],
          controlPlane: 'http://127.0.0.9:9/v1/evidence',
          pinned,
        });
      } catch (e) {
        return e as CavraError;
      }
      return undefined;
    })();
    expect(err?.code).toBe('EGRESS_DENIED');
    expect(err?.message).toContain(
      'control plane (CAVRA_EGRESS_PIN): http://127.0.0.9:9 is not on the egress allowlist',
    );
    expect(() => buildEgressPolicy({ registries: ['https://huggingface.co'], pinned })).toThrow(
      /registry https:\/\/huggingface.co/,
    );
    expect(() => assertEgressAllowed(p, 'https://cp.example.com/v1/evidence', 'x')).not.toThrow();
  });
});
