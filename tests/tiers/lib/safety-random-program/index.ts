import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

const keepers = { rotation: new pulumi.Config().get("rotation") ?? "initial" };
const password = new random.RandomPassword("session-key", { length: 64, special: false, keepers });
const bytes = new random.RandomBytes("jwt-signing-key", { length: 64, keepers });
// Secret outputs: the check compares them with `stack export`, and never prints them.
export const sessionKey = password.result;
export const jwtSigningKey = bytes.base64;
