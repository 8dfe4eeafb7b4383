/** The start page, /admin/: where login leads; the navigation is in the layout. */
import type { FastifyInstance } from "fastify";
import { adminUser } from "../access.js";
import { page } from "../render.js";

export async function homeRoutes(app: FastifyInstance): Promise<void> {
  app.get("/", async (request, reply) =>
    page(
      request,
      reply,
      "Certificate authority manager",
      <>
        <p>
          Signed in as <strong>{adminUser(request).name}</strong>.
        </p>
        <ul class="start">
          <li>
            <a href="/admin/cas">Certificate authorities</a>: the hierarchy, each CA's settings, CRLs and OCSP responder.
          </li>
          <li>
            <a href="/admin/certificates">Certificates</a>: search, revoke, renew, and issue from a CSR.
          </li>
        </ul>
      </>,
    ),
  );
}
