import type { EgressPolicy } from '../../evidence/emit/egress-policy.js';
import type { Connector, OpenedBody } from '../connector.js';
import { ConnectorError } from '../errors.js';
import { HttpClient } from '../http/client.js';
import { openHttpRange } from '../http/open-range.js';
import type { RetryPolicy } from '../http/retry-policy.js';
import type { ModelVersionRef } from '../model-version-ref.js';
import { storeReads, type ObjectStore } from '../object-store.js';
import { checkPath, encodePath, inScopePath, PageGuard } from '../paths.js';
import type { RemoteArtifact } from '../remote-artifact.js';
import type { Scope } from '../scope.js';
import type {
  ListArtifactsResponse,
  MlflowModelVersion,
  SearchModelsResponse,
  SearchVersionsResponse,
} from './types.js';

export interface MlflowOptions {
  /** `MLFLOW_TRACKING_URI` (http or https). */
  trackingUri: string;
  /** `MLFLOW_TRACKING_TOKEN` (Bearer), or Basic from `MLFLOW_TRACKING_USERNAME`/`PASSWORD` (which win, as in MLflow). */
  token?: string;
  username?: string;
  password?: string;
  retry?: Partial<RetryPolicy>;
  egress?: EgressPolicy;
  /** Reads `s3://` sources when the agent has store credentials. */
  store?: ObjectStore;
}

export const MLFLOW_PAGE = 1000;
export const MLFLOW_MAX_VERSIONS = 1_000_000;
/** Proxy listings have no paging and must be walked folder by folder: bound depth and files. */
export const MLFLOW_MAX_DEPTH = 32;
export const MLFLOW_MAX_FILES = 100_000;

/**
 * MLflow Model Registry over REST (OSS and Databricks-compatible `/api/2.0/mlflow/...`): registered models and
 * versions with `page_token` paging, aliases; each version's files from its `storage_location` or download URI —
 * `mlflow-artifacts:/` through the artifact proxy, `runs:/` through `artifacts/list` + the proxy, `s3://` through
 * the object store. MLflow states no content digest, so only sizes are checked. `file:` and other local sources are
 * refused (a path-traversal surface, CVE-2023-1177).
 */
export class MlflowConnector implements Connector {
  readonly registry = 'mlflow' as const;
  readonly endpoint: string;
  private readonly http: HttpClient;

