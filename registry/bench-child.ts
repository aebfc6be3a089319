import { rulesVersion } from '../gate/rules-version.js';
import { loadPolicy } from '../scanner/policy/load.js';
import { loadRegistryConfig } from './config.js';
import { runRegistryJob } from './runner.js';
import { stateFile } from './state.js';

/**
 * One measured `registry` run in a fresh process (so that peak RSS belongs to it alone):
 * `node bench-child.js <config> <state-dir> <concurrency>`; prints {seconds, maxRssBytes, summary} as JSON.
 */
async function main(): Promise<void> {
  const [config, stateDir, concurrency] = process.argv.slice(2);
  const started = performance.now();
  const summary = await runRegistryJob({
    config: loadRegistryConfig(config!),
    policy: loadPolicy('baseline'),
    rulesVersion: rulesVersion(),
    shard: { index: 0, count: 1 },
    stateFile: stateFile(stateDir!, { index: 0, count: 1 }),
    concurrency: Number(concurrency),
    dryRun: false,
    env: process.env,
    emit: () => undefined,
  });
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    JSON.stringify({
      seconds,
      cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      summary,
    }) + '\n',
  );
}

main().catch((err) => {
  process.stderr.write(`bench child failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
