/**
 * Durations with units on the command line (issue 7): `dump_crl --expires 7d` is seven days, checked with
 * `openssl crl` (nextUpdate − thisUpdate); a bare 7 is refused rather than read as seven seconds; a bare
 * 7200 stays seconds (django-ca); `--expires 48h` for a certificate is the same validity as `2` days;
 * `30m` for a whole-days option is refused.
 */
import { afterEach, describe, expect, it } from "vitest";
import { runTsca, tsca, tscaEnv, type TscaEnv } from "../../helpers/cli.js";
import { makeCsr } from "../../helpers/certs.js";
import { disposeInstallation } from "../../helpers/dispose-installation.js";
import { expectOneSentence, ossl } from "../../helpers/oracles.js";

const homes: TscaEnv[] = [];
afterEach(async () => {
  for (const t of homes.splice(0)) await disposeInstallation(t);
});

const crlSeconds = (pem: string): number => {
  const out = ossl(["crl", "-noout", "-lastupdate", "-nextupdate"], pem);
  const at = (k: string): number => Date.parse(new RegExp(`${k}=(.+)`).exec(out)![1]!);
  return (at("nextUpdate") - at("lastUpdate")) / 1000;
};
const certSeconds = (pem: string): number => {
  const out = ossl(["x509", "-noout", "-startdate", "-enddate"], pem);
  const at = (k: string): number => Date.parse(new RegExp(`${k}=(.+)`).exec(out)![1]!);
  return (at("notAfter") - at("notBefore")) / 1000;
};

describe("durations", () => {
  it("dump_crl --expires takes units; a bare number under an hour is refused; sign_cert --expires 48h equals 2 days", () => {
    const t = tscaEnv();
    homes.push(t);
    tsca(t, ["init_ca", "--key-type", "EC", "Root", "/CN=root.example.test"]);
    expect(crlSeconds(tsca(t, ["dump_crl", "--ca", "Root", "--expires", "7d"]))).toBe(7 * 86_400);
    expect(crlSeconds(tsca(t, ["dump_crl", "--ca", "Root", "--expires", "90m"]))).toBe(5_400);
    expect(crlSeconds(tsca(t, ["dump_crl", "--ca", "Root", "--expires", "7200"]))).toBe(7_200);
    expect(crlSeconds(tsca(t, ["dump_crl", "--ca", "Root"]))).toBe(86_400);
    expectOneSentence(
      runTsca(t, ["dump_crl", "--ca", "Root", "--expires", "7"]),
      2,
      /7: A bare number for --expires is seconds and must be at least 3600; write 7d, 7h, 7m or 7s/,
    );
    const csr = makeCsr("ec", "/CN=www.example.test");
    const days = certSeconds(tsca(t, ["sign_cert", "--ca", "Root", "--csr", csr.path, "--expires", "2"]));
    expect(certSeconds(tsca(t, ["sign_cert", "--ca", "Root", "--csr", csr.path, "--expires", "48h"]))).toBe(days);
    expect(certSeconds(tsca(t, ["sign_cert", "--ca", "Root", "--csr", csr.path, "--expires", "2d"]))).toBe(days);
    expectOneSentence(
      runTsca(t, ["sign_cert", "--ca", "Root", "--csr", csr.path, "--expires", "30m"]),
      2,
      /30m: --expires counts whole days/,
    );
    expectOneSentence(
      runTsca(t, ["init_ca", "--key-type", "EC", "--expires", "20y", "X", "/CN=x"]),
      2,
      /20y: --expires must be a positive integer/,
    );
    expect(tsca(t, ["list_certs", "--expires-within", "72h"]).split("\n").filter(Boolean)).toHaveLength(3);
  });
});
