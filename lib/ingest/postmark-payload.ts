import { z } from "zod";

/**
 * Postmark's six outbound webhook payloads, as a discriminated union on RecordType. Only what Postline
 * relies on is required; everything else is kept untouched in the raw JSON. Extra keys are allowed:
 * Postmark adds fields over time and refusing them would drop real events (a 4xx is final for Postmark).
 */

const timestamp = z.string().refine((v) => !Number.isNaN(Date.parse(v)), "Not an ISO 8601 timestamp");
const metadata = z.record(z.string(), z.unknown()).nullish();
const common = {
  MessageStream: z.string().nullish(),
  Tag: z.string().nullish(),
  Metadata: metadata,
  // Accept both spellings: the developer docs say ServerID, an older page ServerId.
  ServerID: z.number().nullish(),
  ServerId: z.number().nullish(),
};
const messageId = z.string().min(1).max(100);
const address = z.string().min(3).max(320);

export const deliverySchema = z.looseObject({
  RecordType: z.literal("Delivery"),
  MessageID: messageId,
  Recipient: address,
  DeliveredAt: timestamp,
  Details: z.string().nullish(),
  ...common,
});

const bounceShape = {
  MessageID: messageId,
  // int64 in Postmark; precision beyond 2^53 is recovered from the raw text for the event key.
  ID: z.union([z.number(), z.string()]).nullish(),
  Type: z.string().min(1),
  TypeCode: z.number().nullish(),
  Email: address,
  BouncedAt: timestamp,
  Inactive: z.boolean().nullish(),
  CanActivate: z.boolean().nullish(),
  Description: z.string().nullish(),
  Details: z.string().nullish(),
  ...common,
};

export const bounceSchema = z.looseObject({ RecordType: z.literal("Bounce"), ...bounceShape });
export const spamComplaintSchema = z.looseObject({ RecordType: z.literal("SpamComplaint"), ...bounceShape });

const client = z.looseObject({ Name: z.string().nullish(), Company: z.string().nullish(), Family: z.string().nullish() }).nullish();

export const openSchema = z.looseObject({
  RecordType: z.literal("Open"),
  MessageID: messageId,
  Recipient: address,
  ReceivedAt: timestamp,
  FirstOpen: z.boolean().nullish(),
  Platform: z.string().nullish(),
  ReadSeconds: z.number().nullish(),
  UserAgent: z.string().nullish(),
  Client: client,
  OS: client,
  ...common,
});

export const clickSchema = z.looseObject({
  RecordType: z.literal("Click"),
  MessageID: messageId,
  Recipient: address,
  ReceivedAt: timestamp,
  OriginalLink: z.string().max(8192).nullish(),
  ClickLocation: z.string().nullish(),
  Platform: z.string().nullish(),
  UserAgent: z.string().nullish(),
  Client: client,
  OS: client,
  ...common,
});

export const subscriptionChangeSchema = z.looseObject({
  RecordType: z.literal("SubscriptionChange"),
  // Null for manual suppressions by the customer or admin, and for reactivations.
  MessageID: messageId.nullish(),
  Recipient: address,
  ChangedAt: timestamp,
  Origin: z.string().nullish(),
  SuppressSending: z.boolean(),
  SuppressionReason: z.string().nullish(),
  ...common,
});

export const postmarkEventSchema = z.discriminatedUnion("RecordType", [
  deliverySchema,
  bounceSchema,
  spamComplaintSchema,
  openSchema,
  clickSchema,
  subscriptionChangeSchema,
]);

export type PostmarkEvent = z.infer<typeof postmarkEventSchema>;
export type RecordType = PostmarkEvent["RecordType"];
