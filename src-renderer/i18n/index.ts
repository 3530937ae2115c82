import i18next, { type i18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json';
import ja from './ja.json';

import { resolveUiLanguage, type UiLanguage } from '../../src-preload/language';

export { resolveUiLanguage as resolveLanguage };

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
