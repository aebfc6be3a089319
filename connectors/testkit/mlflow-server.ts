import { ProtocolServer } from './protocol-server.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendBytes, sendJson, type RequestContext } from './server.js';

export interface MlflowVersion {
  version: string;
  source: string;
  run_id?: string;
  status?: 'READY' | 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION';
  aliases?: string[];
  tags?: Record<string, string>;
  /** MLflow 3: where the version's files are (`mlflow-artifacts:/...`, `s3://...`). */
  storage_location?: string;
  current_stage?: string;
}

export interface MlflowModel {
  name: string;
  versions: MlflowVersion[];
}

export interface MlflowServerOptions {
  models: MlflowModel[];
  /** Files under the server's artifact root, keyed by their path below it (`1/models/m-1/artifacts/model.pkl`). */
  artifacts: Record<string, Uint8Array>;
  /** Run id -> its artifact root below the server's root (`0/<run>/artifacts`). */
  runs?: Record<string, string>;
  /** Accepted `Authorization: Bearer` token. */
  token?: string;
  /** Accepted Basic credentials. */
  basic?: { username: string; password: string };
  /** Page size cap for the search endpoints. */
  pageSize?: number;
}

const API = '/api/2.0/mlflow/';
const PREVIEW = '/api/2.0/preview/mlflow/';
const PROXY = '/api/2.0/mlflow-artifacts/artifacts';

/**
 * An MLflow tracking server speaking registries.md §1.7: registered-model and model-version search with opaque
 * `page_token`/`next_page_token` and `filter` (`name='x'`, `name LIKE '%x%'`), get / alias / get-download-uri, the
 * artifact proxy (listing of basenames without paging; downloads that ignore Range, like the real proxy), and
 * `artifacts/list` for `runs:/` sources, every RPC also under `/api/2.0/preview/`. Errors are
 * `{"error_code","message"}`; no `Authorization` is 401 UNAUTHENTICATED, a wrong one 403 PERMISSION_DENIED.
 */
export class MlflowServer extends ProtocolServer<MlflowServerOptions> {
  static start(options: MlflowServerOptions): Promise<MlflowServer> {
    return ProtocolServer.launch((http) => new MlflowServer(http, options));
  }

  private authorized(req: IncomingMessage, res: ServerResponse): boolean {
    const { token, basic } = this.options;
    if (!token && !basic) return true;
    const auth = req.headers.authorization;
    if (!auth) {
      mlflowError(
        res,
        401,
        'UNAUTHENTICATED',
        'You are not authenticated. Please provide valid credentials.',
      );
      return false;
    }
    const ok =
      (token !== undefined && auth === `Bearer ${token}`) ||
      (basic !== undefined &&
        auth === `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`);
    if (!ok) mlflowError(res, 403, 'PERMISSION_DENIED', 'Permission denied for the supplied credentials.');
    return ok;
  }

  protected serve(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): void {
    if (!this.authorized(req, res)) return;
    try {
      this.route(req, res, ctx);
    } catch (err) {
      if (!(err instanceof FilterError)) throw err;
      mlflowError(res, 400, 'INVALID_PARAMETER_VALUE', `Invalid filter '${err.message}'`);
    }
  }

  private route(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): void {
    const p = ctx.url.pathname;
    const q = ctx.url.searchParams;
    if (p === PROXY) return this.proxyList(res, q.get('path') ?? '');
    if (p.startsWith(`${PROXY}/`)) {
      const path = decodeURIComponent(p.slice(PROXY.length + 1));
      const bytes = this.options.artifacts[path];
      if (!bytes) return mlflowError(res, 404, 'RESOURCE_DOES_NOT_EXIST', `File ${path} not found`);
      const name = path.split('/').pop()!;
      return sendBytes(req, res, bytes, {
        rangeSupport: false,
        fault: ctx.fault,
        headers: { 'content-disposition': `attachment; filename=${name}` },
      });
    }
    const rpc = p.startsWith(API)
      ? p.slice(API.length)
      : p.startsWith(PREVIEW)
        ? p.slice(PREVIEW.length)
        : undefined;
    switch (rpc) {
      case 'registered-models/search':
        return this.page(
          res,
          q,
          'registered_models',
          this.filtered(q.get('filter')).map((m) => this.modelJson(m)),
        );
      case 'model-versions/search': {
        const versions = this.filtered(q.get('filter')).flatMap((m) =>
          m.versions.map((v) => versionJson(m, v)),
        );
        return this.page(res, q, 'model_versions', versions);
      }
      case 'model-versions/get': {
        const v = this.findVersion(res, q.get('name'), (m) =>
          m.versions.find((x) => x.version === q.get('version')),
        );
        return v && sendJson(res, 200, { model_version: v });
      }
      case 'registered-models/alias': {
        const v = this.findVersion(res, q.get('name'), (m) =>
          m.versions.find((x) => x.aliases?.includes(q.get('alias') ?? '')),
        );
        return v && sendJson(res, 200, { model_version: v });
      }
      case 'model-versions/get-download-uri': {
        const v = this.findVersion(res, q.get('name'), (m) =>
          m.versions.find((x) => x.version === q.get('version')),
        );
        return v && sendJson(res, 200, { artifact_uri: v.storage_location ?? v.source });
      }
      case 'artifacts/list':
        return this.runList(res, q.get('run_id') ?? '', q.get('path') ?? '');
      case 'model-versions/set-tag':
        return this.setTag(req, res, ctx.body);
      default:
        return mlflowError(res, 404, 'ENDPOINT_NOT_FOUND', `No API endpoint ${p}`);
    }
  }

