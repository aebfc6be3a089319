/** Why a destination is on the egress allowlist (shown in errors and in `docs/egress.md`). */
export type EgressPurpose = 'registry' | 'control-plane' | 'proxy' | 'operator';

/**
 * One allowed destination: scheme, host and port. `host` is lower-case, without IPv6 brackets or a trailing dot;
 * `*.example.com` allows every subdomain of example.com (not example.com itself).
 */
export interface EgressRule {
  protocol: 'http:' | 'https:';
  host: string;
  port: number;
  purpose: EgressPurpose;
}

/** Where a connection would go, as undici's dispatch/connect options or an AWS SDK request state it. */
export interface EgressDestination {
  protocol: string | undefined;
  hostname: string | undefined;
  /** Empty or absent means the scheme's default port. */
  port: number | string | null | undefined;
}

export type EgressDecision = { allowed: true; rule: EgressRule } | { allowed: false; reason: string };

/** The egress allowlist: the configured registries (reads) and the configured control plane (evidence). */
export interface EgressPolicy {
  readonly rules: readonly EgressRule[];
  check(destination: EgressDestination): EgressDecision;
}
