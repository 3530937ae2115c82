// Shared by the page (UI text) and main (tray, notifications) so both always speak the same
// language. No imports: the renderer bundle must not pull in zod for this.
export type UiLanguage = 'ja' | 'en';

/** 'system' follows the OS locale: Japanese for ja-*, English for everything else. */
export function resolveUiLanguage(setting: 'system' | UiLanguage, systemLocale: string): UiLanguage {
  if (setting !== 'system') return setting;
  return systemLocale.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}
