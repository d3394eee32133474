/** Mask a secret for display: first 8 and last 4 characters (`sk-ant-a…wxyz`); short values show less. */
export function maskSecret(secret: string | undefined | null): string {
  if (!secret) return "(none)";
  if (secret.length < 20) return `${secret.slice(0, 3)}…`;
  return `${secret.slice(0, 8)}…${secret.slice(-4)}`;
}
