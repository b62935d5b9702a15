import { complaintBreakerDrill } from "./complaint-breaker";
import { databaseRestartDrill } from "./database-restart";
import { floodDrill } from "./flood";
import { hostileInputDrill } from "./hostile-input";
import { outboundReceiversDrill } from "./outbound-receivers";
import { postmarkTroubleDrill } from "./postmark-trouble";
import { processDeathDrill } from "./process-death";
import { sequenceDeathDrill } from "./sequence-death";
import { twoInstancesDrill } from "./two-instances";
import { webhookSilenceDrill } from "./webhook-silence";
import type { DrillResult, Size } from "./support";
import type { DrillSystem } from "./system";

export interface Drill {
  name: string;
  run: (sys: DrillSystem, size: Size) => Promise<DrillResult>;
  /** App processes the drill's system runs (default 1). */
  instances?: 1 | 2;
}

/** The seven drills of issue 8, in its order, then issue 17's sequence crash, issue 18's complaint breaker and issue 19's two instances. */
export const DRILLS: Drill[] = [
  { name: "database", run: databaseRestartDrill },
  { name: "kill", run: processDeathDrill },
  { name: "postmark", run: postmarkTroubleDrill },
  { name: "silence", run: webhookSilenceDrill },
  { name: "hostile", run: hostileInputDrill },
  { name: "flood", run: floodDrill },
  { name: "outbound", run: outboundReceiversDrill },
  { name: "sequence", run: sequenceDeathDrill },
  { name: "breaker", run: complaintBreakerDrill },
  { name: "instances", run: twoInstancesDrill, instances: 2 },
];
