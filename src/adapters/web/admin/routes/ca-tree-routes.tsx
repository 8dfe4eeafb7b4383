/**
 * /admin/cas: the CA tree of `list_cas --tree` (core/usecases/list-cas.ts), only the CAs the user may view.
 * The demonstration page of the admin's foundation: a read through a use case with the user's context,
 * rendered inside the layout.
 */
import type { FastifyInstance } from "fastify";
import { listCas } from "../../../../core/usecases/list-cas.js";
import { adminContext } from "../access.js";
import type { AdminDeps } from "../deps.js";
import { CaTree } from "../pages/ca-tree-page.js";
import { page } from "../render.js";

export async function caTreeRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  app.get("/cas", async (request, reply) => {
    const ctx = adminContext(request);
    const { tree, revokedAncestors } = await listCas(ctx, deps.cas);
    return page(
      request,
      reply,
      "Certificate authorities",
      <CaTree tree={tree} revokedAncestors={revokedAncestors} now={ctx.clock.now()} />,
    );
  });
}
