import { basename } from 'node:path';
import type { Command } from 'commander';
import { actor, connect } from '../../config';
import type { CliContext } from '../../context';
import { collectDataset, collectMetric, collectPair, type DatasetArgument } from '../../parse';
import { formatDate } from '../../render/format';
import { writeBlocks, writeJson } from '../../render/output';
import { uploadProgress } from '../../render/progress';
import { renderFields } from '../../render/table';
import { globalOptions } from '../options';
import { artifactFields } from './version-details';

interface RegisterOptions {
  readonly name: string;
  readonly metric?: Record<string, number>;
  readonly param?: Record<string, string>;
  readonly tag?: Record<string, string>;
  readonly dataset?: DatasetArgument[];
  readonly description?: string;
  readonly framework?: string;
  readonly runId?: string;
  readonly clientToken?: string;
}

export function addRegisterCommand(model: Command, context: CliContext): void {
  model
    .command('register')
    .description('upload a model file to the artifact bucket and register it as the next version')
    .argument('<file>', 'the model artifact (any format)')
    .requiredOption('--name <name>', 'the model name')
    .option('--metric <key=number>', 'an evaluation metric (repeatable)', collectMetric)
    .option('--param <key=value>', 'a training parameter (repeatable)', collectPair)
    .option('--tag <key=value>', 'a tag to find the version by (repeatable)', collectPair)
    .option('--dataset <uri[#sha256]>', 'a training dataset, with its digest (repeatable)', collectDataset)
    .option('--description <text>', 'what this version is')
    .option('--framework <name>', 'the ML framework, e.g. xgboost-2.1')
    .option('--run-id <id>', 'the tracking run that produced the model')
    .option('--client-token <token>', 'an idempotency token: retries of this registration with it return the same version (default: one per run)')
    .action(async (file: string, options: RegisterOptions, command: Command) => {
      const globals = globalOptions(command);
      const client = await connect(context, globals, ['registerModel', 'artifactBucket']);
      const progress = uploadProgress(context.stderr, basename(file), { quiet: globals.json === true });
      let result: Awaited<ReturnType<typeof client.registerModelFromFile>>;
      try {
        result = await client.registerModelFromFile(
          file,
          {
            name: options.name,
            metrics: options.metric,
            parameters: options.param,
            tags: options.tag,
            datasets: options.dataset,
            description: options.description,
            framework: options.framework,
            sourceRunId: options.runId,
            clientToken: options.clientToken,
            actor: actor(context),
          },
          { onProgress: progress.update, onUploaded: progress.done },
        );
      } catch (error) {
        progress.fail();
        throw error;
      }
      if (globals.json) return writeJson(context.stdout, result);
      const { artifact } = result;
      writeBlocks(
        context.stdout,
        `registered ${result.name} version ${result.version}`,
        renderFields([...artifactFields(artifact), ['created', formatDate(result.createdAt)]]),
      );
    });
}
