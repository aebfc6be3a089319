import { ProtocolServer } from './protocol-server.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sigV4KeyId } from './aws-auth.js';
import { md5Hex } from './git-oid.js';
import { sendBytes, type RequestContext } from './server.js';

export interface S3ServerOptions {
  /** bucket -> key -> bytes. */
  buckets: Record<string, Record<string, Uint8Array>>;
  /** Accepted SigV4 access key id. */
  accessKeyId: string;
  /** Keys per ListObjectsV2 page at most (1000 on S3). */
  maxKeys?: number;
}

/**
 * The S3 REST/XML subset the SDK uses for reading (registries.md §4.3), path-style: ListObjectsV2
 * (`?list-type=2`, `prefix`, `continuation-token`, `max-keys`), HeadObject and GetObject with `Range` (206,
 * `Content-Range`) and `If-Match` (412 PreconditionFailed), quoted MD5 ETags, and S3's XML error bodies
 * (NoSuchBucket, NoSuchKey, AccessDenied, InvalidAccessKeyId).
 */
export class S3Server extends ProtocolServer<S3ServerOptions> {
  static start(options: S3ServerOptions): Promise<S3Server> {
    return ProtocolServer.launch((http) => new S3Server(http, options));
  }

  protected serve(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): void {
    const key = sigV4KeyId(req);
    if (key === 'none') return s3Error(res, 403, 'AccessDenied', 'Access Denied');
    if (key !== this.options.accessKeyId)
      return s3Error(
        res,
        403,
        'InvalidAccessKeyId',
        'The AWS Access Key Id you provided does not exist in our records.',
      );
    const [, bucketName, ...rest] = ctx.url.pathname.split('/');
    const bucket = this.options.buckets[decodeURIComponent(bucketName ?? '')];
    if (!bucket) return s3Error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
    if (rest.length === 0 || (rest.length === 1 && rest[0] === '')) {
      if (ctx.url.searchParams.get('list-type') !== '2')
        return s3Error(res, 400, 'InvalidArgument', 'only ListObjectsV2 is served');
      return this.list(res, decodeURIComponent(bucketName!), bucket, ctx.url.searchParams);
    }
    const objectKey = rest.map(decodeURIComponent).join('/');
    const bytes = bucket[objectKey];
    if (!bytes) return s3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    const etag = `"${md5Hex(bytes)}"`;
    const ifMatch = req.headers['if-match'];
    if (ifMatch && ifMatch !== etag)
      return s3Error(
        res,
        412,
        'PreconditionFailed',
        'At least one of the pre-conditions you specified did not hold',
      );
    sendBytes(req, res, bytes, {
      etag,
      fault: ctx.fault,
      headers: { 'last-modified': 'Sun, 01 Jun 2025 12:00:00 GMT' },
    });
  }

  private list(
    res: ServerResponse,
    name: string,
    bucket: Record<string, Uint8Array>,
    q: URLSearchParams,
  ): void {
    const prefix = q.get('prefix') ?? '';
    const max = Math.min(Number(q.get('max-keys') ?? 1000), this.options.maxKeys ?? 1000);
    const token = q.get('continuation-token');
    const after = token ? Buffer.from(token, 'base64').toString() : (q.get('start-after') ?? '');
    const keys = Object.keys(bucket)
      .filter((k) => k.startsWith(prefix) && k > after)
      .sort();
    const page = keys.slice(0, max);
    const truncated = keys.length > max;
    const contents = page
      .map(
        (k) =>
          `<Contents><Key>${xml(k)}</Key><LastModified>2025-06-01T12:00:00.000Z</LastModified><ETag>&quot;${md5Hex(bucket[k]!)}&quot;</ETag><Size>${bucket[k]!.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
      )
      .join('');
    const next = truncated
      ? `<NextContinuationToken>${Buffer.from(page[page.length - 1]!).toString('base64')}</NextContinuationToken>`
      : '';
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
      `<Name>${xml(name)}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys>` +
      `<IsTruncated>${truncated}</IsTruncated>${token ? `<ContinuationToken>${xml(token)}</ContinuationToken>` : ''}${contents}${next}</ListBucketResult>`;
    res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }
}

export function s3ErrorBody(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xml(message)}</Message><RequestId>TESTREQ</RequestId></Error>`;
}

function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
  const body = s3ErrorBody(code, message);
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function xml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
