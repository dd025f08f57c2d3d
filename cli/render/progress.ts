import type { UploadedArtifact, UploadProgress } from '../../client/shared/artifact-upload';
import type { Terminal } from '../context';
import { formatBytes } from './format';

export interface ProgressReporter {
  update(progress: UploadProgress): void;
  done(uploaded: UploadedArtifact): void;
  /** Ends the bar's line, so an error message starts on its own. */
  fail(): void;
}

/**
 * Upload progress on stderr: a bar redrawn in place when stderr is a terminal; otherwise (a log,
 * a pipe) one line when the upload is done, unless `quiet`.
 */
export function uploadProgress(stderr: Terminal, label: string, options: { quiet: boolean }): ProgressReporter {
  const interactive = stderr.isTTY === true;
  let drawn = -1;
  const draw = ({ loadedBytes, totalBytes }: UploadProgress) => {
    const fraction = totalBytes > 0 ? Math.min(1, loadedBytes / totalBytes) : 1;
    const percent = Math.floor(fraction * 100);
    if (percent === drawn) return;
    drawn = percent;
    const width = Math.max(10, Math.min(40, (stderr.columns ?? 80) - label.length - 40));
    const filled = Math.round(fraction * width);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
    stderr.write(`\r\x1b[2Kuploading ${label} [${bar}] ${String(percent).padStart(3)}%  ${formatBytes(loadedBytes)} / ${formatBytes(totalBytes)}`);
  };
  return {
    update: (progress) => {
      if (interactive) draw(progress);
    },
    done: (uploaded) => {
      if (interactive) {
        draw({ loadedBytes: uploaded.sizeBytes, totalBytes: uploaded.sizeBytes });
        stderr.write('\n');
      } else if (!options.quiet) {
        stderr.write(`uploaded ${label} (${formatBytes(uploaded.sizeBytes)}) to ${uploaded.uri}\n`);
      }
    },
    fail: () => {
      if (interactive && drawn >= 0) stderr.write('\n');
    },
  };
}
