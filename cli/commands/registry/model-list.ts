import type { Command } from 'commander';
import type { ModelRecord } from '../../../lambda/registry/core/model';
import { connect } from '../../config';
import type { CliContext } from '../../context';
import { formatDate } from '../../render/format';
import { writeJson } from '../../render/output';
import { renderTable } from '../../render/table';
import { globalOptions } from '../options';
import { deletedColumn } from './deleted-column';

export function addListCommand(model: Command, context: CliContext): void {
  model
    .command('list')
    .description('list the registered models')
    .action(async (_options: object, command: Command) => {
      const globals = globalOptions(command);
      const client = await connect(context, globals, ['queryRegistry']);
      const models: ModelRecord[] = [];
      for await (const record of client.iterateModels({ limit: 100 })) models.push(record);
      if (globals.json) return writeJson(context.stdout, models);
      if (models.length === 0) return void context.stdout.write('no models registered yet\n');
      context.stdout.write(
        renderTable<ModelRecord>(
          [
            { header: 'name', value: (row) => row.name },
            { header: 'latest', value: (row) => row.latestVersion, align: 'right' },
            { header: 'updated', value: (row) => formatDate(row.updatedAt) },
            { header: 'created', value: (row) => formatDate(row.createdAt) },
            ...deletedColumn(models),
          ],
          models,
        ),
      );
    });
}
