/**
 * /admin/issue (a certificate from a CSR, through the signing queue) and /admin/requests/:id (its state).
 *
 * The admin holds no CA key (DESIGN "Who signs, where"): "Issue" records a signing request through the same
 * use case as the REST API's POST /cas/{ca}/sign (submitSigningRequest: CSR, names, profile and permission
 * checked at once, audited as web:USER) and sends the browser to the request's page (303, RFC 9110
 * §15.4.4), where `tsca worker` on the key host (or `serve --worker` here) turns it into a certificate.
 * "Read CSR" (POST /admin/issue/prefill) parses the CSR as the worker will (readCsr: proof of possession
 * included) and fills the form with its subject and requested names. Both posts take the form as
 * multipart/form-data, so the "CSR file" upload needs no script; only the routes of this module's inner
 * scope accept that type.
 *
 * A refusal the user can fix (a bad CSR, name, profile, validity; an unknown CA) re-renders the form with
 * the sentence and everything typed, with the error's status; a missing permission is the admin's 403 page.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { CertificateAuthority } from "../../../../core/ca/certificate-authority.js";
import { TscaError } from "../../../../core/errors.js";
import { listCas } from "../../../../core/usecases/list-cas.js";
import { requestStatus } from "../../../../core/usecases/request-status.js";
import { readCsr } from "../../../../core/usecases/sign-cert.js";
import { submitSigningRequest } from "../../../../core/usecases/submit-signing-request.js";
import { parseCsr } from "../../../../core/x509/csr.js";
import { formatGeneralName } from "../../../../core/x509/general-name.js";
import { formatName } from "../../../../core/x509/name.js";
import { toPem } from "../../../../core/x509/pem.js";
import { requestError } from "../../api/signing-request-json.js";
import { csrDerFromPem } from "../../csr-pem.js";
import { httpStatusOf, toTscaError } from "../../problem.js";
import { adminContext, can } from "../access.js";
import type { AdminDeps } from "../deps.js";
import { acceptFormData, isUploadedFile } from "../form-data.js";
import { caTreeStatus } from "../ca-tree-status.js";
import { EMPTY_ISSUE_FORM, IssueForm, type IssueFormValues } from "../pages/issue-page.js";
import { RequestStatus } from "../pages/request-page.js";
import { csrfToken, page } from "../render.js";

/** Seconds between reloads of a pending request's page (the Refresh header; the CSP allows no script). */
const PENDING_REFRESH_SECONDS = 2;

/** The same bound as the REST API's `expires` (schemas.ts SignBody). */
const MAX_VALIDITY_DAYS = 36_500;

const text = (v: unknown): string => (typeof v === "string" ? v : "");

/** A serial as the CA page links it (`?ca=`), or as typed: hex without colons, upper case. */
const plainSerial = (s: string): string => s.replace(/:/g, "").toUpperCase();

/**
 * The CAs offered: those the user may view and sign with that can sign now (valid, enabled, nothing above
 * them revoked). submitSigningRequest checks the permission again; the worker checks the rest.
 */
async function signableCas(request: FastifyRequest, deps: AdminDeps): Promise<CertificateAuthority[]> {
  const ctx = adminContext(request);
  const { cas, revokedAncestors } = await listCas(ctx, deps.cas);
  const now = ctx.clock.now();
  return cas.filter((ca) => can(request, "sign", ca.serial) && caTreeStatus(ca, revokedAncestors.get(ca.serial), now) === "valid");
}

/** The form's values from a post; an uploaded CSR file replaces the pasted text (DER is shown as PEM). */
function valuesOf(body: unknown): IssueFormValues {
  const b = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  const file = b.csrFile;
  let csr = text(b.csr);
  if (isUploadedFile(file) && file.data.length > 0) {
    const latin1 = file.data.toString("latin1");
    csr = latin1.includes("-----BEGIN") ? latin1 : toPem(file.data, "CERTIFICATE REQUEST");
  }
  return { csr, ca: text(b.ca), profile: text(b.profile), subject: text(b.subject), sans: text(b.sans), expires: text(b.expires) };
}

function validityDays(input: string): number | undefined {
  const s = input.trim();
  if (s === "") return undefined;
  const days = /^\d{1,6}$/.test(s) ? Number(s) : NaN;
  if (!(days >= 1 && days <= MAX_VALIDITY_DAYS))
    throw new TscaError("ERR_INVALID_ARGUMENT", `${s}: Validity (days) must be a whole number from 1 to ${MAX_VALIDITY_DAYS}.`);
  return days;
}

