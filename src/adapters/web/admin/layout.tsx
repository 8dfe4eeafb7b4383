/**
 * The frame of every admin page: the document, the local stylesheet, the main navigation ("Certificate
 * authorities", "Certificates") and the signed-in user with the "Log out" form. Pages are preact components
 * rendered to a string on the server (render.ts); preact escapes every text and attribute value, so data
 * from certificates and users cannot inject markup. No script at all: the Content-Security-Policy allows
 * none inline, and nothing here needs one.
 */
import type { ComponentChildren } from "preact";

/** The hidden field @fastify/csrf-protection reads on every form post (plugin.ts). */
export const CSRF_FIELD = "_csrf";

/** `<input type="hidden" name="_csrf">`: put one in every form that posts. */
export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={token} />;
}

/** What the layout shows of the session: the user's name and the CSRF token its forms carry. */
export interface Chrome {
  user?: string;
  csrf: string;
}

export function Layout({ title, chrome, children }: { title: string; chrome: Chrome; children?: ComponentChildren }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · tsca`}</title>
        <link rel="stylesheet" href="/admin/static/admin.css" />
        {/* No favicon: without this the browser asks for /favicon.ico, which is not ours to serve. */}
        <link rel="icon" href="data:," />
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/admin/">
            tsca
          </a>
          {chrome.user !== undefined && (
            <>
              <nav aria-label="Main">
                <ul>
                  <li>
                    <a href="/admin/cas">Certificate authorities</a>
                  </li>
                  <li>
                    <a href="/admin/certificates">Certificates</a>
                  </li>
                </ul>
              </nav>
              <form class="logout" method="post" action="/admin/logout">
                <span class="who">{chrome.user}</span>
                <CsrfField token={chrome.csrf} />
                <button type="submit">Log out</button>
              </form>
            </>
          )}
        </header>
        <main>
          <h1>{title}</h1>
          {children}
        </main>
      </body>
    </html>
  );
}
