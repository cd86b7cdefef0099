import { type Command, Help } from 'commander';

/** One command of the tree with the words that reach it (`['resource', 'add']`; `[]` is the program). */
export interface CommandNode {
  path: string[];
  command: Command;
}

/** The real subcommands of a command (commander's help also lists a placeholder `help` command). */
export function subcommandsOf(command: Command): Command[] {
  return command.commands.filter((c) => c.name() !== 'help');
}

/** Every command of the tree, parents before their subcommands, in registration order. */
export function walkCommands(program: Command): CommandNode[] {
  const nodes: CommandNode[] = [];
  const visit = (command: Command, path: string[]): void => {
    nodes.push({ path, command });
    for (const sub of subcommandsOf(command)) visit(sub, [...path, sub.name()]);
  };
  visit(program, []);
  return nodes;
}

/** commander's own help formatter: what `--help` prints is made from the same calls. */
export const helpFormatter = new Help();
