import { index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./users";

/**
 * A saved filter over contacts (lib/segments): its definition is the JSON tree of conditions
 * (lib/segments/definition.ts SegmentDefinition), compiled to SQL each time it is counted or sent to,
 * so a segment always means "who matches now". Names need not be unique (a marketer may keep drafts).
 */
export const segments = pgTable(
  "segments",
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    definition: jsonb().notNull(),
    createdById: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("segments_created_idx").on(t.createdAt, t.id)],
);
