import type { SendEvent } from '../ipc/events';
import type { Logger } from '../support/log';
import type { ProvisioningEntry } from '../../src-preload/contract';
import { isProvisioningLink } from '../provisioning';
import { provisioningLinkEntry } from '../settings/provisioning-import';
import { isCallLink, parseCallLink } from './link-parser';

export interface LinkRouterDeps {
  send: SendEvent;
  /** Whether a link should dial at once (settings) rather than only fill the keypad. */
  dialImmediately(): boolean;
  /** Brings the phone window to the front, as the NTT Smart PBX app does for a clicked number. */
  showWindow(): void;
  log: Logger;
}

/**
 * Finds the one call link in a command line. A launch for a clicked link carries exactly one
 * argument of our schemes after `--` (the installer registers `Tsunagu.exe -- "%1"` so that a
 * crafted link cannot smuggle in Chromium switches, CVE-2018-1000006). Chromium may still add
 * switches of its own around it, so we look at every argument, but accept only when exactly
 * one is a call link: two links, or none, means this is not a link launch we understand.
 */
export function findCallLinkInArgv(argv: readonly string[]): string | null {
  const links = argv.filter((arg) => !arg.startsWith('-') && isCallLink(arg));
  return links.length === 1 ? links[0]! : null;
}

export type LinkRouter = ReturnType<typeof createLinkRouter>;

/**
 * Routes clicked links to the phone. Links that arrive before the page is listening (cold start
 * with a link, page reloading after a settings change) wait here; only the latest is kept, since
 * a user who clicked two numbers while the app was starting wants the last one, and dialling
 * both would be wrong.
 */
type Pending = { kind: 'dial'; target: string } | { kind: 'provision'; entry: ProvisioningEntry };

export function createLinkRouter(deps: LinkRouterDeps) {
  let ready = false;
  let pending: Pending | null = null;

  function deliver(link: Pending): void {
    deps.showWindow();
    if (link.kind === 'dial') deps.send('tsunagu:event:dial-request', { target: link.target, dialImmediately: deps.dialImmediately() });
    // A provisioning link only fills the account form: the page asks before anything is saved,
    // because whoever wrote the link chose the server the phone would register with.
    else deps.send('tsunagu:event:provision-request', link.entry);
  }

  function accept(link: Pending): void {
    if (ready) deliver(link);
    else pending = link;
  }

  return {
    /** A link from open-url (macOS) or from anywhere already isolated. Returns whether it was accepted. */
    handleLink(raw: string): boolean {
      if (isProvisioningLink(raw)) {
        const entry = provisioningLinkEntry(raw);
        if (!entry.ok) {
          // The reason is ours and safe to log; the link may carry a password.
          deps.log.warn(`refused a provisioning link: ${entry.reason}`);
          return false;
        }
        accept({ kind: 'provision', entry });
        return true;
      }
      const parsed = parseCallLink(raw);
      if (!parsed.ok) {
        // The reason is ours and safe to log; the link text itself may carry personal data.
        deps.log.warn(`refused a call link: ${parsed.reason}`);
        return false;
      }
      accept({ kind: 'dial', target: parsed.target });
      return true;
    },

    /** A command line: cold start (process.argv) or a second instance's argv. */
    handleArgv(argv: readonly string[]): boolean {
      const link = findCallLinkInArgv(argv);
      return link !== null && this.handleLink(link);
    },

    rendererReady(): void {
      ready = true;
      if (pending !== null) {
        const link = pending;
        pending = null;
        deliver(link);
      }
    },

    /** The page is gone or reloading: queue again until it says it is ready. */
    rendererGone(): void {
      ready = false;
    },
  };
}
