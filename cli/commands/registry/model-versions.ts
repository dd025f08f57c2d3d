import type { Command } from 'commander';
import type { ModelVersionRecord } from '../../../lambda/registry/core/model';
import { connect } from '../../config';
import type { CliContext } from '../../context';
import { formatBytes, formatDate, formatPairs, shortDigest } from '../../render/format';
import { writeJson } from '../../render/output';
import { renderTable } from '../../render/table';
import { globalOptions } from '../options';
import { deletedColumn } from './deleted-column';
import { aliasesOf } from './model-show';

export function addVersionsCommand(model: Command, context: CliContext): void {
  model
    .command('versions')
    .description("list a model's versions, newest first, with the aliases on them")
    .argument('<name>', 'the model name')
    .action(async (name: string, _options: object, command: Command) => {
      const globals = globalOptions(command);
      const client = await connect(context, globals, ['queryRegistry']);
      const details = await client.getModel(name);
      const versions: ModelVersionRecord[] = [];
      for await (const version of client.iterateVersions(name, { limit: 100 })) versions.push(version);
      if (globals.json) return writeJson(context.stdout, versions);
      context.stdout.write(
        renderTable<ModelVersionRecord>(
          [
            { header: 'version', value: (row) => row.version, align: 'right' },
            { header: 'aliases', value: (row) => aliasesOf(details, row.version).join(',') || '-' },
            { header: 'created', value: (row) => formatDate(row.createdAt) },
            { header: 'by', value: (row) => row.createdBy ?? '-' },
            { header: 'framework', value: (row) => row.framework ?? '-' },
            { header: 'size', value: (row) => formatBytes(row.artifact.sizeBytes), align: 'right' },
            { header: 'sha256', value: (row) => shortDigest(row.artifact.sha256) },
            { header: 'metrics', value: (row) => formatPairs(row.metrics) },
            ...deletedColumn(versions),
          ],
          versions,
        ),
      );
    });
}
