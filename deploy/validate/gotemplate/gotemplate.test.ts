import { describe, expect, it } from 'vitest';
import { Evaluator } from './eval.js';
import { parseTemplate } from './parse.js';
import { formatFloat } from './values.js';

function run(src: string, data: unknown, extra = ''): string {
  const lib = parseTemplate(extra, 'lib');
  const p = parseTemplate(src, 't');
  for (const [k, v] of lib.defines) p.defines.set(k, v);
  return new Evaluator(p.defines).render(p.root, data);
}

// Expected outputs follow Go's text/template and Helm/sprig semantics.
describe('Go template subset', () => {
  it('trims whitespace only where a trim marker says so', () => {
    expect(run('a  {{- "b" -}}  c', {})).toBe('abc');
    expect(run('a  {{ "b" }}  c', {})).toBe('a  b  c');
    expect(run('x:\n  {{- if true }}\n  y: 1\n  {{- end }}\n', {})).toBe('x:\n  y: 1\n');
    expect(run('a {{/* note */}} b', {})).toBe('a  b');
    expect(run('a {{- /* note */ -}} b', {})).toBe('ab');
  });

  it('keeps "-" without a following space as part of the action (a negative number)', () => {
    expect(run('{{-3}}', {})).toBe('-3');
  });

  it('evaluates if / else if / else, with, range and variables', () => {
    const src = '{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}';
    expect([run(src, { a: 1 }), run(src, { b: 'x' }), run(src, { a: 0, b: '' })]).toEqual(['A', 'B', 'C']);
    expect(run('{{ with .m }}{{ .k }}{{ else }}none{{ end }}', { m: { k: 'v' } })).toBe('v');
    expect(run('{{ with .m }}{{ .k }}{{ else }}none{{ end }}', { m: {} })).toBe('none');
    expect(run('{{ range .l }}[{{ . }}]{{ end }}', { l: [1, 'two'] })).toBe('[1][two]');
    expect(
      run('{{ range $i, $e := .l }}{{ $i }}={{ $e }}{{ $.sep }}{{ end }}', { l: ['a', 'b'], sep: ';' }),
    ).toBe('0=a;1=b;');
    expect(run('{{ range .m }}{{ . }}{{ end }}', { m: { b: 2, a: 1 } })).toBe('12');
    expect(run('{{ range .l }}x{{ else }}empty{{ end }}', { l: [] })).toBe('empty');
    expect(run('{{ $x := "v" }}{{ $x }}', {})).toBe('v');
  });

  it('prints missing keys as nothing, and fails on a field of a missing value (as Helm does)', () => {
    expect(run('[{{ .nope }}]', {})).toBe('[]');
    expect(() => run('{{ .nope.deeper }}', {})).toThrow(/nil pointer/);
  });

  it('pipes the value as the last argument', () => {
    expect(run('{{ .v | default "d" }}', { v: '' })).toBe('d');
    expect(run('{{ "a-b-" | trimSuffix "-" | replace "-" "_" | quote }}', {})).toBe('"a_b"');
    expect(run('{{ printf "%s-%s" "a" "b" | trunc 2 }}', {})).toBe('a-');
    expect(run('{{ and 1 "" }}|{{ or 0 "x" }}|{{ not 0 }}|{{ eq 2 (int 2) }}|{{ gt 3 2 }}', {})).toBe(
      '|x|true|true|true',
    );
    expect(run('{{ contains "scan" "cavra-scan" }}', {})).toBe('true');
  });

  it('include, toYaml and nindent build nested YAML', () => {
    const lib = '{{- define "labels" -}}\na: {{ .x }}\nb: "2"\n{{- end }}';
    expect(run('m:\n  {{- include "labels" . | nindent 2 }}\n', { x: 1 }, lib)).toBe(
      'm:\n  a: 1\n  b: "2"\n',
    );
    expect(run('r:\n  {{- toYaml .r | nindent 2 }}', { r: { z: 1, a: [1, 2] } })).toBe(
      'r:\n  a:\n    - 1\n    - 2\n  z: 1',
    );
    expect(run('{{ indent 2 "a\\nb" }}', {})).toBe('  a\n  b');
  });

  it('prints values-file numbers as Go float64s and int results as integers', () => {
    expect(run('{{ .n }}', { n: 1000000 })).toBe('1e+06');
    expect(run('{{ int .n }}', { n: 1000000 })).toBe('1000000');
    expect(run('{{ .n }}', { n: 21600 })).toBe('21600');
    expect([formatFloat(1234567), formatFloat(0.5), formatFloat(0.00001), formatFloat(-2e21)]).toEqual([
      '1.234567e+06',
      '0.5',
      '1e-05',
      '-2e+21',
    ]);
  });

  it('rejects what it does not implement instead of rendering it wrongly', () => {
    expect(() => run('{{ block "x" . }}{{ end }}', {})).toThrow(/not supported/);
    expect(() => run('{{ sha256sum "x" }}', {})).toThrow(/not supported/);
    expect(() => run('{{ if .a }}x', {})).toThrow();
    expect(() => run('{{ .a ', {})).toThrow(/unclosed/);
    expect(() => run('{{ include "missing" . }}', {})).toThrow(/not defined/);
  });

  it('stops a recursive include', () => {
    expect(() => run('{{ include "r" . }}', {}, '{{ define "r" }}{{ include "r" . }}{{ end }}')).toThrow(
      /depth/,
    );
  });
});
