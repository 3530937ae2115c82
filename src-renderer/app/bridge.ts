import type { TsunaguApi } from '../../src-preload/api';

declare global {
  interface Window {
    /** Put there by the preload (or the e2e harness); the page's only way to reach main. */
    readonly tsunagu: TsunaguApi;
  }
}

export function getBridge(): TsunaguApi {
  return window.tsunagu;
}
