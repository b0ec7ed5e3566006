// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
  namespace App {}
  /** True only in the e2e build (E2E_BUILD=1), which offers the bridge to tests. */
  const __E2E_BUILD__: boolean;
}

export {};
