/**
 * Why an ONNX external_data `location` would make a loader leave the model's folder, or undefined when it
 * stays inside. ONNX joins the location to the model directory, so anything absolute, rooted, with a drive
 * letter, a URL scheme or a `..` segment escapes it (CVE-2022-25882, CVE-2024-27318).
 */
export function locationEscape(location: string): string | undefined {
  if (location.length === 0) return 'empty location';
  if (location.includes('\0')) return 'NUL byte in location';
  if (location.startsWith('/') || location.startsWith('\\')) return 'absolute path';
  if (/^[A-Za-z]:/.test(location)) return 'drive-letter path';
  if (location.startsWith('~')) return 'home-directory path';
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(location)) return 'URL';
  if (location.split(/[\\/]/).some((part) => part === '..')) return "'..' path segment";
  return undefined;
}
