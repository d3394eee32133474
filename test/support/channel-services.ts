/**
 * The core's per-channel services for a test harness that builds a ChannelContext itself:
 * `state` on the file backend in the given directory, a masking `log` over the harness's
 * recording logger, and `effect` with a scope the test disposes (as the gateway does when an
 * attempt ends).
 */
import { PluginScope } from "../../src/chat/plugin-scope.js";
import type { ChannelContext, Logger } from "../../src/plugin-api.js";
import { maskingLogger } from "../../src/plugin-api.js";
import { FileChannelState } from "../../src/state/file/channel-state.js";

export interface ChannelServices extends Pick<ChannelContext, "state" | "log" | "effect"> {
  /** Disposes what was registered through `effect`, newest first (as after `plugin.stop()`). */
  dispose(): Promise<void>;
}

export function channelServices(stateDir: string, log: Logger, channel = "test"): ChannelServices {
  let scope = new PluginScope(log, channel);
  return {
    state: new FileChannelState(stateDir),
    log: maskingLogger(log),
    effect: (setup) => scope.effect(setup),
    async dispose() {
      const ending = scope;
      scope = new PluginScope(log, channel); // a harness may start the plugin again
      await ending.dispose();
    },
  };
}

/** A channel's state kept in `dir` by the file backend (`<dir>/<key>.json`), as the gateway keeps `<state>/channels/<id>/`. */
export function fileChannelState(dir: string): ChannelContext["state"] {
  return new FileChannelState(dir);
}
