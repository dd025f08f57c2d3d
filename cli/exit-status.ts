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
