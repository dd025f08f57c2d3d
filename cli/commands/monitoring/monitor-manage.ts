import { type Command, Option } from 'commander';
import type { StoredMonitor } from '../../../lambda/monitoring/core/stored-monitor';
import { actor, connectMonitoring } from '../../config';
import type { CliContext } from '../../context';
import { parseMinutes, parseWhole } from '../../parse';
import { formatDate } from '../../render/format';
import { writeBlocks, writeJson } from '../../render/output';
import { renderFields, renderTable } from '../../render/table';
import { globalOptions } from '../options';
import { BadInputError } from './monitor-dataset';

interface CreateOptions {
  readonly model: string;
  readonly deployment?: string;
  readonly every?: number;
  readonly window?: number;
  readonly minRecords?: number;
  readonly replace?: boolean;
}

/** `churn:5` or `churn@production`. */
function parseTarget(text: string): { model: string; version?: number; alias?: string } {
  const match = /^([^:@\s]+)(?::v?(\d+)|@([^:@\s]+))$/.exec(text.trim());
  if (!match) throw new BadInputError(`--model expects MODEL:VERSION or MODEL@ALIAS, got "${text}"`);
  return match[2] === undefined ? { model: match[1], alias: match[3] } : { model: match[1], version: Number(match[2]) };
}

const targetText = ({ config }: StoredMonitor) => `${config.model}${config.version === undefined ? `@${config.alias}` : `:${config.version}`}`;
const sourceText = (monitor: StoredMonitor) => (monitor.deployment ? `deployment ${monitor.deployment}` : 'collected records');

function renderStoredMonitor(monitor: StoredMonitor): string[] {
  return [
    `monitor ${monitor.config.monitor}`,
    renderFields([
      ['compares', `${targetText(monitor)}'s baseline`],
      ['with', `${sourceText(monitor)} (s3://${monitor.config.capture.bucket}/${monitor.config.capture.prefix})`],
      ['every', `${monitor.scheduleMinutes}m, windows of ${monitor.config.windowMinutes}m, at least ${monitor.config.minRecords} records for a verdict`],
      ['next check', formatDate(monitor.nextCheckAt)],
      ['created', `${formatDate(monitor.createdAt)}${monitor.createdBy ? ` by ${monitor.createdBy}` : ''}`],
    ]),
  ];
}

/** `monitor create`, `monitor delete` and `monitor list`: the monitors the platform stores and checks on its own schedule. */
export function addManageCommands(monitor: Command, context: CliContext): void {
  monitor
    .command('create')
    .summary('store a monitor the platform checks on its schedule, with no redeploy')
    .description(
      "store a monitor: the platform compares each window of production records with the model version's baseline (registered with monitor baseline), " +
        'from the next window on. The records are what --deployment captures, else what monitor collect sends the monitor. ' +
        'With MODEL@ALIAS, each check compares with the baseline of the version the alias names then. A deployment gets a monitor of its own when it goes into service.',
    )
    .argument('<name>', 'the monitor name (letters, digits, "-" and "_")')
    .requiredOption('--model <model>', 'MODEL:VERSION or MODEL@ALIAS, whose baseline the records are compared with')
    .option('--deployment <name>', "check this deployment's captured requests")
    .addOption(new Option('--every <minutes>', 'minutes between checks, 1 to 1440; windows end on multiples of it (default 60m)').argParser(parseMinutes))
    .addOption(new Option('--window <minutes>', 'how far back each check looks (default: --every)').argParser(parseMinutes))
    .addOption(new Option('--min-records <count>', 'a window with fewer records gets no verdict (default 100)').argParser(parseWhole))
    .option('--replace', 'replace the stored monitor of that name')
    .action(async (name: string, options: CreateOptions, command: Command) => {
      const globals = globalOptions(command);
      const client = await connectMonitoring(context, globals, ['createMonitor']);
      const stored = await client.createMonitor({
        monitor: name,
        ...parseTarget(options.model),
        ...(options.deployment === undefined ? {} : { deployment: options.deployment }),
        ...(options.every === undefined ? {} : { scheduleMinutes: options.every }),
        ...(options.window === undefined ? {} : { windowMinutes: options.window }),
        ...(options.minRecords === undefined ? {} : { minRecords: options.minRecords }),
        ...(options.replace ? { replace: true } : {}),
        actor: actor(context),
      });
      if (globals.json) return writeJson(context.stdout, stored);
      writeBlocks(context.stdout, ...renderStoredMonitor(stored));
    });

  monitor
    .command('delete')
    .summary('stop checking a stored monitor (its checks and reports stay)')
    .argument('<name>', 'the monitor')
    .action(async (name: string, _options: object, command: Command) => {
      const globals = globalOptions(command);
      const client = await connectMonitoring(context, globals, ['deleteMonitor']);
      const deleted = await client.deleteMonitor({ monitor: name, actor: actor(context) });
      if (globals.json) return writeJson(context.stdout, deleted);
      context.stdout.write(`deleted monitor ${name}: it is no longer checked; its checks and reports stay\n`);
    });

  monitor
    .command('list')
    .summary('the monitors the platform stores, with their schedules')
    .description('the stored monitors: what each compares, the records it checks, how often, and when it is next checked (monitor status shows their verdicts)')
    .action(async (_options: object, command: Command) => {
      const globals = globalOptions(command);
      const client = await connectMonitoring(context, globals, ['queryMonitoring']);
      const monitors = await client.listStoredMonitors();
      if (globals.json) return writeJson(context.stdout, monitors);
      if (monitors.length === 0) return void context.stdout.write('no stored monitors: mlops monitor create NAME --model MODEL@ALIAS\n');
      context.stdout.write(
        renderTable<StoredMonitor>(
          [
            { header: 'monitor', value: (row) => row.config.monitor },
            { header: 'compares', value: targetText },
            { header: 'records', value: sourceText },
            { header: 'every', value: (row) => `${row.scheduleMinutes}m`, align: 'right' },
            { header: 'next check', value: (row) => formatDate(row.nextCheckAt) },
          ],
          monitors,
        ),
      );
    });
}
