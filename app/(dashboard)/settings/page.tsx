import { CreateApiKeyForm } from "@/components/settings/create-api-key-form";
import { CreateUserForm } from "@/components/settings/create-user-form";
import { WebhookTestButton } from "@/components/settings/webhook-test-button";
import { Badge, Card, PageHeader } from "@/components/ui/card";
import { InlineAction } from "@/components/ui/inline-action";
import { Table, Td, Th, formatDateTime } from "@/components/ui/table";
import { listApiKeys } from "@/lib/api-keys/api-keys";
import { requireAdmin } from "@/lib/app/session";
import { getEnv } from "@/lib/env";
import { getAppDb } from "@/lib/app/deps";
import { listUsers } from "@/lib/users/users";
import { revokeApiKeyAction, setUserDisabledAction } from "./actions";

export const metadata = { title: "Settings" };

export default async function SettingsPage() {
  const me = await requireAdmin();
  const db = getAppDb();
  const env = getEnv();
  const [users, keys] = await Promise.all([listUsers(db), listApiKeys(db)]);
  const webhookUrl = `${env.APP_URL}/api/webhooks/postmark`;
  return (
    <>
      <PageHeader title="Settings" description="People, API keys and the Postmark connection." />
      <div className="space-y-8">
        <Card title="Users" description="Admins manage everything; marketers work with contacts, campaigns and messages.">
          <div className="space-y-6">
            <Table label="Users">
              <thead className="bg-slate-50">
                <tr>
                  <Th>Email</Th>
                  <Th>Role</Th>
                  <Th>Status</Th>
                  <Th>Last sign-in</Th>
                  <Th />
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {users.map((u) => (
                  <tr key={u.id}>
                    <Td className="font-medium text-slate-900">
                      {u.email}
                      {u.name ? <span className="block text-xs text-slate-500">{u.name}</span> : null}
                    </Td>
                    <Td>
                      <Badge tone={u.role === "admin" ? "blue" : "slate"}>{u.role}</Badge>
                    </Td>
                    <Td>{u.disabledAt ? <Badge tone="red">disabled</Badge> : <Badge tone="green">active</Badge>}</Td>
                    <Td>{formatDateTime(u.lastSignInAt)}</Td>
                    <Td>
                      {u.id === me.id ? (
                        <span className="text-xs text-slate-400">you</span>
                      ) : (
                        <InlineAction
                          action={setUserDisabledAction}
                          fields={{ userId: u.id, disabled: u.disabledAt ? "false" : "true" }}
                          label={u.disabledAt ? "Enable" : "Disable"}
                          variant={u.disabledAt ? "secondary" : "danger"}
                        />
                      )}
                    </Td>
                  </tr>
                ))}
              </tbody>
            </Table>
            <div>
              <h3 className="mb-3 text-sm font-semibold text-slate-800">Add a user</h3>
              <CreateUserForm />
            </div>
          </div>
        </Card>

        <Card title="API keys" description="For /api/v1: send 'Authorization: Bearer <key>'. A key is shown once; only its hash is kept.">
          <div className="space-y-6">
            <CreateApiKeyForm />
            {keys.length === 0 ? (
              <p className="text-sm text-slate-500">No API keys yet.</p>
            ) : (
              <Table label="API keys">
                <thead className="bg-slate-50">
                  <tr>
                    <Th>Name</Th>
                    <Th>Key</Th>
                    <Th>Role</Th>
                    <Th>Last used</Th>
                    <Th>Created</Th>
                    <Th />
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {keys.map((k) => (
                    <tr key={k.id}>
                      <Td className="font-medium text-slate-900">{k.name}</Td>
                      <Td className="font-mono text-xs">{k.prefix}…</Td>
                      <Td>
                        <Badge tone={k.role === "admin" ? "blue" : "slate"}>{k.role}</Badge>
                      </Td>
                      <Td>{formatDateTime(k.lastUsedAt)}</Td>
                      <Td>{formatDateTime(k.createdAt)}</Td>
                      <Td>
                        {k.revokedAt ? (
                          <Badge tone="red">revoked</Badge>
                        ) : (
                          <InlineAction action={revokeApiKeyAction} fields={{ apiKeyId: k.id }} label="Revoke" variant="danger" confirm={`Revoke ${k.name}? Programs using it stop working at once.`} />
                        )}
                      </Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            )}
          </div>
        </Card>

        <Card title="Postmark webhook" description="In Postmark: Servers → your server → Webhooks → Add webhook, for each stream you send on.">
          <dl className="grid gap-3 text-sm sm:grid-cols-[12rem_1fr]">
            <dt className="font-medium text-slate-600">Webhook URL</dt>
            <dd>
              <code className="break-all rounded bg-slate-100 px-2 py-1 font-mono text-xs">{webhookUrl}</code>
            </dd>
            <dt className="font-medium text-slate-600">Custom header name</dt>
            <dd>
              <code className="rounded bg-slate-100 px-2 py-1 font-mono text-xs">X-Webhook-Secret</code>
            </dd>
            <dt className="font-medium text-slate-600">Custom header value</dt>
            <dd>
              <details>
                <summary className="cursor-pointer text-brand-700">Reveal the secret (POSTMARK_WEBHOOK_SECRET)</summary>
                <code className="mt-2 block break-all rounded bg-slate-100 px-2 py-1 font-mono text-xs">{env.POSTMARK_WEBHOOK_SECRET}</code>
              </details>
            </dd>
            <dt className="font-medium text-slate-600">Basic auth</dt>
            <dd>{env.POSTMARK_WEBHOOK_BASIC_USER ? `On: put ${env.POSTMARK_WEBHOOK_BASIC_USER}:•••• in the URL (https://user:password@host/…)` : "Off (set POSTMARK_WEBHOOK_BASIC_USER and _PASSWORD to require it)"}</dd>
            <dt className="font-medium text-slate-600">Events to enable</dt>
            <dd>Delivery, Bounce, Spam complaint, Open, Link click, Subscription change</dd>
            <dt className="font-medium text-slate-600">Source IP check</dt>
            <dd>{env.POSTMARK_WEBHOOK_IP_ALLOWLIST === "off" ? "Off (set POSTMARK_WEBHOOK_IP_ALLOWLIST=postmark to accept only Postmark's published addresses)" : `On: ${env.POSTMARK_WEBHOOK_IP_ALLOWLIST}`}</dd>
          </dl>
          <div className="mt-4 border-t border-slate-100 pt-4">
            <WebhookTestButton />
          </div>
        </Card>
      </div>
    </>
  );
}
