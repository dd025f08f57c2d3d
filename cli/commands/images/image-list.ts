import type { Command } from 'commander';
import type { ImageVersionRecord } from '../../../lambda/images/core/model';
import type { ImageSummary } from '../../../lambda/images/core/query-images';
import { connectImages } from '../../config';
import type { CliContext } from '../../context';
import { writeJson } from '../../render/output';
import { globalOptions } from '../options';
import { renderImages, renderImageVersions } from './image-details';

export function addImageListCommand(image: Command, context: CliContext): void {
  image
    .command('list')
    .summary("list the images, or one image's versions")
    .description(
      'without a name, every image with its newest version: status, when it changed, the models it serves. ' +
        "With a name, the image's versions, newest first: status, models, image digest, CRITICAL and HIGH scan findings",
    )
    .argument('[name]', 'an image name')
    .action(async (name: string | undefined, _options: object, command: Command) => {
      const globals = globalOptions(command);
      const client = await connectImages(context, globals, ['queryImages']);
      if (name === undefined) {
        const images: ImageSummary[] = [];
        for await (const summary of client.iterateImages()) images.push(summary);
        if (globals.json) return writeJson(context.stdout, images);
        if (images.length === 0) return void context.stdout.write('no images registered yet\n');
        return void context.stdout.write(renderImages(images));
      }
      const versions: ImageVersionRecord[] = [];
      for await (const version of client.iterateImageVersions(name)) versions.push(version);
      if (globals.json) return writeJson(context.stdout, versions);
      if (versions.length === 0) return void context.stdout.write(`image ${name} has no versions yet\n`);
      context.stdout.write(renderImageVersions(versions));
    });
}
