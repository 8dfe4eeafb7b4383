/**
 * CAA (RFC 8659, with the RFC 8657 parameters), checked after a challenge succeeded, for "dns" identifiers
 * only (RFC 8738 §7: CAA says nothing about IP addresses).
 *
 * - §3: the relevant RRset is the first non-empty CAA RRset found climbing from the name towards the root,
 *   up to and including the TLD. None anywhere: CAA does not restrict issuance. A lookup that fails
 *   (SERVFAIL, timeout) refuses issuance with a "dns" problem (§4 — a failure must not read as "no CAA").
 * - §4.1: a property with the critical flag whose tag tsca does not know refuses issuance.
 * - §4.2, §4.3: for a wildcard authorization the issuewild properties apply when the RRset has any, else
 *   the issue properties. An RRset without applicable properties (only iodef, say) does not restrict.
 *   Otherwise one property must name one of the CA's issuer domain names (ca.caaIdentity; compared without
 *   case) with parameters that allow this request; `issue ";"` names nobody and so refuses every CA.
 *   A property that cannot be parsed authorizes nobody.
 * - RFC 8657 §3: "accounturi" must equal the account URL; §4: "validationmethods" must list the challenge
 *   type. Either parameter given twice makes the property unsatisfiable (§3, §4). Other parameters are
 *   ignored (§4.2 "unknown parameters MUST be ignored").
 */
import type { AcmeChallengeType } from "../../core/acme/model.js";
import { ChallengeFailure } from "./failure.js";
import type { CaaRecord, DnsLookup } from "./resolver.js";

const KNOWN_TAGS = new Set(["issue", "issuewild", "iodef"]);
const LABEL = /^[a-z0-9](?:-*[a-z0-9])*$/i;
const PARAMETER = /^([a-z0-9](?:-*[a-z0-9])*)[ \t]*=[ \t]*([\x21-\x3a\x3c-\x7e]*)$/i;

export interface CaaRequest {
  /** The authorization's DNS name (for a wildcard, the base name: §3 starts there). */
  name: string;
  wildcard: boolean;
  caaIdentities: readonly string[];
  accountUri: string;
  method: AcmeChallengeType;
}

interface IssueValue {
  /** Lower case; "" for `issue ";"`. */
  issuer: string;
  parameters: [string, string][];
}

/** §4.2 issue-value, or undefined when malformed. */
export function parseIssueValue(value: string): IssueValue | undefined {
  const semi = value.indexOf(";");
  const issuer = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase().replace(/\.$/, "");
  if (issuer !== "" && !issuer.split(".").every((l) => LABEL.test(l))) return undefined;
  const parameters: [string, string][] = [];
  if (semi >= 0)
    for (const part of value.slice(semi + 1).split(";")) {
      const p = part.trim();
      if (p === "") continue;
      const m = PARAMETER.exec(p);
      if (!m) return undefined;
      parameters.push([m[1]!.toLowerCase(), m[2]!]);
    }
  return { issuer, parameters };
}

/** Why this property, naming one of our identities, still does not allow the request; undefined: it allows it. */
function parameterRefusal(p: IssueValue, r: CaaRequest): string | undefined {
  const values = (tag: string): string[] => p.parameters.filter(([t]) => t === tag).map(([, v]) => v);
  const accounts = values("accounturi");
  if (accounts.length > 1) return `names ${p.issuer} with more than one accounturi`;
  if (accounts.length === 1 && accounts[0] !== r.accountUri) return `permits ${p.issuer} only for the account ${accounts[0]}`;
  const methods = values("validationmethods");
  if (methods.length > 1) return `names ${p.issuer} with more than one validationmethods`;
  if (methods.length === 1 && !methods[0]!.split(",").includes(r.method))
    return `permits ${p.issuer} only with the validation methods ${methods[0]}`;
  return undefined;
}

/** The decision for one relevant RRset found at `owner`: undefined permits, else the detail sentence. */
export function caaRefusal(records: readonly CaaRecord[], owner: string, r: CaaRequest): string | undefined {
  const critical = records.find((c) => c.critical && !KNOWN_TAGS.has(c.tag));
  if (critical) return `The CAA record for ${owner} has a critical property "${critical.tag}" that this CA does not support.`;
  const wild = records.filter((c) => c.tag === "issuewild");
  const useWild = r.wildcard && wild.length > 0;
  const applicable = useWild ? wild : records.filter((c) => c.tag === "issue");
  if (!applicable.length) return undefined;
  const ours = new Set(r.caaIdentities.map((i) => i.toLowerCase().replace(/\.$/, "")));
  const kind = useWild ? " (issuewild)" : "";
  const reasons: string[] = [];
  const issuers: string[] = [];
  for (const c of applicable) {
    const p = parseIssueValue(c.value);
    if (!p || p.issuer === "") continue;
    issuers.push(p.issuer);
    if (!ours.has(p.issuer)) continue;
    const refusal = parameterRefusal(p, r);
    if (!refusal) return undefined;
    reasons.push(refusal);
  }
  if (reasons.length) return `The CAA record${kind} for ${owner} ${reasons[0]}.`;
  if (!issuers.length) return `The CAA record${kind} for ${owner} forbids issuance by any CA.`;
  return `The CAA record${kind} for ${owner} permits only ${[...new Set(issuers)].join(", ")}.`;
}

/** §3 tree climbing, then the decision; throws a "caa" (or "dns") ChallengeFailure when issuance is not allowed. */
export async function checkCaa(dns: DnsLookup, r: CaaRequest): Promise<void> {
  const labels = r.name.replace(/\.$/, "").split(".");
  for (let i = 0; i < labels.length; i++) {
    const owner = labels.slice(i).join(".");
    // A failed lookup throws "dns" ("The CAA lookup for … failed: …"), refusing issuance (§4).
    const records = await dns.caa(owner);
    if (!records.length) continue;
    const refusal = caaRefusal(records, owner, r);
    if (refusal) throw new ChallengeFailure("caa", refusal);
    return;
  }
}
