import type { MemberOptions } from '../../detector.js';
import type { OpenPlan } from './entry.js';

/** Key under which the pickle detector shares the storage keys data.pkl references (a Set<string>). */
export const TORCH_STORAGE_KEYS = 'torch.storageKeys';

const PLAIN: MemberOptions = {};

/**
 * How a ZIP member is opened. Names route, content decides:
 *  - `<root>/data/<key>` whose key the torch pickle (data.pkl, written first) referenced: raw tensor storage,
 *    kept as data without sniffing. Before any data.pkl was read the member is sniffed like any other.
 *  - `<root>/code/...` in an archive already seen to be torch (data.pkl / constants.pkl) or under TorchScript's
 *    `__torch__` namespace: TorchScript source, unless its content starts like a pickle (`.debug_pkl`, PROTO 0x80),
 *    which is sniffed. TorchScript source starts `class ...`, which the protocol-0 pickle probe would misread.
 */
export function routeMember(name: string, shared: Map<string, unknown>, torchRoots: ReadonlySet<string>): OpenPlan {
  const slash = name.indexOf('/');
  if (slash < 0) return () => PLAIN;
  const root = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  if (rest.startsWith('data/')) {
    const keys = shared.get(TORCH_STORAGE_KEYS);
    if (keys instanceof Set && keys.has(rest.slice(5))) return () => ({ data: 'tensor storage' });
    return () => PLAIN;
  }
  if (rest.startsWith('code/') && (torchRoots.has(root) || rest.startsWith('code/__torch__'))) {
    return (first) => (first === 0x80 ? PLAIN : { format: 'torchscript-code' });
  }
  return () => PLAIN;
}

/** Archive root of a torch zip marker member (`<root>/data.pkl`, `<root>/constants.pkl`), else undefined. */
export function torchRoot(name: string): string | undefined {
  const m = /^([^/]+)\/(data|constants)\.pkl$/.exec(name);
  return m?.[1];
}
