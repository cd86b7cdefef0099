/** corosync.conf as a tree: `key: value` lines and `name { … }` sections, in file order. */
export interface ConfSection {
  values: Map<string, string>;
  sections: { name: string; section: ConfSection }[];
}

export class ConfParseError extends Error {
  constructor(readonly line: number, problem: string) {
    super(`corosync.conf line ${line}: ${problem}`);
    this.name = 'ConfParseError';
  }
}

function emptySection(): ConfSection {
  return { values: new Map(), sections: [] };
}

/** Parses corosync.conf's syntax (what corosync's own parser accepts for the files we check). */
export function parseCorosyncConf(text: string): ConfSection {
  const root = emptySection();
  const stack: ConfSection[] = [root];
  text.split('\n').forEach((raw, index) => {
    const lineNumber = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const current = stack[stack.length - 1] ?? root;
    const open = /^([\w.-]+)\s*\{$/.exec(line);
    if (open) {
      const section = emptySection();
      current.sections.push({ name: open[1] ?? '', section });
      stack.push(section);
      return;
    }
    if (line === '}') {
      if (stack.length === 1) throw new ConfParseError(lineNumber, "'}' without an open section");
      stack.pop();
      return;
    }
    const value = /^([\w.-]+)\s*:\s*(.*)$/.exec(line);
    if (!value) throw new ConfParseError(lineNumber, `expected 'key: value', 'name {' or '}', got ${JSON.stringify(line)}`);
    current.values.set(value[1] ?? '', (value[2] ?? '').trim());
  });
  if (stack.length > 1) throw new ConfParseError(text.split('\n').length, 'a section is not closed');
  return root;
}

/** The first section at a path such as ['quorum', 'device', 'net']. */
export function section(root: ConfSection, path: string[]): ConfSection | undefined {
  let current: ConfSection | undefined = root;
  for (const name of path) current = current?.sections.find((s) => s.name === name)?.section;
  return current;
}

/** Every section of a name directly below a parent (e.g. each `node` in `nodelist`). */
export function sectionsNamed(parent: ConfSection | undefined, name: string): ConfSection[] {
  return (parent?.sections ?? []).filter((s) => s.name === name).map((s) => s.section);
}
