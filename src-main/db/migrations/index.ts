import type { Migration } from '../migrate';
import { migration001CallHistory } from './001-call-history';
import { migration002Contacts } from './002-contacts';
import { migration003HistoryQueries } from './003-history-queries';
import { migration004ContactSearchOrder } from './004-contact-search-order';
import { migration005WebPhonebook } from './005-web-phonebook';
import { migration006HistoryOutbox } from './006-history-outbox';
import { migration007WebhookOutbox } from './007-webhook-outbox';

/** Every schema change, in order. Append only: never edit a migration that has shipped. */
export const migrations: readonly Migration[] = [migration001CallHistory, migration002Contacts, migration003HistoryQueries, migration004ContactSearchOrder, migration005WebPhonebook, migration006HistoryOutbox, migration007WebhookOutbox];
