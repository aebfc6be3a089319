import type { DetectorContext } from '../../detector.js';
import { checkChatTemplate } from '../gguf/chat-template.js';
import type { JsonCheck } from './json-check.js';
import { quoteName } from './names.js';
import { DATA_RULES } from './rules.js';

/** Class references listed per finding. */
const MAX_REFS = 12;

/**
 * Hugging Face `config.json` / `tokenizer_config.json` / `chat_template.json`: `auto_map` and
 * `custom_pipelines` mean custom Python code runs on load (trust_remote_code), so they are reported with the
 * module.Class references they name; `chat_template` (a string or a list of named templates) is checked for
 * Jinja sandbox escapes.
 */
export const hfConfigCheck: JsonCheck = {
  id: 'hf-config',
  check(doc, ctx) {
    if (!isObject(doc)) return false;
    let recognised = 'architectures' in doc || 'model_type' in doc || 'tokenizer_class' in doc;
    if ('auto_map' in doc) {
      recognised = true;
      autoMap(doc.auto_map, ctx);
    }
    if ('custom_pipelines' in doc) {
      recognised = true;
      customPipelines(doc.custom_pipelines, ctx);
    }
    if ('chat_template' in doc) {
      recognised = true;
      chatTemplates(doc.chat_template, ctx);
    }
    return recognised;
  },
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function autoMap(map: unknown, ctx: DetectorContext): void {
  const refs: string[] = [];
  if (isObject(map)) {
    for (const [auto, target] of Object.entries(map)) {
      const targets = Array.isArray(target) ? target : [target];
      for (const t of targets) if (typeof t === 'string') refs.push(`${auto} -> ${t}`);
    }
  }
  if (refs.length === 0 && !isObject(map))
    ctx.issue('PARSE_ERROR', 'auto_map is not an object; custom code references could not be read');
  if (refs.length === 0) return;
  const remote = refs.some((r) => r.includes('--'));
  DATA_RULES.report(ctx, 'HF-AUTO-MAP', {
    message: `auto_map loads custom code (trust_remote_code)${remote ? ', some from another repository' : ''}: ${list(refs)}`,
    evidence: list(refs),
  });
}

function customPipelines(pipes: unknown, ctx: DetectorContext): void {
  const refs: string[] = [];
  if (isObject(pipes)) {
    for (const [task, spec] of Object.entries(pipes)) {
      if (isObject(spec) && typeof spec.impl === 'string') refs.push(`${task} -> ${spec.impl}`);
    }
  }
  if (refs.length === 0) return;
  DATA_RULES.report(ctx, 'HF-CUSTOM-PIPELINE', {
    message: `custom_pipelines load custom code: ${list(refs)}`,
    evidence: list(refs),
  });
}

function chatTemplates(value: unknown, ctx: DetectorContext): void {
  if (typeof value === 'string') return checkChatTemplate(value, ctx, 'json chat_template');
  if (Array.isArray(value)) {
    for (const entry of value) {
      if (isObject(entry) && typeof entry.template === 'string') {
        const name = typeof entry.name === 'string' ? entry.name : 'unnamed';
        checkChatTemplate(entry.template, ctx, `json chat_template ${quoteName(name)}`);
      } else {
        ctx.issue('PARSE_ERROR', 'chat_template list entry is not {name, template}; not checked');
      }
    }
    return;
  }
  if (value !== null) ctx.issue('PARSE_ERROR', 'chat_template is neither a string nor a list; not checked');
}

function list(refs: string[]): string {
  const shown = refs.slice(0, MAX_REFS).map(quoteName).join(', ');
  return refs.length > MAX_REFS ? `${shown} and ${refs.length - MAX_REFS} more` : shown;
}
