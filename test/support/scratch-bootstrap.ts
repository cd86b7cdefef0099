import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const scripts = join(__dirname, '../../../scripts');

/**
 * A scratch checkout holding a copy of scripts/ and a bin/ of fake tools to put first on PATH,
 * so that bootstrap.sh can really run without installing anything or touching this checkout's
 * node_modules (which other runs may share).
 */
export interface ScratchBootstrap {
  /** The scratch checkout: scripts/ is a copy of this repository's. */
  tree: string;
  /** Folder of the fakes, for the front of PATH. */
  bin: string;
  /** scripts/bootstrap.sh of the copy. */
  script: string;
  /** Writes (or replaces) a fake tool: a /bin/sh script with the given body. */
  fake(name: string, body: string): void;
  remove(): void;
}

export function scratchBootstrap(): ScratchBootstrap {
  const root = mkdtempSync(join(tmpdir(), 'quorate-bootstrap-'));
  const tree = join(root, 'tree');
  const bin = join(root, 'bin');
  mkdirSync(join(tree, 'scripts'), { recursive: true });
  mkdirSync(bin);
  for (const f of readdirSync(scripts).filter((name) => name.endsWith('.sh'))) copyFileSync(join(scripts, f), join(tree, 'scripts', f));
  return {
    tree,
    bin,
    script: join(tree, 'scripts', 'bootstrap.sh'),
    fake(name, body) {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
