import { CreateApiKeyForm } from "@/components/settings/create-api-key-form";
import { CreateUserForm } from "@/components/settings/create-user-form";
import { PostmarkWebhooksCard } from "@/components/settings/postmark-webhooks-card";
import { WebhookTestButton } from "@/components/settings/webhook-test-button";
import { Badge, Card, PageHeader } from "@/components/ui/card";
import { DataTable, type DataTableColumn, type DataTableRow } from "@/components/ui/data-table";
import { InlineAction } from "@/components/ui/inline-action";
import { Time } from "@/components/ui/time";
import { listApiKeys } from "@/lib/api-keys/api-keys";
import { requireAdmin } from "@/lib/app/session";
import { getEnv } from "@/lib/env";
import { getAppDb, getPostlineWebhookConfig, getSendingDeps } from "@/lib/app/deps";
import { getWebhooksStatus } from "@/lib/postmark-admin/webhooks-status";
import { getViewerTimeZone } from "@/lib/app/viewer-time-zone";
import { listUsers } from "@/lib/users/users";
import { revokeApiKeyAction, setUserDisabledAction } from "./actions";

export const metadata = { title: "Settings" };

const userColumns: DataTableColumn[] = [
  { id: "email", header: "Email", className: "font-medium text-slate-900", sortable: true },
  { id: "role", header: "Role", sortable: true },
  { id: "status", header: "Status", sortable: true },
  { id: "lastSignIn", header: "Last sign-in", className: "whitespace-nowrap", sortable: true },
  { id: "actions", header: "Actions", hideHeader: true },
];

const keyColumns: DataTableColumn[] = [
  { id: "name", header: "Name", className: "font-medium text-slate-900", sortable: true },
  { id: "key", header: "Key", className: "font-mono text-xs" },
  { id: "role", header: "Role", sortable: true },
  { id: "lastUsed", header: "Last used", className: "whitespace-nowrap", sortable: true },
  { id: "created", header: "Created", className: "whitespace-nowrap", sortable: true },
  { id: "actions", header: "Actions", hideHeader: true },
];

