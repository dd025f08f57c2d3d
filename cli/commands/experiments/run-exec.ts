import type { Command } from 'commander';
import type { ActiveRun } from '../../../client/experiments/active-run';
import type { EndStatus, RunRecord } from '../../../lambda/experiments/core/model';
import { actor, connectTracking } from '../../config';
import type { CliContext, GitSource } from '../../context';
import { type ChildOutcome, exitCodeOf, reasonOf, runChild } from '../../exec/child-runner';
import { MetricRecorder } from '../../exec/metric-recorder';
import { clockOf, processesOf } from '../../exec/node-process';
import { redactSecrets } from '../../exec/redact-command';
import { ExitStatus } from '../../exit-status';
import { collectPair } from '../../parse';
import { formatDuration } from '../../render/format';
import { writeJson } from '../../render/output';
import { globalOptions } from '../options';

/** The variables the command finds its run by, e.g. to attach to it from its own code. */
export const RUN_ID_ENV = 'MLOPS_RUN_ID';
export const EXPERIMENT_ENV = 'MLOPS_EXPERIMENT';

/** MLflow's tag for the commit a run's code came from, so what reads MLflow's tags finds it. */
export const GIT_COMMIT_TAG = 'mlflow.source.git.commit';
/** `true` when tracked files differed from that commit (MLflow has no tag for it). */
export const GIT_DIRTY_TAG = 'mlops.source.git.dirty';

interface ExecOptions {
  readonly experiment: string;
  readonly name?: string;
  readonly param?: Record<string, string>;
  readonly tag?: Record<string, string>;
  /** False with `--no-record-command`. */
  readonly recordCommand: boolean;
}

const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/** A word in bash's ANSI-C quotes (`$'a\x1bb'`): a run's command refuses raw control characters. */
const ansiCQuoted = (word: string) =>
  `$'${word.replace(/[\\']/g, '\\$&').replace(CONTROLS, (character) => {
    const code = character.charCodeAt(0);
    return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  })}'`;

