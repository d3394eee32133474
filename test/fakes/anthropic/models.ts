/** `GET /v1/models` of the fake: the Models API page shape over a configurable list. Pure. */
import type { FakeModel } from "./types.js";

export const DEFAULT_FAKE_MODELS: FakeModel[] = [
  { id: "claude-opus-5-5", display_name: "Claude Opus 5.5", created_at: "2026-11-18T00:00:00Z" },
  { id: "claude-sonnet-5-5", display_name: "Claude Sonnet 5.5", created_at: "2026-11-18T00:00:00Z" },
  { id: "claude-haiku-5-5", display_name: "Claude Haiku 5.5", created_at: "2026-11-18T00:00:00Z" },
  { id: "claude-opus-4-5-20251101", display_name: "Claude Opus 4.5", created_at: "2025-11-24T00:00:00Z", lifecycle: "deprecated", retires_at: "2027-01-22T00:00:00Z" },
];

/** One page for the query (`limit` 1–1000, default 20; `after_id`, `before_id`), or a 400 message. */
export function modelsPage(models: readonly FakeModel[], query: URLSearchParams): { body: unknown } | { invalid: string } {
  const limit = Number(query.get("limit") ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return { invalid: "limit: Input should be between 1 and 1000" };
  const afterId = query.get("after_id");
  const beforeId = query.get("before_id");
  const start = afterId ? models.findIndex((m) => m.id === afterId) + 1 : 0;
  const end = beforeId ? Math.max(0, models.findIndex((m) => m.id === beforeId)) : models.length;
  const from = beforeId ? Math.max(start, end - limit) : start;
  const to = beforeId ? end : Math.min(end, start + limit);
  const data = models.slice(from, to).map((m) => ({
    type: "model",
    id: m.id,
    display_name: m.display_name ?? m.id,
    created_at: m.created_at ?? "2026-01-01T00:00:00Z",
    ...(m.lifecycle ? { lifecycle: m.lifecycle } : {}),
    ...(m.retires_at !== undefined ? { retires_at: m.retires_at } : {}),
  }));
  const hasMore = beforeId ? from > start : to < end;
  return { body: { data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null } };
}
