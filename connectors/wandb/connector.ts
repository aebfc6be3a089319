import type { EgressPolicy } from '../../evidence/emit/egress-policy.js';
import type { Connector, OpenedBody } from '../connector.js';
import { ConnectorError } from '../errors.js';
import { HttpClient } from '../http/client.js';
import { openHttpRange } from '../http/open-range.js';
import { readText } from '../http/read-bounded.js';
import type { RetryPolicy } from '../http/retry-policy.js';
import type { ModelVersionRef } from '../model-version-ref.js';
import { storeReads, type ObjectStore } from '../object-store.js';
import { checkPath, inScopePath, PageGuard } from '../paths.js';
import type { RemoteArtifact } from '../remote-artifact.js';
import type { Scope } from '../scope.js';
import { base64ToHex } from '../verify.js';
import { graphql, relay, WANDB_PAGE } from './graphql.js';
import * as Q from './queries.js';

export const WANDB_DEFAULT_BASE_URL = 'https://api.wandb.ai';
export const WANDB_MAX_ENTRIES = 100_000;
/** Largest manifest read (it is JSON parsed in memory). */
export const WANDB_MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
const MAX_REFRESHED = 1000;

export interface WandbOptions {
  /** `WANDB_BASE_URL`. */
  baseUrl: string;
  /** `WANDB_API_KEY`, sent as Basic `api:<key>` to the W&B server only (never to signed storage URLs). */
  apiKey?: string;
  /** Artifact type listed (default `model`). */
  type?: string;
  retry?: Partial<RetryPolicy>;
  egress?: EgressPolicy;
  /** Reads `s3://` reference entries. */
  store?: ObjectStore;
}

/** What a W&B-stored file's locator holds (opaque to everyone else). */
interface FileLocator {
  id: string;
  name: string;
  url: string;
}

/**
 * Weights & Biases artifacts over GraphQL (by hand: there is no JS client): model collections of a project and
 * their versions (Relay paging), each version's manifest (entry digest = base64 MD5, checked against the bytes
 * read), downloads through signed URLs (refreshed once when they have expired), `s3://` reference entries read
 * from S3; other references are reported, never skipped silently.
 */
export class WandbConnector implements Connector {
  readonly registry = 'wandb' as const;
  readonly endpoint: string;
  private readonly http: HttpClient;
  private readonly type: string;
  /** Refreshed signed URLs by artifact id + file name (bounded; oldest dropped first). */
  private readonly refreshed = new Map<string, string>();

