import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { SHIM_FILE } from '../lambda/images/core/build-context';
import type { ImageVersionRecord } from '../lambda/images/core/model';
import { downloadContext, entryFileOf, readObject, runTar } from './image-files';
import { type ShimProcess, startShim } from './serving-shim-process';

/**
 * Serves a READY image the platform built on this machine, as its container would serve it on
 * SageMaker: the shim and the entry script from its build context, the model data the build packed
 * extracted as SageMaker extracts it into `/opt/ml/model`, and python3 in place of the image's own.
 */
export async function serveImageLocally(s3: S3Client, image: ImageVersionRecord): Promise<ShimProcess> {
  if (image.status !== 'READY' || image.source.type !== 'build' || !image.modelDataUrl) {
    throw new Error(`image ${image.name} version ${image.version} is not a READY image the platform built`);
  }
  const workspace = mkdtempSync(path.join(tmpdir(), `mlops-serve-${image.name}-`));
  try {
    const context = path.join(workspace, 'context');
    await downloadContext(s3, image.source.contextUri, image.source.contextFiles ?? [], context);
    const archive = path.join(workspace, 'model.tar.gz');
    writeFileSync(archive, await readObject(s3, image.modelDataUrl));
    const modelDirectory = path.join(workspace, 'model');
    mkdirSync(modelDirectory);
    runTar(['-xzf', archive, '-C', modelDirectory]);
    const shim = await startShim({ shimFile: path.join(context, SHIM_FILE), entryScript: path.join(context, entryFileOf(context)), modelDirectory });
    return {
      endpoint: shim.endpoint,
      async stop() {
        await shim.stop();
        rmSync(workspace, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(workspace, { recursive: true, force: true });
    throw error;
  }
}
