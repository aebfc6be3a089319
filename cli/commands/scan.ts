import { writeFileSync, appendFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { CavraError } from '../../scanner/errors.js';
import type { Limits } from '../../scanner/limits.js';
import { scanPaths } from '../../scanner/local/scan-paths.js';
import type { ArtifactResult } from '../../scanner/result.js';
import type { CommandModule } from '../command-module.js';
import type { CliIO } from '../io.js';
import { toSarif } from '../output/sarif.js';
import { countVerdicts } from '../output/summary.js';
import { tableHeader, tableRows, tableSummary } from '../output/table.js';
import { VERSION } from '../version.js';
import { scanExitCode, type FailOn } from './scan-exit.js';

export interface ScanCliOptions {
  format: 'table' | 'json' | 'jsonl' | 'sarif';
  output?: string;
  failOn: FailOn;
  allowInconclusive: boolean;
  maxFileSize?: string;
  maxDepth?: string;
}

const HELP_EXIT = `
Exit codes:
  0  nothing at or above the failure threshold (--fail-on, default: malicious)
  1  a result at or above the failure threshold
  2  an inconclusive result (fail closed; relax with --allow-inconclusive), or nothing to scan
  3  usage or configuration error; nothing was scanned`;

/** `cavra-scan scan <path...>`: files and directories, recursively, each format identified by content. */
export const scanCommand: CommandModule = {
  register(program: Command, io, done) {
    program
      .command('scan')
      .description('scan model files and directories (recursively) in one streaming pass per file')
      .argument('<path...>', 'files or directories to scan')
      .addOption(new Option('-f, --format <format>', 'report format').choices(['table', 'json', 'jsonl', 'sarif']).default('table'))
      .option('-o, --output <file>', 'write the report to a file instead of standard output')
      .addOption(new Option('--fail-on <verdict>', 'lowest verdict that exits 1').choices(['malicious', 'suspicious', 'none']).default('malicious'))
      .option('--allow-inconclusive', 'do not exit 2 on inconclusive results', false)
      .option('--max-file-size <bytes>', 'largest file read, in bytes (larger files are inconclusive)')
      .option('--max-depth <n>', 'deepest container nesting scanned')
      .addHelpText('after', HELP_EXIT)
      .action(async (paths: string[], opts: ScanCliOptions) => {
        done(await runScan(paths, opts, io));
      });
  },
};

function parseLimit(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new CavraError('USAGE', `${flag} takes a non-negative integer, got '${value}'`);
  return n;
}

export async function runScan(paths: string[], opts: ScanCliOptions, io: CliIO): Promise<number> {
  const limits: Partial<Limits> = {};
  const maxFile = parseLimit(opts.maxFileSize, '--max-file-size');
  const maxDepth = parseLimit(opts.maxDepth, '--max-depth');
  if (maxFile !== undefined) limits.maxFileBytes = maxFile;
  if (maxDepth !== undefined) limits.maxDepth = maxDepth;

  const out = opts.output;
  if (out) writeFileSync(out, '');
  const write = (text: string): void => (out ? appendFileSync(out, text) : io.stdout(text));
  const color = !out && io.isTTY && !io.env.NO_COLOR;

  const started = new Date();
  const results: ArtifactResult[] = [];
  if (opts.format === 'table') write(tableHeader());
  for await (const r of scanPaths(paths, { limits })) {
    results.push(r);
    if (opts.format === 'jsonl') write(JSON.stringify(r) + '\n');
    else if (opts.format === 'table') write(tableRows(r, color));
  }
  const code = scanExitCode(results, opts.failOn, opts.allowInconclusive);
  if (opts.format === 'table') write(tableSummary(results));
  else if (opts.format === 'json') {
    const doc = {
      tool: { name: 'cavra-scan', version: VERSION },
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      summary: countVerdicts(results),
      exitCode: code,
      results,
    };
    write(JSON.stringify(doc, null, 2) + '\n');
  } else if (opts.format === 'sarif') write(JSON.stringify(toSarif(results, VERSION), null, 2) + '\n');
  if (results.length === 0) io.stderr('cavra-scan: nothing to scan (no files found)\n');
  return code;
}
