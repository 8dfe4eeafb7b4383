/**
 * CRL Distribution Points (RFC 5280 §4.2.1.13) and Freshest CRL (§4.2.1.15, same syntax): we write one
 * DistributionPoint per extension holding full names, the form clients fetch.
 */
import { children, parseDer } from "../der-reader.js";
import { implicitConstructed, sequence } from "../der.js";
import { decodeGeneralNameTlv, encodeGeneralName, formatGeneralName, type GeneralName } from "../general-name.js";
import { OID } from "../oids.js";
import type { ExtensionCodec } from "./extension.js";

/** Each entry is one DistributionPoint's fullName list. */
export type DistributionPoints = GeneralName[][];

const codec = (oid: string, name: string): ExtensionCodec<DistributionPoints> => ({
  oid,
  name,
  defaultCritical: false,
  encode: (points) =>
    sequence(...points.map((full) => sequence(implicitConstructed(0, implicitConstructed(0, ...full.map(encodeGeneralName)))))),
  decode: (der) =>
    children(parseDer(der)).map((dp) => {
      const dpName = children(dp).find((c) => c.tag === 0xa0);
      const fullName = dpName ? children(dpName).find((c) => c.tag === 0xa0) : undefined;
      return fullName ? children(fullName).map(decodeGeneralNameTlv) : [];
    }),
  describe: (points) =>
    points.flatMap((full) => ["* DistributionPoint:", "  * Full Name:", ...full.map((g) => `    * ${formatGeneralName(g)}`)]),
});

export const crlDistributionPoints = codec(OID.cRLDistributionPoints, "CRL Distribution Points");
export const freshestCrl = codec(OID.freshestCRL, "Freshest CRL");
