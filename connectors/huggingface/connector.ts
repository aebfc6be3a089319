import type { EgressPolicy } from '../../evidence/emit/egress-policy.js';
import type { Connector, OpenedBody } from '../connector.js';
import { ConnectorError, codeForStatus } from '../errors.js';
import { HttpClient } from '../http/client.js';
import { openHttpRange } from '../http/open-range.js';
import type { RetryPolicy } from '../http/retry-policy.js';
import type { ModelVersionRef } from '../model-version-ref.js';
import { checkPath, encodePath, inScopePath, PageGuard } from '../paths.js';
import type { ArtifactDigest, RemoteArtifact } from '../remote-artifact.js';
import type { Scope } from '../scope.js';

/** `@huggingface/hub`, loaded for listings only: scan threads just stream bodies and never need it. */
let hub: typeof import('@huggingface/hub') | undefined;
async function hubLibrary(): Promise<typeof import('@huggingface/hub')> {
  return (hub ??= await import('@huggingface/hub'));
}

export const HF_DEFAULT_ENDPOINT = 'https://huggingface.co';
/** Most models listed for one author, and files listed for one commit. */
export const HF_MAX_MODELS = 200_000;
export const HF_MAX_FILES = 200_000;

export interface HuggingFaceOptions {
  /** `HF_ENDPOINT`: the hub, an Enterprise hub or a mirror. */
  endpoint: string;
  /** `HF_TOKEN`, sent as `Bearer` to the hub's origin only (never to the CDN a download redirects to). */
  token?: string;
  retry?: Partial<RetryPolicy>;
  egress?: EgressPolicy;
}

const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;
const COMMIT = /^[0-9a-f]{40}$/;

/**
 * Hugging Face Hub (or a self-hosted/mirror endpoint): models of an author or an explicit list, each pinned to its
 * commit sha; files from the recursive tree with `lfs.oid` (the SHA-256) as digest, or the git blob SHA-1 for
 * small files; downloads via `/{repo}/resolve/{sha}/{path}` (302 to the CDN for LFS), always as a plain byte
 * stream (never Xet reconstruction) so the scanner hashes exactly what it reads. Listing uses `@huggingface/hub`
 * with our own fetch (auth, retries, timeouts).
 */
export class HuggingFaceConnector implements Connector {
  readonly registry = 'huggingface' as const;
  readonly endpoint: string;
  private readonly http: HttpClient;

