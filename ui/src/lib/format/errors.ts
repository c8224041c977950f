// What a person can do about each kind of error the core reports, in the window's language.

import type { ApiError } from '../api/api';
import { t } from '../i18n/i18n.svelte';

export function errorHelp(error: ApiError): string {
  return t(`error.${error.code}`);
}
