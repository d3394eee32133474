/** What the plugin stops on shutdown: the long-polling runner or the webhook server. */
export interface UpdateIntake {
  /** Stops taking updates and waits up to `graceMs` for handlers already running. */
  stop(graceMs: number): Promise<void>;
}
