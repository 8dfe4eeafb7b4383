/**
 * The web part of `edit_ca`: a CA's signing settings as a form. Lists are textareas, one value per line, as
 * the CLI's repeatable options are. On a refused value the form comes back with the sentence and what the
 * user typed, so nothing has to be typed again.
 */
import { CsrfField } from "../layout.js";

/** The form's values as typed (or as stored, shown one per line). */
export interface CaEditValues {
  crlUrls: string;
  ocspUrls: string;
  issuerUrls: string;
  freshestCrlUrls: string;
  issuerAltNames: string;
  certificatePolicies: string;
  /** "" = none: the configured default profile. */
  defaultProfile: string;
  /** "" = none: the profile's or the setting's validity. */
  defaultExpiresDays: string;
  enabled: boolean;
}

/** Field names of the form, and the labels that name them (also in error sentences). */
export const CA_EDIT_FIELDS = {
  crlUrls: { name: "crl_urls", label: "CRL URLs", hint: "http://, https:// or ldap://; {SERIAL_HEX}-style templates are filled in" },
  ocspUrls: { name: "ocsp_urls", label: "OCSP URLs", hint: "http:// or https://" },
  issuerUrls: { name: "issuer_urls", label: "Issuer URLs", hint: "http:// or https://: where this CA's certificate is" },
  freshestCrlUrls: { name: "freshest_crl_urls", label: "Freshest CRL URLs", hint: "http://, https:// or ldap://: delta CRLs" },
  issuerAltNames: { name: "issuer_alternative_names", label: "Issuer alternative names", hint: "general names: URI:…, DNS:…, email:…" },
  certificatePolicies: {
    name: "certificate_policies",
    label: "Certificate policies",
    hint: "OID; cps:URL; notice:TEXT (qualifiers optional), used unless a request names its own",
  },
} as const;

/** The single-value fields (not lists). */
export const CA_EDIT_DEFAULTS = {
  defaultProfile: { name: "default_profile", label: "Default profile" },
  defaultExpiresDays: { name: "default_expires_days", label: "Default expiry (days)" },
} as const;

export type CaEditListField = keyof typeof CA_EDIT_FIELDS;

function ListField({ field, value }: { field: CaEditListField; value: string }) {
  const f = CA_EDIT_FIELDS[field];
  return (
    <div class="field">
      <label for={f.name}>{f.label}</label>
      <textarea id={f.name} name={f.name} rows={3} aria-describedby={`${f.name}-hint`} spellcheck={false}>
        {value}
      </textarea>
      <small id={`${f.name}-hint`}>One per line; {f.hint}.</small>
    </div>
  );
}

export function CaEditForm({
  serial,
  name,
  values,
  csrf,
  error,
  profiles,
}: {
  serial: string;
  name: string;
  values: CaEditValues;
  csrf: string;
  error?: string;
  /** The profile names to choose from. */
  profiles: string[];
}) {
  const p = CA_EDIT_DEFAULTS.defaultProfile;
  const x = CA_EDIT_DEFAULTS.defaultExpiresDays;
  // A stored profile no longer configured still shows (and stays) as chosen.
  const choices =
    profiles.includes(values.defaultProfile) || values.defaultProfile === "" ? profiles : [...profiles, values.defaultProfile];
  return (
    <>
      <p>
        What <a href={`/admin/cas/${serial}`}>{name}</a> puts into the certificates it signs from now on. Certificates already signed keep
        what they have.
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <form class="ca-edit" method="post" action={`/admin/cas/${serial}/edit`}>
        <CsrfField token={csrf} />
        <ListField field="crlUrls" value={values.crlUrls} />
        <ListField field="ocspUrls" value={values.ocspUrls} />
        <ListField field="issuerUrls" value={values.issuerUrls} />
        <ListField field="freshestCrlUrls" value={values.freshestCrlUrls} />
        <ListField field="issuerAltNames" value={values.issuerAltNames} />
        <ListField field="certificatePolicies" value={values.certificatePolicies} />
        <div class="field">
          <label for={p.name}>{p.label}</label>
          <select id={p.name} name={p.name} aria-describedby={`${p.name}-hint`}>
            <option value="" selected={values.defaultProfile === ""}>
              (the configured default profile)
            </option>
            {choices.map((c) => (
              <option value={c} selected={values.defaultProfile === c}>
                {c}
              </option>
            ))}
          </select>
          <small id={`${p.name}-hint`}>For requests that name no profile.</small>
        </div>
        <div class="field">
          <label for={x.name}>{x.label}</label>
          <input
            type="text"
            inputmode="numeric"
            id={x.name}
            name={x.name}
            value={values.defaultExpiresDays}
            aria-describedby={`${x.name}-hint`}
          />
          <small id={`${x.name}-hint`}>For requests that name no validity; empty: the profile's, else the configured default.</small>
        </div>
        <div class="field checkbox">
          <input type="checkbox" id="enabled" name="enabled" value="on" checked={values.enabled} />
          <label for="enabled">Enabled</label>
        </div>
        <div class="buttons">
          <button type="submit">Save</button>
          <a href={`/admin/cas/${serial}`}>Cancel</a>
        </div>
      </form>
    </>
  );
}
