import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { connectDeployments } from '../../config';
import type { CliContext } from '../../context';
import { clockOf } from '../../exec/node-process';
import { formatDuration } from '../../render/format';
import { writeJson } from '../../render/output';
import { printable } from '../../render/printable';
import { BadInputError, fileError } from '../monitoring/monitor-dataset';
import { globalOptions } from '../options';

interface InvokeOptions {
  readonly body?: string;
  readonly data?: string;
  readonly contentType?: string;
  readonly accept?: string;
  readonly customAttributes?: string;
  readonly inferenceId?: string;
  readonly targetVariant?: string;
}

const JSON_TYPE = 'application/json';
const CSV_TYPE = 'text/csv';
const TYPE_BY_EXTENSION: Readonly<Record<string, string>> = { '.json': JSON_TYPE, '.csv': CSV_TYPE };

async function readAll(stream: AsyncIterable<Uint8Array | string>): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** The body from `--data`, a file, or stdin (`--body -`, or no body with input piped in). */
async function bodyOf(context: CliContext, options: InvokeOptions): Promise<Uint8Array> {
  if (options.data !== undefined && options.body !== undefined) throw new BadInputError('give --data or --body, not both');
  if (options.data !== undefined) return Buffer.from(options.data);
  const stdin = context.stdin ?? process.stdin;
  if (options.body === undefined || options.body === '-') {
    if (options.body === undefined && (stdin as { isTTY?: boolean }).isTTY === true)
      throw new BadInputError('give the request with --data, --body FILE, or on stdin');
    return readAll(stdin);
  }
  return readFile(options.body).catch((error: unknown) => {
    throw fileError('read', options.body!, error);
  });
}

/** `--content-type`, else the file's extension, else what the body looks like: JSON opens with `{` or `[`. */
function contentTypeOf(options: InvokeOptions, body: Uint8Array): string {
  if (options.contentType !== undefined) return options.contentType;
  const byExtension = options.body === undefined ? undefined : TYPE_BY_EXTENSION[extname(options.body).toLowerCase()];
  if (byExtension) return byExtension;
  const first = Buffer.from(body.subarray(0, 64)).toString('utf8').trimStart()[0];
  return first === '{' || first === '[' ? JSON_TYPE : CSV_TYPE;
}

function parsedBody(text: string, contentType: string | undefined): unknown {
  if (!contentType?.startsWith(JSON_TYPE)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function addEndpointCommands(program: Command, context: CliContext): void {
  const endpoint = program.command('endpoint').description("the deployments' SageMaker endpoints: send them requests");
  endpoint
    .command('invoke')
    .summary("send one request to a deployment's endpoint")
    .description(
      "send one request to the deployment's SageMaker endpoint (mlops-<name>) and print the answer (JSON indented); which variant answered and how long it took go to stderr. " +
        'The body comes from --data, --body FILE, or stdin (--body -, or piped in); its type from --content-type, else the file extension (.json, .csv), else its first character. ' +
        'Needs sagemaker:InvokeEndpoint on the endpoint. --custom-attributes is captured with the request (who calls, for usage counts)',
    )
    .argument('<name>', 'the deployment')
    .option('--body <file>', 'the request body: a JSON or CSV file, or - for stdin')
    .option('--data <text>', 'the request body, inline')
    .option('--content-type <type>', `${JSON_TYPE} or ${CSV_TYPE} (default: from the file extension or the body)`)
    .option('--accept <type>', 'the content type to answer with')
    .option('--custom-attributes <text>', 'passed to the model and captured with the request (e.g. caller=checkout)')
    .option('--inference-id <id>', 'names the request in the capture')
    .option('--target-variant <variant>', 'send it to this variant, bypassing the traffic split')
    .action(async (name: string, options: InvokeOptions, command: Command) => {
      const globals = globalOptions(command);
      const body = await bodyOf(context, options);
      if (body.length === 0) throw new BadInputError('the request body is empty');
      const client = await connectDeployments(context, globals, []);
      const clock = clockOf(context);
      const started = clock.now();
      const answer = await client.invoke(name, {
        body,
        contentType: contentTypeOf(options, body),
        accept: options.accept,
        customAttributes: options.customAttributes,
        inferenceId: options.inferenceId,
        targetVariant: options.targetVariant,
      });
      const tookMs = clock.now() - started;
      const text = Buffer.from(answer.body).toString('utf8');
      const value = parsedBody(text, answer.contentType);
      if (globals.json) return writeJson(context.stdout, { variant: answer.invokedVariant, contentType: answer.contentType, tookMs, body: value });
      context.stderr.write(`answered by variant ${answer.invokedVariant ?? '-'} in ${formatDuration(tookMs)}\n`);
      if (typeof value === 'string') context.stdout.write(`${printable(value.replace(/\n$/, ''), { keepLineBreaks: true })}\n`);
      else writeJson(context.stdout, value);
    });
}
