// Writes the manual pages and the bash completion generated from the command tree into a
// directory (`node dist/src/cli/docs-main.js OUT`; scripts/package.sh runs it).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import packageJson from '../../package.json';
import { renderBashCompletion } from './bash-completion';
import { buildProgram } from './main';
import { renderManPages } from './man-pages';

function writeDocs(outDir: string): void {
  const program = buildProgram();
  mkdirSync(join(outDir, 'man8'), { recursive: true });
  for (const page of renderManPages(program, packageJson.version)) writeFileSync(join(outDir, 'man8', page.file), page.text);
  writeFileSync(join(outDir, 'quorate.bash-completion'), renderBashCompletion(program));
}

const outDir = process.argv[2];
if (outDir === undefined) {
  process.stderr.write('usage: node dist/src/cli/docs-main.js OUTPUT-DIRECTORY\n');
  process.exitCode = 2;
} else {
  writeDocs(outDir);
}
