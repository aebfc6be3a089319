import { describe, expect, it } from 'vitest';
import type { DetectorContext } from '../../detector.js';
import type { FindingInput } from '../../finding.js';
import { DEFAULT_LIMITS } from '../../limits.js';
import { NO_EXTENSIONS } from '../../rule-extensions.js';
import { DRAIN } from '../../drain-sink.js';
import { checkChatTemplate } from './chat-template.js';

function run(template: string) {
  const findings: FindingInput[] = [];
  const issues: string[] = [];
  const ctx: DetectorContext = {
    member: '',
    depth: 0,
    size: undefined,
    limits: DEFAULT_LIMITS,
    extensions: NO_EXTENSIONS,
    shared: new Map(),
    signal: new AbortController().signal,
    report: (f) => findings.push(f),
    issue: (code) => issues.push(code),
    scanned: () => {},
    openMember: () => DRAIN,
  };
  checkChatTemplate(template, ctx, 'tokenizer.chat_template');
  return {
    rules: findings.map((f) => f.ruleId).sort(),
    severities: findings.map((f) => f.severity),
    findings,
    issues,
  };
}

const LEGIT = [
  // loops, conditionals, raise_exception, string concatenation of roles
  "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' ' + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}",
  // namespace() for loop state, strftime_now, tools as JSON, macros, tojson
  "{%- set ns = namespace(found=false, last_idx=-1) -%}{%- if not date_string is defined -%}{%- set date_string = strftime_now('%d %b %Y') -%}{%- endif -%}{%- macro render(m) -%}{{ m.content | trim }}{%- endmacro -%}{%- for message in messages -%}{%- if message.role == 'system' -%}{%- set ns.found = true -%}{%- endif -%}{%- set ns.last_idx = loop.index0 -%}{{ '<|start_header_id|>' ~ message['role'] ~ '<|end_header_id|>\\n\\n' }}{{ render(message) }}{%- if message.tool_calls is defined -%}{%- for tc in message.tool_calls -%}{{ tc.function.name }}{{ tc.function.arguments | tojson }}{%- endfor -%}{%- endif -%}{{ '<|eot_id|>' }}{%- endfor -%}{%- if tools is not none -%}{%- for t in tools -%}{{ t | tojson(indent=4) }}{%- endfor -%}{%- endif -%}{%- if add_generation_prompt -%}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif -%}",
  // dict access with variables, selectattr on ordinary fields, map(attribute=), join, replace
  "{% set users = messages|selectattr('role', 'equalto', 'user')|list %}{{ messages|map(attribute='content')|join('\\n') }}{% for m in messages %}{{ m[key] if key is defined else m['content']|replace('\\r', '') }}{% endfor %}{{ '_' if x else '' }}",
];