  constructor(private readonly options: WandbOptions) {
    this.endpoint = options.baseUrl.replace(/\/+$/, '');
    this.type = options.type ?? 'model';
    this.http = new HttpClient({
      ...(options.apiKey
        ? {
            authorization: `Basic ${Buffer.from(`api:${options.apiKey}`).toString('base64')}`,
            authOrigin: new URL(this.endpoint).origin,
          }
        : {}),
      ...(options.egress ? { egress: options.egress } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      describeError: (_s, _h, body) => {
        try {
          const e = JSON.parse(body) as { errors?: { message?: string }[]; error?: string };
          return e.errors?.map((x) => x.message).join('; ') ?? e.error ?? body;
        } catch {
          return body;
        }
      },
    });
  }

  private gql<T>(op: string, query: string, vars: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
    return graphql<T>(this.http, `${this.endpoint}/graphql`, op, query, vars, signal);
  }

  async *listVersions(scope: Scope, signal?: AbortSignal): AsyncGenerator<ModelVersionRef> {
    const [entity, project] = (scope.owner ?? '').split('/');
    if (!entity || !project) throw new ConnectorError('BAD_REFERENCE', 'W&B scope needs entity/project');
    const base = { entity, project };
    const collections = scope.models?.length ? scope.models : this.collections(entity, project, signal);
    for await (const name of collections) {
      if (scope.version) {
        type R = { project: { artifactCollectionMembership: { artifact: Q.ArtifactNode } | null } | null };
        const r = await this.gql<R>(
          'ArtifactMembershipByName',
          Q.ARTIFACT_MEMBERSHIP_BY_NAME,
          { ...base, name: `${name}:${scope.version}` },
          signal,
        );
        const node = r.project?.artifactCollectionMembership?.artifact;
        if (!node)
          throw new ConnectorError(
            'NOT_FOUND',
            `wandb://${entity}/${project}/${name}:${scope.version} not found`,
          );
        yield this.ref(entity, project, name, node);
        continue;
      }
      type R = {
        project: {
          artifactType: {
            artifactCollection: { artifacts: Q.Connection<{ node: Q.ArtifactNode }> } | null;
          } | null;
        } | null;
      };
      const edges = relay(
        (cursor) =>
          this.gql<R>(
            'ProjectArtifacts',
            Q.PROJECT_ARTIFACTS,
            { ...base, type: this.type, collection: name, cursor, perPage: WANDB_PAGE },
            signal,
          ),
        (r) => r.project?.artifactType?.artifactCollection?.artifacts,
        `versions of ${entity}/${project}/${name}`,
      );
      const guard = new PageGuard(`versions of ${name}`, WANDB_MAX_ENTRIES);
      for await (const e of edges) {
        guard.add(String(e.node?.id));
        yield this.ref(entity, project, name, e.node);
      }
    }
  }

  async *listArtifacts(
    version: ModelVersionRef,
    scope: Scope,
    signal?: AbortSignal,
  ): AsyncGenerator<RemoteArtifact> {
    if (version.labels.state !== 'COMMITTED')
      throw new ConnectorError(
        'UNSUPPORTED',
        `${version.reference} is ${version.labels.state}, not COMMITTED`,
      );
    const id = version.locator;
    const manifest = await this.manifest(id, signal);
    const urls = await this.fileUrls(id, signal);
    const unreadable: string[] = [];
    const paths = Object.keys(manifest.contents).sort();
    if (paths.length > WANDB_MAX_ENTRIES)
      throw new ConnectorError(
        'BAD_RESPONSE',
        `${version.reference}: more than ${WANDB_MAX_ENTRIES} manifest entries`,
      );
    for (const raw of paths) {
      const path = checkPath(raw);
      if (!inScopePath(path, scope.path)) continue;
      const e = manifest.contents[raw]!;
      const a: RemoteArtifact = {
        version,
        path,
        reference: `${version.reference}/${path}`,
        digests: [],
        locator: '',
      };
      if (typeof e.size === 'number' && Number.isSafeInteger(e.size) && e.size >= 0) a.size = e.size;
      if (e.ref !== undefined) {
        if (!storeReads(this.options.store, e.ref)) {
          unreadable.push(`${path} -> ${String(e.ref).replace(/\?.*$/, '').slice(0, 120)}`);
          continue;
        }
        a.locator = e.ref;
        const etag = e.extra?.etag ?? (/^[0-9a-f]{32}$/.test(e.digest) ? e.digest : undefined);
        if (etag) a.digests.push({ algorithm: 'etag', value: etag.replace(/"/g, '') });
      } else {
        const url = urls.get(raw);
        if (!url)
          throw new ConnectorError('BAD_RESPONSE', `${version.reference}: no download URL for '${path}'`);
        if (!/^[A-Za-z0-9+/]{22}==$/.test(e.digest))
          throw new ConnectorError('BAD_RESPONSE', `${version.reference}: '${path}' has a malformed digest`);
        a.digests.push({ algorithm: 'md5', value: base64ToHex(e.digest) });
        a.locator = JSON.stringify({ id, name: raw, url } satisfies FileLocator);
      }
      yield a;
    }
    if (unreadable.length)
      throw new ConnectorError(
        'UNSUPPORTED',
        `${version.reference}: reference entries not read: ${unreadable.join(', ').slice(0, 300)}`,
      );
  }

  async openRange(artifact: RemoteArtifact, offset: number, signal?: AbortSignal): Promise<OpenedBody> {
    if (storeReads(this.options.store, artifact.locator))
      return this.options.store.openRange(artifact, offset, signal);
    const loc = JSON.parse(artifact.locator) as FileLocator;
    const key = `${loc.id}\0${loc.name}`;
    try {
      return await openHttpRange(this.http, this.refreshed.get(key) ?? loc.url, offset, signal);
    } catch (err) {
      if (!(err instanceof ConnectorError) || err.code !== 'FORBIDDEN') throw err;
      // Signed URLs expire (wandb/wandb#11215): fetch a fresh one once, and keep it for resumes of this file.
      const fresh = (await this.fileUrls(loc.id, signal)).get(loc.name);
      if (!fresh) throw err;
      if (this.refreshed.size >= MAX_REFRESHED) this.refreshed.delete(this.refreshed.keys().next().value!);
      this.refreshed.set(key, fresh);
      return openHttpRange(this.http, fresh, offset, signal);
    }
  }

  async close(): Promise<void> {
    await this.http.close();
    await this.options.store?.close();
  }

  private async manifest(id: string, signal?: AbortSignal): Promise<Q.Manifest> {
    type R = { artifact: { currentManifest: { file: { directUrl: string } } | null } | null };
    const r = await this.gql<R>('FetchArtifactManifest', Q.FETCH_ARTIFACT_MANIFEST, { id }, signal);
    const url = r.artifact?.currentManifest?.file?.directUrl;
    if (!url) throw new ConnectorError('NOT_FOUND', `artifact ${id} has no manifest`);
    const res = await this.http.request(url, signal ? { signal } : {});
    const text = await readText(res, `manifest of ${id}`, WANDB_MAX_MANIFEST_BYTES);
    let m: Q.Manifest;
    try {
      m = JSON.parse(text) as Q.Manifest;
    } catch {
      throw new ConnectorError('BAD_RESPONSE', `manifest of ${id} is not JSON`);
    }
    if (m?.version !== 1 || !m.contents || typeof m.contents !== 'object')
      throw new ConnectorError(
        'UNSUPPORTED',
        `manifest of ${id}: version ${String(m?.version)} not supported`,
      );
    return m;
  }

  private async fileUrls(id: string, signal?: AbortSignal): Promise<Map<string, string>> {
    type R = { artifact: { files: Q.Connection<{ node: { name: string; directUrl: string } }> } | null };
    const urls = new Map<string, string>();
    const edges = relay(
      (cursor) =>
        this.gql<R>('ArtifactFileUrls', Q.ARTIFACT_FILE_URLS, { id, cursor, perPage: WANDB_PAGE }, signal),
      (r) => r.artifact?.files,
      `files of artifact ${id}`,
    );
    for await (const e of edges) {
      if (urls.size >= WANDB_MAX_ENTRIES)
        throw new ConnectorError('BAD_RESPONSE', `artifact ${id}: too many files`);
      if (e.node?.name && e.node.directUrl) urls.set(e.node.name, e.node.directUrl);
    }
    return urls;
  }

  private async *collections(entity: string, project: string, signal?: AbortSignal): AsyncGenerator<string> {
    type R = {
      project: {
        artifactType: { artifactCollections: Q.Connection<{ node: { name: string } }> } | null;
      } | null;
    };
    const guard = new PageGuard(`collections of ${entity}/${project}`, WANDB_MAX_ENTRIES);
    const edges = relay(
      (cursor) =>
        this.gql<R>(
          'ProjectArtifactCollections',
          Q.PROJECT_ARTIFACT_COLLECTIONS,
          { entity, project, type: this.type, cursor, perPage: WANDB_PAGE },
          signal,
        ),
      (r) =>
        r.project === null
          ? null
          : (r.project?.artifactType?.artifactCollections ?? {
              pageInfo: { endCursor: null, hasNextPage: false },
              edges: [],
            }),
      `project ${entity}/${project}`,
    );
    for await (const e of edges) {
      guard.add(e.node.name);
      yield e.node.name;
    }
  }

  private ref(
    entity: string,
    project: string,
    name: string,
    node: Q.ArtifactNode | undefined,
  ): ModelVersionRef {
    if (!node || typeof node.id !== 'string' || !Number.isSafeInteger(node.versionIndex))
      throw new ConnectorError('BAD_RESPONSE', `${name}: malformed artifact version`);
    return {
      registry: 'wandb',
      endpoint: this.endpoint,
      model: `${entity}/${project}/${name}`,
      version: `v${node.versionIndex}`,
      reference: `wandb://${entity}/${project}/${name}:v${node.versionIndex}`,
      changeKey: node.digest,
      labels: {
        state: node.state ?? 'unknown',
        ...(node.aliases?.length ? { aliases: node.aliases.map((a) => a.alias).join(',') } : {}),
      },
      locator: node.id,
    };
  }
}
