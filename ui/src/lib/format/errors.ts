// What the window says about each kind of error the core reports, in the window's language:
// a headline per ErrorCode, what to do, and the core's own detail (which the core writes in
// English; it names files, keys and numbers and is shown below, marked as English).

import type { ApiError } from '../api/api';
import { t } from '../i18n/i18n.svelte';

/** What went wrong, in a few words, in the window's language. */
export function errorHeadline(error: ApiError): string {
  return t(`error_headline.${error.code}`);
}

/** What a person can do about it. */
export function errorHelp(error: ApiError): string {
  return t(`error.${error.code}`);
}

/** One line for a status or a cell: the headline, what to do, then the core's detail. */
export function errorSummary(error: ApiError): string {
  return t('core.error_summary', { headline: errorHeadline(error), help: errorHelp(error), detail: error.message });
}
