/**
 * /admin/cas/:serial (a CA's page), its signing-settings form and the downloads it links to. `:serial` is
 * what the tree links with (the serial in hex), or anything `view_ca` takes (a unique prefix, the name).
 *
 *   GET  /cas/:serial                      view_ca without the key location, CRLs, OCSP responder
 *   GET  /cas/:serial/certificate.(pem|der) the CA certificate; chain.pem: it and its ancestors
 *   GET  /cas/:serial/crl/<slug>.(der|pem) the newest stored CRL of a scope (crl-slug.ts), as generate_crls
 *                                          stored it: nothing is signed here, and no key is needed
 *   GET  /cas/:serial/edit, POST           edit_ca's signing settings (core/usecases/edit-ca.ts)
 *
 * Every route asks the use case (or the same guard) for "view" first, so a CA the user may not see is a 403
 * page and an unknown one a 404 page. The form needs "edit": without it GET and POST are 403 before the body
 * is looked at, so a forged post learns nothing from validation.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { UseCaseContext } from "../../../../core/access/context.js";
import { authorize } from "../../../../core/access/permissions.js";
import type { CertificateAuthority } from "../../../../core/ca/certificate-authority.js";
import { findCa } from "../../../../core/ca/find-ca.js";
import { ancestry } from "../../../../core/ca/hierarchy.js";
import { TscaError, isTscaError } from "../../../../core/errors.js";
import { describeScope, reasonsKey } from "../../../../core/revocation/crl-scope.js";
import { MAX_DEFAULT_EXPIRES_DAYS, editCa } from "../../../../core/usecases/edit-ca.js";
import { formatSigningPolicy } from "../../../../core/ca/signing-policies.js";
import { printable } from "../../../../core/text/printable.js";
import { viewCa } from "../../../../core/usecases/view-ca.js";
import { toPem } from "../../../../core/x509/pem.js";
import { editRequestOf, type CaPatchBody } from "../../api/ca-patch.js";
import { httpStatusOf } from "../../problem.js";
import { adminContext, can } from "../access.js";
import { parseCrlSlug, crlSlug } from "../crl-slug.js";
import type { AdminDeps } from "../deps.js";
import { CA_EDIT_DEFAULTS, CA_EDIT_FIELDS, CaEditForm, type CaEditListField, type CaEditValues } from "../pages/ca-edit-page.js";
import { CaPage, bareName, type CrlRow } from "../pages/ca-page.js";
import { csrfToken, page } from "../render.js";

type Params = { Params: { serial: string } };
type FileParams = { Params: { serial: string; file: string } };

/** The CA named in the URL, once the user may view it (the same guard as view_ca's). */
async function viewableCa(ctx: UseCaseContext, deps: AdminDeps, identifier: string): Promise<CertificateAuthority> {
  const ca = await findCa(deps.cas, identifier);
  authorize(ctx, "view", ca.serial, ca.name);
  return ca;
}

/** The newest complete and delta CRL of each stored scope. */
async function crlRows(deps: AdminDeps, caSerial: string): Promise<CrlRow[]> {
  const seen = new Set<string>();
  const rows: CrlRow[] = [];
  for (const c of await deps.crls.list(caSerial)) {
    const key = `${c.scope.kind}|${reasonsKey(c.scope)}|${c.delta}`;
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push({
      slug: crlSlug(c),
      scope: describeScope(c.scope),
      delta: c.delta,
      number: c.number,
      thisUpdate: c.thisUpdate,
      nextUpdate: c.nextUpdate,
    });
  }
  // Full first, then user, then CA; complete before delta.
  const order = { full: 0, user: 1, CA: 2 } as Record<string, number>;
  return rows.sort(
    (a, b) => (order[a.scope] ?? 3) - (order[b.scope] ?? 3) || a.scope.localeCompare(b.scope) || Number(a.delta) - Number(b.delta),
  );
}

/** `name.ext` split at the last dot. */
function fileName(file: string): { base: string; ext: string } {
  const dot = file.lastIndexOf(".");
  return dot < 0 ? { base: file, ext: "" } : { base: file.slice(0, dot), ext: file.slice(dot + 1) };
}

function download(reply: FastifyReply, body: Buffer | string, type: string, name: string): FastifyReply {
  return reply
    .header("content-type", type)
    .header("content-disposition", `attachment; filename="${name}"`)
    .header("cache-control", "no-store")
    .send(body);
}

