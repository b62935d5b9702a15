/**
 * Reads a request body as a stream and stops at `max` bytes, so an oversized body is never held in
 * memory whole. `tooLarge` says the body went past the cap; `bytes` is what was read before it.
 */
export async function readBodyCapped(req: Request, max: number): Promise<{ bytes: Buffer; tooLarge: boolean }> {
  if (!req.body) return { bytes: Buffer.alloc(0), tooLarge: false };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > max) {
      chunks.push(value.subarray(0, max - size));
      await reader.cancel().catch(() => {});
      return { bytes: Buffer.concat(chunks), tooLarge: true };
    }
    size += value.byteLength;
    chunks.push(value);
  }
  return { bytes: Buffer.concat(chunks), tooLarge: false };
}
