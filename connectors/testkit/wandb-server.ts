import type { IncomingMessage, ServerResponse } from 'node:http';
import { md5Base64, md5Hex } from './git-oid.js';
import { s3ErrorBody } from './s3-server.js';
import { sendBytes, sendJson, TestServer, type RequestContext } from './server.js';

export interface WbVersion {
  id: string;
  index: number;
  aliases?: string[];
  state?: 'COMMITTED' | 'PENDING' | 'DELETED';
  files: Record<string, Uint8Array>;
  /** Reference entries: manifest path -> external URI and its digest (an S3 ETag for s3:// refs). */
  refs?: Record<string, { ref: string; digest: string; size?: number }>;
  /** Digest the manifest states for a path instead of the real base64 MD5 (content changed in storage). */
  statedDigest?: Record<string, string>;
}

export interface WbCollection {
  name: string;
  type: string;
  versions: WbVersion[];
}

export interface WandbServerOptions {
  entity: string;
  project: string;
  apiKey: string;
  collections: WbCollection[];
  /** Relay page size cap. */
  pageSize?: number;
  /** Lifetime of signed URLs in ms (403 after it). */
  urlTtlMs?: number;
  /** This many file-URL pages hand out URLs that have already expired. */
  expiredFileUrlListings?: number;
}

/**
 * A W&B server (registries.md §3.7): `POST /graphql` with Basic `api:<key>`, operations dispatched on
 * `operationName`, Relay paging (`first`/`after`, `pageInfo{endCursor,hasNextPage}`), GraphQL errors as HTTP 200
 * `{"errors":[...],"data":null}`; manifests and files on a second origin (the object store) behind signed URLs
 * that expire (403 AccessDenied), support Range, and refuse an `Authorization` header.
 */
export class WandbServer {
  private constructor(
    readonly api: TestServer,
    readonly storage: TestServer,
    readonly options: WandbServerOptions,
  ) {}

  static async start(options: WandbServerOptions): Promise<WandbServer> {
    const box: { self?: WandbServer } = {};
    const storage = await TestServer.start((req, res, ctx) => box.self!.serveStorage(req, res, ctx));
    const api = await TestServer.start((req, res, ctx) => box.self!.serveApi(req, res, ctx));
    const self = new WandbServer(api, storage, options);
    box.self = self;
    return self;
  }

  get url(): string {
    return this.api.url;
  }

  async close(): Promise<void> {
    await Promise.all([this.api.close(), this.storage.close()]);
  }

  manifest(v: WbVersion): {
    version: number;
    storagePolicy: string;
    storagePolicyConfig: unknown;
    contents: Record<string, unknown>;
  } {
    const contents: Record<string, unknown> = {};
    for (const [path, bytes] of Object.entries(v.files))
      contents[path] = {
        digest: v.statedDigest?.[path] ?? md5Base64(bytes),
        birthArtifactID: v.id,
        size: bytes.length,
      };
    for (const [path, r] of Object.entries(v.refs ?? {}))
      contents[path] = {
        digest: r.digest,
        ref: r.ref,
        ...(r.size !== undefined ? { size: r.size } : {}),
        extra: { etag: r.digest },
      };
    return {
      version: 1,
      storagePolicy: 'wandb-storage-policy-v1',
      storagePolicyConfig: { storageLayout: 'V2' },
      contents,
    };
  }

  /** Artifact-level digest: MD5 of the manifest's sorted `path:digest` lines. */
  digest(v: WbVersion): string {
    const c = this.manifest(v).contents as Record<string, { digest: string }>;
    return md5Hex(
      'wandb-artifact-manifest-v1\n' +
        Object.keys(c)
          .sort()
          .map((p) => `${p}:${c[p]!.digest}\n`)
          .join(''),
    );
  }

  private signed(path: string, expired = false): string {
    const expires = expired ? Date.now() - 1 : Date.now() + (this.options.urlTtlMs ?? 3_600_000);
    return `${this.storage.url}${path}?X-Goog-Expires=${expires}&X-Goog-Signature=test`;
  }

  private find(id: string): WbVersion | undefined {
    return this.options.collections.flatMap((c) => c.versions).find((v) => v.id === id);
  }

  private serveStorage(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): void {
    if (req.headers.authorization) return sendJson(res, 400, { error: 'Only one auth mechanism allowed' });
    if (Number(ctx.url.searchParams.get('X-Goog-Expires')) < Date.now()) {
      const body = s3ErrorBody('AccessDenied', 'Request has expired');
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end(body);
      return;
    }
    const m = /^\/(manifests|files)\/([^/]+)(?:\/(.+))?$/.exec(ctx.url.pathname);
    const v = m && this.find(decodeURIComponent(m[2]!));
    if (!m || !v) return sendJson(res, 404, { error: 'NoSuchKey' });
    if (m[1] === 'manifests') return sendJson(res, 200, this.manifest(v));
    const bytes = v.files[decodeURIComponent(m[3] ?? '')];
    if (!bytes) return sendJson(res, 404, { error: 'NoSuchKey' });
    sendBytes(req, res, bytes, { etag: `"${md5Hex(bytes)}"`, fault: ctx.fault });
  }