const notFound = (): TscaError => new TscaError("ERR_ROUTE_NOT_FOUND", "Nothing is served at this URL.");

/** The form's values as stored: one per line, URLs without their "URI:" prefix. */
function storedValues(ca: CertificateAuthority): CaEditValues {
  const urls = (names: string[]) => names.map(bareName).join("\n");
  return {
    crlUrls: urls(ca.signCrlUrls),
    ocspUrls: urls(ca.signOcspUrls),
    issuerUrls: urls(ca.signIssuerUrls),
    freshestCrlUrls: urls(ca.signFreshestCrlUrls),
    issuerAltNames: ca.signIssuerAltNames.join("\n"),
    certificatePolicies: (ca.signCertificatePolicies ?? []).map(formatSigningPolicy).join("\n"),
    defaultProfile: ca.defaultProfile ?? "",
    defaultExpiresDays: ca.defaultExpiresDays == null ? "" : String(ca.defaultExpiresDays),
    enabled: ca.enabled,
  };
}

/** The form's values as posted. */
function postedValues(body: unknown): CaEditValues {
  const form = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const text = (name: string): string => {
    const v = form[name];
    return typeof v === "string" ? v : Array.isArray(v) ? v.filter((x) => typeof x === "string").join("\n") : "";
  };
  return {
    crlUrls: text(CA_EDIT_FIELDS.crlUrls.name),
    ocspUrls: text(CA_EDIT_FIELDS.ocspUrls.name),
    issuerUrls: text(CA_EDIT_FIELDS.issuerUrls.name),
    freshestCrlUrls: text(CA_EDIT_FIELDS.freshestCrlUrls.name),
    issuerAltNames: text(CA_EDIT_FIELDS.issuerAltNames.name),
    certificatePolicies: text(CA_EDIT_FIELDS.certificatePolicies.name),
    defaultProfile: text(CA_EDIT_DEFAULTS.defaultProfile.name).trim(),
    defaultExpiresDays: text(CA_EDIT_DEFAULTS.defaultExpiresDays.name).trim(),
    enabled: form.enabled !== undefined,
  };
}

const lines = (text: string): string[] =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");

/** The labels of the form's fields, by the member of the API's body they fill (CaPatchBody). */
const LABEL_OF_MEMBER: Record<string, string> = {
  ...Object.fromEntries(
    (Object.keys(CA_EDIT_FIELDS) as CaEditListField[]).map((k) => [`sign.${CA_EDIT_FIELDS[k].name}`, CA_EDIT_FIELDS[k].label]),
  ),
  default_profile: CA_EDIT_DEFAULTS.defaultProfile.label,
  default_expires_days: CA_EDIT_DEFAULTS.defaultExpiresDays.label,
};

const formField = (member: string, index?: number): string =>
  `${LABEL_OF_MEMBER[member] ?? member}${index === undefined ? "" : `, line ${index + 1}`}`;

/**
 * The API's PATCH body for what the form changes (only fields that differ from what is stored, so the audit
 * log names what really changed); undefined when nothing changed.
 */
function patchOf(ca: CertificateAuthority, posted: CaEditValues): CaPatchBody | undefined {
  const stored = storedValues(ca);
  const sign: NonNullable<CaPatchBody["sign"]> = {};
  for (const k of Object.keys(CA_EDIT_FIELDS) as CaEditListField[]) {
    const now = lines(posted[k]);
    if (now.join("\n") !== lines(stored[k]).join("\n")) (sign as Record<string, string[]>)[CA_EDIT_FIELDS[k].name] = now;
  }
  const body: CaPatchBody = {};
  if (Object.keys(sign).length) body.sign = sign;
  if (posted.enabled !== ca.enabled) body.enabled = posted.enabled;
  if (posted.defaultProfile !== stored.defaultProfile) body.default_profile = posted.defaultProfile === "" ? null : posted.defaultProfile;
  if (posted.defaultExpiresDays !== stored.defaultExpiresDays) {
    const days = posted.defaultExpiresDays;
    // The API's schema takes an integer; the form has text, so it is checked here with the same bounds.
    if (days !== "" && !/^[1-9]\d{0,4}$/.test(days))
      throw new TscaError(
        "ERR_BAD_REQUEST",
        `${CA_EDIT_DEFAULTS.defaultExpiresDays.label}: ${printable(days)} is not a whole number of days from 1 to ${MAX_DEFAULT_EXPIRES_DAYS}.`,
      );
    body.default_expires_days = days === "" ? null : Number(days);
  }
  return Object.keys(body).length ? body : undefined;
}

