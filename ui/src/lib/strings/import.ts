// Every user-facing string of the Import screen, by name, in the window's language: the
// texts live in ../i18n (en.ts, zh-CN.ts) under `import.*`; this module keeps the names the
// Import components use. Templates take already formatted values.

import { t } from '../i18n';

export const importText = {
  get action() {
    return t('import.action');
  },
  get title() {
    return t('import.title');
  },
  get intro() {
    return t('import.intro');
  },
  get chooseTitle() {
    return t('import.choose_title');
  },
  get dropHere() {
    return t('import.drop_here');
  },
  get dropRelease() {
    return t('import.drop_release');
  },
  get or() {
    return t('import.or');
  },
  get chooseFile() {
    return t('import.choose_file');
  },
  get chooseFolder() {
    return t('import.choose_folder');
  },
  get pickerFileTitle() {
    return t('import.picker_file_title');
  },
  get pickerFolderTitle() {
    return t('import.picker_folder_title');
  },
  get pathLabel() {
    return t('import.path_label');
  },
  get pathPlaceholder() {
    return t('import.path_placeholder');
  },
  get formatLabel() {
    return t('import.format_label');
  },
  get formatAuto() {
    return t('import.format_auto');
  },
  get detecting() {
    return t('import.detecting');
  },
  detected: (format: string) => t('import.detected', { format }),
  get notDetected() {
    return t('import.not_detected');
  },
  get formatsHint() {
    return t('import.formats_hint');
  },
  get dateOrderLabel() {
    return t('import.date_order_label');
  },
  get dateOrderAsked() {
    return t('import.date_order_asked');
  },
  get dayFirst() {
    return t('import.day_first');
  },
  get monthFirst() {
    return t('import.month_first');
  },
  get start() {
    return t('import.start');
  },
  multipleDropped: (count: number) => t('import.multiple_dropped', { count }),
  get running() {
    return t('import.running');
  },
  get starting() {
    return t('import.starting');
  },
  get cancel() {
    return t('import.cancel');
  },
  get cancelling() {
    return t('import.cancelling');
  },
  items: (count: string) => t('import.items', { count }),
  timeLeft: (time: string) => t('import.time_left', { time }),
  get timeLeftUnknown() {
    return t('import.time_left_unknown');
  },
  get cancelledTitle() {
    return t('import.cancelled_title');
  },
  get cancelledBody() {
    return t('import.cancelled_body');
  },
  get failedTitle() {
    return t('import.failed_title');
  },
  get tryAgain() {
    return t('import.try_again');
  },
  get doneTitle() {
    return t('import.done_title');
  },
  doneSubtitle: (format: string, path: string) => t('import.done_subtitle', { format, path }),
  get groupsHeading() {
    return t('import.groups_heading');
  },
  get openDashboard() {
    return t('import.open_dashboard');
  },
  get importAnother() {
    return t('import.import_another');
  },
  get countsHeading() {
    return t('import.counts_heading');
  },
  get skippedHeading() {
    return t('import.skipped_heading');
  },
  get skippedNone() {
    return t('import.skipped_none');
  },
  get reimportNote() {
    return t('import.reimport_note');
  },
  indexesBuilding: (done: number, total: number) => t('import.indexes_building', { done, total }),
  get indexesBuildingStarted() {
    return t('import.indexes_building_started');
  },
  get indexesBuildingHint() {
    return t('import.indexes_building_hint');
  },
  get indexesBuilt() {
    return t('import.indexes_built');
  },
  countLabels: {
    get groups() {
      return t('import.count_groups');
    },
    get channels() {
      return t('import.count_channels');
    },
    get members() {
      return t('import.count_members');
    },
    get messages() {
      return t('import.count_messages');
    },
    get reactions() {
      return t('import.count_reactions');
    },
    get joins() {
      return t('import.count_joins');
    },
    get leaves() {
      return t('import.count_leaves');
    },
    get duplicates() {
      return t('import.count_duplicates');
    },
    get updated() {
      return t('import.count_updated');
    },
  },
};

/** Display names of the core's format ids. */
export function formatName(format: string): string {
  switch (format) {
    case 'discord':
      return t('import.format_discord');
    case 'git':
      return t('import.format_git');
    case 'mbox':
      return t('import.format_mbox');
    case 'slack':
      return t('import.format_slack');
    case 'telegram':
      return t('import.format_telegram');
    case 'whatsapp':
      return t('import.format_whatsapp');
    case 'mixed':
      return t('import.format_mixed');
    default:
      return format;
  }
}

/** Amounts and rates of the progress line; values come formatted. */
export const progressText = {
  of: (done: string, total: string) => t('import.progress_of', { done, total }),
  files: (amount: string) => t('import.progress_files', { amount }),
  perSecond: (amount: string) => t('import.progress_per_second', { amount }),
  filesPerSecond: (amount: string) => t('import.progress_files_per_second', { amount }),
  itemsPerSecond: (amount: string) => t('import.progress_items_per_second', { amount }),
} as const;
