import type { MemberOptions } from '../../detector.js';
import { SNIFF_BYTES, sniff } from '../../sniff.js';
import type { OpenPlan } from './entry.js';

/** Key under which the pickle detector shares the storage keys data.pkl references (a Set<string>). */
export const TORCH_STORAGE_KEYS = 'torch.storageKeys';

const PLAIN: OpenPlan = { headBytes: 0, open: () => ({}) };
const STORAGE: OpenPlan = { headBytes: 0, open: () => ({ data: 'tensor storage' }) };

/** Before data.pkl names it (TorchScript writes tensors first): sniffed, and kept as data only if unrecognised. */
const UNREFERENCED_STORAGE: OpenPlan = {
  headBytes: SNIFF_BYTES,
  open: (head, complete): MemberOptions =>
    sniff(head.subarray(0, SNIFF_BYTES), complete) === 'unknown'
      ? { data: 'tensor storage (not referenced by a pickle read before it)' }
      : {},
};

/** TorchScript source, unless the content starts like a protocol 2+ pickle (`.debug_pkl`). */
const CODE: OpenPlan = {
  headBytes: 1,
  open: (head) => (head[0] === 0x80 ? {} : { format: 'torchscript-code' }),
};

/**
 * How a ZIP member is opened. Names route, content decides:
 *  - `<root>/data/<key>` whose key the torch pickle (data.pkl, written first by torch.save) referenced: raw
 *    tensor storage, kept as data without sniffing. Other storages of a torch archive (TorchScript writes them
 *    before data.pkl) are sniffed; only content no sniffer recognises is kept as data.
 *  - `<root>/code/...` in an archive already seen to be torch (data.pkl / constants.pkl) or under TorchScript's
 *    `__torch__` namespace: TorchScript source, unless its content starts like a pickle (`.debug_pkl`, PROTO 0x80),
 *    which is sniffed. TorchScript source starts `class ...`, which the protocol-0 pickle probe would misread.
 */
export function routeMember(
  name: string,
  shared: Map<string, unknown>,
  torchRoots: ReadonlySet<string>,
): OpenPlan {
  const slash = name.indexOf('/');
  if (slash < 0) return PLAIN;
  const root = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  if (rest.startsWith('data/')) {
    const key = rest.slice(5);
    const keys = shared.get(TORCH_STORAGE_KEYS);
    if (keys instanceof Set && keys.has(key)) return STORAGE;
    return torchRoots.has(root) || /^\d+$/.test(key) ? UNREFERENCED_STORAGE : PLAIN;
  }
  if (rest.startsWith('code/') && (torchRoots.has(root) || rest.startsWith('code/__torch__'))) return CODE;
  return PLAIN;
}

/** Archive root of a torch zip marker member (`<root>/data.pkl`, `<root>/constants.pkl`), else undefined. */
export function torchRoot(name: string): string | undefined {
  const m = /^([^/]+)\/(data|constants)\.pkl$/.exec(name);
  return m?.[1];
}
