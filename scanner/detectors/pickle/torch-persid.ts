import type { Judgement } from './policy.js';
import { GlobalV, K_GLOBAL, K_TUPLE, TupleV, type Value } from './values.js';

/**
 * The storage key of a torch persistent id, or undefined when `pid` is not torch's storage tuple:
 * `('storage', <storage type>, key: str, location: str, numel: int)` (zip format) or the legacy 6-tuple whose last
 * item is None or view metadata `(view_key, offset, size)`. The storage type must be an allowlisted torch global.
 */
export function torchStorageKey(
  pid: Value,
  judge: (g: GlobalV) => Judgement | undefined,
): string | undefined {
  if (typeof pid !== 'object' || pid === null || pid.k !== K_TUPLE) return undefined;
  const items = (pid as TupleV).items;
  if (!items || (items.length !== 5 && items.length !== 6)) return undefined;
  const [tag, type, key, location, numel] = items;
  if (
    tag !== 'storage' ||
    typeof key !== 'string' ||
    typeof location !== 'string' ||
    typeof numel !== 'number'
  )
    return undefined;
  if (typeof type !== 'object' || type === null || type.k !== K_GLOBAL) return undefined;
  const j = judge(type as GlobalV);
  if (
    !j ||
    j.rule !== null ||
    !/^torch\.(\w+\.)*\w*(Storage|float\w*|int\w*|uint\w*|bool|half|double|long|short|bfloat16|complex\w*)$/.test(
      j.canonical,
    )
  ) {
    return undefined;
  }
  if (items.length === 6) {
    const view = items[5];
    if (view !== null) {
      if (typeof view !== 'object' || view.k !== K_TUPLE) return undefined;
      const v = (view as TupleV).items;
      if (
        !v ||
        v.length !== 3 ||
        typeof v[0] !== 'string' ||
        typeof v[1] !== 'number' ||
        typeof v[2] !== 'number'
      )
        return undefined;
    }
  }
  return key;
}

/** `ctx.shared` key the tar reader sets once it has seen a legacy torch tar's `sys_info` member. */
export const LEGACY_TAR = 'torch.legacyTar';

/**
 * Persistent ids of a legacy torch tar's `pickle` member, which torch's loader resolves without calling
 * anything: a decimal string (the id of a storage or tensor already read from `storages` / `tensors`), or a module
 * container record `('module', <allowlisted class>, source_file | None, source | None)` (only compared with the
 * installed source to print a warning).
 */
export function isLegacyTarPersid(pid: Value, judge: (g: GlobalV) => Judgement | undefined): boolean {
  if (typeof pid === 'string') return /^\d{1,20}$/.test(pid);
  if (typeof pid !== 'object' || pid === null || pid.k !== K_TUPLE) return false;
  const items = (pid as TupleV).items;
  if (!items || items.length !== 4 || items[0] !== 'module') return false;
  const cls = items[1];
  if (typeof cls !== 'object' || cls === null || cls.k !== K_GLOBAL) return false;
  const j = judge(cls as GlobalV);
  return (
    j !== undefined && j.rule === null && items.slice(2).every((v) => v === null || typeof v === 'string')
  );
}
