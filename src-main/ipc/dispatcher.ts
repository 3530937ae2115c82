import {
  invokeContract,
  isInvokeChannel,
  type BridgeError,
  type BridgeResult,
  type InvokeChannel,
  type ParsedRequestOf,
  type ResponseOf,
} from '../../src-preload/contract';
import { ServiceError } from '../support/service-error';
import { originOf } from '../window/security-policy';

/** Who sent an invoke: the frame's URL and whether it is the top frame of its window. */
export interface SenderInfo {
  url: string;
  isMainFrame: boolean;
}

/** A channel whose response is `undefined` may be handled by a function returning nothing. */
type HandlerResult<T> = undefined extends T ? T | void : T;

export type InvokeHandlers = {
  [C in InvokeChannel]: (request: ParsedRequestOf<C>) => HandlerResult<ResponseOf<C>> | Promise<HandlerResult<ResponseOf<C>>>;
};

export interface DispatcherDeps {
  handlers: InvokeHandlers;
  /** The origin our own UI is served from ('app://tsunagu' in Electron; the test server's in e2e). */
  trustedOrigin: string;
  log: { error(message: string, error?: unknown): void; warn(message: string): void };
}

export type Dispatch = (channel: string, payload: unknown, sender: SenderInfo) => Promise<BridgeResult<unknown>>;

function failure(code: BridgeError['code'], message: string, issues?: BridgeError['issues']): BridgeResult<never> {
  return { ok: false, error: issues ? { code, message, issues } : { code, message } };
}

/**
 * The one gate every renderer call passes through, in Electron and in the e2e harness alike:
 * 1. the channel must be in the contract;
 * 2. the sender must be the main frame of our own page — an iframe or a page that navigated
 *    elsewhere (which we also forbid) must not be able to read settings or write history;
 * 3. the payload must parse against the channel's schema — never trust the renderer's types;
 * 4. expected failures come back as structured errors, bugs as 'internal' (logged, not leaked).
 */
export function createDispatcher(deps: DispatcherDeps): Dispatch {
  return async (channel, payload, sender) => {
    if (!isInvokeChannel(channel)) return failure('unknown-channel', 'unknown channel');
    if (!isTrustedSender(sender, deps.trustedOrigin)) {
      deps.log.warn(`refused ${channel} from a foreign sender`);
      return failure('forbidden-sender', 'sender not allowed');
    }
    const contract = invokeContract[channel];
    const parsed = contract.request.safeParse(payload);
    if (!parsed.success) {
      return failure(
        'invalid-payload',
        `invalid payload for ${channel}`,
        parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      );
    }
    try {
      const handler = deps.handlers[channel] as (request: unknown) => unknown;
      const value: unknown = await handler(parsed.data);
      return { ok: true, value: contract.response.parse(value) };
    } catch (error) {
      if (error instanceof ServiceError) return failure(error.code, error.message);
      deps.log.error(`handler for ${channel} failed`, error);
      return failure('internal', 'internal error');
    }
  };
}

export function isTrustedSender(sender: SenderInfo, trustedOrigin: string): boolean {
  return sender.isMainFrame && originOf(sender.url) === trustedOrigin;
}