  private serveApi(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): void {
    if (ctx.url.pathname !== '/graphql' || req.method !== 'POST')
      return sendJson(res, 404, { error: 'not found' });
    const basic = `Basic ${Buffer.from(`api:${this.options.apiKey}`).toString('base64')}`;
    if (req.headers.authorization !== basic)
      return sendJson(res, 401, { errors: [{ message: 'user is not logged in' }] });
    const { operationName, variables: vars = {} } = JSON.parse(ctx.body.toString()) as {
      operationName?: string;
      variables?: Record<string, unknown>;
    };
    const project = vars.entity === this.options.entity && vars.project === this.options.project;
    const collection = (name: unknown) =>
      this.options.collections.find(
        (c) => c.name === name && (vars.type === undefined || c.type === vars.type),
      );
    switch (operationName) {
      case 'ProjectArtifactCollections': {
        if (!project) return sendJson(res, 200, { data: { project: null } });
        const all = this.options.collections
          .filter((c) => c.type === vars.type)
          .map((c) => ({ node: { __typename: 'ArtifactSequence', id: `seq-${c.name}`, name: c.name } }));
        return sendJson(res, 200, {
          data: { project: { artifactType: { artifactCollections: this.page(all, vars) } } },
        });
      }
      case 'ProjectArtifacts': {
        const c = project ? collection(vars.collection) : undefined;
        if (!project) return sendJson(res, 200, { data: { project: null } });
        const all = (c?.versions ?? []).map((v) => ({ version: `v${v.index}`, node: this.node(c!, v) }));
        return sendJson(res, 200, {
          data: {
            project: { artifactType: { artifactCollection: c ? { artifacts: this.page(all, vars) } : null } },
          },
        });
      }
      case 'ArtifactMembershipByName': {
        if (!project) return sendJson(res, 200, { data: { project: null } });
        const [name, alias] = String(vars.name).split(':');
        const c = this.options.collections.find((x) => x.name === name);
        const v = c?.versions.find((x) => `v${x.index}` === alias || x.aliases?.includes(alias ?? ''));
        return sendJson(res, 200, {
          data: {
            project: {
              artifactCollectionMembership: v ? { versionIndex: v.index, artifact: this.node(c!, v) } : null,
            },
          },
        });
      }
      case 'FetchArtifactManifest': {
        const v = this.find(String(vars.id));
        return sendJson(res, 200, {
          data: {
            artifact: v
              ? {
                  currentManifest: {
                    file: { directUrl: this.signed(`/manifests/${encodeURIComponent(v.id)}`) },
                  },
                }
              : null,
          },
        });
      }
      case 'ArtifactFileUrls': {
        const v = this.find(String(vars.id));
        if (!v) return sendJson(res, 200, { data: { artifact: null } });
        const expired = (this.options.expiredFileUrlListings ?? 0) > 0;
        if (expired) this.options.expiredFileUrlListings! -= 1;
        const all = Object.keys(v.files).map((name) => ({
          node: {
            name,
            directUrl: this.signed(
              `/files/${encodeURIComponent(v.id)}/${name.split('/').map(encodeURIComponent).join('/')}`,
              expired,
            ),
          },
        }));
        return sendJson(res, 200, { data: { artifact: { files: this.page(all, vars) } } });
      }
      default:
        return sendJson(res, 200, {
          errors: [{ message: `Cannot query operation ${operationName}`, path: [] }],
          data: null,
        });
    }
  }

  private node(c: WbCollection, v: WbVersion): Record<string, unknown> {
    return {
      __typename: 'Artifact',
      id: v.id,
      versionIndex: v.index,
      artifactType: { name: c.type },
      artifactSequence: { name: c.name },
      state: v.state ?? 'COMMITTED',
      digest: this.digest(v),
      fileCount: Object.keys(v.files).length + Object.keys(v.refs ?? {}).length,
      createdAt: '2025-06-01T12:00:00',
      aliases: (v.aliases ?? []).map((alias) => ({ __typename: 'ArtifactAlias', alias })),
    };
  }

  private page<T>(
    all: T[],
    vars: Record<string, unknown>,
  ): { pageInfo: { endCursor: string | null; hasNextPage: boolean }; edges: (T & { cursor: string })[] } {
    const first = Math.min(Number(vars.perPage ?? 50), this.options.pageSize ?? 1000);
    const after = vars.cursor
      ? Number(Buffer.from(String(vars.cursor), 'base64').toString().split(':')[1]) + 1
      : 0;
    const edges = all
      .slice(after, after + first)
      .map((e, i) => ({ ...e, cursor: Buffer.from(`arrayconnection:${after + i}`).toString('base64') }));
    return {
      pageInfo: { endCursor: edges.at(-1)?.cursor ?? null, hasNextPage: after + first < all.length },
      edges,
    };
  }
}
