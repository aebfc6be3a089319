import type { IncomingMessage, ServerResponse } from 'node:http';
import { gitBlobSha1, lfsPointer, sha256Hex } from './git-oid.js';
import { sendBytes, sendJson, TestServer, type RequestContext } from './server.js';

export interface HfFile {
  path: string;
  bytes: Uint8Array;
  /** Stored in LFS: the tree shows `lfs{oid,size,pointerSize}` and resolve redirects to the CDN. */
  lfs?: boolean;
  /** SHA-256 the tree states instead of the real one (content changed behind the registry's back). */
  statedSha256?: string;
  /** Git blob oid the tree states for a small (non-LFS) file instead of the real one. */
  statedOid?: string;
}

export interface HfRepo {
  id: string;
  sha: string;
  private?: boolean;
  gated?: false | 'auto' | 'manual';
  files: HfFile[];
}

export interface HfServerOptions {
  repos: HfRepo[];
  /** Tokens the hub accepts. */
  tokens?: string[];
  /** Tokens whose user accepted the gate of gated repos. */
  gateAccepted?: string[];
  /** Models per `/api/models` page (hub.js asks for 500; the server may return fewer). */
  pageSize?: number;
  /** Tree entries per page (1000 on the real hub). */
  treePageSize?: number;
}

/**
 * A Hugging Face Hub speaking the wire API in registries.md §2: `/api/models` with an absolute `Link` next header,
 * `/api/models/{repo}/revision/{rev}`, paginated `/tree/{rev}`, and `/{repo}/resolve/{rev}/{path}` which 302s LFS
 * files to a second origin (the CDN, which like a presigned store refuses an `Authorization` header) and serves
 * small files with their git blob ETag. Errors carry `X-Error-Code` as the hub does: 401 `RepoNotFound` for
 * private or missing repos without a token, 403 `GatedRepo`, 404 `RevisionNotFound`/`EntryNotFound`.
 */
export class HfServer {
  private constructor(
    readonly hub: TestServer,
    readonly cdn: TestServer,
    readonly options: HfServerOptions,
  ) {}

  static async start(options: HfServerOptions): Promise<HfServer> {
    const box: { self?: HfServer } = {};
    const cdn = await TestServer.start((req, res, ctx) => box.self!.serveCdn(req, res, ctx));
    const hub = await TestServer.start((req, res, ctx) => box.self!.serveHub(req, res, ctx));
    const self = new HfServer(hub, cdn, options);
    box.self = self;
    return self;
  }

  get url(): string {
    return this.hub.url;
  }

  async close(): Promise<void> {
    await Promise.all([this.hub.close(), this.cdn.close()]);
  }

  private token(req: IncomingMessage): 'none' | 'invalid' | string {
    const auth = req.headers.authorization;
    if (!auth) return 'none';
    const m = /^Bearer (.+)$/.exec(auth);
    return m && (this.options.tokens ?? []).includes(m[1]!) ? m[1]! : 'invalid';
  }

  private serveHub(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): void {
    const token = this.token(req);
    if (token === 'invalid')
      return hfError(res, 401, 'Unauthorized', 'Invalid credentials in Authorization header');
    const authed = token !== 'none';
    const p = ctx.url.pathname;
    if (p === '/api/models') return this.listModels(res, ctx.url, authed);
    let m = /^\/api\/models\/([^/]+\/[^/]+)\/(revision|tree)\/([^/]+)(?:\/(.*))?$/.exec(p);
    if (m) {
      const repo = this.visibleRepo(res, decodeURIComponent(m[1]!), authed);
      if (!repo || !this.checkRevision(res, repo, decodeURIComponent(m[3]!))) return;
      if (m[2] === 'revision') return this.revision(res, repo);
      return this.tree(res, ctx.url, repo, m[4] ? decodeURIComponent(m[4]) : '');
    }
    m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(p);
    if (m) {
      const repo = this.visibleRepo(res, decodeURIComponent(m[1]!), authed);
      if (!repo || !this.checkRevision(res, repo, decodeURIComponent(m[2]!))) return;
      if (repo.gated && !(this.options.gateAccepted ?? []).includes(token)) {
        return hfError(
          res,
          authed ? 403 : 401,
          'GatedRepo',
          `Access to model ${repo.id} is restricted. You must have access to it and be authenticated to access it.`,
        );
      }
      const path = decodeURIComponent(m[3]!);
      const file = repo.files.find((f) => f.path === path);
      if (!file) return hfError(res, 404, 'EntryNotFound', `${path} does not exist on "main"`);
      const sha = sha256Hex(file.bytes);
      if (file.lfs) {
        res.writeHead(302, {
          location: `${this.cdn.url}/repos/${sha}?X-Amz-Signature=test&X-Amz-Expires=3600`,
          'x-linked-etag': `"${file.statedSha256 ?? sha}"`,
          'x-linked-size': String(file.bytes.length),
          'x-repo-commit': repo.sha,
          etag: `"${file.statedSha256 ?? sha}"`,
        });
        res.end();
        return;
      }
      return sendBytes(req, res, file.bytes, {
        etag: `"${gitBlobSha1(file.bytes)}"`,
        headers: { 'x-repo-commit': repo.sha },
        fault: ctx.fault,
      });
    }
    hfError(res, 404, undefined, 'Not Found');
  }

