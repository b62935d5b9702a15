/**
 * The app's own route handlers (app/**\/route.ts: the API, /u/{token}, the dashboard's CSV routes)
 * behind a plain node:http server, for the short drills in `npm test`: `next start` needs a production
 * build, which `npm test` makes only after the unit tests. Every handler, the database code and the
 * Postmark client are the app's; only Next's HTTP layer is replaced (and `next/server`'s `after` and
 * `next/headers`, see next-shim.mjs and next-headers-shim.cjs). The full drills (`npm run drill`) run
 * the real `next start` through the launcher.
 *
 *   node --import tsx --require lib/local/launcher/exit-with-parent.cjs lib/tooling/drills/route-server.ts <port>
 *
 * The configuration comes in the environment, as the launcher passes it to the app. Like the launcher's
 * app, it exits when its parent's IPC channel closes.
 */
import fs from "node:fs";
import http from "node:http";
import type { AsyncLocalStorage } from "node:async_hooks";
import Module, { createRequire, register } from "node:module";
import path from "node:path";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";

const ROOT = path.resolve(import.meta.dirname, "../../..");

interface Route {
  pattern: RegExp;
  names: string[];
  file: string;
  module?: Record<string, unknown>;
}

/**
 * Every app/**\/route.ts: app/api/v1/messages/[messageId]/route.ts → /api/v1/messages/:messageId, a route
 * group such as (dashboard) adds no segment; static segments win.
 */
function discoverRoutes(dir = path.join(ROOT, "app"), segments: string[] = []): Route[] {
  const routes: Route[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) routes.push(...discoverRoutes(path.join(dir, entry.name), /^\(.*\)$/.test(entry.name) ? segments : [...segments, entry.name]));
    else if (entry.name === "route.ts") {
      // next-auth needs Next's request context; the drills use API keys only.
      if (segments.some((s) => s.startsWith("[..."))) continue;
      const names: string[] = [];
      const source = segments.map((s) => (s.startsWith("[") ? (names.push(s.slice(1, -1)), "([^/]+)") : s.replace(/[.*+?^${}()|\\]/g, "\\$&"))).join("/");
      routes.push({ pattern: new RegExp(`^/${source}/?$`), names, file: path.join(dir, entry.name) });
    }
  }
  return routes.sort((a, b) => a.names.length - b.names.length);
}

async function toResponse(res: http.ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    headers[key] = key === "set-cookie" ? response.headers.getSetCookie() : value;
  });
  res.writeHead(response.status, headers);
  if (response.body) for await (const chunk of response.body) res.write(chunk);
  res.end();
}

/** CommonJS `require("next/headers")` (next-auth's getServerSession) → the shim; ES imports go through the hooks. */
function redirectNextHeadersRequire(shim: string) {
  const loader = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const original = loader._resolveFilename;
  loader._resolveFilename = function (request, ...rest) {
    return request === "next/headers" ? shim : original.call(this, request, ...rest);
  };
}

async function main() {
  register(pathToFileURL(path.join(import.meta.dirname, "next-shim-hooks.mjs")));
  const headersShim = path.join(import.meta.dirname, "next-headers-shim.cjs");
  redirectNextHeadersRequire(headersShim);
  const { requestStorage } = createRequire(import.meta.url)(headersShim) as { requestStorage: AsyncLocalStorage<Request> };
  const port = Number(process.argv[2]);
  const routes = discoverRoutes();
  // Load every module up front, so a broken import fails the start and the first request is not slow.
  for (const route of routes) route.module = (await import(pathToFileURL(route.file).href)) as Record<string, unknown>;
  const { assertAppEnvAtStartup, resumeWorkAfterStart } = await import("@/lib/app/startup");
  assertAppEnvAtStartup();

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", `http://127.0.0.1:${port}`);
      const route = routes.find((r) => r.pattern.test(url.pathname));
      const method = req.method ?? "GET";
      const handler = route?.module?.[method] as ((r: Request, c: { params: Promise<Record<string, string>> }) => Promise<Response>) | undefined;
      if (!route || !handler) {
        req.resume();
        return void res.writeHead(route ? 405 : 404, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: route ? "method_not_allowed" : "not_found", message: "No such route" } }));
      }
      const match = route.pattern.exec(url.pathname)!;
      let params: Record<string, string>;
      try {
        params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(match[i + 1])]));
      } catch {
        // As Next does: a path segment that is not valid percent-encoding is a 400, before any route.
        req.resume();
        return void res.writeHead(400, { "content-type": "text/plain" }).end("Bad Request");
      }
      const headers = new Headers();
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
      // As the launcher's app does (lib/local/launcher/forwarded-for.cjs): the socket's address, appended.
      if (req.socket.remoteAddress) headers.append("x-forwarded-for", req.socket.remoteAddress);
      const hasBody = method !== "GET" && method !== "HEAD";
      const request = new Request(url, { method, headers, body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined, duplex: "half" } as RequestInit);
      await toResponse(res, await requestStorage.run(request, () => handler(request, { params: Promise.resolve(params) })));
    } catch (error) {
      console.error("[route-server]", error);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "internal_error", message: "Something went wrong on our side" } }));
    }
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  resumeWorkAfterStart();
  console.log(`route server on http://127.0.0.1:${port}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
