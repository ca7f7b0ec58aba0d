/** Maps Node filesystem errors to the SDK's typed errors, with the file named. */
import { DovetailError, Invalid, NotFound, Unavailable } from '@dovetail/core/sdk';
import { errnoCode } from './versions.js';

/** A typed error for a failed filesystem operation on `file`; Dovetail errors pass through unchanged. */
export function toDovetailError(e: unknown, action: string, file: string): DovetailError {
  if (e instanceof DovetailError) return e;
  const code = errnoCode(e);
  const detail = e instanceof Error ? e.message : String(e);
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new NotFound(`${file} does not exist`, { cause: e });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new Invalid(`permission denied to ${action} ${file}: ${detail}`, { cause: e });
    case 'EISDIR':
      return new Invalid(`${file} is a folder, not an item file`, { cause: e });
    case 'ELOOP':
      return new Invalid(`${file} is a symbolic link (or a loop of them); refused`, { cause: e });
    case 'ENAMETOOLONG':
      return new Invalid(`file name too long: ${file}`, { cause: e });
    default:
      return new Unavailable(`could not ${action} ${file}: ${detail}`, { cause: e });
  }
}
