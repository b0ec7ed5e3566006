import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

const siteDir = process.env.E2E_BUILD === '1' ? '.tmp/build-e2e' : 'build';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    // The e2e build (tests and benches reach the bridge in it) goes beside, never into build/.
    adapter: adapter({ pages: siteDir, assets: siteDir, fallback: undefined, strict: true }),
    // Relative asset paths let the built site work from any sub-path of any static host.
    paths: { relative: true, base: /** @type {'' | `/${string}`} */ (process.env.BASE_PATH ?? '') },
    serviceWorker: { register: false },
    csp: {
      mode: 'hash',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        'style-src': ['self', 'unsafe-inline'],
        'img-src': ['self', 'data:', 'blob:'],
        'worker-src': ['self', 'blob:'],
        'connect-src': ['self'],
        'font-src': ['self'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'form-action': ['none'],
      },
    },
  },
};

export default config;
