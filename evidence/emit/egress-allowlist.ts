import { isIP } from 'node:net';
import { CavraError } from '../../scanner/errors.js';
import type {
  EgressDecision,
  EgressDestination,
  EgressPolicy,
  EgressPurpose,
  EgressRule,
} from './egress-policy.js';

/** What the allowlist is built from: the run's configuration, nothing else. */
export interface EgressConfig {
  /** Registry endpoints as connectors state them (`Connector.endpoint`): a base URL, or `aws:<region>`. */
  registries: readonly string[];
  /** The control plane's evidence endpoint (or base URL); null/absent = evidence stays local. */
  controlPlane?: URL | string | null;
  /** An explicit HTTP(S) proxy the control-plane transport connects to. */
  proxy?: string;
  /** Operator entries (env `CAVRA_EGRESS_ALLOW`, comma-separated): `https://host[:port]`, `host:port`, `*.suffix:443`. */
  extra?: readonly string[];
  /**
   * Operator pin (env `CAVRA_EGRESS_PIN`): when set, the allowlist is exactly these entries and every configured
   * registry endpoint and the control plane must fit in it, else the run stops with EGRESS_DENIED before any
   * request (so a mistyped or tampered URL cannot widen egress beyond what the network policy was written for).
   */
  pinned?: readonly string[];
}

/**
 * Hosts a registry's downloads are redirected to (CDNs, presigned storage), keyed by the registry endpoint's host.
 * Only the public services are listed; a self-hosted registry's storage is added with `CAVRA_EGRESS_ALLOW`.
 */
export const REGISTRY_DOWNLOAD_HOSTS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  // LFS/Xet files 302 to cdn-lfs*.huggingface.co, cdn-lfs*.hf.co and cas-bridge.xethub.hf.co.
  'huggingface.co': ['*.huggingface.co', '*.hf.co'],
  // W&B cloud answers `directUrl` with signed Google Cloud Storage URLs.
  'api.wandb.ai': ['storage.googleapis.com'],
});

const DEFAULT_PORT: Record<EgressRule['protocol'], number> = { 'http:': 80, 'https:': 443 };

/** Lower-case, no IPv6 brackets, no trailing dot. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

function portOf(protocol: EgressRule['protocol'], port: number | string | null | undefined): number | null {
  if (port === undefined || port === null || port === '') return DEFAULT_PORT[protocol];
  const n = typeof port === 'number' ? port : Number(port);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : null;
}

function ruleFromUrl(url: URL, purpose: EgressPurpose): EgressRule {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CavraError('CONFIG_INVALID', `egress: ${purpose} ${url.protocol}// is not http(s)`);
  return {
    protocol: url.protocol,
    host: normalizeHost(url.hostname),
    port: portOf(url.protocol, url.port)!,
    purpose,
  };
}

/**
 * Parse one allowlist entry: a URL (`https://host[:port][/path]`, only scheme/host/port count), or `host:port`
 * (https), optionally with a leading `*.` for every subdomain. Throws CONFIG_INVALID on anything else.
 */
export function parseEgressEntry(entry: string, purpose: EgressPurpose = 'operator'): EgressRule {
  const e = entry.trim();
  const m = /^(https?:\/\/)?(\*\.)?([A-Za-z0-9.-]+|\[[0-9a-fA-F:.]+\])(?::(\d+))?\/?$/.exec(e);
  if (/^https?:\/\//.test(e) && !m?.[2]) {
    try {
      const u = new URL(e);
      if (!u.username && !u.password && /^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$/.test(u.hostname))
        return ruleFromUrl(u, purpose);
    } catch (err) {
      if (err instanceof CavraError) throw err;
    }
  }
  if (!m)
    throw new CavraError(
      'CONFIG_INVALID',
      `egress allowlist entry '${e.slice(0, 200)}' is not https://host[:port], host:port or *.domain[:port]`,
    );
  const protocol: EgressRule['protocol'] = m[1] === 'http://' ? 'http:' : 'https:';
  const host = normalizeHost(m[3]!);
  if (m[2] && (isIP(host) !== 0 || !host.includes('.')))
    throw new CavraError(
      'CONFIG_INVALID',
      `egress allowlist wildcard '${e}' must name a domain with at least two labels`,
    );
  const port = portOf(protocol, m[4]);
  if (port === null)
    throw new CavraError('CONFIG_INVALID', `egress allowlist entry '${e}' has an invalid port`);
  return { protocol, host: m[2] ? `*.${host}` : host, port, purpose };
}

/** Endpoints an `aws:<region>` connector reaches: S3 (path and virtual-hosted style), SageMaker, STS. */
function awsRules(region: string): EgressRule[] {
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region))
    throw new CavraError('CONFIG_INVALID', `egress: '${region}' is not an AWS region`);
  const d = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  const hosts = [
    `s3.${region}.${d}`,
    `*.s3.${region}.${d}`,
    `s3.dualstack.${region}.${d}`,
    `*.s3.dualstack.${region}.${d}`,
    `api.sagemaker.${region}.${d}`,
    `sts.${region}.${d}`,
  ];
  if (region === 'us-east-1') hosts.push(`s3.${d}`, `*.s3.${d}`, `sts.${d}`);
  return hosts.map((host) => ({ protocol: 'https:', host, port: 443, purpose: 'registry' }));
}

