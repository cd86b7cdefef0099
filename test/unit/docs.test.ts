import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// The README is what a newcomer reads first; the rest lives in docs/ and must stay reachable.
const root = resolve(__dirname, '../../..');
const readmePath = join(root, 'README.md');
const docsDir = join(root, 'docs');
const maxReadmeLines = 200;

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** Targets of `[text](target)` links outside code blocks and code spans, where brackets are syntax. */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/^```[^\n]*\n[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '');
}

function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#');
}

describe('docs', () => {
  const readme = readFileSync(readmePath, 'utf8');

  it(`keeps README.md at most ${maxReadmeLines} lines`, () => {
    const lines = readme.split('\n').length - (readme.endsWith('\n') ? 1 : 0);
    assert.ok(lines <= maxReadmeLines, `README.md has ${lines} lines; move detail into a docs/ page`);
  });

  it('opens README.md with the two commands, npm run lab and npm test', () => {
    const [title, blank, fence, lab, test, close] = readme.split('\n');
    assert.equal(title, '# quorate');
    assert.equal(blank, '');
    assert.equal(fence, '```sh', 'the title must be followed by the commands block');
    assert.match(lab ?? '', /^npm run lab\s+#/, 'first command: npm run lab');
    assert.match(test ?? '', /^npm test\s+#/, 'second command: npm test');
    assert.equal(close, '```', 'the commands block holds exactly the two commands');
  });

  it('links every docs/ page from README.md', () => {
    const linked = new Set(linkTargets(readme).filter((t) => !isExternal(t)).map((t) => resolve(root, t.split('#')[0] ?? '')));
    const unlinked = markdownFiles(docsDir).filter((page) => !linked.has(page)).map((page) => relative(root, page));
    assert.deepEqual(unlinked, [], `not linked from README.md: ${unlinked.join(', ')}`);
  });

  it('points every relative link in README.md and docs/ at a file that exists', () => {
    const broken = [readmePath, ...markdownFiles(docsDir)].flatMap((file) =>
      linkTargets(readFileSync(file, 'utf8'))
        .filter((target) => !isExternal(target))
        .filter((target) => !existsSync(resolve(dirname(file), target.split('#')[0] ?? '')))
        .map((target) => `${relative(root, file)} -> ${target}`));
    assert.deepEqual(broken, [], `links to missing files: ${broken.join(', ')}`);
  });
});
