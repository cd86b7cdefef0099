import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderBashCompletion } from '../../src/cli/bash-completion';
import { walkCommands } from '../../src/cli/command-walk';
import { buildProgram } from '../../src/cli/main';
import { renderManPages, roff, type ManPage } from '../../src/cli/man-pages';

describe('man pages and bash completion from the command tree', () => {
  const program = buildProgram();
  const pages = renderManPages(program, '9.9.9');
  const pageOf = (verb: string): ManPage => {
    const page = pages.find((p) => p.file === `quorate-${verb}.8`);
    assert.ok(page, `no page for ${verb}`);
    return page;
  };
  const commands = walkCommands(program).filter((n) => n.path.length > 0);

  it('has quorate(8) and one page per top-level verb, each listed in quorate(8)', () => {
    const verbs = commands.filter((n) => n.path.length === 1).map((n) => n.path[0] ?? '');
    assert.deepEqual(pages.map((p) => p.file).sort(), ['quorate.8', ...verbs.map((v) => `quorate-${v}.8`)].sort());
    const main = pages.find((p) => p.file === 'quorate.8');
    for (const verb of verbs) assert.ok(main?.text.includes(`.BR quorate\\-${roff(verb)} (8)`), verb);
    for (const daemon of ['daemon', 'watchdog-mux', 'arbiter']) assert.ok(verbs.includes(daemon), daemon);
  });

  it('covers every verb with its usage, its --help description and every option it takes', () => {
    for (const { path, command } of commands) {
      const page = pageOf(path[0] ?? '').text;
      const words = path.join(' ');
      assert.ok(page.includes(`\\fBquorate ${roff(words)}\\fR ${roff(command.usage())}`), `usage of ${words}`);
      assert.ok(page.includes(roff(command.description())), `description of ${words}`);
      for (const option of command.options) {
        assert.ok(page.includes(roff(option.long ?? option.short ?? '')), `${words} ${option.flags}`);
      }
    }
  });

  it('completes every verb and its flags', () => {
    const script = renderBashCompletion(program);
    for (const { path, command } of commands) {
      assert.ok(script.includes(`'${path.join(' ')}')`), path.join(' '));
      for (const option of command.options) assert.ok(script.includes(option.long ?? option.short ?? ''), `${path.join(' ')} ${option.flags}`);
    }
  });

  it('completes in bash: the subcommands of a verb, then its flags', function () {
    const dir = mkdtempSync(join(tmpdir(), 'quorate-completion-'));
    try {
      writeFileSync(join(dir, 'quorate'), renderBashCompletion(program));
      const complete = (...words: string[]): string[] => {
        const line = `source ${join(dir, 'quorate')}; COMP_WORDS=(quorate ${words.map((w) => `'${w}'`).join(' ')}); ` +
          `COMP_CWORD=${words.length}; _quorate; printf '%s\\n' "\${COMPREPLY[@]}"`;
        const result = spawnSync('bash', ['-c', line], { encoding: 'utf8' });
        assert.equal(result.status, 0, result.stderr);
        return result.stdout.trim().split('\n');
      };
      assert.deepEqual(complete('resource', 'mi'), ['migrate']);
      assert.deepEqual(complete('resource', 'add', '--node', 'node1', '--max-r'), ['--max-restart', '--max-relocate']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders with groff without a warning', function () {
    if (spawnSync('groff', ['--version']).status !== 0) this.skip();
    for (const page of pages) {
      const result = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: page.text, encoding: 'utf8' });
      assert.equal(result.stderr, '', `${page.file}: ${result.stderr}`);
    }
  });
});
