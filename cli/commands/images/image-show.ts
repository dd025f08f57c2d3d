import type { Command } from 'commander';
import { connectImages } from '../../config';
import type { CliContext } from '../../context';
import { clockOf } from '../../exec/node-process';
import { writeBlocks, writeJson } from '../../render/output';
import { globalOptions } from '../options';
import { type ImageReference, parseImageReference } from './image-arguments';
import { renderImageDetails } from './image-details';

export function addImageShowCommand(image: Command, context: CliContext): void {
  image
    .command('show')
    .summary('show an image version: status, pinned image, models, build, scan findings and SageMaker packages')
    .description(
      'show one version of an image (the newest unless NAME:VERSION names one): its status (with the build phase while building), the image URI pinned by digest, ' +
        'the base image, entry script and requirements it was built from, its environment, the build (id, logs link, failure), the scan findings by severity, ' +
        'the model versions it serves, and its SageMaker model packages with their approval status and what blocks approval',
    )
    .argument('<image>', 'NAME or NAME:VERSION', parseImageReference)
    .action(async (reference: ImageReference, _options: object, command: Command) => {
      const globals = globalOptions(command);
      const client = await connectImages(context, globals, ['queryImages']);
      const record = await client.getImage(reference.name, reference.version);
      if (globals.json) return writeJson(context.stdout, record);
      writeBlocks(context.stdout, ...renderImageDetails(record, clockOf(context).now()));
    });
}
