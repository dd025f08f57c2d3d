import type { Command } from 'commander';
import type { AliasChangeRecord } from '../../../lambda/registry/core/model';
import type { SetModelAliasResult } from '../../../lambda/registry/core/set-model-alias';
import { actor, connect } from '../../config';
import type { CliContext } from '../../context';
import { parseExpectedVersion, parseVersionNumber } from '../../parse';
import { writeJson } from '../../render/output';
import { globalOptions } from '../options';
import { renderAliasHistory } from './alias-history';

interface SetOptions {
  readonly expect?: number | 'none';
  readonly reason?: string;
}

function describeMove(result: SetModelAliasResult): string {
  if (!result.changed) return `${result.alias} of ${result.name} already points at version ${result.version}; nothing changed\n`;
  const from = result.previousVersion === undefined ? 'created at' : `moved from ${result.previousVersion} to`;
  return `${result.alias} of ${result.name} ${from} version ${result.version} (revision ${result.revision})\n`;
}

function addSetCommand(alias: Command, context: CliContext): void {
  alias
    .command('set')
    .description('point an alias at a version (recorded in the alias history)')
    .argument('<name>', 'the model name')
    .argument('<alias>', 'the alias, e.g. prod')
    .argument('<version>', 'the version number', parseVersionNumber)
    .option('--expect <version|none>', 'move only if the alias points at this version now ("none": only if it does not exist)', parseExpectedVersion)
    .option('--reason <text>', 'why, kept in the history')
    .action(async (name: string, aliasName: string, version: number, options: SetOptions, command: Command) => {
      const globals = globalOptions(command);
      const client = await connect(context, globals, ['setModelAlias']);
      const result = await client.setAlias({
        name,
        alias: aliasName,
        version,
        expectedVersion: options.expect === 'none' ? null : options.expect,
        reason: options.reason,
        actor: actor(context),
      });
      if (globals.json) return writeJson(context.stdout, result);
      context.stdout.write(describeMove(result));
    });
}

function addHistoryCommand(alias: Command, context: CliContext): void {
  alias
    .command('history')
    .description("list the moves of a model's aliases, or of one alias")
    .argument('<name>', 'the model name')
    .argument('[alias]', 'only this alias')
    .action(async (name: string, aliasName: string | undefined, _options: object, command: Command) => {
      const globals = globalOptions(command);
      const client = await connect(context, globals, ['queryRegistry']);
      const moves: AliasChangeRecord[] = [];
      for await (const move of client.iterateAliasHistory(name, aliasName, { limit: 100 })) moves.push(move);
      if (globals.json) return writeJson(context.stdout, moves);
      if (moves.length === 0) return void context.stdout.write(`no alias moves recorded for ${name}\n`);
      context.stdout.write(renderAliasHistory(moves, { showAlias: true }));
    });
}

export function addAliasCommands(model: Command, context: CliContext): void {
  const alias = model.command('alias').description("move a model's aliases and read their history");
  addSetCommand(alias, context);
  addHistoryCommand(alias, context);
}
