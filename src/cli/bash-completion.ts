import type { Command } from 'commander';
import { subcommandsOf, walkCommands } from './command-walk';

/** The words a command accepts next: its subcommands and its option flags. */
function nextWords(command: Command): string[] {
  const flags = command.options.flatMap((o) => [o.short, o.long]).filter((f): f is string => f !== undefined);
  return [...subcommandsOf(command).map((c) => c.name()), ...flags, '--help'];
}

const quoted = (text: string): string => `'${text.replace(/'/g, "'\\''")}'`;

/**
 * A bash completion script for `quorate` from the command tree: the words before the cursor
 * that name commands select the node, whose subcommands and flags are offered.
 */
export function renderBashCompletion(program: Command): string {
  const nodes = walkCommands(program);
  const paths = nodes.filter((n) => n.path.length > 0).map((n) => quoted(n.path.join(' ')));
  const cases = nodes.map((n) => `    ${quoted(n.path.join(' '))}) words=${quoted(nextWords(n.command).join(' '))} ;;`);
  return [
    '# bash completion for quorate (generated from its command tree; do not edit)',
    '_quorate() {',
    '  local cur=${COMP_WORDS[COMP_CWORD]} path="" next i words',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    next="$path${path:+ }${COMP_WORDS[i]}"',
    '    case "$next" in',
    `      ${paths.join('|')}) path="$next" ;;`,
    '    esac',
    '  done',
    '  case "$path" in',
    ...cases,
    '  esac',
    '  mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")',
    '}',
    'complete -F _quorate quorate',
    '',
  ].join('\n');
}
