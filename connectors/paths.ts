import { ConnectorError } from './errors.js';

/** Longest path accepted from a registry listing. */
export const MAX_PATH_CHARS = 1024;

/**
 * A registry-listed file path must be relative, `/`-separated, without `.`/`..` segments or control characters:
 * it becomes part of a reference and of request URLs (CVE-2023-1177 was an MLflow proxy path traversal).
 */
export function checkPath(path: string): string {
  const segments = path.split('/');
  const bad =
    path.length === 0 ||
    path.length > MAX_PATH_CHARS ||
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
    /[\u0000-\u001f\u007f\\]/.test(path) ||
    segments.some((s) => s === '' || s === '.' || s === '..');
  if (bad) throw new ConnectorError('BAD_RESPONSE', `registry listed an unsafe path '${path.slice(0, 80)}'`);
  return path;
}

/** Percent-encode each segment of a relative path for a URL. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** Whether `path` is `scopePath` or lies below it. */
export function inScopePath(path: string, scopePath: string | undefined): boolean {
  if (!scopePath) return true;
  const p = scopePath.replace(/\/+$/, '');
  return path === p || path.startsWith(`${p}/`);
}

/** Guards a paginated listing against loops (a `next` that never ends or repeats itself). */
export class PageGuard {
  private readonly seen = new Set<string>();
  constructor(
    private readonly what: string,
    private readonly max: number,
  ) {}

  /** Record one listed key; throws on a repeat or when the listing exceeds its bound. */
  add(key: string): void {
    if (this.seen.has(key))
      throw new ConnectorError(
        'BAD_RESPONSE',
        `${this.what}: '${key.slice(0, 80)}' listed twice (pagination loop)`,
      );
    if (this.seen.size >= this.max)
      throw new ConnectorError('BAD_RESPONSE', `${this.what}: more than ${this.max} entries`);
    this.seen.add(key);
  }
}
