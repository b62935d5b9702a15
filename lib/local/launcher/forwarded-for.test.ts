import { spawn } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const PRELOAD = path.join(import.meta.dirname, "forwarded-for.cjs");

// A server started as the launcher starts `next start`: with the preload, answering the header it saw.
const SERVER = `
const http = require("node:http");
const server = http.createServer((req, res) => res.end(JSON.stringify(req.headers["x-forwarded-for"] ?? null)));
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

let child: ReturnType<typeof spawn>;
let port: number;
beforeAll(async () => {
  child = spawn(process.execPath, ["--require", PRELOAD, "-e", SERVER], { stdio: ["ignore", "pipe", "inherit"] });
  port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once("exit", (code) => reject(new Error(`the server exited (${code})`)));
  });
});
afterAll(() => {
  child.kill();
});

function seen(headers: Record<string, string>): Promise<string | null> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, headers }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve(JSON.parse(body)));
      })
      .on("error", reject);
  });
}

describe("the app's preload (lib/local/launcher/forwarded-for.cjs)", () => {
  it("appends the socket's address to a client's X-Forwarded-For, as a proxy does", async () => {
    expect(await seen({ "x-forwarded-for": "6.6.6.6" })).toBe("6.6.6.6, 127.0.0.1");
  });

  it("writes the socket's address when the client sent none", async () => {
    expect(await seen({})).toBe("127.0.0.1");
  });
});