export default async function SettingsPage() {
  const me = await requireAdmin();
  const { zone } = await getViewerTimeZone();
  const db = getAppDb();
  const env = getEnv();
  const [users, keys, webhooks] = await Promise.all([
    listUsers(db),
    listApiKeys(db),
    getWebhooksStatus({ postmark: getSendingDeps().postmark, webhooks: getPostlineWebhookConfig(), now: () => new Date() }),
  ]);
  const webhookUrl = `${env.APP_URL}/api/webhooks/postmark`;
  // Both lists are whole on this page, so sorting in the browser sorts them all.
  const userRows: DataTableRow[] = users.map((u) => ({
    id: u.id,
    cells: {
      email: (
        <>
          {u.email}
          {u.name ? <span className="block text-xs text-slate-500">{u.name}</span> : null}
        </>
      ),
      role: <Badge tone={u.role === "admin" ? "blue" : "slate"}>{u.role}</Badge>,
      status: u.disabledAt ? <Badge tone="red">disabled</Badge> : <Badge tone="green">active</Badge>,
      lastSignIn: <Time value={u.lastSignInAt} zone={zone} />,
      actions:
        u.id === me.id ? (
          <span className="text-xs text-slate-500">you</span>
        ) : (
          <InlineAction
            action={setUserDisabledAction}
            fields={{ userId: u.id, disabled: u.disabledAt ? "false" : "true" }}
            label={u.disabledAt ? "Enable" : "Disable"}
            variant={u.disabledAt ? "secondary" : "danger"}
          />
        ),
    },
    sort: { email: u.email, role: u.role, status: u.disabledAt ? "disabled" : "active", lastSignIn: u.lastSignInAt?.getTime() ?? null },
  }));
  const keyRows: DataTableRow[] = keys.map((k) => ({
    id: k.id,
    muted: Boolean(k.revokedAt),
    cells: {
      name: k.name,
      key: `${k.prefix}…`,
      role: <Badge tone={k.role === "admin" ? "blue" : "slate"}>{k.role}</Badge>,
      lastUsed: <Time value={k.lastUsedAt} zone={zone} />,
      created: <Time value={k.createdAt} zone={zone} />,
      actions: k.revokedAt ? (
        <Badge tone="red">revoked</Badge>
      ) : (
        <InlineAction action={revokeApiKeyAction} fields={{ apiKeyId: k.id }} label="Revoke" variant="danger" confirm={`Revoke ${k.name}? Programs using it stop working at once.`} />
      ),
    },
    sort: { name: k.name, role: k.role, lastUsed: k.lastUsedAt?.getTime() ?? null, created: k.createdAt.getTime() },
  }));
  return (
    <>
      <PageHeader title="Settings" description="People, API keys and the Postmark connection." />
      <div className="space-y-8">
        <Card title="Users" description="Admins manage everything; marketers work with contacts, campaigns and messages.">
          <div className="space-y-6">
            <DataTable label="Users" columns={userColumns} rows={userRows} sort={{ kind: "client" }} empty={{ title: "No users" }} />
            <div>
              <h3 className="mb-3 text-sm font-semibold text-slate-800">Add a user</h3>
              <CreateUserForm />
            </div>
          </div>
        </Card>

        <Card title="API keys" description="For /api/v1: send 'Authorization: Bearer <key>'. A key is shown once; only its hash is kept.">
          <div className="space-y-6">
            <CreateApiKeyForm />
            <DataTable
              label="API keys"
              columns={keyColumns}
              rows={keyRows}
              sort={{ kind: "client" }}
              empty={{ title: "No API keys yet", description: "Create one above for a program that calls /api/v1." }}
            />
          </div>
        </Card>

        <PostmarkWebhooksCard
          status={webhooks}
          manual={
            <>
              <p className="mb-3 text-sm text-slate-600">In Postmark: Servers → your server → Webhooks → Add webhook, for each stream you send on.</p>
              <dl className="grid gap-3 text-sm wrap-break-word sm:grid-cols-[12rem_1fr]">
                <dt className="font-medium text-slate-600">Webhook URL</dt>
                <dd>
                  <code className="wrap-anywhere rounded bg-slate-100 px-2 py-1 font-mono text-xs">{webhookUrl}</code>
                </dd>
                <dt className="font-medium text-slate-600">Custom header name</dt>
                <dd>
                  <code className="rounded bg-slate-100 px-2 py-1 font-mono text-xs">X-Webhook-Secret</code>
                </dd>
                <dt className="font-medium text-slate-600">Custom header value</dt>
                <dd>
                  <details>
                    <summary className="cursor-pointer text-brand-700">Reveal the secret (POSTMARK_WEBHOOK_SECRET)</summary>
                    <code className="mt-2 block wrap-anywhere rounded bg-slate-100 px-2 py-1 font-mono text-xs">{env.POSTMARK_WEBHOOK_SECRET}</code>
                  </details>
                </dd>
                <dt className="font-medium text-slate-600">Basic auth</dt>
                <dd>{env.POSTMARK_WEBHOOK_BASIC_USER ? `On: put ${env.POSTMARK_WEBHOOK_BASIC_USER}:•••• in the URL (https://user:password@host/…)` : "Off (set POSTMARK_WEBHOOK_BASIC_USER and _PASSWORD to require it)"}</dd>
                <dt className="font-medium text-slate-600">Events to enable</dt>
                <dd>Delivery, Bounce, Spam complaint, Open (not "first open only"), Link click, Subscription change</dd>
                <dt className="font-medium text-slate-600">Source IP check</dt>
                <dd>{env.POSTMARK_WEBHOOK_IP_ALLOWLIST === "off" ? "Off (set POSTMARK_WEBHOOK_IP_ALLOWLIST=postmark to accept only Postmark's published addresses)" : `On: ${env.POSTMARK_WEBHOOK_IP_ALLOWLIST}`}</dd>
              </dl>
            </>
          }
        >
          <WebhookTestButton />
        </PostmarkWebhooksCard>
      </div>
    </>
  );
}
