import { getLauncherEnv } from "@/lib/env";
import { migrateDatabase } from "./migrate";

// `npm run db:migrate`: what `npm start` does to the database, alone (deploys). Not `drizzle-kit
// migrate`, which would skip the edited-migration check and db/functions.
const url = getLauncherEnv().DATABASE_URL;
if (!url) {
  console.error("db:migrate: set DATABASE_URL to the database to migrate");
  process.exit(1);
}
await migrateDatabase(url);
console.log("db:migrate: the database is at this release (migrations and db/functions)");
