/** Every read verb prints text for people or, with --json, one JSON document for scripts. */
export interface OutputOptions {
  json?: boolean;
}

export function printResult<T>(value: T, options: OutputOptions, renderText: (value: T) => string): void {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  } else {
    const text = renderText(value);
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}

/** Renders rows as a left-aligned table with a header line. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
