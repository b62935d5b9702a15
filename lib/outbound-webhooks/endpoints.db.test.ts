import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { createAddressPolicy } from "./address-policy";
import type { OutboundDeps } from "./deps";
import { createEndpoint, getEndpointOrThrow, updateEndpoint, verifyEndpoint } from "./endpoints";

// Every server listens on 127.0.0.1; no test sends anything to another address.

let t: TestDatabase;
const deps: OutboundDeps = { policy: createAddressPolicy(["127.0.0.1"]), accountId: "acct_test", now: () => new Date(), emailer: null, timeoutMs: 5000 };
const servers: http.Server[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await t.drop();
});

/**
 * Serves any postline-<token>.txt with the token in its name (or 404 while `missing` says so), after
 * running `whileFetching`.
 */
async function fileServer(whileFetching: () => Promise<void>, missing: () => boolean = () => false) {
  const server = http.createServer((req, res) => {
    const token = /postline-([^/]+)\.txt$/.exec(req.url ?? "")?.[1];
    const absent = missing();
    void whileFetching().then(() => {
      res.writeHead(token && !absent ? 200 : 404, { "content-type": "text/plain" });
      res.end(token && !absent ? token : "not found");
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("ownership verification against a URL change", () => {
  it("does not mark the endpoint active when its URL changed while the verification file was fetched", async () => {
    let endpointId = "";
    let movedTo = "";
    const base = await fileServer(async () => {
      if (movedTo) return;
      movedTo = `${base}/elsewhere/hook`;
      await updateEndpoint(t.db, { id: endpointId, settings: { url: movedTo } }, deps);
    });
    const endpoint = await createEndpoint(t.db, { settings: { event: "Email.Delivered", url: `${base}/hooks/postline` } }, deps);
    endpointId = endpoint.id;

    await expect(verifyEndpoint(t.db, endpoint.id, deps)).rejects.toMatchObject({ code: "verification_conflict", status: 409 });
    const after = await getEndpointOrThrow(t.db, endpoint.id);
    expect(after.url).toBe(movedTo);
    expect(after.status).toBe("pending_verification");
    expect(after.verifiedAt).toBeNull();
    expect(after.verificationToken).not.toBe(endpoint.verificationToken);

    // The new URL verifies on its own check.
    const again = await verifyEndpoint(t.db, endpoint.id, deps);
    expect(again.ok).toBe(true);
    expect(again.endpoint).toMatchObject({ status: "active", url: movedTo });
  });

  it("does not record a failed check against a URL that changed meanwhile", async () => {
    let endpointId = "";
    let moved = false;
    const base = await fileServer(
      async () => {
        if (moved) return;
        moved = true;
        await updateEndpoint(t.db, { id: endpointId, settings: { url: `${base}/elsewhere/hook` } }, deps);
      },
      () => !moved,
    );
    const endpoint = await createEndpoint(t.db, { settings: { event: "Email.Delivered", url: `${base}/hooks/postline` } }, deps);
    endpointId = endpoint.id;

    await expect(verifyEndpoint(t.db, endpoint.id, deps)).rejects.toMatchObject({ code: "verification_conflict", status: 409 });
    const after = await getEndpointOrThrow(t.db, endpoint.id);
    expect(after.lastVerificationError).toBeNull();
    expect(after.lastVerificationAt).toBeNull();
  });
});
