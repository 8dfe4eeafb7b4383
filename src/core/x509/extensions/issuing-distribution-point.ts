/**
 * Issuing Distribution Point (RFC 5280 §5.2.5), a critical CRL extension naming the scope of a CRL: only
 * end-entity certificates, only CA certificates, only some revocation reasons. All fields are IMPLICIT
 * tagged (the module uses IMPLICIT TAGS); booleans with DEFAULT FALSE are written only when true (X.690
 * §11.5). The DER of an IDP must never be an empty SEQUENCE (§5.2.5), so callers omit the extension for
 * an unscoped CRL.
 */
import { children, decodeBitPositions, decodeBoolean, parseDer } from "../der-reader.js";
import { boolean, implicitConstructed, namedBitString, retag, sequence } from "../der.js";
import { decodeGeneralNameTlv, encodeGeneralName, formatGeneralName, type GeneralName } from "../general-name.js";
import { OID } from "../oids.js";
import type { ExtensionCodec } from "./extension.js";

/** ReasonFlags bit names in bit order (RFC 5280 §4.2.1.13); note these positions are not CRLReason codes. */
export const REASON_FLAG_BITS = [
  "unused",
  "keyCompromise",
  "cACompromise",
  "affiliationChanged",
  "superseded",
  "cessationOfOperation",
  "certificateHold",
  "privilegeWithdrawn",
  "aACompromise",
] as const;

export interface IssuingDistributionPoint {
  /** distributionPoint fullName; empty when absent. */
  fullName: GeneralName[];
  onlyContainsUserCerts: boolean;
  onlyContainsCaCerts: boolean;
  /** ReasonFlags bit positions (1 = keyCompromise … 8 = aACompromise); undefined = all reasons. */
  onlySomeReasons?: number[];
  indirectCrl: boolean;
  onlyContainsAttributeCerts: boolean;
}

/** [n] IMPLICIT BOOLEAN TRUE. */
const flag = (n: number): Buffer => retag(boolean(true), 0x80 | n);

export const issuingDistributionPoint: ExtensionCodec<IssuingDistributionPoint> = {
  oid: OID.issuingDistributionPoint,
  name: "Issuing Distribution Point",
  defaultCritical: true,
  encode: (v) => {
    const parts: Buffer[] = [];
    // distributionPoint [0] DistributionPointName, whose fullName is [0] IMPLICIT GeneralNames.
    if (v.fullName.length) parts.push(implicitConstructed(0, implicitConstructed(0, ...v.fullName.map(encodeGeneralName))));
    if (v.onlyContainsUserCerts) parts.push(flag(1));
    if (v.onlyContainsCaCerts) parts.push(flag(2));
    if (v.onlySomeReasons) parts.push(retag(namedBitString(v.onlySomeReasons), 0x83));
    if (v.indirectCrl) parts.push(flag(4));
    if (v.onlyContainsAttributeCerts) parts.push(flag(5));
    return sequence(...parts);
  },
  decode: (der) => {
    const out: IssuingDistributionPoint = {
      fullName: [],
      onlyContainsUserCerts: false,
      onlyContainsCaCerts: false,
      indirectCrl: false,
      onlyContainsAttributeCerts: false,
    };
    for (const c of children(parseDer(der))) {
      if (c.tag === 0xa0) {
        const full = children(c).find((x) => x.tag === 0xa0);
        if (full) out.fullName = children(full).map(decodeGeneralNameTlv);
      } else if (c.tag === 0x81) out.onlyContainsUserCerts = decodeBoolean(c.value);
      else if (c.tag === 0x82) out.onlyContainsCaCerts = decodeBoolean(c.value);
      else if (c.tag === 0x83) out.onlySomeReasons = decodeBitPositions(c.value);
      else if (c.tag === 0x84) out.indirectCrl = decodeBoolean(c.value);
      else if (c.tag === 0x85) out.onlyContainsAttributeCerts = decodeBoolean(c.value);
    }
    return out;
  },
  describe: (v) => [
    ...(v.fullName.length ? ["* Full Name:", ...v.fullName.map((g) => `  * ${formatGeneralName(g)}`)] : []),
    ...(v.onlyContainsUserCerts ? ["* Only contains user certificates"] : []),
    ...(v.onlyContainsCaCerts ? ["* Only contains CA certificates"] : []),
    ...(v.onlySomeReasons ? [`* Only some reasons: ${v.onlySomeReasons.map((b) => REASON_FLAG_BITS[b] ?? `bit ${b}`).join(", ")}`] : []),
    ...(v.indirectCrl ? ["* Indirect CRL"] : []),
    ...(v.onlyContainsAttributeCerts ? ["* Only contains attribute certificates"] : []),
  ],
};
