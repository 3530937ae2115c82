import type { Migration } from '../migrate';
import { migration001CallHistory } from './001-call-history';

/** Every schema change, in order. Append only: never edit a migration that has shipped. */
export const migrations: readonly Migration[] = [migration001CallHistory];
