import type { IncomingMessage } from 'node:http';

/**
 * The access key id of a SigV4 `Authorization` header (`AWS4-HMAC-SHA256 Credential=AKID/date/region/service/...`),
 * 'none' without one. The test servers check the key id, not the signature (moto does not check it either).
 */
export function sigV4KeyId(req: IncomingMessage): string {
  const auth = req.headers.authorization;
  if (!auth) return 'none';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\//.exec(auth);
  return m ? m[1]! : 'malformed';
}
