/** Words the reactivation refuses with and the contact page shows (no imports: client components read it). */
export const SPAM_COMPLAINT_PERMANENT =
  "A spam complaint cannot be lifted: the person told their mailbox provider this mail is spam, and Postmark never lets a sender mail them again. Only the person can subscribe again (a signup form).";
