/** 12,345: counts in messages read the same whatever the server's locale. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}