const linesOf = (s: string): string[] =>
  s
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");

export async function issueRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const issuePage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    values: IssueFormValues,
    opts: { error?: string; status?: number; read?: { keyType: string } } = {},
  ): Promise<FastifyReply> =>
    page(
      request,
      reply,
      "Issue a certificate",
      <IssueForm
        csrf={csrfToken(reply)}
        values={values}
        cas={await signableCas(request, deps)}
        profiles={deps.profiles.names()}
        defaultProfile={deps.profiles.defaultName}
        {...(opts.error !== undefined ? { error: opts.error } : {})}
        {...(opts.read ? { read: opts.read } : {})}
      />,
      opts.status,
    );

  /** A refusal the user can fix goes back to the form; not signed in, forbidden or a bug: the error page. */
  const refused = (request: FastifyRequest, reply: FastifyReply, values: IssueFormValues, err: unknown): Promise<FastifyReply> => {
    const e = toTscaError(err);
    const status = httpStatusOf(e.kind);
    if (status === 401 || status === 403 || status >= 500) throw e;
    return issuePage(request, reply, values, { error: e.message, status });
  };

  app.get<{ Querystring: { ca?: unknown } }>("/issue", async (request, reply) =>
    issuePage(request, reply, { ...EMPTY_ISSUE_FORM, ca: plainSerial(text(request.query.ca)) }),
  );

  await app.register(async (scope) => {
    acceptFormData(scope);

    scope.post("/issue/prefill", async (request, reply) => {
      const values = valuesOf(request.body);
      try {
        const { csr, keyType, requestedSans } = readCsr(csrDerFromPem(values.csr, "CSR"));
        const sans = requestedSans.map(formatGeneralName).join("\n");
        return await issuePage(
          request,
          reply,
          { ...values, subject: formatName(csr.subject), sans: sans || values.sans },
          { read: { keyType } },
        );
      } catch (e) {
        return refused(request, reply, values, e);
      }
    });

    scope.post("/issue", async (request, reply) => {
      const values = valuesOf(request.body);
      try {
        const csr = csrDerFromPem(values.csr, "CSR");
        if (values.ca.trim() === "") throw new TscaError("ERR_INVALID_ARGUMENT", "Choose a certificate authority.");
        // The subject as "Read CSR" filled it in is the CSR's own: then none is given, and the worker
        // keeps the CSR's encoding of it (a re-parsed string could change string types).
        const subject = values.subject.trim();
        const ownSubject = subject === "" || subject === formatName(parseCsr(csr).subject);
        const expiresDays = validityDays(values.expires);
        const { id } = await submitSigningRequest(adminContext(request), deps, {
          ca: values.ca.trim(),
          csr,
          parameters: {
            ...(ownSubject ? {} : { subject }),
            sans: linesOf(values.sans),
            ...(values.profile !== "" ? { profile: values.profile } : {}),
            ...(expiresDays !== undefined ? { expiresDays } : {}),
            watchers: [],
          },
        });
        deps.submitted?.();
        return reply.code(303).header("location", `/admin/requests/${id}`).send();
      } catch (e) {
        return refused(request, reply, values, e);
      }
    });
  });

  // Registered before /requests/:id: the router matches the static ".pem" suffix first.
  app.get<{ Params: { id: string } }>("/requests/:id.pem", async (request, reply) => {
    const req = await requestStatus(adminContext(request), deps, request.params.id);
    const cert = req.status === "issued" && req.certificateSerial ? await deps.certs.get(req.certificateSerial) : undefined;
    if (!cert) throw new TscaError("ERR_REQUEST_NOT_FOUND", `${req.id}: The signing request has no certificate (it is ${req.status}).`);
    return reply
      .header("content-type", "application/pem-certificate-chain")
      .header("content-disposition", `attachment; filename="${cert.serial}.pem"`)
      .header("cache-control", "no-store")
      .send(toPem(cert.der, "CERTIFICATE"));
  });

  app.get<{ Params: { id: string } }>("/requests/:id", async (request, reply) => {
    const req = await requestStatus(adminContext(request), deps, request.params.id);
    const ca = await deps.cas.get(req.caSerial);
    if (req.status === "pending") reply.header("refresh", String(PENDING_REFRESH_SECONDS));
    const failure = req.status === "failed" ? requestError(req) : undefined;
    return page(
      request,
      reply,
      "Signing request",
      <RequestStatus
        req={req}
        caName={ca?.name ?? req.caSerial}
        {...(failure ? { failure: { code: failure.code, message: failure.message } } : {})}
      />,
    );
  });
}