  constructor(private readonly options: MlflowOptions) {
    this.endpoint = options.trackingUri.replace(/\/+$/, '');
    if (!/^https?:\/\//.test(this.endpoint))
      throw new ConnectorError(
        'UNSUPPORTED',
        `MLFLOW_TRACKING_URI '${this.endpoint}' is not an http(s) tracking server`,
      );
    const authorization =
      options.username && options.password !== undefined
        ? `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`
        : options.token
          ? `Bearer ${options.token}`
          : undefined;
    this.http = new HttpClient({
      ...(authorization ? { authorization, authOrigin: new URL(this.endpoint).origin } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.egress ? { egress: options.egress } : {}),
      describeError: (_s, _h, body) => {
        try {
          const e = JSON.parse(body) as { error_code?: string; message?: string };
          if (e.error_code) return `${e.error_code}: ${e.message ?? ''}`;
        } catch {
          /* not JSON: the text itself */
        }
        return body;
      },
    });
  }

  async *listVersions(scope: Scope, signal?: AbortSignal): AsyncGenerator<ModelVersionRef> {
    const names = scope.models?.length ? scope.models : this.allModels(signal);
    for await (const name of names) {
      if (scope.version?.startsWith('@')) {
        const r = await this.api<{ model_version: MlflowModelVersion }>(
          'registered-models/alias',
          { name, alias: scope.version.slice(1) },
          signal,
        );
        yield this.ref(r.model_version);
      } else if (scope.version) {
        const r = await this.api<{ model_version: MlflowModelVersion }>(
          'model-versions/get',
          { name, version: scope.version },
          signal,
        );
        yield this.ref(r.model_version);
      } else {
        const guard = new PageGuard(`versions of ${name}`, MLFLOW_MAX_VERSIONS);
        for await (const v of this.paged<SearchVersionsResponse, MlflowModelVersion>(
          'model-versions/search',
          { filter: `name='${name.replace(/'/g, "\\'")}'` },
          (r) => r.model_versions,
          signal,
        )) {
          guard.add(String(v.version));
          yield this.ref(v);
        }
      }
    }
  }

  async *listArtifacts(
    version: ModelVersionRef,
    scope: Scope,
    signal?: AbortSignal,
  ): AsyncGenerator<RemoteArtifact> {
    if (version.labels.status !== 'READY')
      throw new ConnectorError('UNSUPPORTED', `${version.reference} has status ${version.labels.status}`);
    let uri = version.locator;
    if (!uri.startsWith('mlflow-artifacts:') && !storeReads(this.options.store, uri)) {
      const r = await this.api<{ artifact_uri?: string }>(
        'model-versions/get-download-uri',
        { name: version.model, version: version.version },
        signal,
      );
      uri = r.artifact_uri ?? '';
    }
    let found = false;
    for await (const a of this.filesAt(uri, version, signal)) {
      if (!inScopePath(a.path, scope.path)) continue;
      found = true;
      yield a;
    }
    if (!found && scope.path)
      throw new ConnectorError('NOT_FOUND', `${version.reference} has no file '${scope.path}'`);
  }

  openRange(artifact: RemoteArtifact, offset: number, signal?: AbortSignal): Promise<OpenedBody> {
    if (storeReads(this.options.store, artifact.locator))
      return this.options.store.openRange(artifact, offset, signal);
    return openHttpRange(this.http, artifact.locator, offset, signal);
  }

  async close(): Promise<void> {
    await this.http.close();
    await this.options.store?.close();
  }

  private filesAt(
    uri: string,
    version: ModelVersionRef,
    signal?: AbortSignal,
  ): AsyncIterable<RemoteArtifact> {
    if (uri.startsWith('mlflow-artifacts:')) return this.proxyWalk(proxyPath(uri), version, signal);
    if (uri.startsWith('runs:/')) return this.runWalk(uri, version, signal);
    if (storeReads(this.options.store, uri))
      return this.options.store.listUri(uri, version, version.reference, signal);
    const scheme = /^[a-z][\w+.-]*:/i.exec(uri)?.[0] ?? '(none)';
    const why = uri.startsWith('s3:')
      ? 'no S3 access is configured'
      : scheme === 'file:'
        ? 'local paths are refused'
        : 'not supported';
    throw new ConnectorError(
      'UNSUPPORTED',
      `${version.reference}: artifact location scheme ${scheme} ${why}`,
    );
  }

  /** Walk the proxy listing folder by folder (basenames only, no paging). */
  private async *proxyWalk(
    root: string,
    version: ModelVersionRef,
    signal?: AbortSignal,
  ): AsyncGenerator<RemoteArtifact> {
    const guard = new PageGuard(`files of ${version.reference}`, MLFLOW_MAX_FILES);
    const stack: { rel: string; depth: number }[] = [{ rel: '', depth: 0 }];
    while (stack.length) {
      const { rel, depth } = stack.pop()!;
      const dir = rel ? `${root}/${rel}` : root;
      const r = await this.http.json<ListArtifactsResponse>(
        `${this.endpoint}/api/2.0/mlflow-artifacts/artifacts?${new URLSearchParams({ path: dir })}`,
        signal ? { signal } : {},
      );
      for (const f of r.files ?? []) {
        const base = f.path.startsWith(`${dir}/`) ? f.path.slice(dir.length + 1) : f.path;
        if (base.includes('/'))
          throw new ConnectorError('BAD_RESPONSE', `proxy listing of ${dir} returned a nested path`);
        const path = checkPath(rel ? `${rel}/${base}` : base);
        guard.add(path);
        if (f.is_dir) {
          if (depth + 1 > MLFLOW_MAX_DEPTH)
            throw new ConnectorError(
              'BAD_RESPONSE',
              `${version.reference}: folders nested deeper than ${MLFLOW_MAX_DEPTH}`,
            );
          stack.push({ rel: path, depth: depth + 1 });
        } else yield this.artifact(version, path, `${root}/${path}`, f.file_size);
      }
    }
  }

  /** `runs:/<run_id>/<path>`: list with `artifacts/list` (paged, recursing into folders), download via the proxy. */
  private async *runWalk(
    uri: string,
    version: ModelVersionRef,
    signal?: AbortSignal,
  ): AsyncGenerator<RemoteArtifact> {
    const m = /^runs:\/+([\w-]+)(?:\/(.*))?$/.exec(uri);
    if (!m) throw new ConnectorError('BAD_RESPONSE', `${version.reference}: malformed source ${uri}`);
    const runId = m[1]!;
    const start = (m[2] ?? '').replace(/\/+$/, '');
    const guard = new PageGuard(`files of ${version.reference}`, MLFLOW_MAX_FILES);
    const stack = [start];
    while (stack.length) {
      const dir = stack.pop()!;
      let root: string | undefined;
      const files = this.paged<ListArtifactsResponse, NonNullable<ListArtifactsResponse['files']>[number]>(
        'artifacts/list',
        { run_id: runId, ...(dir ? { path: dir } : {}) },
        (r) => {
          root ??= r.root_uri;
          return r.files;
        },
        signal,
      );
      for await (const f of files) {
        const full = checkPath(f.path);
        if (dir && !full.startsWith(`${dir}/`))
          throw new ConnectorError('BAD_RESPONSE', `artifacts/list of ${dir} returned ${full}`);
        guard.add(full);
        if (f.is_dir) {
          if (full.split('/').length > MLFLOW_MAX_DEPTH)
            throw new ConnectorError('BAD_RESPONSE', `${version.reference}: folders nested too deep`);
          stack.push(full);
          continue;
        }
        if (!root?.startsWith('mlflow-artifacts:'))
          throw new ConnectorError(
            'UNSUPPORTED',
            `${version.reference}: run artifacts are stored at ${root ?? '(unknown)'}, not behind the proxy`,
          );
        const rel = start ? full.slice(start.length + 1) : full;
        yield this.artifact(version, rel, `${proxyPath(root)}/${full}`, f.file_size);
      }
    }
  }

  private artifact(
    version: ModelVersionRef,
    path: string,
    proxyFile: string,
    size: number | undefined,
  ): RemoteArtifact {
    const a: RemoteArtifact = {
      version,
      path,
      reference: `${version.reference}/${path}`,
      digests: [],
      locator: `${this.endpoint}/api/2.0/mlflow-artifacts/artifacts/${encodePath(proxyFile)}`,
    };
    if (typeof size === 'number' && Number.isSafeInteger(size) && size >= 0) a.size = size;
    return a;
  }

  private async *allModels(signal?: AbortSignal): AsyncGenerator<string> {
    const guard = new PageGuard('registered models', MLFLOW_MAX_VERSIONS);
    for await (const m of this.paged<SearchModelsResponse, { name: string }>(
      'registered-models/search',
      {},
      (r) => r.registered_models,
      signal,
    )) {
      guard.add(m.name);
      yield m.name;
    }
  }

  /** Follow `next_page_token` until it is empty or absent; a repeated token is a loop. */
  private async *paged<R extends { next_page_token?: string }, T>(
    rpc: string,
    params: Record<string, string>,
    items: (r: R) => T[] | undefined,
    signal?: AbortSignal,
  ): AsyncGenerator<T> {
    const tokens = new PageGuard(`${rpc} page tokens`, 100_000);
    let token: string | undefined;
    do {
      const r = await this.api<R>(
        rpc,
        { ...params, max_results: String(MLFLOW_PAGE), ...(token ? { page_token: token } : {}) },
        signal,
      );
      const list = items(r) ?? [];
      if (!Array.isArray(list)) throw new ConnectorError('BAD_RESPONSE', `${rpc}: malformed response`);
      yield* list;
      token = r.next_page_token || undefined;
      if (token) tokens.add(token);
    } while (token);
  }

  private api<T>(rpc: string, params: Record<string, string>, signal?: AbortSignal): Promise<T> {
    return this.http.json<T>(
      `${this.endpoint}/api/2.0/mlflow/${rpc}?${new URLSearchParams(params)}`,
      signal ? { signal } : {},
    );
  }

  private ref(v: MlflowModelVersion | undefined): ModelVersionRef {
    if (!v || typeof v.name !== 'string' || !/^\d+$/.test(String(v.version)))
      throw new ConnectorError('BAD_RESPONSE', 'malformed model version in response');
    const location = v.storage_location ?? v.source ?? '';
    return {
      registry: 'mlflow',
      endpoint: this.endpoint,
      model: v.name,
      version: String(v.version),
      reference: `models:/${v.name}/${v.version}`,
      changeKey: `${v.last_updated_timestamp ?? ''}|${location}`,
      labels: {
        status: v.status ?? 'READY',
        stage: v.current_stage ?? 'None',
        ...(v.aliases?.length ? { aliases: v.aliases.join(',') } : {}),
      },
      locator: location,
    };
  }
}

/** `mlflow-artifacts:/a/b` or `mlflow-artifacts://host:port/a/b` -> `a/b` (the proxy's path, relative to its root). */
function proxyPath(uri: string): string {
  const rest = uri.slice('mlflow-artifacts:'.length);
  const path = rest.startsWith('//') ? rest.slice(2).split('/').slice(1).join('/') : rest;
  return path.replace(/^\/+|\/+$/g, '');
}
