import { createHash } from 'node:crypto';

export const sha256Hex = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');
export const md5Base64 = (b: Uint8Array | string): string => createHash('md5').update(b).digest('base64');
export const md5Hex = (b: Uint8Array | string): string => createHash('md5').update(b).digest('hex');

/** Git blob id: SHA-1 of `blob <size>\0<content>`. */
export function gitBlobSha1(b: Uint8Array | string): string {
  const bytes = typeof b === 'string' ? Buffer.from(b) : b;
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** The Git LFS pointer file stored in git in place of an LFS file. */
export function lfsPointer(sha256: string, size: number): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${size}\n`;
}
