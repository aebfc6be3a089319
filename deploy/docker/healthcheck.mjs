// Container HEALTHCHECK for `cavra-scan serve`: exit 0 when GET /healthz on the local port answers 2xx within
// the timeout, 1 otherwise. Plain Node (no curl/wget in the image). Port from CAVRA_SERVE_PORT (default 8080).
import { request } from 'node:http';
import process from 'node:process';

const port = Number(process.env.CAVRA_SERVE_PORT || 8080);
const timeoutMs = Number(process.env.CAVRA_HEALTHCHECK_TIMEOUT_MS || 3000);

const req = request(
  { host: '127.0.0.1', port, path: '/healthz', method: 'GET', timeout: timeoutMs },
  (res) => {
    res.resume();
    process.exitCode = res.statusCode >= 200 && res.statusCode < 300 ? 0 : 1;
  },
);
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', () => {
  process.exitCode = 1;
});
req.end();
