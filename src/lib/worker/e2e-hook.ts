import * as bridge from './bridge';

/**
 * Hands the page's own bridge to the end-to-end tests and benches, as `globalThis.ovmfGop`.
 * Only the e2e build has it (`npm run build:e2e`, into .tmp/build-e2e): `__E2E_BUILD__` is a
 * build-time constant (vite.config.ts), false in the production build, where the branch and the
 * name are compiled out — tests/browser/bridge.test.ts checks build/ for it.
 */
export function offerBridgeToTests(): void {
  if (__E2E_BUILD__) (globalThis as unknown as { ovmfGop: typeof bridge }).ovmfGop = bridge;
}
