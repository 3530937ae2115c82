import type { TFunction } from 'i18next';
import type { WebPhonebookErrorView } from '../../../src-preload/contract';

/** The translated reason a web phonebook connection or sync failed. */
export function webErrorText(t: TFunction, error: WebPhonebookErrorView): string {
  if (error.code === 'tls' && error.certificateSubject) return t('web.error.tlsSubject', { subject: error.certificateSubject });
  if (error.code === 'server-error') return t('web.error.server-error', { status: error.status ?? '5xx' });
  return t(`web.error.${error.code}`);
}
