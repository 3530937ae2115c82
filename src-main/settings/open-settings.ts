import { existsSync, readFileSync, renameSync } from 'node:fs';
import { StoredSettings, type SettingsDocument } from './settings-service';

export interface OpenedSettings {
  document: SettingsDocument;
  /** Where the unreadable file was moved, if it was. */
  setAsidePath: string | null;
}

/**
 * Opens the settings document. A file that is not valid JSON or not valid settings is never
 * silently wiped (recent electron-store versions throw on it; older ones cleared it): it is
 * renamed next to the original so nothing is lost, and the app starts with defaults and tells
 * the user. Any other error (permissions, disk) is not ours to paper over and propagates.
 *
 * @param file the path the store will use (to move it aside)
 * @param open creates the store (electron-store in the app, conf in tests)
 */
export function openSettings(file: string, open: () => SettingsDocument, now: () => number): OpenedSettings {
  // Judge the file itself first: the store coerces some invalid files (a bare `0`, an array)
  // into an empty document, and its next save would then overwrite them unseen.
  if (!fileIsValid(file)) return setAside(file, open, now);
  try {
    const document = open();
    if (StoredSettings.safeParse(document.store).success) return { document, setAsidePath: null };
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  return setAside(file, open, now);
}

/** No file is valid (first start); otherwise it must be a JSON object of valid settings. */
function fileIsValid(file: string): boolean {
  if (!existsSync(file)) return true;
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && StoredSettings.safeParse(parsed).success;
  } catch (error) {
    if (error instanceof SyntaxError) return false;
    throw error;
  }
}

function setAside(file: string, open: () => SettingsDocument, now: () => number): OpenedSettings {
  let setAsidePath: string | null = null;
  if (existsSync(file)) {
    setAsidePath = `${file}.corrupt-${now()}`;
    renameSync(file, setAsidePath);
  }
  return { document: open(), setAsidePath };
}
