import { Card, PageHeader } from "@/components/ui/card";
import { Time } from "@/components/ui/time";
import { TimeZoneForm } from "@/components/profile/time-zone-form";
import { requireUser } from "@/lib/app/session";
import { getViewerTimeZone } from "@/lib/app/viewer-time-zone";
import { profileTimeZones } from "@/lib/users/time-zone";

export const metadata = { title: "Profile" };

const TIME_ZONES = profileTimeZones();

export default async function ProfilePage() {
  const user = await requireUser();
  const viewer = await getViewerTimeZone();
  const now = new Date();
  return (
    <>
      <PageHeader title="Profile" description={user.email} />
      <div className="max-w-2xl space-y-6">
        <Card title="Time zone" description="Every time in Postline is shown in this zone; hover a time to see it in UTC.">
          <div className="space-y-4">
            <TimeZoneForm zones={TIME_ZONES} current={user.timeZone} browserZone={viewer.browserCookie} />
            <p className="text-sm text-slate-600" data-testid="time-zone-now">
              Now: <Time value={now} zone={viewer.zone} />
              {viewer.source === "unknown" ? <span className="ml-1 text-slate-500">(UTC until your browser tells us its zone)</span> : null}
            </p>
          </div>
        </Card>
        <Card title="Account">
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
            <dt className="text-slate-500">Email</dt>
            <dd className="min-w-0 wrap-anywhere text-slate-800">{user.email}</dd>
            <dt className="text-slate-500">Role</dt>
            <dd className="text-slate-800">{user.role}</dd>
            <dt className="text-slate-500">Last sign-in</dt>
            <dd className="text-slate-800">
              <Time value={user.lastSignInAt} zone={viewer.zone} />
            </dd>
          </dl>
        </Card>
      </div>
    </>
  );
}
