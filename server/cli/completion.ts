import { parseArgs } from 'node:util';
import { oneOf } from './choices.js';
import type { CommandIO } from './io.js';
import { COMMANDS, runCli } from './main.js';
import { UsageError } from './usage.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

const HELP = `usage: plue-trigger completion bash|zsh|fish

Prints a script that completes plue-trigger's commands, subcommands and flags. Load it from your shell's startup:
  bash:  source <(plue-trigger completion bash)        (in ~/.bashrc; or, to skip its half second at each start,
         plue-trigger completion bash > ~/.local/share/bash-completion/completions/plue-trigger)
  zsh:   source <(plue-trigger completion zsh)         (in ~/.zshrc, after compinit)
  fish:  plue-trigger completion fish > ~/.config/fish/completions/plue-trigger.fish`;

/** What one command takes, read from its own --help: the words after `plue-trigger CMD` and every --flag. */
export interface CommandWords {
  name: string;
  subcommands: string[];
  flags: string[];
  /** The values of flags that take one of a fixed list (`--status pending|processed|failed` in the help). */
  values: Record<string, string[]>;
}

/** Each command's words, from its help text: the one description of a command's usage, so they cannot drift. */
export async function commandWords(): Promise<CommandWords[]> {
  const words: CommandWords[] = [];
  for (const name of Object.keys(COMMANDS)) {
    if (name === 'completion') {
      words.push({ name, subcommands: [...SHELLS], flags: ['--help'], values: {} });
      continue;
    }
    const lines: string[] = [];
    await runCli([name, '--help'], { cwd: process.cwd(), env: {}, out: (l) => lines.push(l), err: () => {} });
    const help = lines.join('\n');
    const subcommands = new Set<string>();
    for (const m of help.matchAll(new RegExp(`plue-trigger ${name} ([a-z][a-z-]*(?:\\|[a-z][a-z-]*)*)(?=[\\s\\]]|$)`, 'gm'))) {
      for (const word of m[1]!.split('|')) subcommands.add(word);
    }
    const flags = new Set(['--help', ...[...help.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0])]);
    const values: Record<string, string[]> = {};
    for (const m of help.matchAll(/(--[a-z][a-z-]*) (?:[A-Z]+ +(?:[a-z_, ]+: )?(?:one of )?)?([a-z_.]+(?:\|[a-z_.]+)+)(?=[\s\])]|$)/g)) {
      values[m[1]!] = m[2]!.split('|');
    }
    words.push({ name, subcommands: [...subcommands], flags: [...flags].sort(), values });
  }
  return words;
}

/** Each (command, flag) that takes a value from a list, with the list. */
const valueCases = (commands: CommandWords[]) =>
  commands.flatMap((c) => Object.entries(c.values).map(([flag, values]) => ({ key: `${c.name} ${flag}`, values: values.join(' ') })));

function bash(commands: CommandWords[]): string {
  const cases = commands.map((c) => `    ${c.name}) subs="${c.subcommands.join(' ')}"; flags="${c.flags.join(' ')}" ;;`).join('\n');
  const values = valueCases(commands).map((v) => `    "${v.key}") COMPREPLY=($(compgen -W "${v.values}" -- "$cur")); return ;;`).join('\n');
  return `# plue-trigger completion for bash: source <(plue-trigger completion bash)
_plue_trigger() {
  local cur=\${COMP_WORDS[COMP_CWORD]} subs="" flags="" words
  case "\${COMP_WORDS[1]} \${COMP_WORDS[COMP_CWORD-1]}" in
${values}
  esac
  if [[ $COMP_CWORD -eq 1 ]]; then
    words="${commands.map((c) => c.name).join(' ')} --help --version"
  else
    case "\${COMP_WORDS[1]}" in
${cases}
    esac
    if [[ $cur == -* ]]; then words=$flags
    elif [[ $COMP_CWORD -eq 2 ]]; then words=$subs
    else words=""
    fi
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _plue_trigger plue-trigger
`;
}

function zsh(commands: CommandWords[]): string {
  const cases = commands.map((c) => `    ${c.name}) subs=(${c.subcommands.join(' ')}); flags=(${c.flags.join(' ')}) ;;`).join('\n');
  const values = valueCases(commands).map((v) => `    "${v.key}") compadd -- ${v.values}; return ;;`).join('\n');
  return `#compdef plue-trigger
# plue-trigger completion for zsh: source <(plue-trigger completion zsh), after compinit
_plue_trigger() {
  local -a subs flags
  case "$words[2] $words[CURRENT-1]" in
${values}
  esac
  if (( CURRENT == 2 )); then
    compadd -- ${commands.map((c) => c.name).join(' ')} --help --version
    return
  fi
  case $words[2] in
${cases}
  esac
  if [[ $PREFIX == -* ]]; then compadd -- $flags
  elif (( CURRENT == 3 && $#subs > 0 )); then compadd -- $subs
  else _files
  fi
}
compdef _plue_trigger plue-trigger
`;
}

function fish(commands: CommandWords[]): string {
  const lines = [
    '# plue-trigger completion for fish: plue-trigger completion fish > ~/.config/fish/completions/plue-trigger.fish',
    `complete -c plue-trigger -n __fish_use_subcommand -f -a '${commands.map((c) => c.name).join(' ')}'`,
    "complete -c plue-trigger -n __fish_use_subcommand -l help -l version",
  ];
  for (const c of commands) {
    const seen = `'__fish_seen_subcommand_from ${c.name}'`;
    if (c.subcommands.length > 0) lines.push(`complete -c plue-trigger -n ${seen} -f -a '${c.subcommands.join(' ')}'`);
    const plain = c.flags.filter((f) => c.values[f] === undefined);
    lines.push(`complete -c plue-trigger -n ${seen} ${plain.map((f) => `-l ${f.slice(2)}`).join(' ')}`);
    for (const [flag, values] of Object.entries(c.values)) lines.push(`complete -c plue-trigger -n ${seen} -l ${flag.slice(2)} -x -a '${values.join(' ')}'`);
  }
  return `${lines.join('\n')}\n`;
}

const SCRIPTS: Record<Shell, (commands: CommandWords[]) => string> = { bash, zsh, fish };

export async function runCompletion(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h', default: false } }, allowPositionals: true });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`completion takes one shell: ${SHELLS.join(', ')}`);
  const shell = oneOf(positionals[0], SHELLS, 'the shell')!;
  io.out(SCRIPTS[shell](await commandWords()).trimEnd());
  return 0;
}
