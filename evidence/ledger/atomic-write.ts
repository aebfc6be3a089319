import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { TMP_PREFIX } from './paths.js';

/** fsync a directory so a rename inside it is durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Crash-safe file write: write a temp file in the same directory, fsync it, rename it over the final name,
 * fsync the directory. After a crash the final name holds either nothing (or the old file) or all of `bytes`;
 * leftover temp files carry TMP_PREFIX and are removed by ledger recovery.
 */
export function writeFileAtomic(dir: string, name: string, bytes: Uint8Array, mode = 0o600): void {
  const tmp = join(dir, `${TMP_PREFIX}${name}.${randomBytes(6).toString('hex')}`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, join(dir, name));
  fsyncDir(dir);
}
