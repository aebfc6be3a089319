/** Syntax tree of the Go text/template subset our Helm chart uses (see parse.ts for the grammar). */
export type Operand =
  | { t: 'field'; base: 'dot' | string; path: string[] } // .a.b (base 'dot') or $v.a.b (base '$v')
  | { t: 'ident'; name: string } // a function name
  | { t: 'lit'; value: unknown } // string, number, bool, nil
  | { t: 'pipe'; pipe: Pipe }; // ( pipeline )

export interface Command {
  args: Operand[];
}

export interface Pipe {
  decl?: string[]; // $x := / $i, $e :=
  assign?: boolean; // $x = (re-assignment)
  cmds: Command[];
}

export type Node =
  | { t: 'text'; s: string }
  | { t: 'action'; pipe: Pipe }
  | { t: 'if'; branches: { cond: Pipe; body: Node[] }[]; otherwise?: Node[] }
  | { t: 'range'; pipe: Pipe; body: Node[]; otherwise?: Node[] }
  | { t: 'with'; pipe: Pipe; body: Node[]; otherwise?: Node[] }
  | { t: 'template'; name: string; pipe?: Pipe };

export interface Parsed {
  root: Node[];
  defines: Map<string, Node[]>;
}
