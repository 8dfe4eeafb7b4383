// The benchmark's ceiling: the same Fastify setup as `tsca serve` (createFastify from dist/tsca-server.mjs,
// same logger, options and connection limits from the same settings) answering every GET and POST with a
// fixed 500-byte body. Run by bench/ocsp.mjs as its own process; prints {"port": N} when listening.
import { pino } from "pino";
import { createFastify, httpLimits } from "../dist/tsca-server.mjs";

const body = Buffer.alloc(500, 0x5a);
const app = createFastify(pino({ level: "warn" }), httpLimits());
await app.register(async (scope) => {
  // Like the OCSP routes: the body is read into a Buffer whatever its type.
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 32768 }, (_req, b, done) => done(null, b));
  const send = (_req, reply) => reply.header("content-type", "application/ocsp-response").send(body);
  scope.post("/fixed/", send);
  scope.get("/fixed/*", send);
});
await app.listen({ host: "127.0.0.1", port: 0 });
console.log(JSON.stringify({ port: app.server.address().port }));
process.on("SIGTERM", () => app.close().then(() => process.exit(0)));
