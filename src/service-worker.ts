/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
import { build, files, prerendered, version } from '$service-worker';

const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE = `ovmf-gop-${version}`;

/**
 * SvelteKit's `build` list leaves out Web Worker bundles, so the build writes precache.json
 * (every file of the output) and we cache that list too: offline, the page and its worker load.
 */
async function precacheList(): Promise<string[]> {
  // SvelteKit's lists already hold absolute paths under the served base path.
  const urls = [...build, ...files, ...prerendered].map((p) => new URL(p, sw.location.href).href);
  try {
    const scope = sw.registration.scope;
    const res = await fetch(new URL('precache.json', scope), { cache: 'no-store' });
    if (res.ok) for (const p of (await res.json()) as string[]) urls.push(new URL(p, scope).href);
  } catch {
    // Offline during install: the SvelteKit lists alone still make the page load.
  }
  return [...new Set(urls)];
}

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(await precacheList());
      await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== sw.location.origin) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const hit = await cache.match(req, { ignoreSearch: true });
      if (hit) return hit;
      try {
        return await fetch(req);
      } catch (e) {
        // Navigations to a cached page under another spelling (e.g. without index.html).
        if (req.mode === 'navigate') {
          const page = await cache.match(new URL('./', sw.registration.scope).href);
          if (page) return page;
        }
        throw e;
      }
    })(),
  );
});
