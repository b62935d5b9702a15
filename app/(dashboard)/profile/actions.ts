"use server";

import { revalidatePath } from "next/cache";
import { fromError, type ActionResult } from "@/lib/app/action-result";
import { getAppDb } from "@/lib/app/deps";
import { requireUser } from "@/lib/app/session";
import { setUserTimeZone } from "@/lib/users/time-zone";

/** The signed-in user's own time zone (any role: it is their own preference). */
export async function setTimeZoneAction(_prev: ActionResult | null, form: FormData): Promise<ActionResult> {
  const user = await requireUser();
  try {
    const { timeZone } = await setUserTimeZone(getAppDb(), { userId: user.id, timeZone: form.get("timeZone") }, new Date());
    // Every page shows times in it: the whole dashboard's cache goes.
    revalidatePath("/", "layout");
    return { ok: true, message: timeZone ? `Times are now shown in ${timeZone}.` : "Times are now shown in your browser's time zone." };
  } catch (error) {
    return fromError(error, { unknown_time_zone: "timeZone" });
  }
}
