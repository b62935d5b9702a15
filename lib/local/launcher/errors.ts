/** An expected start-up failure: printed as one line (`postline: …`), never as a stack trace. */
export class LauncherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LauncherError";
  }
}
