// `next/headers` for the drills' route server (route-server.ts): the request being handled, kept in an
// AsyncLocalStorage the server enters per request. next-auth's getServerSession reads the session
// cookie through it, so the dashboard's route handlers (CSV export and import) run as under `next start`.
const { AsyncLocalStorage } = require("node:async_hooks");

const KEY = Symbol.for("postline.drills.request");
globalThis[KEY] ??= new AsyncLocalStorage();
const storage = globalThis[KEY];

function current() {
  const req = storage.getStore();
  if (!req) throw new Error("next/headers was called outside a request");
  return req;
}

function parseCookies(header) {
  const out = [];
  for (const part of (header ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0) out.push({ name: part.slice(0, at).trim(), value: decodeURIComponent(part.slice(at + 1).trim()) });
  }
  return out;
}

exports.headers = async function headers() {
  return current().headers;
};

exports.cookies = async function cookies() {
  const all = parseCookies(current().headers.get("cookie"));
  return { getAll: () => all, get: (name) => all.find((c) => c.name === name), has: (name) => all.some((c) => c.name === name) };
};

exports.requestStorage = storage;
