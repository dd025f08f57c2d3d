import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { addImageListCommand } from './image-list';
import { addImageRegisterCommand } from './image-register';
import { addImageShowCommand } from './image-show';
import { addImageWaitCommand } from './image-wait';

/** `mlops image ...`: inference images. */
export function addImageCommands(program: Command, context: CliContext): void {
  const image = program
    .command('image')
    .description(
      'inference images: register versions that serve model versions (built by the platform from a scoring script, or already in ECR), ' +
        'follow their builds, and show their scan findings and SageMaker model packages',
    );
  addImageRegisterCommand(image, context);
  addImageListCommand(image, context);
  addImageShowCommand(image, context);
  addImageWaitCommand(image, context);
}
