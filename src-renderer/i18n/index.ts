import i18next, { type i18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json';
import ja from './ja.json';

export const SUPPORTED_LANGUAGES = ['ja', 'en'] as const;
export type UiLanguage = (typeof SUPPORTED_LANGUAGES)[number];

/** 'system' follows the OS locale: Japanese for ja-*, English for everything else. */
export function resolveLanguage(setting: 'system' | UiLanguage, systemLocale: string): UiLanguage {
  if (setting !== 'system') return setting;
  return systemLocale.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

export async function initI18n(language: UiLanguage): Promise<i18n> {
  await i18next.use(initReactI18next).init({
    resources: { ja: { translation: ja }, en: { translation: en } },
    lng: language,
    fallbackLng: 'ja',
    // React already escapes text it renders; escaping twice would show &amp; to the user.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  return i18next;
}
