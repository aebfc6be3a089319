/**
 * Glob matching for scope selectors and waivers: `*` matches within one path segment, `**` across segments,
 * `?` one character; everything else is literal. Hand-written because Node 20's `path.matchesGlob` is
 * experimental (it prints a warning, and libraries never print) and no glob library is a dependency.
 * The pattern is compiled to an anchored RegExp with every literal escaped, so it cannot backtrack badly:
 * consecutive stars collapse and there are no nested quantifiers.
 */
export function globToRegExp(pattern: string, caseInsensitive = false): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      let stars = 1;
      while (pattern[i + 1] === '*') {
        stars++;
        i++;
      }
      re += stars >= 2 ? '.*' : '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[\\^$.|+(){}[\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, caseInsensitive ? 'is' : 's');
}

const cache = new Map<string, RegExp>();

/** True when `value` matches `pattern` (see {@link globToRegExp}). */
export function globMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const key = `${caseInsensitive ? 'i' : 's'}:${pattern}`;
  let re = cache.get(key);
  if (!re) {
    if (cache.size > 1000) cache.clear();
    re = globToRegExp(pattern, caseInsensitive);
    cache.set(key, re);
  }
  return re.test(value);
}
