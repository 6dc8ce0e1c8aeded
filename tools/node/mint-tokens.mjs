// Mints tokens with Agora's own npm package, agora-token, for the Go
// tests: they diagnose tokens that Agora's code made, not ours.
//
// Standard input holds a JSON array of requests, each
// {"name": "...", "builder": "RtcTokenBuilder.buildTokenWithUid", "args": [...]},
// where builder names a class and method of the package; the 006
// builders go by RtcTokenBuilder006 and RtmTokenBuilder006. Standard
// output gets a JSON object from each name to its token.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const agora = require("agora-token");
const builders = {
  RtcTokenBuilder: agora.RtcTokenBuilder,
  RtmTokenBuilder: agora.RtmTokenBuilder,
  RtcTokenBuilder006: require("agora-token/src/RtcTokenBuilder").RtcTokenBuilder,
  RtmTokenBuilder006: require("agora-token/src/RtmTokenBuilder").RtmTokenBuilder,
};

const out = {};
for (const { name, builder, args } of JSON.parse(readFileSync(0, "utf8"))) {
  const [cls, method] = builder.split(".");
  const build = builders[cls]?.[method];
  if (typeof build !== "function") {
    throw new Error(`${name}: no builder ${builder}`);
  }
  out[name] = build.apply(builders[cls], args);
}
process.stdout.write(JSON.stringify(out));
