import { PROFILE_ID } from "../../config/profile-id.js";

/** What `/model ...` asks for. Pure parsing; validation against models and profiles happens later. */
export type ModelCommand =
  | { kind: "show" }
  | { kind: "list" }
  | { kind: "status" }
  | { kind: "default" }
  | { kind: "set"; model?: string; profileId?: string }
  | { kind: "invalid"; reason: string };

const MAX_ARG_LENGTH = 200;

export function parseModelCommand(args: string): ModelCommand {
  const text = args.trim();
  if (!text) return { kind: "show" };
  if (text.length > MAX_ARG_LENGTH) return { kind: "invalid", reason: `That is too long for a model name (${text.length} characters; at most ${MAX_ARG_LENGTH}).` };
  if (/\s/.test(text)) return { kind: "invalid", reason: "Give one model, e.g. `/model opus` or `/model opus@anthropic:work`." };
  const lower = text.toLowerCase();
  if (lower === "list") return { kind: "list" };
  if (lower === "status") return { kind: "status" };
  if (lower === "default" || lower === "reset") return { kind: "default" };
  const at = text.indexOf("@");
  if (at < 0) return { kind: "set", model: text };
  const model = text.slice(0, at);
  const profileId = text.slice(at + 1);
  if (!profileId) return { kind: "invalid", reason: "Missing profile after @, e.g. `/model opus@anthropic:work`." };
  if (!PROFILE_ID.test(profileId)) return { kind: "invalid", reason: `"${profileId}" is not a profile id (they look like provider:name, e.g. anthropic:work).` };
  return { kind: "set", model: model || undefined, profileId };
}

/** Native command options (Discord) to the same text form. */
export function modelArgsToText(args: Record<string, string>): string {
  if (args.view) return args.view;
  const model = args.model?.trim() ?? "";
  const profile = args.profile?.trim();
  return profile ? `${model}@${profile}` : model;
}
