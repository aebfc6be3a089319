import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { lfsPointer, gitBlobSha1 } from '../connectors/testkit/git-oid.js';
import { sendBytes, sendJson, TestServer } from '../connectors/testkit/server.js';

/**
 * A lean Hugging Face hub for the throughput bench: the same wire subset as connectors/testkit/hf-server.ts
 * (`/api/models` with `Link` paging, recursive `/tree`, `/resolve` with Range) but every file is one shared
 * buffer whose SHA-256 is computed once, so the server spends its CPU on sending bytes, not on hashing them again
 * for every request (HfServer re-hashes each file per request, which would starve the scanner on 2 cores).
 */
export class BenchHub {
  private constructor(
    readonly http: TestServer,
    private readonly repos: string[],
    private readonly files: number,
    private readonly bytes: Uint8Array,
    private readonly sha: string,
  ) {}

  /**
   * `cdn`: base URL of a server that has the file at `<cdn>/<sha256>`; LFS downloads are then redirected there with
   * a 302, as the real hub redirects to its CDN. Without it this server sends the bytes itself.
   */
  static async start(
    owner: string,
    repos: number,
    filesPerRepo: number,
    bytes: Uint8Array,
    cdn?: string,
  ): Promise<BenchHub> {
    const sha = createHash('sha256').update(bytes).digest('hex');
    const ids = Array.from({ length: repos }, (_, i) => `${owner}/model-${i}`);
    const box: { self?: BenchHub } = {};
    const http = await TestServer.start((req, res, ctx) => {
      const self = box.self!;
      const p = ctx.url.pathname;
      if (p === '/api/models') return self.list(res, ctx.url);
      const tree = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/[^/]+$/.exec(p);
      if (tree) return self.tree(res, ctx.url);
      if (/^\/[^/]+\/[^/]+\/resolve\/[^/]+\/.+$/.test(p)) {
        if (!cdn) return sendBytes(req, res, self.bytes, { etag: `"${sha}"` });
        res.writeHead(302, { location: `${cdn}/${sha}`, 'x-linked-etag': `"${sha}"` });
        res.end();
        return;
      }
      sendJson(res, 404, { error: 'Not Found' });
    });
    box.self = new BenchHub(http, ids, filesPerRepo, bytes, sha);
    return box.self;
  }

  get url(): string {
    return this.http.url;
  }

  /** Requests that read artifact bytes. */
  downloads(): number {
    return this.http.seen(/\/resolve\//).length;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private list(res: ServerResponse, url: URL): void {
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 1000), 1000);
    const cursor = Number(url.searchParams.get('cursor') ?? 0);
    const commit = (i: number) => createHash('sha1').update(`commit-${i}`).digest('hex');
    const page = this.repos.slice(cursor, cursor + limit).map((id, k) => ({
      _id: `id-${id}`,
      id,
      sha: commit(cursor + k),
      private: false,
      gated: false,
    }));
    const headers: Record<string, string> = {};
    if (cursor + limit < this.repos.length) {
      const next = new URL(url.href);
      next.searchParams.set('cursor', String(cursor + limit));
      headers.link = `<${next.href}>; rel="next"`;
    }
    sendJson(res, 200, page, headers);
  }

  private tree(res: ServerResponse, url: URL): void {
    const pointer = lfsPointer(this.sha, this.bytes.length);
    const entry = (i: number) => ({
      type: 'file',
      oid: gitBlobSha1(pointer),
      size: this.bytes.length,
      path: `shard-${String(i).padStart(5, '0')}.safetensors`,
      lfs: { oid: this.sha, size: this.bytes.length, pointerSize: pointer.length },
    });
    const size = 1000;
    const cursor = Number(url.searchParams.get('cursor') ?? 0);
    const end = Math.min(this.files, cursor + size);
    const headers: Record<string, string> = {};
    if (end < this.files) {
      const next = new URL(url.href);
      next.searchParams.set('cursor', String(end));
      headers.link = `<${next.href}>; rel="next"`;
    }
    const entries = [];
    for (let i = cursor; i < end; i++) entries.push(entry(i));
    sendJson(res, 200, entries, headers);
  }
}
