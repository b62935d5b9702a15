/**
 * A small DNS server on 127.0.0.1 (UDP) for tests: answers TXT questions from a table the test sets,
 * NXDOMAIN for names it does not hold (ENOTFOUND to node:dns), an empty answer for a name held without
 * TXT records (ENODATA), SERVFAIL for names marked so (ESERVFAIL), and silence for names marked `drop`
 * (ETIMEOUT). Enough of RFC 1035 for node:dns's resolveTxt; nothing else.
 */
import dgram from "node:dgram";
import type { AddressInfo } from "node:net";

export type DnsAnswer = string[] | "servfail" | "drop";

export interface TestDnsServer {
  /** `127.0.0.1:port`, for `DNS_RESOLVER` / createTxtResolver. */
  address: string;
  /** Sets a name's TXT records (each string one record), or a failure; `undefined` removes the name. */
  set(name: string, answer: DnsAnswer | undefined): void;
  /** Names asked so far, lowercased, in order. */
  questions: string[];
  close(): Promise<void>;
}

export async function startTestDnsServer(records: Record<string, DnsAnswer> = {}, options: { port?: number } = {}): Promise<TestDnsServer> {
  const table = new Map(Object.entries(records).map(([k, v]) => [k.toLowerCase(), v]));
  const questions: string[] = [];
  const socket = dgram.createSocket("udp4");
  socket.on("message", (query, peer) => {
    const parsed = parseQuestion(query);
    if (!parsed) return;
    questions.push(parsed.name);
    const entry = table.get(parsed.name);
    if (entry === "drop") return;
    const rcode = entry === undefined ? 3 : entry === "servfail" ? 2 : 0;
    const answers = Array.isArray(entry) && parsed.type === 16 ? entry : [];
    socket.send(buildResponse(query, parsed.end, rcode, answers), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(options.port ?? 0, "127.0.0.1", resolve));
  const port = (socket.address() as AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    set(name, answer) {
      if (answer === undefined) table.delete(name.toLowerCase());
      else table.set(name.toLowerCase(), answer);
    },
    questions,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function parseQuestion(msg: Buffer): { name: string; type: number; end: number } | null {
  if (msg.length < 12 || msg.readUInt16BE(4) < 1) return null;
  const labels: string[] = [];
  let i = 12;
  while (i < msg.length && msg[i] !== 0) {
    const len = msg[i];
    labels.push(msg.subarray(i + 1, i + 1 + len).toString("ascii"));
    i += len + 1;
  }
  if (i + 5 > msg.length) return null;
  return { name: labels.join(".").toLowerCase(), type: msg.readUInt16BE(i + 1), end: i + 5 };
}

function buildResponse(query: Buffer, questionEnd: number, rcode: number, txts: string[]): Buffer {
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  const rd = query[2] & 0x01;
  header[2] = 0x84 | rd; // QR, AA, RD echoed
  header[3] = 0x80 | rcode; // RA, rcode
  header.writeUInt16BE(1, 4); // one question
  header.writeUInt16BE(txts.length, 6);
  const question = query.subarray(12, questionEnd);
  const answers = txts.map((text) => {
    // A TXT value is one or more character-strings of at most 255 bytes each.
    const bytes = Buffer.from(text, "utf8");
    const chunks: Buffer[] = [];
    for (let o = 0; o < bytes.length || o === 0; o += 255) {
      const part = bytes.subarray(o, o + 255);
      chunks.push(Buffer.concat([Buffer.from([part.length]), part]));
      if (bytes.length === 0) break;
    }
    const rdata = Buffer.concat(chunks);
    const fixed = Buffer.alloc(12);
    fixed.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    fixed.writeUInt16BE(16, 2); // TXT
    fixed.writeUInt16BE(1, 4); // IN
    fixed.writeUInt32BE(60, 6); // TTL
    fixed.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([fixed, rdata]);
  });
  return Buffer.concat([header, question, ...answers]);
}
