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
  enabled: boolean;
}

/** Field names of the form, and the labels that name them (also in error sentences). */
export const CA_EDIT_FIELDS = {
  crlUrls: { name: "crl_urls", label: "CRL URLs", hint: "http://, https:// or ldap://; {SERIAL_HEX}-style templates are filled in" },
  ocspUrls: { name: "ocsp_urls", label: "OCSP URLs", hint: "http:// or https://" },
  issuerUrls: { name: "issuer_urls", label: "Issuer URLs", hint: "http:// or https://: where this CA's certificate is" },
  freshestCrlUrls: { name: "freshest_crl_urls", label: "Freshest CRL URLs", hint: "http://, https:// or ldap://: delta CRLs" },
  issuerAltNames: { name: "issuer_alternative_names", label: "Issuer alternative names", hint: "general names: URI:…, DNS:…, email:…" },
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
}: {
  serial: string;
  name: string;
  values: CaEditValues;
  csrf: string;
  error?: string;
}) {
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
