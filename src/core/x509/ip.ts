/** IP address syntax checks (RFC 791 dotted quad, RFC 4291 §2.2 text forms), kept pure for core. */
const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isV6(s: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(s) || s.split("::").length > 2 || s.includes(":::")) return false;
  // A single colon cannot start or end an address; only "::" can (RFC 4291 §2.2).
  if ((s.startsWith(":") && !s.startsWith("::")) || (s.endsWith(":") && !s.endsWith("::"))) return false;
  let groups = s.split(":");
  const last = groups[groups.length - 1]!;
  let extra = 0;
  if (last.includes(".")) {
    if (!V4.test(last)) return false;
    groups = groups.slice(0, -1);
    extra = 2;
  }
  if (s.includes("::")) {
    const nonEmpty = groups.filter((g) => g !== "");
    return nonEmpty.length + extra <= 7 && nonEmpty.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g));
  }
  return groups.length + extra === 8 && groups.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g));
}

/** 4 or 6 for an IP address, 0 otherwise (same contract as node:net isIP). */
export function isIP(s: string): 0 | 4 | 6 {
  if (V4.test(s)) return 4;
  return isV6(s) ? 6 : 0;
}