  constructor(options: HuggingFaceOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, '');
    this.http = new HttpClient({
      ...(options.token
        ? { authorization: `Bearer ${options.token}`, authOrigin: new URL(this.endpoint).origin }
        : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.egress ? { egress: options.egress } : {}),
      describeError: (_status, headers, body) => {
        const code = headers.get('x-error-code');
        const msg = headers.get('x-error-message') ?? body;
        return code ? `${code}: ${msg}` : msg;
      },
    });
  }

  async *listVersions(scope: Scope): AsyncGenerator<ModelVersionRef> {
    if (scope.models?.length) {
      for (const name of scope.models) yield await this.pin(name, scope.version ?? 'main');
      return;
    }
    if (!scope.owner)
      throw new ConnectorError(
        'BAD_REFERENCE',
        'Hugging Face scope needs an author/organisation or a list of models',
      );
    const guard = new PageGuard(`models of ${scope.owner}`, HF_MAX_MODELS);
    try {
      const { listModels } = await hubLibrary();
      const models = listModels({
        search: { owner: scope.owner },
        additionalFields: ['sha'],
        hubUrl: this.endpoint,
        fetch: this.http.fetch,
      });
      for await (const m of models) {
        guard.add(m.name);
        if (!scope.version && typeof m.sha === 'string' && COMMIT.test(m.sha))
          yield this.ref(m.name, m.sha, m.private, m.gated);
        else yield await this.pin(m.name, scope.version ?? 'main');
      }
    } catch (err) {
      throw hubError(err, `listing models of ${scope.owner}`);
    }
  }

  async *listArtifacts(version: ModelVersionRef, scope: Scope): AsyncGenerator<RemoteArtifact> {
    const guard = new PageGuard(`files of ${version.reference}`, HF_MAX_FILES);
    let found = false;
    try {
      const { listFiles } = await hubLibrary();
      const files = listFiles({
        repo: { type: 'model', name: version.model },
        revision: version.version,
        recursive: true,
        hubUrl: this.endpoint,
        fetch: this.http.fetch,
      });
      for await (const e of files) {
        if (e.type !== 'file') continue;
        const path = checkPath(e.path);
        guard.add(path);
        if (!inScopePath(path, scope.path)) continue;
        found = true;
        yield this.artifact(version, path, e);
      }
    } catch (err) {
      throw hubError(err, `listing files of ${version.reference}`);
    }
    if (!found && scope.path)
      throw new ConnectorError('NOT_FOUND', `${version.reference} has no file '${scope.path}'`);
  }

  openRange(artifact: RemoteArtifact, offset: number, signal?: AbortSignal): Promise<OpenedBody> {
    return openHttpRange(this.http, artifact.locator, offset, signal);
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private artifact(
    version: ModelVersionRef,
    path: string,
    e: { size: number; oid?: string; lfs?: { oid: string; size: number } },
  ): RemoteArtifact {
    const digests: ArtifactDigest[] = [];
    if (e.lfs && /^[0-9a-f]{64}$/.test(e.lfs.oid)) digests.push({ algorithm: 'sha256', value: e.lfs.oid });
    else if (!e.lfs && e.oid && /^[0-9a-f]{40}$/.test(e.oid))
      digests.push({ algorithm: 'git-blob-sha1', value: e.oid });
    const size = e.lfs?.size ?? e.size;
    const a: RemoteArtifact = {
      version,
      path,
      reference: `${version.reference}/${path}`,
      digests,
      locator: `${this.endpoint}/${version.model}/resolve/${version.version}/${encodePath(path)}`,
    };
    if (Number.isSafeInteger(size) && size >= 0) a.size = size;
    return a;
  }

  private async pin(name: string, revision: string): Promise<ModelVersionRef> {
    if (!REPO_ID.test(name))
      throw new ConnectorError('BAD_REFERENCE', `'${name}' is not a Hugging Face repo id (org/name)`);
    try {
      const { modelInfo } = await hubLibrary();
      const info = await modelInfo({
        name,
        revision,
        additionalFields: ['sha'],
        hubUrl: this.endpoint,
        fetch: this.http.fetch,
      });
      if (typeof info.sha !== 'string' || !COMMIT.test(info.sha))
        throw new ConnectorError('BAD_RESPONSE', `${name}@${revision}: no commit sha in the model info`);
      return this.ref(name, info.sha, info.private, info.gated);
    } catch (err) {
      throw hubError(err, `resolving ${name}@${revision}`);
    }
  }

  private ref(
    name: string,
    sha: string,
    isPrivate: boolean,
    gated: false | 'auto' | 'manual',
  ): ModelVersionRef {
    if (!REPO_ID.test(name))
      throw new ConnectorError('BAD_RESPONSE', `hub listed an invalid repo id '${name.slice(0, 80)}'`);
    return {
      registry: 'huggingface',
      endpoint: this.endpoint,
      model: name,
      version: sha,
      reference: `hf://${name}@${sha}`,
      changeKey: sha,
      labels: { private: String(Boolean(isPrivate)), gated: String(gated || false) },
      locator: sha,
    };
  }
}

function hubError(err: unknown, what: string): unknown {
  if (hub && err instanceof hub.HubApiError) {
    return new ConnectorError(
      codeForStatus(err.statusCode),
      `${what}: HTTP ${err.statusCode}: ${err.message.split('. URL:')[0]}`,
      { status: err.statusCode, cause: err },
    );
  }
  if (err instanceof ConnectorError) return err;
  return new ConnectorError('BAD_RESPONSE', `${what}: ${(err as Error)?.message ?? String(err)}`, {
    cause: err,
  });
}