function registryRules(endpoint: string): EgressRule[] {
  const aws = /^aws:(.+)$/.exec(endpoint);
  if (aws) return awsRules(aws[1]!);
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new CavraError(
      'CONFIG_INVALID',
      `egress: registry endpoint '${endpoint.slice(0, 200)}' is not a URL`,
    );
  }
  const base = ruleFromUrl(url, 'registry');
  const extra = (REGISTRY_DOWNLOAD_HOSTS[base.host] ?? []).map((h) =>
    parseEgressEntry(`${base.protocol}//${h}`, 'registry'),
  );
  return [base, ...extra];
}

function hostMatches(pattern: string, host: string): boolean {
  if (!pattern.startsWith('*.')) return pattern === host;
  const suffix = pattern.slice(1); // ".example.com"
  return host.length > suffix.length && host.endsWith(suffix) && isIP(host) === 0;
}

/** An allowlist from explicit rules. A destination is allowed when scheme, host and port all match one rule. */
export function egressPolicyOf(rules: readonly EgressRule[]): EgressPolicy {
  const frozen = Object.freeze(rules.map((r) => Object.freeze({ ...r })));
  return {
    rules: frozen,
    check(dest: EgressDestination): EgressDecision {
      const protocol = dest.protocol === 'http:' || dest.protocol === 'https:' ? dest.protocol : null;
      if (!protocol) return { allowed: false, reason: `scheme ${String(dest.protocol)} is never allowed` };
      if (!dest.hostname) return { allowed: false, reason: 'no host' };
      const host = normalizeHost(dest.hostname);
      const port = portOf(protocol, dest.port);
      if (port === null) return { allowed: false, reason: `invalid port ${String(dest.port)}` };
      const rule = frozen.find(
        (r) => r.protocol === protocol && r.port === port && hostMatches(r.host, host),
      );
      return rule
        ? { allowed: true, rule }
        : {
            allowed: false,
            reason: `${protocol}//${host.includes(':') ? `[${host}]` : host}:${port} is not on the egress allowlist`,
          };
    },
  };
}

/** Split `CAVRA_EGRESS_ALLOW` or `CAVRA_EGRESS_PIN` (comma or whitespace separated). */
export function egressEntriesFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  name: 'CAVRA_EGRESS_ALLOW' | 'CAVRA_EGRESS_PIN' = 'CAVRA_EGRESS_ALLOW',
): string[] {
  return (env[name] ?? '').split(/[\s,]+/).filter((s) => s.length > 0);
}

/**
 * The run's allowlist: each configured registry endpoint (plus its known download hosts), the control plane's
 * origin, an explicit proxy, and operator entries. Nothing else is reachable through the guarded clients.
 */
export function buildEgressPolicy(cfg: EgressConfig): EgressPolicy {
  if (cfg.pinned && cfg.pinned.length > 0) return pinnedPolicy(cfg, cfg.pinned);
  const rules: EgressRule[] = [];
  for (const r of cfg.registries) rules.push(...registryRules(r));
  if (cfg.controlPlane) rules.push(ruleFromUrl(new URL(cfg.controlPlane), 'control-plane'));
  if (cfg.proxy) rules.push(ruleFromUrl(new URL(cfg.proxy), 'proxy'));
  for (const e of cfg.extra ?? []) rules.push(parseEgressEntry(e, 'operator'));
  return egressPolicyOf(rules);
}

function pinnedPolicy(cfg: EgressConfig, pinned: readonly string[]): EgressPolicy {
  const policy = egressPolicyOf(pinned.map((e) => parseEgressEntry(e, 'operator')));
  for (const r of cfg.registries) {
    const aws = /^aws:(.+)$/.exec(r);
    if (aws)
      assertEgressAllowed(
        policy,
        `https://${awsRules(aws[1]!)[0]!.host}`,
        `registry ${r} (CAVRA_EGRESS_PIN)`,
      );
    else assertEgressAllowed(policy, r, `registry ${r} (CAVRA_EGRESS_PIN)`);
  }
  if (cfg.controlPlane) assertEgressAllowed(policy, cfg.controlPlane, 'control plane (CAVRA_EGRESS_PIN)');
  if (cfg.proxy) assertEgressAllowed(policy, cfg.proxy, 'proxy (CAVRA_EGRESS_PIN)');
  return policy;
}

/** Throw CavraError EGRESS_DENIED unless `url` is allowed (for checking configured URLs before any request). */
export function assertEgressAllowed(policy: EgressPolicy, url: URL | string, what: string): void {
  const u = new URL(url);
  const d = policy.check({ protocol: u.protocol, hostname: u.hostname, port: u.port });
  if (!d.allowed) throw new CavraError('EGRESS_DENIED', `${what}: ${d.reason}`);
}
