import type { Command } from 'commander';
import type { ModelVersionRecord } from '../../../lambda/registry/core/model';
import { connect } from '../../config';
import type { CliContext } from '../../context';
import { parseTagFilter } from '../../parse';
import { formatDate, formatPairs } from '../../render/format';
import { writeJson } from '../../render/output';
import { renderTable } from '../../render/table';
import { globalOptions } from '../options';

interface FindOptions {
  readonly tag: { key: string; value?: string };
  readonly name?: string;
}

export function addFindCommand(model: Command, context: CliContext): void {
  model
    .command('find')
    .description('find versions by tag, across models or in one')
    .requiredOption('--tag <key[=value]>', 'versions with this tag (any value, or this value)', parseTagFilter)
    .option('--name <name>', "only this model's versions")
    .action(async (options: FindOptions, command: Command) => {
      const globals = globalOptions(command);
      const client = await connect(context, globals, ['queryRegistry']);
      const found: ModelVersionRecord[] = [];
      for await (const version of client.iterateFoundVersions(options.tag, { name: options.name, limit: 100 })) found.push(version);
      if (globals.json) return writeJson(context.stdout, found);
      if (found.length === 0)
        return void context.stdout.write(`no versions tagged ${options.tag.key}${options.tag.value === undefined ? '' : `=${options.tag.value}`}\n`);
      context.stdout.write(
        renderTable<ModelVersionRecord>(
          [
            { header: 'model', value: (row) => row.name },
            { header: 'version', value: (row) => row.version, align: 'right' },
            { header: options.tag.key, value: (row) => row.tags[options.tag.key] ?? '-' },
            { header: 'created', value: (row) => formatDate(row.createdAt) },
            { header: 'framework', value: (row) => row.framework ?? '-' },
            { header: 'metrics', value: (row) => formatPairs(row.metrics) },
          ],
          found,
        ),
      );
    });
}
