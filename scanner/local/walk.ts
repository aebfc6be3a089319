import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CoverageCode } from '../coverage.js';

/** One thing found below the paths given to `scan`: a regular file to read, or a problem to report. */
export type WalkEntry =
  | { kind: 'file'; path: string; size: number }
  | { kind: 'problem'; path: string; code: CoverageCode; message: string };

/**
 * Walk files and directories recursively, in sorted order. Symlinks are followed; a directory reached twice
 * through links (a loop) is reported, not entered. Unreadable entries and special files (sockets, FIFOs,
 * devices) are reported, never fatal.
 */
export async function* walk(paths: readonly string[]): AsyncGenerator<WalkEntry> {
  const seenDirs = new Set<string>();
  for (const p of paths) yield* visit(p, seenDirs);
}

async function* visit(path: string, seenDirs: Set<string>): AsyncGenerator<WalkEntry> {
  let st;
  try {
    const l = await lstat(path);
    st = l.isSymbolicLink() ? await stat(path) : l;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') {
      yield { kind: 'problem', path, code: 'SYMLINK_LOOP', message: 'symbolic link loop' };
    } else if (code === 'ENOENT') {
      yield {
        kind: 'problem',
        path,
        code: 'UNREADABLE',
        message: 'no such file (or a dangling symbolic link)',
      };
    } else {
      yield {
        kind: 'problem',
        path,
        code: 'UNREADABLE',
        message: `cannot stat: ${code ?? (err as Error).message}`,
      };
    }
    return;
  }
  if (st.isDirectory()) {
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      real = `${st.dev}:${st.ino}`;
    }
    if (seenDirs.has(real)) {
      yield {
        kind: 'problem',
        path,
        code: 'SYMLINK_LOOP',
        message: 'directory already visited (symbolic link loop)',
      };
      return;
    }
    seenDirs.add(real);
    let names: string[];
    try {
      names = (await readdir(path)).sort();
    } catch (err) {
      yield {
        kind: 'problem',
        path,
        code: 'UNREADABLE',
        message: `cannot list directory: ${(err as NodeJS.ErrnoException).code ?? ''}`,
      };
      return;
    }
    for (const name of names) yield* visit(join(path, name), seenDirs);
    return;
  }
  if (st.isFile()) {
    yield { kind: 'file', path, size: st.size };
    return;
  }
  yield {
    kind: 'problem',
    path,
    code: 'SPECIAL_FILE',
    message: 'not a regular file (socket, FIFO or device); not read',
  };
}
