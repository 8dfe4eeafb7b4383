/**
 * Sending admin pages: `page(request, reply, title, body)` renders `body` inside the layout with the
 * signed-in user and a CSRF token for its forms; `sendHtml` sends any rendered document. Pages are never
 * cached (they show live state and carry CSRF tokens).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ComponentChildren, VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { maybeAdminUser } from "./access.js";
import { Layout, type Chrome } from "./layout.js";

export function sendHtml(reply: FastifyReply, document: VNode, status = 200): FastifyReply {
  return reply
    .code(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .send(`<!doctype html>${renderToString(document)}`);
}

/** The CSRF token for this request's forms (its secret lives in the session). */
export const csrfToken = (reply: FastifyReply): string => reply.generateCsrf();

/**
 * The layout's view of the session: who is signed in (if anyone) and the CSRF token of the "Log out" form.
 * Without a signed-in user no token is made: making one stores a session, and a page answered to a
 * cross-site request (which arrives without the cookie, SameSite=Strict) would then replace the browser's
 * signed-in session cookie with an empty one.
 */
export function chromeOf(request: FastifyRequest, reply: FastifyReply): Chrome {
  const user = maybeAdminUser(request);
  return user ? { user: user.name, csrf: csrfToken(reply) } : { csrf: "" };
}

/** A whole admin page: `body` inside the layout. */
export function page(request: FastifyRequest, reply: FastifyReply, title: string, body: ComponentChildren, status = 200): FastifyReply {
  return sendHtml(
    reply,
    <Layout title={title} chrome={chromeOf(request, reply)}>
      {body}
    </Layout>,
    status,
  );
}
