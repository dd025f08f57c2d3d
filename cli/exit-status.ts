/** The CLI's exit codes: success, a failed command, usage or bad input. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/**
 * Ends a command with this exit code and no error message: the command has already said what
 * happened (`run exec` passes on its child's code, `run watch` fails when the run did).
 */
export class ExitStatus extends Error {
  override readonly name = 'ExitStatus';
  constructor(readonly code: number) {
    super(`exit status ${code}`);
  }
}

/**
 * `mlops monitor check` found the data set drifted (it exits 0 when it did not): distinct from
 * 1 (the command failed) and 2 (usage or bad input), so a CI step can gate on it.
 */
export const EXIT_DRIFT_DETECTED = 3;