describe('checkChatTemplate', () => {
  it.each(LEGIT.map((t, i) => [i, t]))('keeps legitimate template %i clean', (_i, t) => {
    const r = run(t as string);
    expect(r.issues).toEqual([]);
    expect(r.rules).toEqual([]);
  });

  const ATTACKS: [string, string, string][] = [
    [
      'cycler globals (CVE-2024-34359)',
      "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
      'JINJA-SSTI-DUNDER',
    ],
    ['subclasses walk', "{{ ''.__class__.__mro__[1].__subclasses__() }}", 'JINJA-SSTI-DUNDER'],
    ['item access with dunder string', "{{ x['__class__']['__base__'] }}", 'JINJA-SSTI-DUNDER'],
    ['attr filter with dunder', "{{ x|attr('__class__') }}", 'JINJA-SSTI-ATTR-FILTER'],
    ['attr with \\x5f escapes', "{{ x|attr('\\x5f\\x5fclass\\x5f\\x5f') }}", 'JINJA-SSTI-ATTR-FILTER'],
    ['attr with ~ join', "{{ x|attr('_' ~ '_cla' ~ 'ss__') }}", 'JINJA-SSTI-ATTR-FILTER'],
    ['attr with |join', "{{ x|attr(['_','_','class','_','_']|join) }}", 'JINJA-SSTI-ATTR-FILTER'],
    [
      'attr with %c format (chr)',
      "{{ x|attr('%c%cclass%c%c'|format(95,95,95,95)) }}",
      'JINJA-SSTI-ATTR-FILTER',
    ],
    ['attr with replace', "{{ x|attr('XXclassXX'|replace('X','_')) }}", 'JINJA-SSTI-ATTR-FILTER'],
    [
      'attr with a variable name',
      '{% for a in names %}{{ x|attr(a) }}{% endfor %}',
      'JINJA-SSTI-ATTR-FILTER',
    ],
    [
      'attr through a set constant',
      "{% set a = '_'*2 ~ 'globals' ~ '_'*2 %}{{ lipsum|attr(a) }}",
      'JINJA-SSTI-ATTR-FILTER',
    ],
    ['subscript via set constant', "{% set k = '__glo' + 'bals__' %}{{ f[k] }}", 'JINJA-SSTI-OBFUSCATED'],
    ['subscript built from unknown pieces', '{{ x[a ~ b] }}', 'JINJA-SSTI-OBFUSCATED'],
    ['chr via format with unknown arg', "{{ '%c'|format(n) }}", 'JINJA-SSTI-OBFUSCATED'],
    ['underscore join with unknowns', "{{ x[['_','_',v]|join] }}", 'JINJA-SSTI-OBFUSCATED'],
    ['dict(__class__=1) key trick', '{{ dict(__class__=1)|list|first }}', 'JINJA-SSTI-DUNDER'],
    [
      'str.format method building a dunder',
      "{{ x|attr('{}{}class{}{}'.format('_','_','_','_')) }}",
      'JINJA-SSTI-ATTR-FILTER',
    ],
    ['lipsum gadget', '{{ lipsum.x }}', 'JINJA-SSTI-GADGET'],
    ['self gadget', '{{ self._TemplateReference__context }}', 'JINJA-SSTI-GADGET'],
    ['namespace used as an object', '{{ namespace.x }}', 'JINJA-SSTI-GADGET'],
    ['config / request', '{{ config.items() }}{{ request.args }}', 'JINJA-SSTI-GADGET'],
    ['os.popen names', "{{ x.os.popen('id') }}", 'JINJA-SSTI-DANGEROUS-NAME'],
    ['selectattr Popen', "{{ x|selectattr('__name__','equalto','Popen')|first }}", 'JINJA-SSTI-DUNDER'],
    ['map(attribute=dunder)', "{{ xs|map(attribute='__class__')|list }}", 'JINJA-SSTI-DUNDER'],
    ['builtins name', '{{ __builtins__ }}', 'JINJA-SSTI-DUNDER'],
  ];
  it.each(ATTACKS)('flags %s', (_name, t, rule) => {
    const r = run(t);
    expect(r.issues).toEqual([]);
    expect(r.rules).toContain(rule);
    expect(r.severities).toContain('critical');
    // evidence names, never the template's other text
    expect(JSON.stringify(r.findings)).not.toMatch(/'id'|read\(\)/);
  });

  it('reports one private-attribute note (medium) for a single-underscore attribute', () => {
    const r = run('{{ message._meta }}');
    expect(r.rules).toEqual(['JINJA-PRIVATE-ATTR']);
    expect(r.severities).toEqual(['medium']);
  });

  it('treats a template that does not parse as an issue, not clean', () => {
    expect(run('{{ x.__class__ }').issues).toEqual(['PARSE_ERROR']);
    expect(run("{{ x|attr('\\137\\137class\\137\\137') }}").issues).toEqual(['PARSE_ERROR']);
  });

  it('flags dunder names in plain template text as a differential safety net', () => {
    const r = run('hello __globals__ world');
    expect(r.rules).toEqual(['JINJA-DUNDER-TEXT']);
  });

  it('refuses templates over the size cap', () => {
    expect(run('a'.repeat(1024 * 1024 + 1)).issues).toEqual(['LIMIT_HEADER']);
  });

  it('does not let locally bound names hide or trigger gadgets', () => {
    expect(run('{% for config in configs %}{{ config.name }}{% endfor %}').rules).toEqual([]);
    expect(run('{% set ns = namespace(x=1) %}{% set ns.x = 2 %}{{ ns.x }}').rules).toEqual([]);
  });
});

describe('checkChatTemplate: values hidden in block text', () => {
  it('checks set-block and macro text, which become values', () => {
    expect(run('{% set a %}__class__{% endset %}{{ y[a] }}').rules).toContain('JINJA-SSTI-DUNDER');
    expect(run('{% macro m() %}__globals__{% endmacro %}{{ x[m()] }}').rules).toContain('JINJA-SSTI-DUNDER');
    expect(run('{{ x[eos_token] }}').rules).toContain('JINJA-SSTI-OBFUSCATED');
    expect(
      run('{% set a %}{% if 1 %}{% for i in [1] %}__class__{% endfor %}{% endif %}{% endset %}{{ y[a] }}')
        .rules,
    ).toContain('JINJA-SSTI-DUNDER');
  });
});

describe('checkChatTemplate: calls of filter results', () => {
  it('sees attr() whose result is called, and checks the call arguments', () => {
    const r = run("{{ x|attr('__call__')('echo', shell=True) }}");
    expect(r.rules).toContain('JINJA-SSTI-ATTR-FILTER');
    expect(run('{{ x|first(y.__class__) }}').rules).toContain('JINJA-SSTI-DUNDER');
    expect(run("{{ x|attr('a')(y.__class__) }}").rules).toContain('JINJA-SSTI-DUNDER');
  });
});
