import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { connectMonitoring } from '../../config';
import type { CliContext } from '../../context';
import { formatBytes } from '../../render/format';
import { writeBlocks, writeJson } from '../../render/output';
import { globalOptions } from '../options';
import { renderDriftReport } from './monitor-checks';
import { failOnBadInput, fileError } from './monitor-dataset';

interface ReportOptions {
  readonly check?: string;
  readonly html?: string;
}

export function addReportCommand(monitor: Command, context: CliContext): void {
  monitor
    .command('report')
    .summary("a deployed monitor's drift report: the latest check's, or one check's")
    .description(
      "print a deployed monitor's drift report: which check of which model version, the window, the records read, where the JSON and HTML reports are, " +
        'then the per-feature table, charts and verdict monitor check prints. --html saves the HTML report (read from the monitoring bucket through S3).',
    )
    .argument('<monitor>', 'the monitor name')
    .option('--check <check-id>', 'the check, as monitor status <monitor> lists it (default: the latest)')
    .option('--html <file>', 'save the HTML report to this file')
    .action(async (name: string, options: ReportOptions, command: Command) => {
      const globals = globalOptions(command);
      const client = await connectMonitoring(context, globals, ['queryMonitoring']);
      const check = await client.getCheck(name, options.check);
      // By the check's id: a check landing meanwhile does not swap the report under the record.
      const report = await client.getReport(name, check.checkId);
      let saved: string | undefined;
      if (options.html) {
        const html = await client.getHtmlReport(check);
        try {
          await writeFile(options.html, html);
        } catch (error) {
          return failOnBadInput(context, fileError('write', options.html, error));
        }
        saved = `saved the HTML report to ${options.html} (${formatBytes(Buffer.byteLength(html))})`;
      }
      if (globals.json) return writeJson(context.stdout, { check, report });
      writeBlocks(context.stdout, ...renderDriftReport(check, report), saved);
    });
}
