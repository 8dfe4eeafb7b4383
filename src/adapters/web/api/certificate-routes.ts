/**
 * /api/v1/certificates: list with filters and cursor pagination, view (JSON like `view_cert --output-format
 * json`, or the PEM chain with `Accept: application/pem-certificate-chain`, RFC 8555 §9.1), revoke and
 * release — the use cases of list_certs, view_cert, revoke_cert and unrevoke_cert. `{serial}` is hex with or
 * without colons, any case, or a unique prefix, as on the command line.
 */
import type { FastifyInstance } from "fastify";
import { Type, type TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { TscaError } from "../../../core/errors.js";
import { describeCertificate, viewCert } from "../../../core/usecases/view-cert.js";
import { revokeCert, unrevokeCert } from "../../../core/usecases/revoke-cert.js";
import { certSummaryJson, certViewJson } from "../../../core/views/cert-json.js";
import type { IssuedCertificate } from "../../../core/certificates/certificate.js";
import type { UseCaseContext } from "../../../core/access/context.js";
import { toPem } from "../../../core/x509/pem.js";
import { contextOf } from "./auth.js";
import type { ApiDeps } from "./deps.js";
import { Certificate, CertificatePage, CertificateQuery, COMMON_PROBLEMS, json, problems, RevokeBody, SerialParams } from "./schemas.js";

/** RFC 8555 §9.1: the certificate first, then each CA certificate that certifies the one before it. */
export const PEM_CHAIN = "application/pem-certificate-chain";

/** Whether the client asked for the PEM chain rather than JSON (a plain match: no q-values needed here). */
const wantsPem = (accept: string | undefined): boolean => accept !== undefined && accept.toLowerCase().includes(PEM_CHAIN);

async function certificateJson(ctx: UseCaseContext, deps: ApiDeps, cert: IssuedCertificate): Promise<Record<string, unknown>> {
  const now = ctx.clock.now();
  return certViewJson(await describeCertificate(deps.cas, cert, now), now);
}

function expiresBefore(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  // date-time (RFC 3339 §5.6) with its zone; Date alone would also take "2026" or a local time.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(value) || Number.isNaN(d.getTime()))
    throw new TscaError(
      "ERR_BAD_REQUEST",
      "querystring.expires_before: must be a date-time with a time zone (RFC 3339), e.g. 2027-01-01T00:00:00Z.",
      {
        fields: { field: "querystring.expires_before" },
      },
    );
  return d;
}

export async function certificateRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    "/certificates",
    {
      schema: {
        operationId: "listCertificates",
        summary: "Certificates the token may view, filtered, one page at a time (pass next_cursor as cursor)",
        tags: ["Certificates"],
        querystring: CertificateQuery,
        response: { 200: json(CertificatePage, "One page"), ...problems(...COMMON_PROBLEMS, 403, 404) },
      },
    },
    async (request) => {
      const ctx = contextOf(request);
      const q = request.query;
      const before = expiresBefore(q.expires_before);
      const page = await deps.listCertificates(ctx, {
        ...(q.ca !== undefined ? { ca: q.ca } : {}),
        ...(q.status !== undefined ? { status: q.status } : {}),
        ...(q.profile !== undefined ? { profile: q.profile } : {}),
        ...(before ? { expiresBefore: before } : {}),
        ...(q.q !== undefined ? { q: q.q } : {}),
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
        limit: q.limit ?? 50,
      });
      const now = ctx.clock.now();
      return { items: page.items.map((c) => certSummaryJson(c, now)), next_cursor: page.nextCursor } as never;
    },
  );

  api.get(
    "/certificates/:serial",
    {
      schema: {
        operationId: "getCertificate",
        summary:
          "One certificate as view_cert --output-format json shows it, or with Accept: application/pem-certificate-chain its PEM chain",
        tags: ["Certificates"],
        params: SerialParams,
        response: {
          200: {
            description: "The certificate",
            content: {
              "application/json": { schema: Certificate },
              [PEM_CHAIN]: { schema: Type.String({ description: "The certificate, then its CA chain up to the root (PEM)" }) },
            },
          },
          ...problems(...COMMON_PROBLEMS, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const ctx = contextOf(request);
      const view = await viewCert(ctx, deps, request.params.serial);
      if (wantsPem(request.headers.accept))
        return reply.type(PEM_CHAIN).send(view.chain.map((der) => toPem(der, "CERTIFICATE")).join("") as never);
      return reply.type("application/json").send(certViewJson(view, ctx.clock.now()) as never);
    },
  );

  api.post(
    "/certificates/:serial/revoke",
    {
      schema: {
        operationId: "revokeCertificate",
        summary: "Revoke (revoke_cert): reason as revoke_cert --reason spells it, compromised as ISO 8601 with a zone",
        tags: ["Certificates"],
        params: SerialParams,
        body: RevokeBody,
        response: { 200: json(Certificate, "The certificate, revoked"), ...problems(...COMMON_PROBLEMS, 403, 404, 409) },
      },
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
    },
    async (request) => {
      const ctx = contextOf(request);
      const b = request.body;
      const cert = await revokeCert(ctx, deps, {
        cert: request.params.serial,
        reason: b.reason ?? "unspecified",
        ...(b.compromised !== undefined ? { compromised: b.compromised } : {}),
      });
      return (await certificateJson(ctx, deps, cert)) as never;
    },
  );

  api.post(
    "/certificates/:serial/unrevoke",
    {
      schema: {
        operationId: "unrevokeCertificate",
        summary: "Release a certificate on hold (unrevoke_cert; only reason certificate_hold)",
        tags: ["Certificates"],
        params: SerialParams,
        response: { 200: json(Certificate, "The certificate, valid again"), ...problems(...COMMON_PROBLEMS, 403, 404, 409) },
      },
    },
    async (request) => {
      const ctx = contextOf(request);
      return (await certificateJson(ctx, deps, await unrevokeCert(ctx, deps, request.params.serial))) as never;
    },
  );
}
