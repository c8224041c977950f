// What a person can do about each kind of error the core reports.

import type { ApiError, ErrorCode } from '../api/api';

const HELP: Record<ErrorCode, string> = {
  not_found: 'It may have been removed from the store. Pick another group from the list.',
  invalid_input: 'The request was not understood. Try again; if it keeps happening, report it with the message above.',
  bad_archive: 'Check the export named above, or export it again from the platform and import the new file.',
  store_too_new: 'This store was written by a newer Hearth. Update Hearth, or start it with another store: hearth-desktop --db PATH (or set HEARTH_DB).',
  needs_date_order: 'Say whether the chat writes the day or the month first, and import again.',
  cancelled: 'Nothing was written: the store is exactly as it was before. Import again whenever you like.',
  store: 'Check that the store’s folder exists and is writable and that the disk is not full, or start Hearth with another store: hearth-desktop --db PATH (or set HEARTH_DB).',
};

export function errorHelp(error: ApiError): string {
  return HELP[error.code];
}
