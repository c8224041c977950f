// Every user-facing string of the Import screen, in one place so that a translation pass
// (English, Simplified Chinese) replaces this one module. Templates are functions of
// already formatted values; nothing here formats numbers or dates itself.

export const importText = {
  action: 'Import',
  title: 'Import an export',
  chooseTitle: 'Choose an export',
  intro:
    'Bring in a community’s history from an export file or folder. It is read on this computer and written to your local store; nothing is uploaded.',
  dropHere: 'Drop an export file or folder here',
  dropRelease: 'Release to choose it',
  or: 'or',
  chooseFile: 'Choose a file…',
  chooseFolder: 'Choose a folder…',
  pickerFileTitle: 'Choose an export file',
  pickerFolderTitle: 'Choose an export folder',
  pathLabel: 'Path of the export',
  pathPlaceholder: 'Paste a path, e.g. ~/Downloads/result.json',
  formatLabel: 'Format',
  formatAuto: 'Detect automatically',
  detecting: 'Detecting the format…',
  detected: (format: string) => `Detected: ${format}`,
  notDetected: 'Hearth could not tell the format:',
  formatsHint: 'Telegram Desktop JSON, Slack workspace export (.zip or folder), DiscordChatExporter JSON or CSV, WhatsApp chat (.txt or .zip), mbox mailing-list archive, git repository.',
  dateOrderLabel: 'How does this chat write dates?',
  dateOrderAsked: 'Every date in this chat reads the same both ways (like 3/4/21). Say which order the phone uses:',
  dayFirst: 'Day first (31/12/2021)',
  monthFirst: 'Month first (12/31/2021)',
  start: 'Import',
  multipleDropped: (count: number) => `${count} items were dropped; Hearth imports one file or folder at a time, so it took the first.`,
  running: 'Importing…',
  starting: 'Starting…',
  cancel: 'Cancel',
  cancelling: 'Cancelling…',
  items: (count: string) => `${count} items read`,
  timeLeft: (time: string) => `about ${time} left`,
  timeLeftUnknown: 'time left unknown',
  cancelledTitle: 'Import cancelled',
  cancelledBody: 'The import stopped before it finished. Nothing was written: the store is exactly as it was before.',
  failedTitle: 'The export could not be imported',
  tryAgain: 'Back to the import',
  doneTitle: 'Import finished',
  doneSubtitle: (format: string, path: string) => `${format} · ${path}`,
  groupsHeading: 'Imported groups',
  openDashboard: 'Open dashboard',
  importAnother: 'Import another',
  countsHeading: 'What was written',
  countLabels: {
    groups: 'Groups',
    channels: 'New channels',
    members: 'New members',
    messages: 'New messages',
    reactions: 'New reactions',
    joins: 'Joins',
    leaves: 'Leaves',
    duplicates: 'Already in the store',
    updated: 'Updated (edited later)',
  },
  skippedHeading: 'Skipped',
  skippedNone: 'Nothing was skipped.',
  reimportNote: 'Importing the same export again changes nothing: items already stored are counted, not duplicated.',
} as const;

/** Display names of the core's format ids. */
export const formatNames: Record<string, string> = {
  discord: 'Discord (DiscordChatExporter)',
  git: 'Git repository',
  mbox: 'Mailing list (mbox)',
  slack: 'Slack workspace export',
  telegram: 'Telegram Desktop',
  whatsapp: 'WhatsApp chat',
};

/** Amounts and rates of the progress line; values come formatted. */
export const progressText = {
  of: (done: string, total: string) => `${done} of ${total}`,
  files: (amount: string) => `${amount} files`,
  perSecond: (amount: string) => `${amount}/s`,
  filesPerSecond: (amount: string) => `${amount} files/s`,
  itemsPerSecond: (amount: string) => `${amount} items/s`,
} as const;
