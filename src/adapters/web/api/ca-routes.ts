/**
 * /api/v1/cas: list, view and edit CAs through the use cases the CLI calls (list_cas, view_ca, edit_ca),
 * answering the JSON of `list_cas`/`view_ca --output-format json` (core/views/ca-json.ts). The key's
 * location is a path on the key host and stays out of the API. Editing never touches the CA key.
 */
import type { FastifyInstance } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { formatSerial } from "../../../core/issuance/serial.js";
import { editCa } from "../../../core/usecases/edit-ca.js";
import { listCas } from "../../../core/usecases/list-cas.js";
import { viewCa } from "../../../core/usecases/view-ca.js";
import { caSummaryJson, caViewJson } from "../../../core/views/ca-json.js";
import type { UseCaseContext } from "../../../core/access/context.js";
import { contextOf } from "./auth.js";
import type { ApiDeps } from "./deps.js";
import { editRequestOf, refuseReadOnlyMembers } from "./ca-patch.js";
import { Ca, CaList, CaParams, CaPatch, COMMON_PROBLEMS, json, problems } from "./schemas.js";

/** view_ca's JSON without key_location. */
export async function caJson(ctx: UseCaseContext, deps: ApiDeps, identifier: string): Promise<Record<string, unknown>> {
  const view = await viewCa(ctx, { cas: deps.cas, clock: ctx.clock, describeKey: () => "" }, identifier);
  const { key_location: _hidden, ...rest } = caViewJson(view);
  return rest;
}

export async function caRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    "/cas",
    {
      schema: {
        operationId: "listCas",
        summary: "The CAs the token may view, ordered by expiry then name",
        tags: ["CAs"],
        response: { 200: json(CaList, "The CAs"), ...problems(...COMMON_PROBLEMS) },
      },
    },
    async (request) => {
      const { cas, revokedAncestors } = await listCas(contextOf(request), deps.cas);
      return {
        items: cas.map((ca) => {
          const above = revokedAncestors.get(ca.serial);
          return { ...caSummaryJson(ca), revoked_ancestor: above ? { serial: formatSerial(above.serial), name: above.name } : null };
        }),
      } as never;
    },
  );

  api.get(
    "/cas/:ca",
    {
      schema: {
        operationId: "getCa",
        summary: "One CA, as view_ca --output-format json shows it (without the key location)",
        tags: ["CAs"],
        params: CaParams,
        response: { 200: json(Ca, "The CA"), ...problems(...COMMON_PROBLEMS, 403, 404) },
      },
    },
    async (request) => (await caJson(contextOf(request), deps, request.params.ca)) as never,
  );

  api.patch(
    "/cas/:ca",
    {
      schema: {
        operationId: "editCa",
        summary: "Change what the CA's future certificates get and its metadata (edit_ca); never its certificate or key",
        tags: ["CAs"],
        params: CaParams,
        body: CaPatch,
        response: { 200: json(Ca, "The CA as changed"), ...problems(...COMMON_PROBLEMS, 403, 404, 409) },
      },
      preValidation: async (request) => refuseReadOnlyMembers(request.body),
    },
    async (request) => {
      const ctx = contextOf(request);
      const ca = await editCa(ctx, deps, editRequestOf(request.params.ca, request.body));
      return (await caJson(ctx, deps, ca.serial)) as never;
    },
  );
}
