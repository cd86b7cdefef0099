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
