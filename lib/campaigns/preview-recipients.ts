/**
 * Who a preview or a test send is personalized for, and the addresses a test goes to. Pure: the
 * composer (client) and the server use the same rules.
 */
import { z } from "zod";
import type { Recipient } from "./template";

/** Stand-in values when no contact is chosen: the composer's preview and test sends without a contact. */
export const SAMPLE_RECIPIENT: Omit<Recipient, "email" | "unsubscribeUrl"> = {
  name: "Ada Lovelace",
  fields: { city: "London", company: "Analytical Engines" },
};

export const MAX_TEST_ADDRESSES = 5;

const address = z.string().trim().max(320, "Addresses are at most 320 characters").email("Not a valid email address");

/**
 * The addresses of a test send, typed comma-, semicolon- or line-separated: each checked, duplicates
 * (in any case) once, at most MAX_TEST_ADDRESSES. `error` names what is wrong, for the form and the API.
 */
export function parseTestAddresses(input: string | readonly string[]): { addresses: string[]; error?: string } {
  const parts = (typeof input === "string" ? input.split(/[\n,;]+/) : [...input]).map((a) => a.trim()).filter(Boolean);
  const addresses: string[] = [];
  const invalid: string[] = [];
  for (const part of parts) {
    if (!address.safeParse(part).success) invalid.push(part);
    else if (!addresses.some((a) => a.toLowerCase() === part.toLowerCase())) addresses.push(part);
  }
  if (invalid.length) return { addresses, error: `Not a valid email address: ${invalid.slice(0, 3).join(", ")}${invalid.length > 3 ? "…" : ""}` };
  if (addresses.length === 0) return { addresses, error: "Give at least one address" };
  if (addresses.length > MAX_TEST_ADDRESSES) return { addresses, error: `A test goes to at most ${MAX_TEST_ADDRESSES} addresses (${addresses.length} given)` };
  return { addresses };
}
