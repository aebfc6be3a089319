import type { ParsedReference } from '../connector-factory.js';
import { ConnectorError } from '../errors.js';

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export interface S3Uri {
  bucket: string;
  key: string;
}

/** `s3://bucket[/key-or-prefix]`. */
export function parseS3Uri(uri: string): S3Uri {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(uri);
  if (!m || !BUCKET.test(m[1]!))
    throw new ConnectorError('BAD_REFERENCE', `'${uri}': expected s3://bucket[/key]`);
  return { bucket: m[1]!, key: m[2] ?? '' };
}

/** `s3://bucket/key` (one object) or `s3://bucket/prefix` (every object below it). */
export function parseS3Reference(ref: string): ParsedReference | undefined {
  if (!ref.startsWith('s3://')) return undefined;
  parseS3Uri(ref);
  return { registry: 's3', scope: { models: [ref] } };
}
