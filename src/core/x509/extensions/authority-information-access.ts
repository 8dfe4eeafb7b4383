/** Authority Information Access (RFC 5280 §4.2.2.1): OCSP responders and CA issuer certificates. */
import { children, decodeOid, parseDer } from "../der-reader.js";
import { oid, sequence } from "../der.js";
import { decodeGeneralNameTlv, encodeGeneralName, formatGeneralName, type GeneralName } from "../general-name.js";
import { OID } from "../oids.js";
import type { ExtensionCodec } from "./extension.js";

export interface AuthorityInformationAccess {
  ocsp: GeneralName[];
  caIssuers: GeneralName[];
}

export const authorityInformationAccess: ExtensionCodec<AuthorityInformationAccess> = {
  oid: OID.authorityInfoAccess,
  name: "Authority Information Access",
  defaultCritical: false,
  // OCSP entries first: the order by access method OID that other implementations use too.
  encode: (v) =>
    sequence(
      ...v.ocsp.map((g) => sequence(oid(OID.ocsp), encodeGeneralName(g))),
      ...v.caIssuers.map((g) => sequence(oid(OID.caIssuers), encodeGeneralName(g))),
    ),
  decode(der) {
    const out: AuthorityInformationAccess = { ocsp: [], caIssuers: [] };
    for (const ad of children(parseDer(der))) {
      const [method, location] = children(ad);
      const m = decodeOid(method!.value);
      if (m === OID.ocsp) out.ocsp.push(decodeGeneralNameTlv(location!));
      else if (m === OID.caIssuers) out.caIssuers.push(decodeGeneralNameTlv(location!));
    }
    return out;
  },
  describe: (v) => [
    ...(v.caIssuers.length ? ["CA Issuers:", ...v.caIssuers.map((g) => `  * ${formatGeneralName(g)}`)] : []),
    ...(v.ocsp.length ? ["OCSP:", ...v.ocsp.map((g) => `  * ${formatGeneralName(g)}`)] : []),
  ],
};
