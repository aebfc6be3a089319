/** Member names are attacker-chosen: shown only after stripping control characters and capping the length. */
export const MAX_SHOWN_NAME = 200;

export function shownName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > MAX_SHOWN_NAME ? `${clean.slice(0, MAX_SHOWN_NAME)}...` : clean;
}

/** Why extracting a member with this name would write outside the target folder, or undefined when it would not. */
export function traversalReason(name: string): string | undefined {
  const n = name.replace(/\\/g, '/');
  if (n.startsWith('/')) return 'absolute path';
  if (/^[A-Za-z]:/.test(n)) return 'drive-letter path';
  if (n.split('/').includes('..')) return "'..' path component";
  return undefined;
}

/**
 * True when a symbolic link stored at `member` with `target` resolves outside the archive root
 * (absolute target, drive letter, or more '..' steps than the link's folder depth).
 */
export function linkEscapes(member: string, target: string): boolean {
  const t = target.replace(/\\/g, '/');
  if (t.startsWith('/') || /^[A-Za-z]:/.test(t)) return true;
  const parts = member
    .replace(/\\/g, '/')
    .split('/')
    .slice(0, -1)
    .filter((p) => p !== '' && p !== '.');
  for (const p of t.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (parts.length === 0) return true;
      parts.pop();
    } else parts.push(p);
  }
  return false;
}

/** Base name of a path-like label (gzip FNAME): the last component, shown safely; `fallback` when empty. */
export function baseName(name: string, fallback: string): string {
  const last = name.replace(/\\/g, '/').split('/').pop() ?? '';
  return last === '' || last === '.' || last === '..' ? fallback : shownName(last);
}
