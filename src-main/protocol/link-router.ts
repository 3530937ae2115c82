import type { SendEvent } from '../ipc/events';
import type { Logger } from '../support/log';
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
export function createLinkRouter(deps: LinkRouterDeps) {
  let ready = false;
  let pending: string | null = null;

  function deliver(target: string): void {
    deps.showWindow();
    deps.send('tsunagu:event:dial-request', { target, dialImmediately: deps.dialImmediately() });
  }

  return {
    /** A link from open-url (macOS) or from anywhere already isolated. Returns whether it was accepted. */
    handleLink(raw: string): boolean {
      const parsed = parseCallLink(raw);
      if (!parsed.ok) {
        // The reason is ours and safe to log; the link text itself may carry personal data.
        deps.log.warn(`refused a call link: ${parsed.reason}`);
        return false;
      }
      if (ready) deliver(parsed.target);
      else pending = parsed.target;
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
        const target = pending;
        pending = null;
        deliver(target);
      }
    },

    /** The page is gone or reloading: queue again until it says it is ready. */
    rendererGone(): void {
      ready = false;
    },
  };
}
