/**
 * The API's self-description: `GET /api/openapi.json`, an OpenAPI 3.1 document that @fastify/swagger builds
 * from the very schemas the routes validate with (schemas.ts), and Swagger UI at `/api/docs`, whose
 * scripts, styles and images all come from the installed package (no CDN: an offline CA host can show it).
 * Both are public: they describe the API, not its data.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { FastifyInstance } from "fastify";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";

export const OPENAPI_PATH = "/api/openapi.json";
export const DOCS_PREFIX = "/api/docs";

/**
 * Where @fastify/swagger-ui keeps its assets. Found through the package's own package.json because the
 * server is bundled (scripts/build.mjs): the package's `__dirname` does not exist in the bundle, so its
 * default asset directory and logo are passed explicitly.
 */
function swaggerUiAssets(): { baseDir: string; logo: Buffer } {
  const dir = dirname(createRequire(import.meta.url).resolve("@fastify/swagger-ui/package.json"));
  return { baseDir: join(dir, "static"), logo: readFileSync(join(dir, "static", "logo.svg")) };
}

/** Registers the document generator in `app` (routes registered below it are described) and both routes. */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "tsca REST API",
        version,
        description:
          "CAs, certificates and signing requests of a tsca installation. Errors are problem details (RFC 9457). See docs/api.md.",
      },
      components: {
        securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An API token made with `tsca create_token USER`" } },
      },
      security: [{ bearer: [] }],
      tags: [
        { name: "CAs", description: "Certificate authorities" },
        { name: "Certificates", description: "End-entity certificates" },
        { name: "Signing requests", description: "Queued signing (a worker on the key host signs)" },
        { name: "Profiles", description: "Certificate profiles" },
      ],
    },
  });
  const { baseDir, logo } = swaggerUiAssets();
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    baseDir,
    logo: { type: "image/svg+xml", content: logo },
    staticCSP: true,
    // tsca serve speaks plain HTTP (OCSP and CRLs must, RFC 5280 §4.2.1.13): a page that asked the browser to
    // upgrade its requests would load none of its own scripts from any host but localhost.
    transformStaticCSP: (header: string) => header.replace(/\s*upgrade-insecure-requests;?/g, "").replace(/validator\.swagger\.io/g, ""),
    uiConfig: { deepLinking: false },
  });
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async (_request, reply) =>
    reply.header("cache-control", "no-cache").type("application/json").send(JSON.stringify(app.swagger())),
  );
}
