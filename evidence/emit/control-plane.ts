import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { CavraError } from '../../scanner/errors.js';

/** Control-plane settings as given on the command line (env fills in what is missing). */
export interface ControlPlaneOptions {
  url?: string;
  tokenFile?: string;
  caFile?: string;
  clientCertFile?: string;
  clientKeyFile?: string;
  proxyUrl?: string;
  timeoutMs?: number;
}

export interface ControlPlaneConfig {
  /** `{url}/v1/evidence`. */
  endpoint: URL;
  token: string | null;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Explicit proxy; otherwise HTTPS_PROXY/HTTP_PROXY/NO_PROXY from the environment apply. */
  proxyUrl?: string;
  timeoutMs: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

function readSecret(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new CavraError(
      'CONFIG_INVALID',
      `cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      { cause: err },
    );
  }
}

/**
 * The token: `--control-plane-token-file`, else env CAVRA_CONTROL_PLANE_TOKEN_FILE, else env
 * CAVRA_CONTROL_PLANE_TOKEN, which may hold the token itself or the absolute path of a file holding it
 * (a mounted Kubernetes Secret).
 */
function resolveToken(opts: ControlPlaneOptions, env: NodeJS.ProcessEnv): string | null {
  const file = opts.tokenFile ?? env.CAVRA_CONTROL_PLANE_TOKEN_FILE;
  let token: string | undefined;
  if (file) token = readSecret(file, 'control-plane token file').toString('utf8');
  else if (env.CAVRA_CONTROL_PLANE_TOKEN) {
    const v = env.CAVRA_CONTROL_PLANE_TOKEN;
    token = isAbsolute(v) && existsSync(v) ? readSecret(v, 'control-plane token file').toString('utf8') : v;
  }
  if (token === undefined) return null;
  token = token.trim();
  if (!/^[\x21-\x7e]+$/.test(token))
    throw new CavraError(
      'CONFIG_INVALID',
      'control-plane token is empty or has characters not allowed in a bearer token',
    );
  return token;
}

/**
 * Resolve where evidence goes; null = no control plane (evidence stays local). Destinations are restricted in
 * code: https, or plain http only to loopback (tests, a local receiver); no credentials in the URL.
 */
export function resolveControlPlane(
  opts: ControlPlaneOptions,
  env: NodeJS.ProcessEnv,
): ControlPlaneConfig | null {
  const raw = opts.url ?? env.CAVRA_CONTROL_PLANE_URL;
  if (!raw) return null;
  let base: URL;
  try {
    base = new URL(raw);
  } catch {
    throw new CavraError('CONFIG_INVALID', `control-plane URL is not a URL: ${raw.slice(0, 200)}`);
  }
  if (base.username || base.password)
    throw new CavraError(
      'CONFIG_INVALID',
      'control-plane URL must not contain credentials (use --control-plane-token-file)',
    );
  if (!(base.protocol === 'https:' || (base.protocol === 'http:' && LOOPBACK.has(base.hostname)))) {
    throw new CavraError(
      'EGRESS_DENIED',
      `control-plane URL must be https (plain http is allowed only to loopback): ${base.origin}`,
    );
  }
  base.search = '';
  base.hash = '';
  const endpoint = new URL(base.pathname.replace(/\/+$/, '') + '/v1/evidence', base);
  const caFile = opts.caFile ?? env.CAVRA_CONTROL_PLANE_CA;
  const certFile = opts.clientCertFile ?? env.CAVRA_CONTROL_PLANE_CLIENT_CERT;
  const keyFile = opts.clientKeyFile ?? env.CAVRA_CONTROL_PLANE_CLIENT_KEY;
  if (Boolean(certFile) !== Boolean(keyFile))
    throw new CavraError('CONFIG_INVALID', 'mTLS needs both a client certificate and a client key');
  const cfg: ControlPlaneConfig = {
    endpoint,
    token: resolveToken(opts, env),
    timeoutMs: opts.timeoutMs ?? 30_000,
  };
  if (caFile) cfg.ca = readSecret(caFile, 'CA bundle');
  if (certFile && keyFile) {
    cfg.cert = readSecret(certFile, 'client certificate');
    cfg.key = readSecret(keyFile, 'client key');
  }
  const proxy = opts.proxyUrl ?? env.CAVRA_CONTROL_PLANE_PROXY;
  if (proxy) cfg.proxyUrl = proxy;
  return cfg;
}
