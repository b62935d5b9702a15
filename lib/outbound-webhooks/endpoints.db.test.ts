import http from "node:http";
import { type AddressInfo } from "node:net";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookDeliveries } from "@/db/schema";
import { createTestDatabase, type TestDatabase } from "@/lib/tooling/testing/db";
import { outboundTestBed } from "@/lib/tooling/testing/outbound-bed";
import { createAddressPolicy } from "./address-policy";
import { deliverRound } from "./test-support";
import { type OutboundDeps } from "./deps";
import { createEndpoint, getEndpointOrThrow, updateEndpoint, verificationFileName, verifyEndpoint } from "./endpoints";

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

// From the former outbound.db.test.ts: these run on the shared outbound bed (lib/tooling/testing/outbound-bed.ts), a second
// database beside the one the tests above use.
const bed = outboundTestBed();
const { receiver, liveEndpoint, delivered, enqueue } = bed;

describe("ownership verification", () => {
  it("keeps a new endpoint pending until postline-<token>.txt in the URL's folder holds the token", async () => {
    const rec = await receiver();
    const endpoint = await createEndpoint(bed.db, { settings: { event: "Email.Delivered", url: rec.url("/in/hooks/postline?src=1") } }, bed.deps);
    expect(endpoint.status).toBe("pending_verification");
    expect(endpoint.rateLimit).toBe(10);
    expect(endpoint.rateLimitPeriod).toBe("second");

    // Nothing is queued for an unverified endpoint.
    await enqueue(delivered());
    expect(await bed.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpoint.id))).toHaveLength(0);

    const missing = await verifyEndpoint(bed.db, endpoint.id, bed.deps);
    expect(missing.ok).toBe(false);
    expect(missing.fileName).toBe(`postline-${endpoint.verificationToken}.txt`);
    expect(missing.fileUrl).toBe(rec.url(`/in/hooks/postline-${endpoint.verificationToken}.txt`));
    expect(missing.message).toContain("HTTP 404");
    expect(missing.endpoint.status).toBe("pending_verification");

    rec.files[`/in/hooks/postline-${endpoint.verificationToken}.txt`] = "something else";
    const wrong = await verifyEndpoint(bed.db, endpoint.id, bed.deps);
    expect(wrong.ok).toBe(false);
    expect(wrong.message).toContain("does not contain the verification token");

    rec.files[`/in/hooks/postline-${endpoint.verificationToken}.txt`] = `${endpoint.verificationToken}\n`;
    const ok = await verifyEndpoint(bed.db, endpoint.id, bed.deps);
    expect(ok.ok).toBe(true);
    expect(ok.endpoint.status).toBe("active");
    expect(ok.endpoint.verifiedAt).not.toBeNull();

    // A new URL must be proven again.
    const moved = await updateEndpoint(bed.db, { id: endpoint.id, settings: { url: rec.url("/other/hook") } }, bed.deps);
    expect(moved.status).toBe("pending_verification");
    expect(moved.verificationToken).not.toBe(endpoint.verificationToken);
  });

  it("does not follow a redirect to the verification file", async () => {
    const target = await receiver();
    const rec = await receiver();
    const endpoint = await createEndpoint(bed.db, { settings: { event: "Email.Delivered", url: rec.url("/hooks/x") } }, bed.deps);
    target.files[`/hooks/${verificationFileName(endpoint.verificationToken)}`] = endpoint.verificationToken;
    // The receiver's GET handler only serves files; make it redirect instead by pointing files nowhere
    // and checking the verdict on a 3xx from a tiny redirecting server.
    const redirecting = await import("node:http").then(
      ({ default: http }) =>
        new Promise<{ url: string; close: () => void }>((resolve) => {
          const s = http.createServer((_req, res) => {
            res.writeHead(302, { location: target.url(`/hooks/${verificationFileName(endpoint.verificationToken)}`) });
            res.end();
          });
          s.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${(s.address() as { port: number }).port}/hooks/x`, close: () => s.close() }));
        }),
    );
    await updateEndpoint(bed.db, { id: endpoint.id, settings: { url: redirecting.url } }, bed.deps);
    const result = await verifyEndpoint(bed.db, endpoint.id, bed.deps);
    redirecting.close();
    expect(result.ok).toBe(false);
    expect(result.message).toContain("redirects are not followed");
  });
});

describe("listing", () => {
  it("lists endpoints with their backlog and last answer", async () => {
    const { endpoint } = await liveEndpoint();
    await enqueue(delivered(), delivered());
    await deliverRound(bed.db, bed.deps);
    const { listEndpoints } = await import("./endpoints");
    const row = (await listEndpoints(bed.db)).find((e) => e.id === endpoint.id)!;
    expect(row).toMatchObject({ pending: 1, failed: 0, lastStatusCode: 200 });
    expect(row.lastAttemptAt).toBeInstanceOf(Date);
  });

  it("shows the endpoints not archived by default, the archived ones or all on request (issue 14.12)", async () => {
    const { endpoint: kept } = await liveEndpoint();
    const { endpoint: gone } = await liveEndpoint();
    const { archiveEndpoint, listEndpoints } = await import("./endpoints");
    await archiveEndpoint(bed.db, gone.id, bed.deps);
    const ids = async (show?: "active" | "archived" | "all") => (await listEndpoints(bed.db, { show })).map((e) => e.id);
    expect(await ids()).toContain(kept.id);
    expect(await ids()).not.toContain(gone.id);
    expect(await ids("archived")).toContain(gone.id);
    expect(await ids("archived")).not.toContain(kept.id);
    expect(await ids("all")).toEqual(expect.arrayContaining([kept.id, gone.id]));
  });
});