  private serveCdn(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): void {
    if (req.headers.authorization) return sendJson(res, 400, { error: 'Only one auth mechanism allowed' });
    const m = /^\/repos\/([0-9a-f]{64})$/.exec(ctx.url.pathname);
    const file = m && this.options.repos.flatMap((r) => r.files).find((f) => sha256Hex(f.bytes) === m[1]);
    if (!file) return sendJson(res, 404, { error: 'NoSuchKey' });
    sendBytes(req, res, file.bytes, { etag: `"${m[1]}"`, fault: ctx.fault });
  }

  private visibleRepo(res: ServerResponse, id: string, authed: boolean): HfRepo | undefined {
    const repo = this.options.repos.find((r) => r.id === id);
    if (repo && (!repo.private || authed)) return repo;
    if (authed) hfError(res, 404, 'RepoNotFound', 'Repository not found');
    else hfError(res, 401, 'RepoNotFound', 'Repository not found');
    return undefined;
  }

  private checkRevision(res: ServerResponse, repo: HfRepo, rev: string): boolean {
    if (rev === 'main' || rev === 'HEAD' || rev === repo.sha) return true;
    hfError(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
    return false;
  }

  private listModels(res: ServerResponse, url: URL, authed: boolean): void {
    const author = url.searchParams.get('author');
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 1000), this.options.pageSize ?? 1000);
    const cursor = Number(url.searchParams.get('cursor') ?? 0);
    const expand = url.searchParams.getAll('expand');
    const all = this.options.repos.filter(
      (r) => (!author || r.id.split('/')[0] === author) && (!r.private || authed),
    );
    const page = all.slice(cursor, cursor + limit).map((r) => {
      const full: Record<string, unknown> = {
        _id: `id-${r.id}`,
        id: r.id,
        private: Boolean(r.private),
        gated: r.gated ?? false,
        downloads: 0,
        likes: 0,
        lastModified: '2025-06-01T12:00:00.000Z',
        sha: r.sha,
      };
      const out: Record<string, unknown> = { _id: full._id, id: r.id };
      for (const k of expand) if (k in full) out[k] = full[k];
      return expand.length ? out : full;
    });
    const headers: Record<string, string> = {};
    if (cursor + limit < all.length) {
      const next = new URL(url.href);
      next.searchParams.set('cursor', String(cursor + limit));
      headers.link = `<${next.href}>; rel="next"`;
    }
    sendJson(res, 200, page, headers);
  }

  private revision(res: ServerResponse, repo: HfRepo): void {
    sendJson(res, 200, {
      _id: `id-${repo.id}`,
      id: repo.id,
      sha: repo.sha,
      private: Boolean(repo.private),
      gated: repo.gated ?? false,
      downloads: 0,
      likes: 0,
      lastModified: '2025-06-01T12:00:00.000Z',
      siblings: repo.files.map((f) => ({ rfilename: f.path })),
    });
  }

  private tree(res: ServerResponse, url: URL, repo: HfRepo, dir: string): void {
    const recursive = url.searchParams.get('recursive') === 'true';
    const prefix = dir ? `${dir}/` : '';
    const entries: Record<string, unknown>[] = [];
    const dirs = new Set<string>();
    for (const f of repo.files) {
      if (!f.path.startsWith(prefix)) continue;
      const rest = f.path.slice(prefix.length).split('/');
      for (let i = 1; i < rest.length; i++) {
        const d = prefix + rest.slice(0, i).join('/');
        if ((recursive || i === 1) && !dirs.has(d)) {
          dirs.add(d);
          entries.push({ type: 'directory', oid: gitBlobSha1(d), size: 0, path: d });
        }
      }
      if (!recursive && rest.length > 1) continue;
      entries.push(treeEntry(f));
    }
    const size = this.options.treePageSize ?? 1000;
    const cursor = Number(url.searchParams.get('cursor') ?? 0);
    const headers: Record<string, string> = {};
    if (cursor + size < entries.length) {
      const next = new URL(url.href);
      next.searchParams.set('cursor', String(cursor + size));
      headers.link = `<${next.href}>; rel="next"`;
    }
    sendJson(res, 200, entries.slice(cursor, cursor + size), headers);
  }
}

function treeEntry(f: HfFile): Record<string, unknown> {
  if (!f.lfs)
    return { type: 'file', oid: f.statedOid ?? gitBlobSha1(f.bytes), size: f.bytes.length, path: f.path };
  const sha = f.statedSha256 ?? sha256Hex(f.bytes);
  const pointer = lfsPointer(sha, f.bytes.length);
  return {
    type: 'file',
    oid: gitBlobSha1(pointer),
    size: f.bytes.length,
    path: f.path,
    lfs: { oid: sha, size: f.bytes.length, pointerSize: pointer.length },
  };
}

function hfError(res: ServerResponse, status: number, code: string | undefined, message: string): void {
  const headers: Record<string, string> = { 'x-error-message': message };
  if (code) headers['x-error-code'] = code;
  sendJson(res, status, { error: message }, headers);
}