  /** Tags written with `model-versions/set-tag` (POST `{name, version, key, value}`), in order. */
  readonly tagWrites: { name: string; version: string; key: string; value: string }[] = [];

  private setTag(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    if (req.method !== 'POST') return mlflowError(res, 405, 'BAD_REQUEST', 'set-tag is a POST');
    let t: { name?: unknown; version?: unknown; key?: unknown; value?: unknown };
    try {
      t = JSON.parse(body.toString('utf8')) as typeof t;
    } catch {
      return mlflowError(res, 400, 'MALFORMED_REQUEST', 'body is not JSON');
    }
    const version = this.options.models
      .find((m) => m.name === t.name)
      ?.versions.find((v) => v.version === String(t.version));
    if (!version || typeof t.key !== 'string' || typeof t.value !== 'string')
      return mlflowError(res, 404, 'RESOURCE_DOES_NOT_EXIST', 'Model version not found');
    version.tags = { ...version.tags, [t.key]: t.value };
    this.tagWrites.push({ name: String(t.name), version: version.version, key: t.key, value: t.value });
    sendJson(res, 200, {});
  }

  private filtered(filter: string | null): MlflowModel[] {
    if (!filter) return this.options.models;
    const eq = /^\s*name\s*=\s*'([^']*)'\s*$/.exec(filter);
    if (eq) return this.options.models.filter((m) => m.name === eq[1]);
    const like = /^\s*name\s+(?:I?LIKE)\s+'([^']*)'\s*$/i.exec(filter);
    if (like) {
      const re = new RegExp(
        `^${like[1]!
          .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
          .replace(/%/g, '.*')
          .replace(/_/g, '.')}$`,
      );
      return this.options.models.filter((m) => re.test(m.name));
    }
    throw new FilterError(filter);
  }

  private page(res: ServerResponse, q: URLSearchParams, key: string, all: unknown[]): void {
    const max = Math.min(Number(q.get('max_results') ?? 100), this.options.pageSize ?? 1000);
    let offset = 0;
    const token = q.get('page_token');
    if (token) {
      try {
        offset = (JSON.parse(Buffer.from(token, 'base64').toString()) as { offset: number }).offset;
      } catch {
        return mlflowError(
          res,
          400,
          'INVALID_PARAMETER_VALUE',
          'Invalid page token, could not base64-decode',
        );
      }
    }
    const body: Record<string, unknown> = { [key]: all.slice(offset, offset + max) };
    if (offset + max < all.length)
      body.next_page_token = Buffer.from(JSON.stringify({ offset: offset + max })).toString('base64');
    sendJson(res, 200, body);
  }

  private findVersion(
    res: ServerResponse,
    name: string | null,
    pick: (m: MlflowModel) => MlflowVersion | undefined,
  ): Record<string, unknown> | undefined {
    const m = this.options.models.find((x) => x.name === name);
    const v = m && pick(m);
    if (!m || !v) {
      mlflowError(res, 404, 'RESOURCE_DOES_NOT_EXIST', `Model version not found: name=${name}`);
      return undefined;
    }
    return versionJson(m, v);
  }

  private modelJson(m: MlflowModel): Record<string, unknown> {
    return {
      name: m.name,
      creation_timestamp: 1718000000000,
      last_updated_timestamp: 1718000500000,
      aliases: m.versions.flatMap((v) => (v.aliases ?? []).map((alias) => ({ alias, version: v.version }))),
    };
  }

  /** Proxy listing: basenames only, no pagination (mlflow/server/handlers.py). */
  private proxyList(res: ServerResponse, dir: string): void {
    const prefix = dir ? `${dir.replace(/\/+$/, '')}/` : '';
    const seen = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
    for (const [path, bytes] of Object.entries(this.options.artifacts)) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length).split('/');
      const name = rest[0]!;
      if (rest.length > 1) seen.set(name, { path: name, is_dir: true });
      else seen.set(name, { path: name, is_dir: false, file_size: bytes.length });
    }
    sendJson(res, 200, seen.size ? { files: [...seen.values()] } : {});
  }

  /** `artifacts/list` for a run: paths relative to the run's root, with the root as `root_uri`. */
  private runList(res: ServerResponse, runId: string, dir: string): void {
    const root = this.options.runs?.[runId];
    if (!root) return mlflowError(res, 404, 'RESOURCE_DOES_NOT_EXIST', `Run '${runId}' not found`);
    const prefix = `${root}/${dir ? `${dir.replace(/\/+$/, '')}/` : ''}`;
    const seen = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
    for (const [path, bytes] of Object.entries(this.options.artifacts)) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length).split('/');
      const rel = (dir ? `${dir.replace(/\/+$/, '')}/` : '') + rest[0]!;
      seen.set(
        rel,
        rest.length > 1 ? { path: rel, is_dir: true } : { path: rel, is_dir: false, file_size: bytes.length },
      );
    }
    sendJson(res, 200, { root_uri: `mlflow-artifacts:/${root}`, files: [...seen.values()] });
  }
}

class FilterError extends Error {}

function versionJson(m: MlflowModel, v: MlflowVersion): Record<string, unknown> {
  return {
    name: m.name,
    version: v.version,
    creation_timestamp: 1718000000000,
    last_updated_timestamp: 1718000500000,
    current_stage: v.current_stage ?? 'None',
    description: '',
    source: v.source,
    run_id: v.run_id ?? '',
    status: v.status ?? 'READY',
    tags: Object.entries(v.tags ?? {}).map(([key, value]) => ({ key, value })),
    aliases: v.aliases ?? [],
    ...(v.storage_location ? { storage_location: v.storage_location } : {}),
  };
}

function mlflowError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error_code: code, message });
}
