// Module hooks for route-server.ts: `next/server` resolves to next-shim.mjs (see there why).
const shim = new URL("./next-shim.mjs", import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === "next/server") return { url: shim, shortCircuit: true };
  return nextResolve(specifier, context);
}