export async function caPageRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  app.get<Params>("/cas/:serial", async (request, reply) => {
    const ctx = adminContext(request);
    const view = await viewCa(ctx, { cas: deps.cas, clock: ctx.clock, describeKey: () => "" }, request.params.serial);
    const serial = view.ca.serial;
    const [crls, responder] = await Promise.all([crlRows(deps, serial), deps.responders.get(serial)]);
    return page(
      request,
      reply,
      view.ca.name,
      <CaPage
        view={view}
        crls={crls}
        responder={responder}
        canEdit={can(request, "edit", serial)}
        canSign={can(request, "sign", serial)}
        now={ctx.clock.now()}
      />,
    );
  });

  app.get<FileParams>("/cas/:serial/:file", async (request, reply) => {
    const { base, ext } = fileName(request.params.file);
    if (!["pem", "der"].includes(ext) || !["certificate", "chain"].includes(base) || (base === "chain" && ext !== "pem")) throw notFound();
    const ca = await viewableCa(adminContext(request), deps, request.params.serial);
    if (base === "certificate")
      return ext === "der"
        ? download(reply, ca.der, "application/pkix-cert", `${ca.serial}.der`)
        : download(reply, toPem(ca.der, "CERTIFICATE"), "application/x-pem-file", `${ca.serial}.pem`);
    const all = new Map((await deps.cas.list()).map((c) => [c.serial, c]));
    const chain = ancestry(ca, (s) => all.get(s));
    return download(reply, chain.map((c) => toPem(c.der, "CERTIFICATE")).join(""), "application/x-pem-file", `${ca.serial}-chain.pem`);
  });

  app.get<FileParams>("/cas/:serial/crl/:file", async (request, reply) => {
    const { base, ext } = fileName(request.params.file);
    const ref = parseCrlSlug(base);
    if (!ref || !["pem", "der"].includes(ext)) throw notFound();
    const ca = await viewableCa(adminContext(request), deps, request.params.serial);
    const crl = await deps.crls.latest(ca.serial, ref.scope, ref.delta ? "delta" : "complete");
    if (!crl)
      throw new TscaError(
        "ERR_CRL_NOT_FOUND",
        `No ${ref.delta ? "delta " : ""}CRL of scope ${describeScope(ref.scope)} is stored for ${ca.name}.`,
      );
    const name = `${ca.serial}-${base}-${crl.number}.${ext}`;
    // RFC 2585 §4.2: application/pkix-crl for DER; PEM (RFC 7468 §5) as a text file.
    return ext === "der"
      ? download(reply, crl.der, "application/pkix-crl", name)
      : download(reply, toPem(crl.der, "X509 CRL"), "application/x-pem-file", name);
  });

  /** The CA of the form, once the user may edit it (403 otherwise, before anything posted is read). */
  const editableCa = async (request: FastifyRequest<Params>): Promise<CertificateAuthority> => {
    const ctx = adminContext(request);
    const ca = await viewableCa(ctx, deps, request.params.serial);
    authorize(ctx, "edit", ca.serial, ca.name);
    return ca;
  };

  const form = (
    request: FastifyRequest,
    reply: FastifyReply,
    ca: CertificateAuthority,
    values: CaEditValues,
    error?: string,
    status = 200,
  ) =>
    page(
      request,
      reply,
      `Edit ${ca.name}`,
      <CaEditForm
        serial={ca.serial}
        name={ca.name}
        values={values}
        csrf={csrfToken(reply)}
        profiles={deps.profiles.names()}
        {...(error ? { error } : {})}
      />,
      status,
    );

  app.get<Params>("/cas/:serial/edit", async (request, reply) => {
    const ca = await editableCa(request);
    return form(request, reply, ca, storedValues(ca));
  });

  app.post<Params>("/cas/:serial/edit", async (request, reply) => {
    const ca = await editableCa(request);
    const posted = postedValues(request.body);
    try {
      const body = patchOf(ca, posted);
      if (body) await editCa(adminContext(request), deps, editRequestOf(ca.serial, body, formField));
    } catch (e) {
      // A value the CLI and the API would refuse: the form again, with the sentence and what was typed.
      if (isTscaError(e) && httpStatusOf(e.kind) === 400) return form(request, reply, ca, posted, e.message, 400);
      throw e;
    }
    return reply.code(303).header("location", `/admin/cas/${ca.serial}`).send();
  });
}
