import { createHmac, hkdfSync } from "node:crypto";
import { macMatches, uuidFromBase64url, uuidToBase64url } from "@/lib/security/base64url";

/**
 * Two signed values, no storage: the confirmation link's token (the signup id plus a MAC; its expiry is
 * the signup row's `expires_at`, so the link needs no clock of its own) and the form's hidden fill-time
 * stamp (when the form was rendered, bound to the form). The key is derived from AUTH_SECRET for this
 * one purpose, like the unsubscribe tokens' (lib/sending/unsubscribe-token.ts).
 */
export function formsKey(authSecret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", authSecret, "postline", "form-tokens-v1", 32));
}

function mac(key: Buffer, purpose: string, value: string): Buffer {
  return createHmac("sha256", key).update(`${purpose}:${value}`).digest().subarray(0, 16);
}

export function createConfirmToken(key: Buffer, signupId: string): string {
  return `${uuidToBase64url(signupId)}.${mac(key, "confirm", signupId).toString("base64url")}`;
}

/** The signup id a confirmation token was made for, or null when it is malformed or forged. */
export function verifyConfirmToken(key: Buffer, token: string): string | null {
  if (token.length > 100) return null;
  const [idPart, macPart, extra] = token.split(".");
  if (!idPart || !macPart || extra !== undefined) return null;
  const signupId = uuidFromBase64url(idPart);
  return signupId !== null && macMatches(macPart, mac(key, "confirm", signupId)) ? signupId : null;
}

/** The hidden `_ts` field: when the form was shown (ms), signed for this form. */
export function createFillStamp(key: Buffer, formId: string, at: Date): string {
  const ms = String(at.getTime());
  return `${ms}.${mac(key, `fill:${formId.toLowerCase()}`, ms).toString("base64url")}`;
}

/** When the form was shown, or null when the stamp is missing, malformed, forged or for another form. */
export function verifyFillStamp(key: Buffer, formId: string, stamp: string | undefined): Date | null {
  if (!stamp || stamp.length > 100) return null;
  const [ms, macPart, extra] = stamp.split(".");
  if (!ms || !macPart || extra !== undefined || !/^\d{1,15}$/.test(ms)) return null;
  return macMatches(macPart, mac(key, `fill:${formId.toLowerCase()}`, ms)) ? new Date(Number(ms)) : null;
}
