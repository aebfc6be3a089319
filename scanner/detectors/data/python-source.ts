/** How much of a text file's start is kept to recognise Python source. */
export const PYTHON_PROBE_BYTES = 64 * 1024;

const PY_LINE =
  /^(import [A-Za-z_][\w.]*( as \w+)?(, ?[A-Za-z_][\w.]*)*\s*$|from [A-Za-z_.][\w.]* import [\w*( ]|def [A-Za-z_]\w*\(|async def [A-Za-z_]\w*\(|class [A-Za-z_]\w*[(:]|if __name__ == ['"]__main__['"]:|@[A-Za-z_][\w.]*(\(|\s*$))/;

/**
 * Does this text read as Python source? At least two lines of module-level Python (imports, defs, classes,
 * decorators) or a python shebang. Text only: the file is never run. Used to name Python files in coverage.
 */
export function looksLikePython(head: string): boolean {
  if (/^#!.*\bpython[\d.]*\b/.test(head)) return true;
  let hits = 0;
  for (const line of head.split('\n', 2000)) {
    if (PY_LINE.test(line) && ++hits >= 2) return true;
  }
  return false;
}
