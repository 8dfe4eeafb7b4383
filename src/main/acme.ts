/**
 * Wiring of the ACME server (adapters/web/acme) for `tsca serve`: the ACME repository and the other
 * repositories of the server's database, the challenge validator (adapters/acme) with the TSCA_ACME_*
 * settings, the real clock and randomness, the profiles, and — with `serve --worker` — the nudge that
 * lets the in-process worker sign a finalized order at once.
 */
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { Settings } from "../config/settings.js";
import { createChallengeValidator } from "../adapters/acme/validator.js";
import { acmePlugin, type AcmeWebDeps } from "../adapters/web/acme/plugin.js";
import type { ChallengeValidator } from "../core/ports/acme-validator.js";
import { Profiles } from "../core/issuance/profiles.js";
import { type databasePorts, realClock, realRandom } from "./composition.js";

export function acmeDeps(
  ports: ReturnType<typeof databasePorts>,
  settings: Settings,
  validator: ChallengeValidator,
  submitted?: () => void,
  logger?: FastifyBaseLogger,
): AcmeWebDeps {
  return {
    cas: ports.cas,
    certs: ports.certs,
    signingRequests: ports.signingRequests,
    acme: ports.acme,
    uow: ports.uow,
    auditLog: ports.auditLog,
    profiles: new Profiles(settings.profiles, settings.defaultProfile),
    validator,
    clock: realClock,
    random: realRandom,
    orderValiditySeconds: settings.acmeOrderValidity,
    // Well past one validation's own bound (TSCA_ACME_VALIDATION_TIMEOUT).
    staleValidationMs: 2 * settings.acmeValidationTimeout + 60_000,
    ...(submitted ? { submitted } : {}),
    // A validation outlives its request (RFC 8555 §7.5.1); a challenge whose host stops mid-way stays
    // processing and is found by AcmeRepository.staleValidations.
    background: (task) => {
      task().catch((err: unknown) => logger?.error({ err }, "ACME challenge validation failed"));
    },
    externalUrl: settings.externalUrl,
    defaultCa: settings.defaultCa,
    purgeIntervalMs: 10 * 60 * 1000,
  };
}

/** The challenge validator `tsca serve` uses, from the TSCA_ACME_* settings. */
export const challengeValidator = (settings: Settings): ChallengeValidator =>
  createChallengeValidator({
    http01Port: settings.acmeHttp01Port,
    tlsAlpn01Port: settings.acmeTlsAlpn01Port,
    dnsResolver: settings.acmeDnsResolver,
    allowLoopback: settings.acmeAllowLoopback,
    denyNetworks: settings.acmeDenyNetworks,
    timeoutMs: settings.acmeValidationTimeout,
  });

/** The ACME server as a plugin for buildApp's `plugins`. */
export const acmeSurface =
  (deps: AcmeWebDeps) =>
  (app: FastifyInstance): Promise<void> =>
    acmePlugin(app, deps);
