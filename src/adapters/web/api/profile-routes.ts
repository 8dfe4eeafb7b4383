/**
 * /api/v1/profiles: the certificate profiles a signing request may name (built-in and configured,
 * core/issuance/profiles.ts). They are configuration, not data of a CA, so any authenticated caller may
 * read them.
 */
import type { FastifyInstance } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { Profiles } from "../../../core/issuance/profiles.js";
import { COMMON_PROBLEMS, json, problems, ProfileList } from "./schemas.js";

export function profilesJson(profiles: Profiles) {
  return {
    items: profiles.names().map((name) => {
      const p = profiles.get(name);
      return {
        name,
        description: p.description,
        default: name === profiles.defaultName,
        key_usage: p.keyUsage,
        extended_key_usage: p.extendedKeyUsage,
        expires_days: p.expiresDays ?? null,
        lint_rule_sets: ["rfc5280", ...p.lintRuleSets],
      };
    }),
  };
}

export async function profileRoutes(app: FastifyInstance, deps: { profiles: Profiles }): Promise<void> {
  const body = profilesJson(deps.profiles);
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    "/profiles",
    {
      schema: {
        operationId: "listProfiles",
        summary: "The certificate profiles (key usage, extended key usage, validity) a signing request may name",
        tags: ["Profiles"],
        response: { 200: json(ProfileList, "The profiles"), ...problems(...COMMON_PROBLEMS) },
      },
    },
    async () => body,
  );
}