/** The command line as a shell would take it back: words quoted only when they need it, in ANSI-C quotes when they hold control characters. */
export function commandLine(words: readonly string[]): string {
  return words
    .map((word) => {
      if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
      if (word.search(CONTROLS) >= 0) return ansiCQuoted(word);
      return `'${word.replace(/'/g, `'\\''`)}'`;
    })
    .join(' ');
}

/** The run's tags: where its code came from, then those given with --tag (which win). */
function runTags(source: GitSource | undefined, given: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!source) return given;
  const tags: Record<string, string> = { [GIT_COMMIT_TAG]: source.commit };
  if (source.dirty !== undefined) tags[GIT_DIRTY_TAG] = String(source.dirty);
  return { ...tags, ...given };
}

function endStatus(outcome: ChildOutcome): EndStatus {
  if (outcome.kind === 'interrupted') return 'KILLED';
  return outcome.kind === 'exited' && outcome.code === 0 ? 'COMPLETED' : 'FAILED';
}

/** Ends the run; a failed final flush is tried once more (a refused batch is dropped by then). */
async function endRun(run: ActiveRun, status: EndStatus, reason: string | undefined, warn: (message: string) => void): Promise<RunRecord | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run.end(status, reason);
    } catch (error) {
      if (attempt === 2) {
        warn(`could not end run ${run.runId}: ${(error as Error).message}; the sweep will declare it crashed`);
        return undefined;
      }
      warn(`ending run ${run.runId} failed (${(error as Error).message}); trying again`);
    }
  }
}

function summary(run: ActiveRun, ended: RunRecord | undefined, status: EndStatus, reason: string | undefined, durationMs: number, points: number): string {
  const { runName, experiment } = run.run;
  const outcome = ended ? `ended ${ended.status}` : `could not be ended (${status} was meant)`;
  const why = reason ? ` (${reason})` : '';
  const logged = `${points} metric point${points === 1 ? '' : 's'} logged`;
  return `mlops: run ${runName} (${run.runId}) in experiment ${experiment} ${outcome}${why} after ${formatDuration(durationMs)}; ${logged}.\n`;
}

export function addExecCommand(run: Command, context: CliContext): void {
  run
    .command('exec')
    .summary('run a command as a tracked run, logging the metrics it prints')
    .description(
      'run a command as a tracked run: its output passes through, and the lines it prints as ' +
        '"mlops:metric name=value ... [step=N] [timestamp=MS]", "mlops:param k=v ...", "mlops:tag k=v ..." or ' +
        '{"mlops": {"metrics": {...}, "step": N, "params": {...}, "tags": {...}}} are logged to the run. ' +
        "The run ends COMPLETED on exit code 0, FAILED otherwise, KILLED on SIGINT/SIGTERM; mlops exits with the command's code. " +
        `The command finds its run in ${RUN_ID_ENV} and ${EXPERIMENT_ENV}. ` +
        `In a git repository, the run records the commit checked out (tag ${GIT_COMMIT_TAG}) and whether tracked files differ from it (${GIT_DIRTY_TAG}). ` +
        'The run records the command line with the values of secret-looking arguments (--api-key=..., --password ..., -p ..., TOKEN=..., URL passwords) as ***; ' +
        "--no-record-command records none of it. With --json the command's stdout goes to stderr and stdout gets the ended run as JSON.",
    )
    .usage('--experiment <name> [options] -- <command> [args...]')
    .requiredOption('--experiment <name>', 'the experiment the run belongs to (created with its first run)')
    .option('--name <run-name>', 'a name for the run (default: <experiment>-<run number>)')
    .option('--param <key=value>', 'a parameter of the run (repeatable)', collectPair)
    .option('--tag <key=value>', 'a tag of the run (repeatable)', collectPair)
    .option('--no-record-command', 'do not record the command line in the run (it may hold secrets the redaction does not recognise)')
    .argument('<command...>', 'the command to run and its arguments, after --')
    .action(async (words: string[], options: ExecOptions, command: Command) => {
      const globals = globalOptions(command);
      const processes = processesOf(context);
      const clock = clockOf(context);
      const warn = (message: string) => void context.stderr.write(`mlops: warning: ${message}\n`);
      const cwd = processes.cwd();
      const client = await connectTracking(context, globals, ['startRun', 'logMetrics', 'endRun']);
      const source = await processes.gitSource(cwd).catch(() => undefined);
      const active = await client.startRun(
        {
          experiment: options.experiment,
          runName: options.name,
          params: options.param,
          tags: runTags(source, options.tag),
          gitCommit: source?.commit,
          command: options.recordCommand ? commandLine(redactSecrets(words)).slice(0, 4096) : undefined,
          actor: actor(context),
        },
        { onError: (error) => warn(`logging to run failed: ${error.message}`) },
      );
      const startedAt = clock.now();
      if (!globals.json) context.stderr.write(`mlops: started run ${active.run.runName} (${active.runId}) in experiment ${options.experiment}\n`);

      const recorder = new MetricRecorder(active, {
        warn,
        now: () => clock.now(),
        initialParams: active.run.params,
        initialTags: active.run.tags,
      });
      const outcome = await runChild({
        command: words[0],
        args: words.slice(1),
        env: { ...context.env, [RUN_ID_ENV]: active.runId, [EXPERIMENT_ENV]: options.experiment },
        cwd,
        stdout: globals.json ? context.stderr : context.stdout,
        stderr: context.stderr,
        onLine: (line, stream) => {
          try {
            recorder.read(line, stream);
          } catch (error) {
            warn(`could not log ${stream} line: ${(error as Error).message}`);
          }
        },
        processes,
      });
      recorder.finish();
      if (outcome.kind === 'not-started') context.stderr.write(`mlops: could not start ${words[0]}: ${outcome.error.message}\n`);

      const status = endStatus(outcome);
      const reason = reasonOf(outcome);
      const ended = await endRun(active, status, reason, warn);
      if (globals.json) writeJson(context.stdout, ended ?? active.run);
      else context.stderr.write(summary(active, ended, status, reason, clock.now() - startedAt, recorder.points));
      const code = exitCodeOf(outcome);
      if (code !== 0) throw new ExitStatus(code);
    });
}
