import type { Connector } from '../connectors/connector.js';
import { ConnectorError } from '../connectors/errors.js';
import type { ModelVersionRef } from '../connectors/model-version-ref.js';
import type { Scope } from '../connectors/scope.js';
import type { DecideFacts, RegistryConfig, ScopeConfig } from './config-types.js';
import { matchesAny, splitModels } from './globs.js';
import { inShard, type Shard } from './shard.js';

/** One configured registry with its open connector. */
export interface OpenRegistry {
  config: RegistryConfig;
  /** Position of `config` in the job's configuration (scan threads open their own connector from it). */
  index: number;
  connector: Connector;
}

/**
 * One listing call: an explicit model (sharded by the name as configured, listed only by its shard) or a whole
 * owner / registry listing (listed by every shard, each keeping the models that hash to it).
 */
export interface ListingUnit {
  registry: OpenRegistry;
  scope: Scope;
  /** Model globs that filter the listing (empty: keep everything listed). */
  globs: string[];
  /** True for an explicit model: the shard was chosen before listing. */
  explicit: boolean;
  /** Reference-like label for errors and evidence when the listing itself fails. */
  label: string;
  facts: DecideFacts;
  /** MLflow stage filter. */
  stages?: string[];
}

export type PlanItem =
  | { type: 'version'; unit: ListingUnit; version: ModelVersionRef }
  | { type: 'failure'; unit: ListingUnit; reference: string; error: unknown };

function label(kind: string, scope: Scope, model?: string): string {
  const v = scope.version ? (scope.version.startsWith('@') ? scope.version : `@${scope.version}`) : '';
  switch (kind) {
    case 'huggingface':
      return model ? `hf://${model}${v}` : `hf://${scope.owner ?? ''}`;
    case 'mlflow':
      return `models:/${model ?? ''}${scope.version?.startsWith('@') ? scope.version : scope.version ? `/${scope.version}` : ''}`;
    case 'sagemaker':
      return `sagemaker://${model ?? ''}${scope.version ? `/${scope.version}` : ''}`;
    case 'wandb':
      return `wandb://${scope.owner ?? ''}${model ? `/${model}` : ''}${scope.version ? `:${scope.version}` : ''}`;
    default:
      return model ?? kind;
  }
}

/** The listing units of one registry for this shard (explicit models of other shards are not listed at all). */
export function listingUnits(reg: OpenRegistry, shard: Shard): ListingUnit[] {
  const out: ListingUnit[] = [];
  const { kind } = reg.config;
  for (const s of reg.config.scopes) {
    const facts: DecideFacts = {
      ...((s.stage ?? reg.config.stage) ? { stage: (s.stage ?? reg.config.stage)! } : {}),
      ...(reg.config.tags || s.tags ? { tags: [...(reg.config.tags ?? []), ...(s.tags ?? [])] } : {}),
    };
    for (const version of versionSelectors(s)) {
      const base: Scope = {
        ...(s.owner ? { owner: s.owner } : {}),
        ...(version ? { version } : {}),
        ...(s.approval ? { approval: s.approval } : {}),
      };
      const { exact, globs } = splitModels(s.models);
      const common = { registry: reg, facts, ...(s.stages ? { stages: s.stages } : {}) };
      for (const m of exact) {
        const name = kind === 'wandb' ? `${s.owner}/${m}` : m;
        if (!inShard([kind, reg.connector.endpoint, name], shard)) continue;
        out.push({
          ...common,
          scope: { ...base, models: [m] },
          globs: [],
          explicit: true,
          label: label(kind, base, m),
        });
      }
      if (exact.length === 0 || globs.length > 0)
        out.push({ ...common, scope: base, globs, explicit: false, label: label(kind, base) });
    }
  }
  return out;
}

function versionSelectors(s: ScopeConfig): (string | undefined)[] {
  if (s.aliases) return s.aliases.map((a) => `@${a}`);
  return [s.version];
}

/** W&B globs may name the collection alone (`detector-*`) or the full `entity/project/name`. */
function modelMatches(unit: ListingUnit, model: string): boolean {
  if (unit.globs.length === 0) return true;
  const short = unit.registry.config.kind === 'wandb' ? model.split('/').slice(2).join('/') : model;
  return matchesAny(unit.globs, model) || matchesAny(unit.globs, short);
}

/**
 * Every model version this shard scans: each listing unit in turn, pinned to immutable versions by the connector,
 * filtered by globs, stage and shard, without duplicates. A unit that fails (registry down, wrong credentials,
 * malformed response, pagination loop) or lists nothing becomes a failure item and the walk goes on.
 */
export async function* plan(
  registries: readonly OpenRegistry[],
  shard: Shard,
  maxVersionsPerUnit: number,
  signal?: AbortSignal,
): AsyncGenerator<PlanItem> {
  const seen = new Set<string>();
  for (const reg of registries) {
    for (const unit of listingUnits(reg, shard)) {
      let listed = 0;
      try {
        for await (const version of reg.connector.listVersions(unit.scope, signal)) {
          if (++listed > maxVersionsPerUnit)
            throw new ConnectorError(
              'UNSUPPORTED',
              `more than ${maxVersionsPerUnit} model versions in scope`,
            );
          if (!unit.explicit && !inShard([reg.config.kind, version.endpoint, version.model], shard)) continue;
          if (!modelMatches(unit, version.model)) continue;
          if (unit.stages && !unit.stages.includes(version.labels.stage ?? 'None')) continue;
          if (seen.has(version.reference)) continue;
          seen.add(version.reference);
          yield { type: 'version', unit, version };
        }
        if (listed === 0)
          yield { type: 'failure', unit, reference: unit.label, error: 'no model versions in scope' };
      } catch (err) {
        yield { type: 'failure', unit, reference: unit.label, error: err };
      }
    }
  }
}
