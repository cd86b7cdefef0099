import type { Command } from 'commander';
import { helpFormatter as help, subcommandsOf, walkCommands } from './command-walk';

/** One generated manual page: `quorate.8` or `quorate-<verb>.8`. */
export interface ManPage {
  file: string;
  text: string;
}

/**
 * Text made safe for roff: backslashes, hyphens of options, characters beyond ASCII as named
 * glyphs, and lines that would start a request.
 */
export function roff(text: string): string {
  return text.replace(/\\/g, '\\e').replace(/-/g, '\\-')
    .replace(/[\u0080-\u{10FFFF}]/gu, (c) => `\\[u${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}]`)
    .split('\n').map((l) => (/^[.']/.test(l) ? `\\&${l}` : l)).join('\n');
}

/** `quorate resource add [options] <sid>` in one line, the command's words in bold. */
function usageLine(command: Command, path: string[]): string {
  return `\\fB${roff(['quorate', ...path].join(' '))}\\fR ${roff(command.usage())}`;
}

/** The options and arguments of one command as a tagged list, the texts `--help` shows. */
function optionsBlock(command: Command): string {
  const lines: string[] = [];
  for (const arg of help.visibleArguments(command)) lines.push('.TP', `.I ${roff(help.argumentTerm(arg))}`, roff(help.argumentDescription(arg)));
  const options = help.visibleOptions(command).filter((o) => o.long !== '--help' || command.parent === null);
  for (const opt of options) lines.push('.TP', `.B ${roff(help.optionTerm(opt))}`, roff(help.optionDescription(opt)));
  return lines.join('\n');
}

/** A command and, indented, every command below it. */
function commandEntry(command: Command, path: string[]): string {
  const parts = ['.TP', usageLine(command, path), roff(help.commandDescription(command))];
  const options = optionsBlock(command);
  if (options !== '') parts.push('.RS', options, '.RE');
  for (const sub of subcommandsOf(command)) parts.push('.RS', commandEntry(sub, [...path, sub.name()]), '.RE');
  return parts.join('\n');
}

function header(name: string, version: string, summary: string): string {
  return [
    `.TH ${roff(name.toUpperCase())} 8 "" "quorate ${version}" "quorate manual"`,
    '.SH NAME', `${roff(name)} \\- ${roff(summary)}`,
  ].join('\n');
}

/** The page of one top-level verb (group): its synopsis, description, options and every subcommand. */
function verbPage(command: Command, version: string): ManPage {
  const name = `quorate-${command.name()}`;
  const subs = subcommandsOf(command);
  const sections = [
    header(name, version, help.commandDescription(command)),
    '.SH SYNOPSIS',
    `${usageLine(command, [command.name()])}\n.br`,
    ...subs.map((s) => `${usageLine(s, [command.name(), s.name()])}\n.br`),
    '.SH DESCRIPTION', roff(help.commandDescription(command)),
  ];
  const options = optionsBlock(command);
  if (options !== '') sections.push('.SH OPTIONS', options);
  if (subs.length > 0) sections.push('.SH COMMANDS', ...subs.map((s) => commandEntry(s, [command.name(), s.name()])));
  sections.push('.SH SEE ALSO', '.BR quorate (8)');
  return { file: `${name}.8`, text: `${sections.join('\n')}\n` };
}

/** quorate(8): the program, its global options and one line per verb with the page that has it. */
function programPage(program: Command, version: string): ManPage {
  const verbs = subcommandsOf(program);
  const sections = [
    header('quorate', version, help.commandDescription(program)),
    '.SH SYNOPSIS', '.B quorate', '.I command', '[options]',
    '.SH DESCRIPTION', roff(help.commandDescription(program)),
    '.SH OPTIONS', optionsBlock(program),
    '.SH COMMANDS',
    ...verbs.flatMap((v) => ['.TP', `.B ${roff(help.subcommandTerm(v))}`, `${roff(help.subcommandDescription(v))}; see`, `.BR quorate\\-${roff(v.name())} (8).`]),
    '.SH SEE ALSO', verbs.map((v) => `.BR quorate\\-${roff(v.name())} (8)`).join(',\n'),
  ];
  return { file: 'quorate.8', text: `${sections.join('\n')}\n` };
}

/** quorate(8) and one page per top-level verb, daemons included, from the command tree `--help` prints. */
export function renderManPages(program: Command, version: string): ManPage[] {
  return [programPage(program, version), ...walkCommands(program).filter((n) => n.path.length === 1).map((n) => verbPage(n.command, version))];
}
